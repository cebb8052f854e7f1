package axysemu

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// Credentials are what a client needs to reach the emulator, plus the
// server's own certificate: the emulator's CA, the server certificate it
// signs (127.0.0.1, ::1, localhost and staging.api.axyscards.com), a client
// certificate it signs, and the API key.
//
// The CA is name-constrained to those names, so trusting ca.pem cannot let
// anyone impersonate another host; its private key is never written to
// disk.
type Credentials struct {
	CA     *pki.Cert
	Server *pki.Cert
	Client *pki.Cert
	APIKey string
}

// The files LoadOrCreateCredentials keeps in its directory.
const (
	CAFile         = "ca.pem"
	ClientCertFile = "client-cert.pem"
	ClientKeyFile  = "client-key.pem"
	APIKeyFile     = "api-key.txt"
	serverCertFile = "server-cert.pem"
	serverKeyFile  = "server-key.pem"
)

// stagingHost is the staging API's host name, included in the server
// certificate so a hosts-file entry can point it at the emulator.
const stagingHost = "staging.api.axyscards.com"

// NewCredentials makes a fresh CA, server and client certificate (valid one
// year) and a random API key.
func NewCredentials() (*Credentials, error) {
	ca, err := pki.NewCA(pki.CAOptions{
		CommonName:          "Axys emulator CA",
		PermittedDNSDomains: []string{"localhost", stagingHost},
		PermittedIPRanges: []*net.IPNet{
			{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
			{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("make emulator credentials: %w", err)
	}
	server, err := ca.Issue(pki.LeafOptions{
		CommonName: stagingHost,
		DNSNames:   []string{stagingHost, "localhost"},
		IPs:        []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	})
	if err != nil {
		return nil, fmt.Errorf("make emulator credentials: %w", err)
	}
	client, err := ca.Issue(pki.LeafOptions{CommonName: "emulator-client", Client: true})
	if err != nil {
		return nil, fmt.Errorf("make emulator credentials: %w", err)
	}
	return &Credentials{CA: ca, Server: server, Client: client, APIKey: NewAPIKey()}, nil
}

// LoadOrCreateCredentials reads the credentials kept in dir, or makes and
// writes new ones when any file is missing, unreadable, inconsistent or
// expiring within a day. created reports the latter. Keys and the API key
// are written 0600, in a directory created 0700.
func LoadOrCreateCredentials(dir string, now time.Time) (creds *Credentials, created bool, err error) {
	creds, err = loadCredentials(dir, now)
	if err == nil {
		return creds, false, nil
	}
	if creds, err = NewCredentials(); err != nil {
		return nil, false, err
	}
	if err := creds.write(dir); err != nil {
		return nil, false, err
	}
	return creds, true, nil
}

func loadCredentials(dir string, now time.Time) (*Credentials, error) {
	caPEM, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		return nil, fmt.Errorf("load emulator credentials: %w", err)
	}
	pool := x509.NewCertPool()
	ca, err := parseCert(caPEM)
	if err != nil {
		return nil, fmt.Errorf("load emulator credentials: %w", err)
	}
	pool.AddCert(ca)
	server, err := pki.Load(filepath.Join(dir, serverCertFile), filepath.Join(dir, serverKeyFile))
	if err != nil {
		return nil, fmt.Errorf("load emulator credentials: %w", err)
	}
	client, err := pki.Load(filepath.Join(dir, ClientCertFile), filepath.Join(dir, ClientKeyFile))
	if err != nil {
		return nil, fmt.Errorf("load emulator credentials: %w", err)
	}
	key, err := os.ReadFile(filepath.Join(dir, APIKeyFile))
	if err != nil {
		return nil, fmt.Errorf("load emulator credentials: %w", err)
	}
	creds := &Credentials{CA: &pki.Cert{Cert: ca}, Server: server, Client: client, APIKey: strings.TrimSpace(string(key))}
	if creds.APIKey == "" {
		return nil, errors.New("load emulator credentials: empty API key")
	}
	soon := now.Add(24 * time.Hour)
	for _, c := range []struct {
		cert  *x509.Certificate
		usage x509.ExtKeyUsage
	}{{server.Cert, x509.ExtKeyUsageServerAuth}, {client.Cert, x509.ExtKeyUsageClientAuth}} {
		if _, err := c.cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: soon, KeyUsages: []x509.ExtKeyUsage{c.usage}}); err != nil {
			return nil, fmt.Errorf("load emulator credentials: verify %s: %w", c.cert.Subject.CommonName, err)
		}
	}
	return creds, nil
}

// parseCert decodes the single PEM certificate in pemBytes.
func parseCert(pemBytes []byte) (*x509.Certificate, error) {
	block, rest := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" || len(strings.TrimSpace(string(rest))) > 0 {
		return nil, errors.New("parse certificate: want exactly one PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return c, nil
}

// write stores the credentials in dir. The CA key is not written.
func (c *Credentials) write(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write emulator credentials: %w", err)
	}
	if err := c.Server.WriteFiles(filepath.Join(dir, serverCertFile), filepath.Join(dir, serverKeyFile)); err != nil {
		return fmt.Errorf("write emulator credentials: %w", err)
	}
	if err := c.Client.WriteFiles(filepath.Join(dir, ClientCertFile), filepath.Join(dir, ClientKeyFile)); err != nil {
		return fmt.Errorf("write emulator credentials: %w", err)
	}
	if err := writeFile(filepath.Join(dir, CAFile), c.CA.CertPEM(), 0o644); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, APIKeyFile), []byte(c.APIKey+"\n"), 0o600)
}

// writeFile writes data and sets perm, whatever the file's mode was before.
func writeFile(path string, data []byte, perm os.FileMode) error {
	if err := os.WriteFile(path, data, perm); err != nil {
		return fmt.Errorf("write emulator credentials: %w", err)
	}
	if err := os.Chmod(path, perm); err != nil {
		return fmt.Errorf("write emulator credentials: %w", err)
	}
	return nil
}
