package evidence

import (
	"net"
	"time"
)

// Class is the environment class of an upstream origin, of a record
// source, or of a whole bundle: which API the evidence was recorded
// against. Package provenance decides it; this package only names it.
type Class string

const (
	// ClassAxysStaging is the documented Axys staging host
	// (staging.api.axyscards.com:443) whose certificate chain verified
	// against the system trust store.
	ClassAxysStaging Class = "axys-staging"
	// ClassEmulator is evidence-proxy's own emulator, recognised by the
	// marker in its server certificate.
	ClassEmulator Class = "emulator"
	// ClassOther is anything else: another host, the staging host name
	// verified only against roots given with --upstream-ca, or calls whose
	// certificate chain was never observed.
	ClassOther Class = "other"
	// ClassMixed summarises origins or sources of different classes.
	ClassMixed Class = "mixed"
	// ClassNone says that no call reached an upstream (only refusals,
	// failures before a response, events).
	ClassNone Class = "none"
)

// Valid reports whether c is one of the classes above.
func (c Class) Valid() bool {
	switch c {
	case ClassAxysStaging, ClassEmulator, ClassOther, ClassMixed, ClassNone:
		return true
	}
	return false
}

// How a server certificate chain was verified, in Chain.VerifiedBy.
const (
	// VerifiedBySystem: against the system trust store (no --upstream-ca).
	VerifiedBySystem = "system"
	// VerifiedByUpstreamCA: against the roots given with --upstream-ca.
	VerifiedByUpstreamCA = "upstream-ca"
	// VerifiedByNone: not verified, or a claim of system trust that the
	// collector could not confirm.
	VerifiedByNone = "unverified"
)

// Provenance says where a store's evidence comes from: the sidecar's
// starts, the upstream origins it reached with their server certificate
// chains, the client certificates it presented and the API-key
// fingerprints it saw.
//
// A store keeps the observed facts (starts, origins with chains, client
// certificates), written as they change. A bundle carries, per source, the
// view of its records: only the origins, chains, certificates and keys its
// records used, with call counts, first and last times and classes,
// derived from the records at export time so that verify can derive them
// again. Nothing secret is in it: certificates are public, and API keys
// appear only as the redaction fingerprints the records already carry.
type Provenance struct {
	// InstanceID is the store's instance id.
	InstanceID string `json:"instance_id"`
	// Class is the class of all origins together (ClassNone without any);
	// empty in a store, where nothing is derived yet.
	Class Class `json:"class,omitempty"`
	// Starts are the sidecar's starts on this store, oldest first (the
	// most recent ones when there were many).
	Starts []Start `json:"starts,omitempty"`
	// Origins are the upstreams reached, ordered by scheme, host and port.
	Origins []Origin `json:"origins,omitempty"`
	// ClientCerts are the client certificates presented upstream, in the
	// order first seen (by SHA-256 in a bundle).
	ClientCerts []Cert `json:"client_certs,omitempty"`
	// UnobservedClientCalls counts calls that presented a client
	// certificate not among ClientCerts.
	UnobservedClientCalls int64 `json:"unobserved_client_calls,omitempty"`
	// APIKeys are the X-API-Key fingerprints the calls carried
	// ("[redacted:<hex>]"), ordered by fingerprint.
	APIKeys []APIKey `json:"api_keys,omitempty"`
	// MoreAPIKeyCalls counts calls whose fingerprint came after the first
	// distinct ones a bundle lists (see package provenance).
	MoreAPIKeyCalls int64 `json:"more_api_key_calls,omitempty"`
}

// Start is one start of the sidecar on a store.
type Start struct {
	Time time.Time `json:"time"`
	// ToolVersion is the evidence-proxy version that started.
	ToolVersion string `json:"tool_version,omitempty"`
}

// Origin is one upstream scheme, host and port.
type Origin struct {
	Scheme string `json:"scheme"`
	// Host is lower case, without brackets for IPv6.
	Host string `json:"host"`
	Port string `json:"port"`
	// Class is the class of the origin's calls together; empty in a store.
	Class Class `json:"class,omitempty"`
	// Calls, FirstTime and LastTime describe the calls that reached the
	// origin (a bundle only).
	Calls     int64     `json:"calls,omitempty"`
	FirstTime time.Time `json:"first_time,omitzero"`
	LastTime  time.Time `json:"last_time,omitzero"`
	// Chains are the server certificate chains observed for the origin.
	Chains []Chain `json:"chains,omitempty"`
	// UnobservedCalls counts calls whose server certificate is not among
	// Chains (recorded before provenance was collected, over plain HTTP,
	// or beyond the collector's limits): they count as ClassOther.
	UnobservedCalls int64 `json:"unobserved_calls,omitempty"`
}

// Address returns the origin as scheme://host:port.
func (o Origin) Address() string {
	return o.Scheme + "://" + net.JoinHostPort(o.Host, o.Port)
}

// Chain is one server certificate chain an origin presented.
type Chain struct {
	Leaf Cert `json:"leaf"`
	// Root is the trust anchor the chain verified to (the last certificate
	// presented when it was not verified).
	Root Cert `json:"root"`
	// VerifiedBy is one of the VerifiedBy* constants.
	VerifiedBy string `json:"verified_by"`
	// Emulator is set when the leaf carries the emulator's marker.
	Emulator bool  `json:"emulator,omitempty"`
	Class    Class `json:"class"`
	// ObservedAt is the first handshake that presented the chain.
	ObservedAt time.Time `json:"observed_at"`
	// Calls counts the calls made over it (a bundle only).
	Calls int64 `json:"calls,omitempty"`
}

// Cert describes one X.509 certificate.
type Cert struct {
	// Subject and Issuer are RFC 2253 distinguished names.
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SHA256    string    `json:"sha256"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// Tenant and Programs are the subject's O and OU values: where Axys
	// puts a client certificate's Tenant and Programs.
	Tenant   string   `json:"tenant,omitempty"`
	Programs []string `json:"programs,omitempty"`
	// DER is the certificate itself, so that every fact above can be
	// checked against it.
	DER []byte `json:"der,omitempty"`
	// Calls counts the calls that presented it (client certificates in a
	// bundle only).
	Calls int64 `json:"calls,omitempty"`
}

// APIKey is one X-API-Key fingerprint and the calls that carried it.
type APIKey struct {
	Fingerprint string `json:"fingerprint"`
	Calls       int64  `json:"calls"`
}
