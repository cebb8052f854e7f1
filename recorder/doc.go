// Package recorder keeps the evidence log: it redacts every record before
// anything touches disk, numbers records without gaps, chains their hashes
// and commits them durably to one bbolt file, and reads them back in order
// for coverage and export. It knows nothing of HTTP handling or the
// coverage matrix; the record type lives in package evidence.
//
// # Writing
//
// Open starts one writer goroutine. Store.Record does the per-record work
// on the caller's goroutine (redaction, canonical encoding, zstd) and hands
// the record to the writer, which drains whatever is queued (up to 256
// records) into one transaction: it assigns sequence numbers, seals the
// hash chain, writes, and commits with fsync. In Sync mode there is no
// timer: one lone call waits for one commit, and concurrent calls share the
// commit after the one in progress. In Async mode nobody waits, so the
// writer lets records gather for Options.CommitInterval (5ms) first and a
// transaction carries tens of records instead of a few. The canonical
// template and the envelope of each record are recycled buffers, returned
// after the commit.
//
// # Durability and what a crash can lose
//
// With Sync durability (the default) Record returns after the fsync, so a
// response the app received always has its record, even after SIGKILL.
// What a kill can lose is only the records of calls still in flight: at
// most one per concurrent call, none of which the app got an answer for
// (some may have reached the upstream).
//
// With Async durability Record only queues; a full queue (Options.QueueSize
// records or Options.QueueBytes bytes) makes Record return ErrQueueFull
// and the lost calls are written as a KindGap record (cause
// evidence.GapQueueFull), never a silent hole. A kill loses the records
// still queued or being committed: at most Options.QueueSize + 256
// records (4352 by default), all of calls answered after the last
// committed record; with a writer that keeps up, the calls answered in
// the last Options.CommitInterval (5ms) plus one commit.
//
// # The clean-shutdown marker
//
// The meta key run_state says whether the store is open ("open sync",
// "open async", written by Open) or was closed with nothing left behind
// ("closed", written by Close). When Open finds the store still marked
// open, the previous run stopped without Close (a kill, a crash, power
// loss, or a Close that gave up on a failing store), and the first record
// it writes, in the same transaction as its own marker, is a gap record
// with cause evidence.GapUncleanShutdown: AfterSeq is the last committed
// record, From its time, Until the time of the Open. Its Reason says what
// the previous run's durability lets be missing: in async mode, calls
// answered after AfterSeq; in sync mode, no answered call, only calls in
// flight (and calls refused during a store outage at the time, which are
// counted only when it ends). It is written in sync mode too, so that
// every unclean stop is visible in the chain. Opening for writing takes
// one small commit; a store that cannot commit (a full disk) does not
// open. Stores written before the marker existed get no such record on
// their first open.
//
// # Store outages
//
// When a commit fails (full disk, I/O error, Options.MaxSize reached), an
// outage begins: Healthy returns an error wrapping ErrStoreUnavailable,
// waiting callers get that error, and the store retries with backoff
// (Options.RetryInterval doubling up to 5s). Healthy turns nil with the
// first commit that succeeds.
//
//   - Records of calls that were forwarded (their side effect happened
//     upstream) are held, up to Options.QueueSize, and committed after
//     recovery; those that cannot be held are counted as lost.
//   - Records of calls the proxy refused without forwarding them
//     (Error.Kind evidence.ErrStoreUnavailable, synthetic response) are
//     counted, not queued, and Record returns nil for them: queued, they
//     would fill the space freed and keep the store failing for good.
//   - The outage is recorded once, when it ends, as one gap record (cause
//     evidence.GapStoreOutage: From, Until, Refused, Lost and the Error),
//     at the head of the first commit that succeeds, before anything else
//     written after recovery.
//   - The log gets one line when the outage starts, a summary at most
//     every 30s while it lasts (refused, held and lost counts, the error)
//     and one line when it ends; never a line per call.
//
// The caller decides what to refuse while the store is unhealthy (the
// proxy refuses new calls with a 503). A store whose outage never ends
// cannot record it: Close then reports the records and refusals no gap
// record counts, leaves the store marked open, and the next Open writes
// the unclean-shutdown gap record.
//
// Each failed commit makes bbolt rebuild its free-page list by walking
// the whole file (the list is not stored, see the layout): one walk per
// retry, at most one every 5s.
//
// # Snapshots
//
// Store.Snapshot copies the store, in one short read transaction, at disk
// speed, into a temporary file beside it (<store>.snapshot-<random>);
// Snapshot.WriteTo streams that copy as slowly as the reader likes and
// Snapshot.Remove deletes it. WriteSnapshot (behind /snapshot) does all
// three. No reader pins the store's pages for longer than the copy, so a
// slow download no longer makes the store grow. Space: a snapshot needs
// free space equal to the store's size in the data directory, and refuses
// (ErrSnapshotSpace) when the copy would leave less than
// Options.SnapshotReserve (64 MiB) free, so it never takes the space
// commits need. A store opened for writing removes the copies a killed
// run left. A reader that goes away makes WriteSnapshot fail with
// ErrSnapshotSend, which is not a store error (errors_total{op="snapshot"}
// counts only failures to copy or read the store).
//
// # Compaction
//
// Compact(src, dst) copies a stopped store into a new file with every page
// full, giving back the space of free pages (a store that grew while a
// reader pinned it keeps its size otherwise: bbolt reuses free pages but
// never shrinks the file). The copy is verified before it is linked into
// place: same meta bucket (instance id, chain head, run state), every
// record decodes and chains to the head. It needs free space for the
// copy, about the size of the live data.

