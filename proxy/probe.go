package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

const (
	// DefaultProbeTimeout bounds a probe's dial and handshake.
	DefaultProbeTimeout = 10 * time.Second
	// probeSettle is how long a probe waits after its handshake for the
	// upstream to reject the client certificate: with TLS 1.3 the client
	// finishes its handshake before the server has checked it.
	probeSettle = time.Second
)

// ProbeOptions describe an upstream probe.
type ProbeOptions struct {
	// URL is the upstream; nil means DefaultUpstream. Only its host and
	// port are used.
	URL *url.URL
	// TLSConfig has the client certificate and roots, e.g. the
	// TLSClientConfig of a transport from NewTransport; nil means the
	// system roots and no client certificate. It is not modified.
	TLSConfig *tls.Config
	// Dial connects; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Timeout bounds the dial and the handshake; zero means
	// DefaultProbeTimeout.
	Timeout time.Duration
}

// ProbeResult is what a probe learned about the upstream.
type ProbeResult struct {
	// Addr is the host:port probed.
	Addr string
	// OK reports a TLS session the upstream accepted, client certificate
	// included.
	OK bool
	// TLSVersion is the negotiated version, when the handshake completed.
	TLSVersion string
	// Chain is the certificate chain the upstream presented (also when it
	// did not verify).
	Chain []CertFacts
	// ClientCertRequested reports that the upstream asked for a client
	// certificate; AcceptedIssuers are the issuers it named (none: any).
	ClientCertRequested bool
	AcceptedIssuers     []string
	// ClientCertIssuer is the issuer of the client certificate configured.
	ClientCertIssuer string
	// Diagnosis explains a failure in a sentence; empty when OK.
	Diagnosis string
	// Duration is how long the probe took.
	Duration time.Duration
}

// CertFacts describe one certificate.
type CertFacts struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SHA256    string    `json:"sha256"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

// LogValue makes a result one structured log attribute.
func (r ProbeResult) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("addr", r.Addr), slog.Bool("ok", r.OK),
		slog.Bool("client_cert_requested", r.ClientCertRequested), slog.String("duration", r.Duration.Round(time.Millisecond).String())}
	if r.TLSVersion != "" {
		attrs = append(attrs, slog.String("tls_version", r.TLSVersion))
	}
	if len(r.Chain) > 0 {
		s := r.Chain[0]
		attrs = append(attrs, slog.String("server_subject", s.Subject), slog.String("server_issuer", s.Issuer),
			slog.String("server_sha256", s.SHA256), slog.Time("server_not_after", s.NotAfter))
	}
	if len(r.AcceptedIssuers) > 0 {
		attrs = append(attrs, slog.Any("accepted_issuers", r.AcceptedIssuers))
	}
	if r.ClientCertIssuer != "" {
		attrs = append(attrs, slog.String("client_cert_issuer", r.ClientCertIssuer))
	}
	if r.Diagnosis != "" {
		attrs = append(attrs, slog.String("diagnosis", r.Diagnosis))
	}
	return slog.GroupValue(attrs...)
}

// ProbeUpstream makes one TLS handshake with the upstream, presenting the
// client certificate, and reports the server's certificate chain and, on
// failure, why (see ProbeResult.Diagnosis). It sends no HTTP request:
// nothing reaches the API. After the handshake it waits up to a second
// for the upstream to reject the certificate (TLS 1.3 tells the client
// only then). The error is nil exactly when the result is OK.
func ProbeUpstream(ctx context.Context, o ProbeOptions) (ProbeResult, error) {
	start := time.Now()
	up, err := upstreamURL(o.URL)
	if err != nil {
		return ProbeResult{}, fmt.Errorf("probe upstream: %w", err)
	}
	target := upstreamTarget(up)
	r := ProbeResult{Addr: target.String()}
	cfg, cc, req := probeTLSConfig(o.TLSConfig, target.host)
	r.ClientCertIssuer = cc.name
	err = probe(ctx, o, r.Addr, cfg, &r)
	r.Duration = time.Since(start)
	if q := req.Load(); q != nil {
		r.ClientCertRequested, r.AcceptedIssuers = true, dnNames(q.acceptable)
	}
	if err != nil {
		r.Diagnosis = probeDiagnosis(err, cc, req.Load())
		return r, fmt.Errorf("probe upstream %s: %w", r.Addr, err)
	}
	r.OK = true
	return r, nil
}

func probeTLSConfig(base *tls.Config, serverName string) (*tls.Config, *clientCert, *certRequestSlot) {
	if base == nil {
		base = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	cfg := base.Clone()
	cfg.ServerName = serverName
	cfg.NextProtos = []string{"http/1.1"}
	cc := newClientCert(base)
	req := new(certRequestSlot)
	cc.install(cfg, func(cri *tls.CertificateRequestInfo) {
		req.Store(&certRequest{acceptable: cri.AcceptableCAs})
	})
	return cfg, cc, req
}

func probe(ctx context.Context, o ProbeOptions, addr string, cfg *tls.Config, r *ProbeResult) error {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := o.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer raw.Close()
	conn := tls.Client(raw, cfg)
	err = conn.HandshakeContext(ctx)
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		r.Chain = certFacts(verr.UnverifiedCertificates)
	}
	if err != nil {
		return err
	}
	cs := conn.ConnectionState()
	r.TLSVersion, r.Chain = tls.VersionName(cs.Version), certFacts(cs.PeerCertificates)
	return settle(ctx, conn)
}

// settle reads after the handshake: an alert means the upstream rejected
// the session; silence until the deadline means it waits for a request.
func settle(ctx context.Context, conn *tls.Conn) error {
	deadline := time.Now().Add(probeSettle)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetReadDeadline(deadline)
	_, err := conn.Read(make([]byte, 1))
	switch {
	case err == nil:
		return errors.New("the upstream sent data before any request")
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil
	case errors.Is(err, io.EOF):
		return errors.New("the upstream closed the connection right after the handshake")
	}
	return err
}

func certFacts(chain []*x509.Certificate) []CertFacts {
	out := make([]CertFacts, 0, len(chain))
	for _, c := range chain {
		out = append(out, CertFacts{Subject: c.Subject.String(), Issuer: c.Issuer.String(),
			SHA256: pki.Fingerprint(c.Raw), NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()})
	}
	return out
}

func probeDiagnosis(err error, cc *clientCert, req *certRequest) string {
	switch classify(err) {
	case evidence.ErrTLS:
		return "TLS failed: " + causeText(err) + ": " + cc.diagnose(err, req)
	case evidence.ErrTimeout:
		return "the upstream did not complete a TLS handshake in time"
	}
	return "the upstream could not be reached: " + causeText(err)
}

// Probe runs ProbeUpstream against the proxy's own upstream with its own
// transport (client certificate, roots, dialer, Timeouts.Dial), and
// counts the result in UpstreamState like a call.
func (p *Proxy) Probe(ctx context.Context) (ProbeResult, error) {
	r, err := ProbeUpstream(ctx, ProbeOptions{URL: p.upstream, TLSConfig: p.probeTLS,
		Dial: p.transport.DialContext, Timeout: p.timeouts.Dial + p.timeouts.TLSHandshake})
	if err != nil {
		kind := classify(err)
		p.health.failure(kind, r.Diagnosis)
		return r, err
	}
	p.health.success()
	return r, nil
}
