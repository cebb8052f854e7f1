// Package export writes, verifies and merges evidence bundles: the one file
// an auditor receives. A bundle must be complete, impossible to alter
// unnoticed, readable with ordinary tools and free of secrets (records are
// redacted before they are stored; export adds nothing that was not in
// them).
//
// The package knows records only through the Source iterator it declares,
// and coverage only through the injected Coverage; it does not know the
// proxy, bbolt or the classifier.
//
// # Bundle format (evidence-proxy/bundle/v1)
//
// A bundle is a tar archive compressed as one zstd stream, so
// `tar --zstd -xf bundle.tar.zst` opens it. Members, in order:
//
//	manifest.json   what the bundle holds (Manifest), indented JSON
//	manifest.sig    DSSE envelope signing manifest.json
//	records.jsonl   the records, one per line, in sequence order
//	traces.har      HAR 1.2 of the same calls (see har.go)
//	coverage.json   the coverage report over the records, and its
//	coverage.md     Markdown and HTML renderings
//	coverage.html
//
// A merged bundle replaces records.jsonl with, per source instance,
// sources/<instance-id>/manifest.json, sources/<instance-id>/manifest.sig
// (the source's original, still verifiable) and
// sources/<instance-id>/records.jsonl; traces.har and the coverage reports
// cover every source.
//
// Each records.jsonl line is exactly a record's canonical form
// (evidence.Record.Canonical: encoding/json, HTML escaping off) with its
// hash field, and a newline. Verify decodes each line strictly and requires
// it to re-encode to the same bytes, so no byte of the file can change
// without changing a record.
//
// # What is signed and what verify proves
//
// The manifest lists every other member's size and SHA-256, the matrix the
// coverage was computed against, and for each source chain its instance id,
// record count, first and last sequence numbers and times, the prev_hash of
// its first record and its chain head. manifest.sig is a DSSE envelope
// (payloadType PayloadType, payload the manifest bytes) whose ed25519
// signature covers PAE(payloadType, payload), so the signed bytes bind the
// type. The signer's public key is in the manifest.
//
// Verify checks the envelope (canonical, exact payload, key id, signature),
// then every member's size and hash as it streams by, every record's chain
// hash recomputed with evidence.Record.Check from the manifest's prev_hash
// with no gap in sequence numbers up to the manifest's chain head, and
// finally recomputes the coverage reports and the HAR from the records and
// compares them byte for byte. So any change, insertion, deletion or
// reordering of records, and any edit of a member, is detected. Rewriting
// the whole bundle consistently needs a signing key: with --pubkey the
// verdict says "(pinned)" and a bundle re-signed by any other key fails;
// without it, verify proves the bundle is intact and self-consistent and
// says which key signed it "(not pinned)".
//
// Recomputing coverage requires the verifier to use the same matrix: a
// different one is reported as such, not as tampering of the records.
//
// # Bad input
//
// Verify assumes nothing about its input: the zstd window is capped
// (maxWindow), claimed member sizes are checked against caps or the signed
// manifest before reading, record lines are bounded (maxRecordLine), and
// nothing may follow the archive's end. Every failure due to the bundle
// matches ErrInvalidBundle and is a FormatError, MemberError, RecordError or
// SignatureError naming the member, line, sequence number and reason.
//
// # Resources
//
// Write stages records.jsonl and traces.har in temporary files beside the
// output (a tar header needs a member's size before its bytes), computes
// hashes and coverage while staging, then streams the tar through one zstd
// encoder (SpeedDefault, no background goroutines) into a temporary file
// that is fsynced and renamed: memory does not grow with the record count,
// and a crash never leaves a partial bundle under the real name. Verify
// reads the bundle once (twice for a merged bundle, then once per source
// side by side). Bundles are created with mode 0600: share them
// deliberately.
//
// # Merging
//
// Merge verifies every input, refuses two inputs of the same instance
// (OverlapError, ConflictError, DuplicateInstanceError), keeps every chain
// intact, and computes one HAR and one coverage report over all records in
// the merge order described in mergeorder.go: by time across sources, each
// source in its own sequence order, ties to the lower instance id.
package export
