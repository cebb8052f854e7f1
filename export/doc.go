// Package export writes, verifies and merges evidence bundles: the one file
// an auditor receives. A bundle must be complete, impossible to alter
// unnoticed, readable with ordinary tools and free of secrets (records are
// redacted before they are stored; what export adds, the provenance, holds
// public certificates and the key fingerprints the records already carry),
// and it must say where its evidence comes from and who vouches for it.
//
// The package knows records only through the Source iterator it declares,
// and coverage only through the injected Coverage and MatrixLoader
// (package export/bundlecov adapts package coverage); it does not know the
// proxy, bbolt or the classifier.
//
// # Bundle format (evidence-proxy/bundle/v2)
//
// A bundle is a tar archive compressed as one zstd stream, so
// `tar --zstd -xf bundle.tar.zst` opens it. Members, in order:
//
//	manifest.json   what the bundle holds (Manifest), indented JSON
//	manifest.sig    DSSE envelope signing manifest.json
//	matrix.yaml     the coverage matrix, canonical YAML (coverage.Matrix.Canonical)
//	records.jsonl   the records, one per line, in sequence order
//	traces.har      HAR 1.2 of the same calls (see har.go)
//	coverage.json   the coverage report over the records, and its
//	coverage.md     Markdown and HTML renderings, each starting with the
//	coverage.html   provenance header (Header)
//
// # Attachments and derived members (evidence-proxy/bundle/v3)
//
// A v3 bundle adds members a v2 bundle does not have (attach.go), each
// bound to the manifest by size and SHA-256 like every other. The
// attachments are files carried as they were given, right after
// matrix.yaml so that verify has them before the records:
//
//	openapi.yaml            the API description the contract findings use
//	readiness-content.yaml  the audit-readiness content the view uses
//	golive-checklist.yaml   the integrator's go-live checklist, if given
//	golive-result.json      a signed go-live result, if given
//
// and the derived members, after the coverage reports, are recomputed by
// verify from the records and the attachments and compared byte for byte:
//
//	contract.json   every call held against the description (findings
//	                grouped per endpoint and rule)
//	readiness.json  the audit-readiness view, and its Markdown
//	readiness.md
//
// The manifest's contract names the description (title, version, SHA-256
// of openapi.yaml). Export knows none of these contents: an Attaching
// Coverage (package bundlecov) computes over the attachments, and adds the
// defaults it used, so the bundle is self-contained; a verifier with
// another built-in description or content recomputes from the bundle's.
// The go-live result is only carried: its signature is the caller's to
// check (VerifyResult.Attachments). A bundle without any of this is
// written as v2, which tools that know only v2 verify; they refuse v3 by
// its format rather than misread it.
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
// # Provenance and the environment class
//
// The manifest says where the evidence comes from, per source: the
// upstream origins the calls reached (scheme, host, port, call count,
// first and last call), each origin's server certificate chains (leaf and
// root: subject, issuer, SHA-256, validity, the certificate itself, and
// whether the system trust store or --upstream-ca verified it), the client
// certificates presented (their subject's O is the Axys Tenant, the OUs
// the Programs), the API-key fingerprints the calls carried (the
// redaction's "[redacted:<hex>]", never a key), the sidecar's instance id
// and starts, and the environment class (package provenance):
// axys-staging only for staging.api.axyscards.com:443 verified by the
// system trust store, emulator for the project's emulator (recognised by
// its certificate's marks), other for anything else, mixed for several.
// Manifest.Environment combines the sources' classes.
//
// Export derives it from the store's observed provenance (Options
// Provenance) and the exported records (provenance.Tally); verify derives
// it again from the bundle's records and its certificates and requires the
// same: a record that reached an origin the provenance does not list, a
// count, time, certificate fact or class that the records and
// certificates do not bear out, is a failure naming the member. Every
// coverage report starts with the same few lines (Header: the class first,
// "NOT AXYS STAGING: …" for anything else, who recorded, keys, sidecar,
// window, matrix), and verify prints them first (VerifyResult.Lines).
//
// # The embedded matrix
//
// matrix.yaml is the matrix the coverage was computed against; its SHA-256
// is the manifest's matrix sha256 and its member hash. Verify rebuilds the
// coverage computation from it (VerifyOptions.Matrices), so verifying needs
// the bundle and the signer's public key, nothing else; a matrix the
// caller names (ExpectMatrix) that differs is reported, not used. Verify
// also says what the matrix drops, replaces or adds compared with the
// verifier's built-in one (MatrixDiff): what a program excused itself
// from.
//
// # What is signed and what verify proves
//
// The manifest lists every other member's size and SHA-256, the matrix the
// coverage was computed against, the provenance and environment, the
// requested time window, and for each source chain its instance id, record
// count, first and last sequence numbers and times, the prev_hash of its
// first record and its chain head. manifest.sig is a DSSE envelope
// (payloadType PayloadType, payload the manifest bytes) whose ed25519
// signature covers PAE(payloadType, payload), so the signed bytes bind the
// type (package dsse, which the go-live result's envelope uses too). The
// signer's public key is in the manifest.
//
// Verify checks the envelope (canonical, exact payload, key id, signature),
// then every member's size and hash as it streams by, every record's chain
// hash recomputed with evidence.Record.Check from the manifest's prev_hash
// with no gap in sequence numbers up to the manifest's chain head, the
// provenance against the records, and finally recomputes the coverage
// reports (from the embedded matrix, with their header) and the HAR from
// the records and compares them byte for byte. So any change, insertion,
// deletion or reordering of records, and any edit of a member, is
// detected.
//
// Rewriting the whole bundle consistently only needs a signing key, any
// key: an intact bundle proves nothing about who made it. So verify is
// authenticated or it is not verified. With VerifyOptions.PublicKeys (the
// integrator's key, handed over with the bundle; for a merged bundle the
// merger's and every source's) every signature must be by a pinned key,
// else the bundle is invalid. With none, Verify checks everything else and
// returns ErrUnauthenticated with its result: "intact, but anyone could
// have made it".
//
// # Exit codes
//
// The command-line verify exits with (ExitCode maps Verify's error):
//
//	0  verified: every check passed, every signature by a pinned key
//	1  invalid, or could not be checked (any other error)
//	2  usage: the command line is wrong
//	3  unauthenticated: every check passed, but no key was pinned
//
// so that `verify && accept` accepts only a verified bundle.
//
// # Bad input
//
// Verify assumes nothing about its input: the zstd window is capped
// (maxWindow), claimed member sizes are checked against caps or the signed
// manifest before reading, record lines are bounded (maxRecordLine),
// nothing may follow the archive's end, and header text taken from
// certificates is stripped of control characters and escaped for Markdown
// and HTML. Every failure due to the bundle
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
// (OverlapError, ConflictError, DuplicateInstanceError), inputs computed
// against different matrices (MatrixMismatchError) and inputs of
// different environment classes (MixedClassError, naming each input and
// its class) unless MergeOptions.AllowMixed, which the merged manifest
// (environment.allow_mixed) and reports then state. It keeps every chain
// intact with its source's provenance, and computes one HAR and one
// coverage report over all records in the merge order described in
// mergeorder.go: by time across sources, each source in its own sequence
// order, ties to the lower instance id.
package export
