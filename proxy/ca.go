package proxy

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// Files of the interception CA under its directory.
const (
	CACertFile = "ca-cert.pem"
	CAKeyFile  = "ca-key.pem"
)

const (
	caValidity      = 2 * 365 * 24 * time.Hour
	leafValidity    = 7 * 24 * time.Hour
	leafRenewBefore = 24 * time.Hour
	caCommonName    = "evidence-proxy interception CA"
	// RotateCommand is what an operator runs to replace the CA.
	RotateCommand = "evidence-proxy ca rotate"
)

// noIPs is the IP constraint of a CA for host names only: it permits just
// the unspecified address, which no server has, so the CA cannot sign for
// any real IP address (an absent IP constraint would permit them all).
var noIPs = []*net.IPNet{{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(32, 32)}}

// LoadCA reads the per-install interception CA kept in dir (CACertFile,
// CAKeyFile) as it is, creating nothing. It returns ErrNoCA when neither
// file exists, and refuses, with the reason, a CA with one file missing,
// a certificate that is not a CA or not name-constrained, and a key file
// readable by others.
//
// It does not refuse a CA that has expired or does not permit every
// allowlisted host: the Proxy refuses those CONNECTs (and only those),
// saying to run RotateCommand, so base-URL mode keeps working. CheckCA
// and UnpermittedHosts tell the same before a Proxy exists.
func LoadCA(dir string) (*pki.Cert, error) {
	certPath, keyPath := filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile)
	certErr, keyErr := statErr(certPath), statErr(keyPath)
	switch {
	case errors.Is(certErr, fs.ErrNotExist) && errors.Is(keyErr, fs.ErrNotExist):
		return nil, fmt.Errorf("load interception ca %s: %w", dir, ErrNoCA)
	case certErr != nil:
		return nil, fmt.Errorf("load interception ca: %w", certErr)
	case keyErr != nil:
		return nil, fmt.Errorf("load interception ca: %w", keyErr)
	}
	ca, err := pki.Load(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("load interception ca: %w", err)
	}
	if err := checkCAFiles(ca, keyPath); err != nil {
		return nil, fmt.Errorf("load interception ca %s: %w", certPath, err)
	}
	return ca, nil
}

// CreateCA makes a new interception CA in dir: an ECDSA P-256 CA, valid
// two years, whose X.509 name constraints (critical) permit only the
// given domains (host names and the names under them, and IP addresses
// given literally; ports are ignored), so a leaked key cannot mint
// certificates for anything else. The key file is 0600 and must stay
// private. It fails when dir already holds a CA (ErrCAExists): use
// RotateCA to replace one.
func CreateCA(dir string, domains []string, now func() time.Time) (*pki.Cert, error) {
	certPath, keyPath := filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile)
	if !errors.Is(statErr(certPath), fs.ErrNotExist) || !errors.Is(statErr(keyPath), fs.ErrNotExist) {
		return nil, fmt.Errorf("create interception ca in %s: %w", dir, ErrCAExists)
	}
	ca, err := newCA(domains, now)
	if err != nil {
		return nil, err
	}
	if err := ca.WriteFiles(certPath, keyPath); err != nil {
		return nil, fmt.Errorf("create interception ca: %w", err)
	}
	return ca, nil
}

// LoadOrCreateCA returns the CA kept in dir (LoadCA), creating it for
// domains when there is none (CreateCA). Callers that must create
// nothing until their checks passed use LoadCA first and CreateCA later.
// now is the clock; nil means time.Now.
func LoadOrCreateCA(dir string, domains []string, now func() time.Time) (*pki.Cert, error) {
	ca, err := LoadCA(dir)
	if errors.Is(err, ErrNoCA) {
		return CreateCA(dir, domains, now)
	}
	return ca, err
}

func statErr(path string) error {
	_, err := os.Stat(path)
	return err
}

func newCA(domains []string, now func() time.Time) (*pki.Cert, error) {
	if now == nil {
		now = time.Now
	}
	names, ips := splitDomains(domains)
	if len(names) == 0 && len(ips) == 0 {
		return nil, errors.New("create interception ca: no domains to constrain it to")
	}
	if len(ips) == 0 {
		ips = noIPs
	}
	ca, err := pki.NewCA(pki.CAOptions{
		CommonName:          caCommonName,
		Validity:            caValidity,
		PermittedDNSDomains: names,
		PermittedIPRanges:   ips,
		Now:                 now,
	})
	if err != nil {
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

func checkCAFiles(ca *pki.Cert, keyPath string) error {
	c := ca.Cert
	switch {
	case !c.IsCA || !c.BasicConstraintsValid:
		return errors.New("certificate is not a CA: run " + RotateCommand)
	case len(c.PermittedDNSDomains) == 0 && len(c.PermittedIPRanges) == 0:
		return errors.New("not name-constrained: run " + RotateCommand)
	}
	if info, err := os.Stat(keyPath); err == nil && info.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("key %s is readable by others (mode %04o): chmod 600 it", keyPath, info.Mode().Perm())
	}
	return nil
}

// UnpermittedHosts returns those of hosts (host names or IP addresses,
// ports ignored) that the CA's name constraints do not permit, in order:
// the hosts HTTPS_PROXY mode cannot intercept until the CA is rotated.
func UnpermittedHosts(ca *pki.Cert, hosts []string) []string {
	var out []string
	for _, h := range hosts {
		if !permits(ca, normalizeHost(h)) {
			out = append(out, h)
		}
	}
	return out
}

// CheckCA reports what keeps ca from intercepting calls to hosts at now:
// it has expired, or it does not permit some of them. The error says to
// run RotateCommand; nil means it can sign for every host.
func CheckCA(ca *pki.Cert, hosts []string, now time.Time) error {
	if now.After(ca.Cert.NotAfter) {
		return fmt.Errorf("interception CA expired on %s: run %s", ca.Cert.NotAfter.UTC().Format(time.RFC3339), RotateCommand)
	}
	if missing := UnpermittedHosts(ca, hosts); len(missing) > 0 {
		return fmt.Errorf("interception CA does not permit %s (it was made for %s): run %s",
			strings.Join(missing, ", "), strings.Join(permittedNames(ca), ", "), RotateCommand)
	}
	return nil
}

// permits reports whether the CA's name constraints allow host.
func permits(ca *pki.Cert, host string) bool {
	if host == "" {
		return false
	}
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

// permittedNames lists what the CA may sign for: its DNS domains and IP
// addresses (not the placeholder of a CA for names only).
func permittedNames(ca *pki.Cert) []string {
	out := append([]string(nil), ca.Cert.PermittedDNSDomains...)
	for _, r := range ca.Cert.PermittedIPRanges {
		if !r.IP.IsUnspecified() {
			out = append(out, r.IP.String())
		}
	}
	return out
}
