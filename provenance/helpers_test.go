package provenance

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

var testNow = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// testCA makes a CA named cn.
func testCA(t testing.TB, cn string) *pki.Cert {
	t.Helper()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: cn})
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// serverCert issues a server certificate for names from ca.
func serverCert(t testing.TB, ca *pki.Cert, names ...string) *pki.Cert {
	t.Helper()
	c, err := ca.Issue(pki.LeafOptions{CommonName: names[0], DNSNames: names, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// markedCert issues a server certificate for names carrying the given
// marks of the emulator.
func markedCert(t testing.TB, ca *pki.Cert, org bool, ext bool, names ...string) *pki.Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0], Organization: []string{"evidence-proxy"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    names,
	}
	if org {
		tmpl.Subject.Organization = []string{EmulatorOrganization}
	}
	if ext {
		tmpl.ExtraExtensions = []pkix.Extension{EmulatorMarker()}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &pki.Cert{Cert: cert, Key: key}
}

// clientCert makes a client certificate with the Axys subject fields.
func clientCert(t testing.TB, ca *pki.Cert, tenant string, programs ...string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "app.example.test", Organization: []string{tenant}, OrganizationalUnit: programs},
		NotBefore:    testNow.Add(-time.Hour), NotAfter: testNow.Add(365 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// handshake runs a real TLS handshake over a pipe: the server presents
// server, the client verifies it for serverName against roots (nil: the
// system trust store) and hands the connection state to observe from
// VerifyConnection, as the proxy's upstream transport does.
func handshake(t testing.TB, server *pki.Cert, serverName string, roots *x509.CertPool, observe func(tls.ConnectionState)) error {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{server.TLS()}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		_ = conn.(*tls.Conn).Handshake()
		_, _ = conn.Read(make([]byte, 1)) // until the client closes
	}()
	defer wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{
		ServerName: serverName, RootCAs: roots, MinVersion: tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			observe(cs)
			return nil
		},
	}}
	conn, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		ln.Close()
		return err
	}
	return conn.Close()
}

// memSaver keeps what is saved; fail, when set, makes saves fail.
type memSaver struct {
	mu    sync.Mutex
	saves int
	last  *evidence.Provenance
	fail  bool
}

func (s *memSaver) SaveProvenance(p *evidence.Provenance) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("disk on fire")
	}
	s.saves++
	s.last = Clone(p)
	return nil
}

func (s *memSaver) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// poolOf returns a pool of certs.
func poolOf(certs ...*pki.Cert) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c.Cert)
	}
	return p
}

// fixedRoots is an Options.SystemRoots that returns pool.
func fixedRoots(pool *x509.CertPool) func() (*x509.CertPool, error) {
	return func() (*x509.CertPool, error) { return pool, nil }
}
