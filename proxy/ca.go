package proxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// Files of the interception CA under the data directory.
const (
	CACertFile = "ca-cert.pem"
	CAKeyFile  = "ca-key.pem"
)

const (
	caValidity      = 2 * 365 * 24 * time.Hour
	leafValidity    = 7 * 24 * time.Hour
	leafRenewBefore = 24 * time.Hour
)

// noIPs is the IP constraint of a CA for host names only: it permits just
// the unspecified address, which no server has, so the CA cannot sign for
// any real IP address (an absent IP constraint would permit them all).
var noIPs = []*net.IPNet{{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(32, 32)}}

// LoadOrCreateCA returns the per-install interception CA kept in dir
// (CACertFile, CAKeyFile), creating it on first use: an ECDSA P-256 CA,
// valid two years, whose X.509 name constraints (critical) permit only
// the given domains (host names and the names under them, and IP
// addresses given literally), so a leaked key cannot mint certificates
// for anything else. The key file is 0600 and must stay private.
//
// An existing CA is refused, with the reason, when it is expired, not a
// CA, readable by others, or does not permit one of domains (the
// allowlist grew): delete both files to make a new one, then trust the new
// certificate in the app. now is the clock; nil means time.Now.
func LoadOrCreateCA(dir string, domains []string, now func() time.Time) (*pki.Cert, error) {
	if now == nil {
		now = time.Now
	}
	if len(domains) == 0 {
		return nil, errors.New("load interception ca: no domains to constrain it to")
	}
	certPath, keyPath := filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile)
	certErr, keyErr := statErr(certPath), statErr(keyPath)
	switch {
	case errors.Is(certErr, fs.ErrNotExist) && errors.Is(keyErr, fs.ErrNotExist):
		return createCA(certPath, keyPath, domains, now)
	case certErr != nil:
		return nil, fmt.Errorf("load interception ca: %w", certErr)
	case keyErr != nil:
		return nil, fmt.Errorf("load interception ca: %w", keyErr)
	}
	ca, err := pki.Load(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("load interception ca: %w", err)
	}
	if err := checkCA(ca, keyPath, domains, now()); err != nil {
		return nil, fmt.Errorf("load interception ca %s: %w", certPath, err)
	}
	return ca, nil
}

func statErr(path string) error {
	_, err := os.Stat(path)
	return err
}

func createCA(certPath, keyPath string, domains []string, now func() time.Time) (*pki.Cert, error) {
	names, ips := splitDomains(domains)
	if len(ips) == 0 {
		ips = noIPs
	}
	ca, err := pki.NewCA(pki.CAOptions{
		CommonName:          "evidence-proxy interception CA",
		Validity:            caValidity,
		PermittedDNSDomains: names,
		PermittedIPRanges:   ips,
		Now:                 now,
	})
	if err != nil {
		return nil, fmt.Errorf("create interception ca: %w", err)
	}
	if err := ca.WriteFiles(certPath, keyPath); err != nil {
		return nil, fmt.Errorf("create interception ca: %w", err)
	}
	return ca, nil
}

// splitDomains separates host names from IP literals.
func splitDomains(domains []string) ([]string, []*net.IPNet) {
	var names []string
	var ips []*net.IPNet
	for _, d := range domains {
		h := normalizeHost(d)
		if ip := net.ParseIP(h); ip != nil {
			bits := 8 * len(ip.To16())
			if v4 := ip.To4(); v4 != nil {
				ip, bits = v4, 32
			}
			ips = append(ips, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		if h != "" {
			names = append(names, h)
		}
	}
	return names, ips
}

func checkCA(ca *pki.Cert, keyPath string, domains []string, now time.Time) error {
	c := ca.Cert
	switch {
	case !c.IsCA || !c.BasicConstraintsValid:
		return errors.New("certificate is not a CA")
	case now.After(c.NotAfter):
		return fmt.Errorf("expired on %s: delete it to make a new one", c.NotAfter.Format(time.RFC3339))
	case len(c.PermittedDNSDomains) == 0 && len(c.PermittedIPRanges) == 0:
		return errors.New("not name-constrained: delete it to make a new one")
	}
	if info, err := os.Stat(keyPath); err == nil && info.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("key %s is readable by others (mode %04o): chmod 600 it", keyPath, info.Mode().Perm())
	}
	for _, d := range domains {
		if !permits(ca, normalizeHost(d)) {
			return fmt.Errorf("does not permit %s: delete it to make a new one", d)
		}
	}
	return nil
}

// permits reports whether the CA's name constraints allow host.
func permits(ca *pki.Cert, host string) bool {
	if ip := net.ParseIP(host); ip != nil {
		for _, r := range ca.Cert.PermittedIPRanges {
			if r.Contains(ip) {
				return true
			}
		}
		return false
	}
	for _, d := range ca.Cert.PermittedDNSDomains {
		if host == d || strings.HasSuffix(host, "."+strings.TrimPrefix(d, ".")) {
			return true
		}
	}
	return false
}

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
