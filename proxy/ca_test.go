package proxy_test

import (
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestLoadOrCreateCA checks the interception CA: created once with a
// private key file, persisted, name-constrained so it cannot sign for
// other names or IP addresses, and refused when it no longer fits.
func TestLoadOrCreateCA(t *testing.T) {
	dir := t.TempDir()
	domains := []string{proxy.StagingHost}
	ca, err := proxy.LoadOrCreateCA(dir, domains, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("files", func(t *testing.T) {
		info, err := os.Stat(filepath.Join(dir, proxy.CAKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode %04o, want 0600", perm)
		}
		if _, err := os.Stat(filepath.Join(dir, proxy.CACertFile)); err != nil {
			t.Error(err)
		}
	})
	t.Run("reloaded, not recreated", func(t *testing.T) {
		again, err := proxy.LoadOrCreateCA(dir, domains, nil)
		if err != nil {
			t.Fatal(err)
		}
		if again.Fingerprint() != ca.Fingerprint() {
			t.Error("a second call made a new CA")
		}
	})
	t.Run("constraints", func(t *testing.T) {
		c := ca.Cert
		if !c.IsCA || !c.PermittedDNSDomainsCritical || !cmp.Equal(c.PermittedDNSDomains, domains) {
			t.Errorf("CA: isCA %v, critical %v, permitted %v", c.IsCA, c.PermittedDNSDomainsCritical, c.PermittedDNSDomains)
		}
		if c.PublicKeyAlgorithm != x509.ECDSA || ca.Key.Curve.Params().Name != "P-256" {
			t.Errorf("key %v %s, want ECDSA P-256", c.PublicKeyAlgorithm, ca.Key.Curve.Params().Name)
		}
		tests := []struct {
			name string
			leaf pki.LeafOptions
			ok   bool
		}{
			{"staging", pki.LeafOptions{CommonName: "s", DNSNames: []string{proxy.StagingHost}}, true},
			{"other domain", pki.LeafOptions{CommonName: "bank", DNSNames: []string{"www.bank.example"}}, false},
			{"production", pki.LeafOptions{CommonName: "p", DNSNames: []string{proxy.ProductionHost}}, false},
			{"IP address", pki.LeafOptions{CommonName: "ip", IPs: []net.IP{net.IPv4(10, 0, 0, 1)}}, false},
		}
		for _, tt := range tests {
			leaf, err := ca.Issue(tt.leaf)
			if err != nil {
				t.Fatal(err)
			}
			_, err = leaf.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool()})
			if (err == nil) != tt.ok {
				t.Errorf("%s: verify error %v, want ok=%v", tt.name, err, tt.ok)
			}
		}
	})
	t.Run("allowlist grew: loaded as it is, the new host listed", func(t *testing.T) {
		hosts := []string{proxy.StagingHost, "sandbox.example.com", "127.0.0.1"}
		again, err := proxy.LoadOrCreateCA(dir, hosts, nil)
		if err != nil || again.Fingerprint() != ca.Fingerprint() {
			t.Fatalf("LoadOrCreateCA: %v (same CA: %v)", err, err == nil && again.Fingerprint() == ca.Fingerprint())
		}
		if got := proxy.UnpermittedHosts(ca, hosts); !cmp.Equal(got, []string{"sandbox.example.com", "127.0.0.1"}) {
			t.Errorf("UnpermittedHosts = %v", got)
		}
		err = proxy.CheckCA(ca, hosts, time.Now())
		if err == nil || !strings.Contains(err.Error(), "does not permit sandbox.example.com, 127.0.0.1") ||
			!strings.Contains(err.Error(), proxy.RotateCommand) {
			t.Errorf("CheckCA: %v", err)
		}
		if err := proxy.CheckCA(ca, domains, time.Now()); err != nil {
			t.Errorf("CheckCA for its own hosts: %v", err)
		}
	})
	t.Run("expired: loaded, CheckCA says so", func(t *testing.T) {
		later := time.Now().Add(3 * 365 * 24 * time.Hour)
		if _, err := proxy.LoadOrCreateCA(dir, domains, func() time.Time { return later }); err != nil {
			t.Fatalf("LoadOrCreateCA: %v", err)
		}
		if err := proxy.CheckCA(ca, domains, later); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Errorf("CheckCA: %v", err)
		}
	})
	t.Run("key readable by others", func(t *testing.T) {
		key := filepath.Join(dir, proxy.CAKeyFile)
		if err := os.Chmod(key, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(key, 0o600) })
		if _, err := proxy.LoadOrCreateCA(dir, domains, nil); err == nil || !strings.Contains(err.Error(), "readable by others") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("half missing", func(t *testing.T) {
		d := t.TempDir()
		if _, err := proxy.LoadOrCreateCA(d, domains, nil); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(d, proxy.CAKeyFile)); err != nil {
			t.Fatal(err)
		}
		if _, err := proxy.LoadOrCreateCA(d, domains, nil); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v, want not-exist", err)
		}
	})
	t.Run("IP allowlisted", func(t *testing.T) {
		ipCA, err := proxy.LoadOrCreateCA(t.TempDir(), []string{"127.0.0.1"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := ipCA.Issue(pki.LeafOptions{CommonName: "ip", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: ipCA.Pool()}); err != nil {
			t.Errorf("allowlisted IP refused: %v", err)
		}
	})
}
