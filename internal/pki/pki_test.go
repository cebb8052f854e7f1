package pki

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestIssueAndVerify(t *testing.T) {
	ca, err := NewCA(CAOptions{CommonName: "test CA", PermittedDNSDomains: []string{"staging.example"}, PermittedIPRanges: []*net.IPNet{{IP: net.IPv4(127, 0, 0, 1).To4(), Mask: net.CIDRMask(32, 32)}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		leaf    LeafOptions
		usage   x509.ExtKeyUsage
		dns     string
		wantErr string
	}{
		{name: "server in the constrained domain", leaf: LeafOptions{CommonName: "api", DNSNames: []string{"api.staging.example"}}, usage: x509.ExtKeyUsageServerAuth, dns: "api.staging.example"},
		{name: "server on the permitted IP", leaf: LeafOptions{CommonName: "lo", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}, usage: x509.ExtKeyUsageServerAuth, dns: "127.0.0.1"},
		{name: "client", leaf: LeafOptions{CommonName: "app", Client: true}, usage: x509.ExtKeyUsageClientAuth},
		{name: "outside the name constraints", leaf: LeafOptions{CommonName: "prod", DNSNames: []string{"production.example"}}, usage: x509.ExtKeyUsageServerAuth, dns: "production.example", wantErr: "not permitted"},
		{name: "expired", leaf: LeafOptions{CommonName: "old", Client: true, NotBefore: time.Now().Add(-48 * time.Hour), Validity: time.Hour}, usage: x509.ExtKeyUsageClientAuth, wantErr: "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf, err := ca.Issue(tt.leaf)
			if err != nil {
				t.Fatal(err)
			}
			_, err = leaf.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: tt.dns, KeyUsages: []x509.ExtKeyUsage{tt.usage}})
			if tt.wantErr == "" && err != nil {
				t.Fatalf("verify: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("verify err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestWriteAndLoad(t *testing.T) {
	ca, err := NewCA(CAOptions{CommonName: "test CA"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "sub", "c.pem"), filepath.Join(dir, "sub", "k.pem")
	if err := ca.WriteFiles(certPath, keyPath); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	got, err := Load(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fingerprint() != ca.Fingerprint() || !got.Key.Equal(ca.Key) {
		t.Error("loaded certificate or key differs from the written one")
	}
	if _, err := LoadCertPool(certPath); err != nil {
		t.Errorf("LoadCertPool: %v", err)
	}
	if _, err := LoadCertPool(keyPath); err == nil || !strings.Contains(err.Error(), "no PEM certificates") {
		t.Errorf("LoadCertPool of a key file: err = %v", err)
	}
	if _, err := Load(certPath, filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("Load with a missing key succeeded")
	}
	if _, err := NewCA(CAOptions{}); err == nil {
		t.Error("NewCA without a common name succeeded")
	}
}
