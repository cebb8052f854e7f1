package proxy_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestNewTransport checks that a usable client certificate builds a
// transport that verifies, never follows HTTPS_PROXY and keeps bodies
// encoded.
func TestNewTransport(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	p := newTestPKI(t)
	tr, err := proxy.NewTransport(proxy.TransportOptions{ClientCertFile: p.certFile, ClientKeyFile: p.keyFile, UpstreamCAFile: p.caFile})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case tr.Proxy != nil:
		t.Error("transport has a Proxy func: it would follow HTTPS_PROXY")
	case tr.TLSClientConfig.InsecureSkipVerify:
		t.Error("verification is off")
	case tr.TLSClientConfig.RootCAs == nil:
		t.Error("upstream CA not used")
	case len(tr.TLSClientConfig.Certificates) != 1:
		t.Error("no client certificate")
	case !tr.DisableCompression:
		t.Error("transparent decompression is on")
	case tr.ForceAttemptHTTP2:
		t.Error("HTTP/2 is attempted: calls would share one connection")
	}
}

// TestNewTransportRefuses checks that every unusable client certificate is
// refused with an error naming the problem.
func TestNewTransportRefuses(t *testing.T) {
	p := newTestPKI(t)
	dir := t.TempDir()
	write := func(name string, c *pki.Cert) (string, string) {
		t.Helper()
		cf, kf := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
		if err := c.WriteFiles(cf, kf); err != nil {
			t.Fatal(err)
		}
		return cf, kf
	}
	expired, err := p.ca.Issue(pki.LeafOptions{CommonName: "old", Client: true,
		NotBefore: time.Now().Add(-48 * time.Hour), Validity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	expiredCert, expiredKey := write("expired", expired)
	selfCert, selfKey := writeSelfSigned(t, dir)
	caCert, caKey := write("ca-as-client", p.ca)
	other, err := p.ca.Issue(pki.LeafOptions{CommonName: "other", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey := write("other", other)
	server, err := p.ca.Issue(pki.LeafOptions{CommonName: "server-only"})
	if err != nil {
		t.Fatal(err)
	}
	serverCert, serverKey := write("server-only", server)
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		opts       proxy.TransportOptions
		wantSubstr string
		wantIs     error
	}{
		{"no certificate given", proxy.TransportOptions{ClientKeyFile: p.keyFile}, "client certificate: no file given", nil},
		{"no key given", proxy.TransportOptions{ClientCertFile: p.certFile}, "client key: no file given", nil},
		{"missing certificate file", proxy.TransportOptions{ClientCertFile: filepath.Join(dir, "nope.pem"), ClientKeyFile: p.keyFile},
			"nope.pem", fs.ErrNotExist},
		{"missing key file", proxy.TransportOptions{ClientCertFile: p.certFile, ClientKeyFile: filepath.Join(dir, "nokey.pem")},
			"nokey.pem", fs.ErrNotExist},
		{"not PEM", proxy.TransportOptions{ClientCertFile: garbage, ClientKeyFile: p.keyFile}, "no PEM certificate", nil},
		{"expired", proxy.TransportOptions{ClientCertFile: expiredCert, ClientKeyFile: expiredKey}, "expired on", nil},
		{"not yet valid", proxy.TransportOptions{ClientCertFile: p.certFile, ClientKeyFile: p.keyFile,
			Now: func() time.Time { return time.Now().Add(-24 * time.Hour) }}, "not valid before", nil},
		{"self-signed leaf", proxy.TransportOptions{ClientCertFile: selfCert, ClientKeyFile: selfKey}, "self-signed (CA-less)", nil},
		{"self-signed CA", proxy.TransportOptions{ClientCertFile: caCert, ClientKeyFile: caKey}, "self-signed (CA-less)", nil},
		{"key of another certificate", proxy.TransportOptions{ClientCertFile: p.certFile, ClientKeyFile: otherKey},
			"does not match client certificate", nil},
		{"server certificate", proxy.TransportOptions{ClientCertFile: serverCert, ClientKeyFile: serverKey},
			"not for client authentication", nil},
		{"upstream CA file unreadable", proxy.TransportOptions{ClientCertFile: p.certFile, ClientKeyFile: p.keyFile,
			UpstreamCAFile: garbage}, "no PEM certificates", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := proxy.NewTransport(tt.opts)
			if err == nil {
				t.Fatal("NewTransport succeeded")
			}
			if !strings.Contains(err.Error(), tt.wantSubstr) {
				t.Errorf("error %q does not say %q", err, tt.wantSubstr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q is not %v", err, tt.wantIs)
			}
		})
	}
}

// writeSelfSigned writes a self-signed client leaf (not a CA).
func writeSelfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "self"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cf, kf := filepath.Join(dir, "self.pem"), filepath.Join(dir, "self-key.pem")
	if err := os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cf, kf
}
