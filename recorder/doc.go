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
// With Sync durability (the default) Record returns after the fsync, so a
// response the app received always has its record, even after SIGKILL.
// With Async durability Record only queues; a full queue (Options.QueueSize
// records or Options.QueueBytes bytes) makes Record return ErrQueueFull
// and the lost calls are written as a KindGap record, never a silent hole.
//
// When a commit fails (full disk, I/O error, Options.MaxSize reached),
// Healthy returns an error wrapping ErrStoreUnavailable, waiting callers get
// that error, and the records are held (up to Options.QueueSize) and
// retried with backoff; those that cannot be held are counted in a gap
// record once commits succeed again. The caller decides what to refuse
// while the store is unhealthy (the proxy refuses new calls with a 503).
//
// # Redaction
//
// See Redactor for what is replaced. A Store never writes an unredacted
// record: without Options.Redactor it uses one with a random key. Use
// LoadOrCreateKey for a per-install key, so that fingerprints correlate
// across restarts.
//
// # Layout of the bbolt file (schema version 1)
//
// Pages are 16 KiB. Buckets:
//
//	meta      schema_version (uint32 BE), instance_id (hex), created
//	          (RFC 3339), head_seq (uint64 BE), head_hash (32 bytes)
//	records   seq (uint64 BE) → envelope
//
// There is no time index: every commit would rewrite its last leaf, and a
// time-range read (an export's --since/--until) is rare and cheap enough as
// a scan of the envelopes' times, which needs no decompression.
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
// through WriteSnapshot.
//
// # Reading
//
// Iterate and IterateTime copy records out in chunks of 256 per short read
// transaction and call back outside it, so readers never stall the writer.
// Records come back decompressed, redacted and detached from the file.
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
//	evidence_proxy_recorder_gaps_total                counter: gap records written
//	evidence_proxy_recorder_lost_records_total        counter: calls not recorded (each in a gap record)
//	evidence_proxy_recorder_redactions_total          counter: secrets replaced
//	evidence_proxy_recorder_errors_total{op}          counter: op = commit | encode | read | snapshot
//	evidence_proxy_recorder_healthy                   gauge: 1, or 0 while commits fail
//	evidence_proxy_recorder_last_sequence             gauge: head sequence number
package recorder
