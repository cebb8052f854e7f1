package proxy

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// leafCache issues and keeps the interception certificates, one per
// allowlisted host (so the cache is bounded by the allowlist). Leaves are
// ECDSA, valid a week, and renewed a day before they expire.
type leafCache struct {
	ca     *pki.Cert
	now    func() time.Time
	issued func()

	mu     sync.Mutex // guards byHost
	byHost map[string]*tls.Config
}

func newLeafCache(ca *pki.Cert, now func() time.Time, issued func()) *leafCache {
	return &leafCache{ca: ca, now: now, issued: issued, byHost: map[string]*tls.Config{}}
}

// usable returns why the CA cannot sign for host (normalized), or nil.
func (l *leafCache) usable(host string) error {
	if now := l.now(); now.After(l.ca.Cert.NotAfter) {
		return fmt.Errorf("the interception CA expired on %s", l.ca.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if !permits(l.ca, host) {
		return fmt.Errorf("the interception CA does not permit %s (it was made for %s)", host, strings.Join(permittedNames(l.ca), ", "))
	}
	return nil
}

// config returns the TLS server configuration presented to the app for host.
func (l *leafCache) config(host string) (*tls.Config, error) {
	h := normalizeHost(host)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if cfg, ok := l.byHost[h]; ok && now.Before(cfg.Certificates[0].Leaf.NotAfter.Add(-leafRenewBefore)) {
		return cfg, nil
	}
	validity := min(leafValidity, l.ca.Cert.NotAfter.Sub(now))
	if validity <= 0 {
		return nil, fmt.Errorf("issue interception certificate for %s: the CA expired", h)
	}
	// The subject names no host: the SAN alone carries it (an IP SAN for an
	// IP address). OpenSSL checks a host-like common name against the CA's
	// DNS name constraints, so a CN of "127.0.0.1" fails there as a
	// "permitted subtree violation" however right the SAN is.
	opts := pki.LeafOptions{Validity: validity, Now: l.now}
	if ip := net.ParseIP(h); ip != nil {
		opts.IPs = []net.IP{ip}
	} else {
		opts.DNSNames = []string{h}
	}
	leaf, err := l.ca.Issue(opts)
	if err != nil {
		return nil, fmt.Errorf("issue interception certificate for %s: %w", h, err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{leaf.TLS()},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
	l.byHost[h] = cfg
	l.issued()
	return cfg, nil
}
