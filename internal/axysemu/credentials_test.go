package axysemu

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/provenance"
)

// TestEmulatorIsLabelledEmulator: the certificate the emulator serves
// carries both marks, and a collector watching a real handshake with it
// labels the origin emulator, even for the staging host name.
func TestEmulatorIsLabelledEmulator(t *testing.T) {
	creds, err := NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if !provenance.IsEmulatorCert(creds.Server.Cert) {
		t.Fatalf("server certificate %s is not marked", creds.Server.Cert.Subject)
	}
	srv := startServer(t, StartOptions{Credentials: creds})
	col, err := provenance.NewCollector(provenance.Options{SystemRoots: func() (*x509.CertPool, error) { return creds.CA.Pool(), nil }})
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(srv.Addr)
	for _, name := range []string{"", stagingHost} {
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: srv.CA.Pool(), Certificates: []tls.Certificate{creds.Client.TLS()}, ServerName: name,
			VerifyConnection: func(cs tls.ConnectionState) error {
				observed := host
				if name != "" {
					observed = name
				}
				col.ObserveHandshake(observed, port, cs, evidence.VerifiedBySystem)
				return nil
			},
		}}}
		if status, body, err := get(t, client, srv.URL+"/cardholders", srv.APIKey); err != nil || status != 200 {
			t.Fatalf("call: %d %s %v", status, body, err)
		}
	}
	p := col.Provenance()
	if len(p.Origins) != 2 {
		t.Fatalf("origins = %+v, want two", p.Origins)
	}
	for _, o := range p.Origins {
		if ch := o.Chains[0]; ch.Class != evidence.ClassEmulator || !ch.Emulator {
			t.Errorf("origin %s: class %s emulator %v, want emulator", o.Address(), ch.Class, ch.Emulator)
		}
	}
}

// TestCredentialsWithoutMarksAreRegenerated: a credentials directory from
// before the marks (an unmarked server certificate) is replaced.
func TestCredentialsWithoutMarksAreRegenerated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	now := time.Now()
	first, _, err := LoadOrCreateCredentials(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	old, err := first.CA.Issue(pki.LeafOptions{CommonName: stagingHost, DNSNames: []string{stagingHost, "localhost"},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.WriteFiles(filepath.Join(dir, serverCertFile), filepath.Join(dir, serverKeyFile)); err != nil {
		t.Fatal(err)
	}
	again, created, err := LoadOrCreateCredentials(dir, now)
	if err != nil || !created {
		t.Fatalf("created=%v err=%v; want fresh credentials", created, err)
	}
	if !provenance.IsEmulatorCert(again.Server.Cert) || again.CA.Fingerprint() == first.CA.Fingerprint() {
		t.Errorf("regenerated credentials: marked %v, same CA %v", provenance.IsEmulatorCert(again.Server.Cert), again.CA.Fingerprint() == first.CA.Fingerprint())
	}
	third, created, err := LoadOrCreateCredentials(dir, now)
	if err != nil || created || third.Server.Fingerprint() != again.Server.Fingerprint() {
		t.Errorf("marked credentials were not reused: created=%v err=%v", created, err)
	}
}
