package provenance

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"slices"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The documented Axys staging origin: the only one that can be
// evidence.ClassAxysStaging.
const (
	StagingHost = "staging.api.axyscards.com"
	StagingPort = "443"
)

// EmulatorOrganization is the subject O of the emulator's server
// certificate; with the extension of EmulatorMarker it marks the emulator.
const EmulatorOrganization = "evidence-proxy emulator"

// emulatorMarkerText is the value of the marker extension.
const emulatorMarkerText = "evidence-proxy emulator: not the Axys API"

// EmulatorMarkerOID returns the OID of the private, non-critical extension
// the emulator's server certificate carries: 1.3.6.1.4.1.32473.19.1. Arc
// 32473 is IANA's enterprise number reserved for documentation (RFC 5612),
// assigned to no organisation, so no real certificate authority issues
// certificates with it; an OID under the UUID arc 2.25 would be the
// textbook choice, but Go's certificate parser refuses arcs above 2^31.
// The worst a stray certificate with this OID can do is be labelled
// emulator, never axys-staging.
func EmulatorMarkerOID() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 19, 1}
}

// EmulatorMarker returns the extension that marks an emulator's server
// certificate (put it in x509.Certificate.ExtraExtensions, and
// EmulatorOrganization in the subject's O).
func EmulatorMarker() pkix.Extension {
	value, _ := asn1.MarshalWithParams(emulatorMarkerText, "utf8") // a constant string cannot fail
	return pkix.Extension{Id: EmulatorMarkerOID(), Value: value}
}

// IsEmulatorCert reports whether c carries both marks of the emulator: the
// subject O EmulatorOrganization and the EmulatorMarker extension. A
// certificate of an emulator from before the marker has neither, and is
// evidence.ClassOther.
func IsEmulatorCert(c *x509.Certificate) bool {
	if c == nil || !slices.Contains(c.Subject.Organization, EmulatorOrganization) {
		return false
	}
	oid := EmulatorMarkerOID()
	return slices.ContainsFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oid) })
}

// Classify returns the class of one server certificate chain of the
// origin host:port:
//
//   - evidence.ClassEmulator when the leaf carries the emulator's marks
//     (whatever verified it: an emulator CA added to the system store
//     does not make the emulator staging);
//   - evidence.ClassAxysStaging only for StagingHost:StagingPort verified
//     against the system trust store (evidence.VerifiedBySystem): with
//     --upstream-ca anyone holding that CA could answer for the name, so
//     the host name alone proves nothing;
//   - evidence.ClassOther for anything else.
func Classify(host, port, verifiedBy string, emulator bool) evidence.Class {
	switch {
	case emulator:
		return evidence.ClassEmulator
	case host == StagingHost && port == StagingPort && verifiedBy == evidence.VerifiedBySystem:
		return evidence.ClassAxysStaging
	default:
		return evidence.ClassOther
	}
}

// Combine returns the class of several origins or sources together: their
// common class, evidence.ClassMixed when they differ, evidence.ClassNone
// when there are none. ClassNone (a source no call of which reached an
// upstream) does not count.
func Combine(classes ...evidence.Class) evidence.Class {
	out := evidence.ClassNone
	for _, c := range classes {
		switch {
		case c == evidence.ClassNone || c == "":
		case out == evidence.ClassNone:
			out = c
		case out != c:
			return evidence.ClassMixed
		}
	}
	return out
}

// trust orders verifications from the strongest: when one chain is seen
// verified in two ways, the weaker one is kept.
func trust(verifiedBy string) int {
	switch verifiedBy {
	case evidence.VerifiedBySystem:
		return 2
	case evidence.VerifiedByUpstreamCA:
		return 1
	default:
		return 0
	}
}
