package proxy

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strings"
	"sync/atomic"
)

// certRequest is what an upstream asked for in its TLS CertificateRequest.
type certRequest struct {
	acceptable [][]byte // DER distinguished names of the CAs it accepts; empty: any
}

// clientCert is the staging client certificate as configured on the
// upstream transport, and its issuer, for diagnoses.
type clientCert struct {
	certs  []tls.Certificate
	get    func(*tls.CertificateRequestInfo) (*tls.Certificate, error)
	issuer []byte // raw issuer of the first certificate's leaf, nil when none
	name   string // that issuer, readable
}

func newClientCert(cfg *tls.Config) *clientCert {
	cc := &clientCert{}
	if cfg == nil {
		return cc
	}
	cc.certs, cc.get = cfg.Certificates, cfg.GetClientCertificate
	if len(cc.certs) > 0 && len(cc.certs[0].Certificate) > 0 {
		leaf := cc.certs[0].Leaf
		if leaf == nil {
			leaf, _ = x509.ParseCertificate(cc.certs[0].Certificate[0])
		}
		if leaf != nil {
			cc.issuer, cc.name = leaf.RawIssuer, leaf.Issuer.String()
		}
	}
	return cc
}

// install makes cfg report each CertificateRequest to note before
// answering it (Certificates stay, but GetClientCertificate takes
// precedence). The configured certificate is always sent when the
// upstream asks (as curl and OpenSSL do), even if its issuer is not among
// those the upstream names: the upstream then says what it thinks of it,
// rather than seeing no certificate at all.
func (cc *clientCert) install(cfg *tls.Config, note func(*tls.CertificateRequestInfo)) {
	cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		note(cri)
		return cc.choose(cri)
	}
}

func (cc *clientCert) choose(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
	if cc.get != nil {
		return cc.get(cri)
	}
	for i := range cc.certs {
		if cri.SupportsCertificate(&cc.certs[i]) == nil {
			return &cc.certs[i], nil
		}
	}
	if len(cc.certs) > 0 {
		return &cc.certs[0], nil
	}
	return &tls.Certificate{}, nil
}

// noteCertRequest keeps what the upstream asked for on the call that
// dialled the connection (net/http keeps request context values in the
// dial's context). The dial may outlive the call, hence the atomic.
func noteCertRequest(cri *tls.CertificateRequestInfo) {
	if c, ok := cri.Context().Value(callKey{}).(*call); ok {
		c.certReq.Store(&certRequest{acceptable: cri.AcceptableCAs})
	}
}

// diagnose explains a failed TLS exchange with the upstream: whether it
// asked for a client certificate, which issuers it accepts, and which
// issued ours. req is nil when it did not ask (or the handshake failed
// before it could).
func (cc *clientCert) diagnose(err error, req *certRequest) string {
	var verr *tls.CertificateVerificationError
	var herr x509.HostnameError
	switch {
	case errors.As(err, &herr):
		return "the upstream's certificate is not valid for this host name"
	case errors.As(err, &verr), errors.As(err, new(x509.UnknownAuthorityError)):
		return "the upstream's certificate does not verify against the trusted roots (the upstream CA bundle, or the system roots)"
	case req == nil:
		return "the upstream did not ask for a client certificate"
	case len(cc.certs) == 0 && cc.get == nil:
		return "the upstream asked for a client certificate and none is configured"
	case len(req.acceptable) == 0:
		return "the upstream asked for a client certificate (naming no issuer) and rejected ours, issued by " + cc.name
	case !cc.issuedByOneOf(req.acceptable):
		return "the upstream accepts client certificates issued by " + strings.Join(dnNames(req.acceptable), "; ") +
			"; ours is issued by " + cc.name
	}
	return "the upstream asked for a client certificate issued by " + strings.Join(dnNames(req.acceptable), "; ") +
		" and ours is, yet it refused it (expired, revoked, or not registered for this Program?)"
}

func (cc *clientCert) issuedByOneOf(acceptable [][]byte) bool {
	for _, dn := range acceptable {
		if bytes.Equal(dn, cc.issuer) {
			return true
		}
	}
	return false
}

// dnNames makes DER distinguished names readable.
func dnNames(ders [][]byte) []string {
	out := make([]string, 0, len(ders))
	for _, der := range ders {
		var seq pkix.RDNSequence
		if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) > 0 {
			out = append(out, "(unreadable name)")
			continue
		}
		var n pkix.Name
		n.FillFromRDNSequence(&seq)
		out = append(out, n.String())
	}
	return out
}

// certRequestSlot is the per-call place noteCertRequest writes to.
type certRequestSlot = atomic.Pointer[certRequest]
