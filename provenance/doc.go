// Package provenance says which environment a store's evidence was
// recorded against, so that nobody mistakes emulator or look-alike traffic
// for evidence from the Axys staging API.
//
// # Collection
//
// A Collector is fed by the sidecar: NewCollector records a start (time
// and tool version) on top of what the store kept, SetClientCertificate
// the client certificate presented upstream (its subject's O is the Axys
// Tenant, its OUs the Programs), and ObserveHandshake every upstream TLS
// handshake: the origin (scheme, host, port) and its server certificate
// chain (leaf and trust anchor, DER included), how it was verified and its
// class. Handshakes already seen cost a hash and a map lookup; the
// provenance is saved (Options.Saver, the store) only when it changes, so
// the per-call path is untouched. Call counts, first and last times and
// API-key fingerprints are not collected: a Tally derives them from the
// records at export time (records carry their URL, time, certificate
// fingerprints and the redacted X-API-Key header), and verify derives them
// again from the bundle's records.
//
// # Environment classes
//
// Classify decides the class of each chain, from facts a bundle carries
// and verify can check:
//
//   - emulator: the leaf carries both of the emulator's marks, the subject
//     O EmulatorOrganization and the private extension EmulatorMarker
//     (internal/axysemu puts them in its server certificate; credentials
//     made before the marks existed are regenerated). An emulator is an
//     emulator even when its CA sits in the system trust store.
//   - axys-staging: only StagingHost:StagingPort, verified against the
//     system trust store. A claim of system trust is not taken on faith:
//     the collector verifies the chain for the host against the system
//     roots itself (x509.SystemCertPool, which honours SSL_CERT_FILE), and
//     records a chain that fails as unverified.
//   - other: anything else. In particular the staging host name verified
//     only against roots given with --upstream-ca: whoever holds such a
//     root can answer for any name, so the report shows the root's
//     SHA-256 for the auditor to compare with Axys's. Calls whose server
//     certificate was never observed (stores from before provenance, plain
//     HTTP, past the collector's limits) are other too.
//
// An origin's class combines its chains' (Combine: the common class, or
// mixed), and a source's combines its origins' (none when no call reached
// an upstream: refusals by the guard prove nothing about an environment).
//
// # Nothing secret
//
// Certificates are public. API keys appear only as the fingerprints the
// recorder's redaction already wrote into the records ("[redacted:<hex>]");
// a header value not in that form is never copied.
package provenance