// # Redaction
//
// See Redactor for what is replaced. A Store never writes an unredacted
// record: without Options.Redactor it uses one with a random key. Use
// LoadOrCreateKey for a per-install key, so that fingerprints correlate
// across restarts.
//
// Secrets are searched for in the canonical form of every value, the
// text the app's HTTP stack or JSON decoder would see (percent-encoding
// up to three rounds, '+' as a space, JSON escapes, JSON numbers read as
// values; see canonical_decode.go), and replaced in the original
// encoding. Secret names are matched by tokens against families (see
// redact_names.go): "pinNumber", "card[pin]", "X-Card-Pin" and "otp_value"
// are secrets, "pinned", "tokenType" and "cardId" are not.
//
// The rules are data. The built-in ones, redact_defaults.yaml, always
// apply: the headers X-API-Key, Authorization, Proxy-Authorization,
// Cookie and Set-Cookie; the families card number, card verification
// value, PIN, one-time code, password, secret, credential token and key;
// "code" on /otp/ URLs. A program adds its own with RedactOptions.Rules:
// ParseRedactField for one --redact-field value (a name, header:NAME,
// query:NAME, json:PATH, regex:PATTERN), LoadRedactRules for a YAML file
// with the same keys as RedactRules (strict: unknown keys, bad patterns
// and paths are errors naming their line), and RedactPreset("pii"),
// off by default, for personal data (redact_pii.yaml: names, dates and
// places of birth, address lines, cities and postal codes, phone and
// cell numbers, e-mail addresses, national ids, bank account numbers).
// Every rule replaces a value by its keyed fingerprint, so equal values
// stay correlatable.
//
// # Layout of the bbolt file (schema version 1)
//
// Pages are 16 KiB. Buckets:
//
//	meta      schema_version (uint32 BE), instance_id (hex), created
//	          (RFC 3339), head_seq (uint64 BE), head_hash (32 bytes),
//	          run_state ("open sync", "open async" or "closed")
//	records     seq (uint64 BE) → envelope
//	provenance  "provenance" → the store's evidence.Provenance as JSON
//
// The provenance bucket (provenance.go) is created by the first
// SaveProvenance, so stores from before it open unchanged and have none.
// It holds what the sidecar observed as it ran (its starts and tool
// versions, the upstream origins with their server certificate chains,
// the client certificates it presented), replaced whole when that changes,
// never per call. It holds nothing secret and is not part of the hash
// chain: a bundle binds it by deriving it again from the records.
//
// There is no time index: every commit would rewrite its last leaf, and a
// time-range read (--since/--until) is rare and cheap enough as a scan of
// the times the envelopes keep, which needs no decompression (see
// Reading).
//
// An envelope is: version byte (1) ‖ record time (unix ns, 8 bytes) ‖
// hash (32 bytes) ‖ previous hash (32 bytes) ‖ zstd frame of the record's
// canonical JSON with seq 0 and prev_hash "" (the fastest level, without
// the entropy stage: Huffman tables built per record of a few KiB cost
// more CPU than the matching and save a quarter of the size; bundles are
// compressed again as one stream). Reading puts Seq (the key),
// PrevHash and Hash back, and the record checks with evidence.Record.Check.
// The whole record is compressed, bodies and headers alike (the bodies are
// most of it). The head is written in the same transaction as the records
// and checked on Open: the last record must be the head and hash to it,
// else Open fails with ErrChainMismatch.
//
// A new store is created under a temporary name and linked into place once
// synced, so a crash never leaves a half-made file. bbolt holds an
// exclusive lock on the file: a second Open (even OpenReadOnly) fails with
// ErrLocked after Options.LockTimeout. A running store is read from outside
// through a snapshot (see Snapshots).
//
// # Reading
//
// Every read goes through one ordered record stream, Store.Stream: all
// records, From or To a sequence number, or those whose time is in a
// Window (evidence.Window, [Since, Until)), handed over one at a time
// (Each) or in batches (EachBatch). Coverage rebuilt at a start, the
// offline commands, export (a Stream is an export.Source) and VerifyChain
// all use it; Iterate and IterateTime are shorthands for it. Records come in sequence (commit) order, copied out
// in chunks of 256 per short read transaction and handed over outside it,
// so readers never stall the writer; they come back decompressed,
// redacted and detached from the file.
//
// A window is applied on the envelope's record time before anything is
// copied or decompressed: a read of one hour out of a month's store
// decompresses that hour's records only, and looks at 8 bytes of every
// other envelope (commit order is only roughly time order, so no envelope
// of the range can be skipped unseen). Stream.Span finds the first and
// last record of a window the same way, decompressing nothing: an
// export of a window takes that whole run, so its chain stays verifiable.
//
// # Metrics
//
// Registered on Options.Registerer (none when nil):
//
//	evidence_proxy_recorder_records_committed_total   counter
//	evidence_proxy_recorder_commit_duration_seconds   histogram: one group commit, fsync included
//	evidence_proxy_recorder_commit_batch_records      histogram: records per commit
//	evidence_proxy_recorder_queue_records             gauge: queued plus held for retry
//	evidence_proxy_recorder_store_size_bytes          gauge: file size
//	evidence_proxy_recorder_gaps_total{cause}         counter: gap records written: queue_full, store_outage, unclean_shutdown, other
//	evidence_proxy_recorder_lost_records_total        counter: calls not recorded (each in a gap record)
//	evidence_proxy_recorder_redactions_total          counter: secrets replaced
//	evidence_proxy_recorder_errors_total{op}          counter: op = commit | encode | read | snapshot
//	evidence_proxy_recorder_healthy                   gauge: 1, or 0 while commits fail
//	evidence_proxy_recorder_last_sequence             gauge: head sequence number
package recorder
