package provenance

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// CertOf returns the facts of c, its DER included.
func CertOf(c *x509.Certificate) evidence.Cert {
	return evidence.Cert{
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		SHA256:    fingerprint(c.Raw),
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
		Tenant:    strings.Join(c.Subject.Organization, ", "),
		Programs:  slices.Clone(c.Subject.OrganizationalUnit),
		DER:       bytes.Clone(c.Raw),
	}
}

// fingerprint is the hex SHA-256 of a certificate's DER, as records carry
// it in evidence.TLSFacts.
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// refresh derives a certificate's facts again from its DER, keeping its
// call count: what a bundle states about a certificate is what the
// certificate says. It returns the parsed certificate, or nil (and the
// facts unchanged) when the DER is missing or does not parse.
func refresh(c evidence.Cert) (evidence.Cert, *x509.Certificate) {
	if len(c.DER) == 0 {
		return c, nil
	}
	parsed, err := x509.ParseCertificate(c.DER)
	if err != nil {
		return c, nil
	}
	out := CertOf(parsed)
	out.Calls = c.Calls
	return out, parsed
}

// cloneCert copies c, sharing nothing.
func cloneCert(c evidence.Cert) evidence.Cert {
	c.Programs = slices.Clone(c.Programs)
	c.DER = bytes.Clone(c.DER)
	return c
}

// Clone returns a deep copy of p (nil for nil).
func Clone(p *evidence.Provenance) *evidence.Provenance {
	if p == nil {
		return nil
	}
	out := *p
	out.Starts = slices.Clone(p.Starts)
	out.APIKeys = slices.Clone(p.APIKeys)
	out.ClientCerts = nil
	for _, c := range p.ClientCerts {
		out.ClientCerts = append(out.ClientCerts, cloneCert(c))
	}
	out.Origins = nil
	for _, o := range p.Origins {
		chains := o.Chains
		o.Chains = nil
		for _, ch := range chains {
			ch.Leaf, ch.Root = cloneCert(ch.Leaf), cloneCert(ch.Root)
			o.Chains = append(o.Chains, ch)
		}
		out.Origins = append(out.Origins, o)
	}
	return &out
}
