// Package pki makes the small X.509 hierarchies evidence-proxy needs: the
// per-install interception CA, the emulator's CA with its server and client
// certificates, and test certificates. Keys are ECDSA P-256.
//
// It is a key-making helper, not a policy: callers choose lifetimes, names
// and name constraints.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Cert is a certificate with its private key.
type Cert struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// CAOptions describe a new certificate authority.
type CAOptions struct {
	// CommonName of the CA; required.
	CommonName string
	// Validity; zero means ten years.
	Validity time.Duration
	// PermittedDNSDomains, when set, name-constrain the CA (critical), so a
	// stolen key cannot mint certificates for other domains.
	PermittedDNSDomains []string
	// PermittedIPRanges, when set, constrain the IP SANs it may sign.
	PermittedIPRanges []*net.IPNet
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewCA creates a self-signed CA.
func NewCA(o CAOptions) (*Cert, error) {
	if o.CommonName == "" {
		return nil, errors.New("new ca: common name is required")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("new ca: generate key: %w", err)
	}
	now := clock(o.Now)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: o.CommonName, Organization: []string{"evidence-proxy"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(orDefault(o.Validity, 10*365*24*time.Hour)),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	if len(o.PermittedDNSDomains) > 0 || len(o.PermittedIPRanges) > 0 {
		tmpl.PermittedDNSDomainsCritical = true
		tmpl.PermittedDNSDomains = o.PermittedDNSDomains
		tmpl.PermittedIPRanges = o.PermittedIPRanges
	}
	return sign(tmpl, key, nil)
}

// LeafOptions describe a certificate issued by a CA.
type LeafOptions struct {
	// CommonName of the subject; empty means none (the subject then holds
	// only the organization, and the SANs name the server).
	CommonName string
	// DNSNames and IPs become the SANs (server certificates).
	DNSNames []string
	IPs      []net.IP
	// Client makes a client-authentication certificate; otherwise a server one.
	Client bool
	// Validity; zero means one year.
	Validity time.Duration
	// NotBefore overrides the start (tests of expired certificates).
	NotBefore time.Time
	Now       func() time.Time
}

// Issue signs a new leaf certificate with ca.
func (ca *Cert) Issue(o LeafOptions) (*Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("issue %q: generate key: %w", o.CommonName, err)
	}
	start := o.NotBefore
	if start.IsZero() {
		start = clock(o.Now).Add(-time.Hour)
	}
	usage := x509.ExtKeyUsageServerAuth
	if o.Client {
		usage = x509.ExtKeyUsageClientAuth
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: o.CommonName, Organization: []string{"evidence-proxy"}}, // no CN when empty
		NotBefore:    start,
		NotAfter:     start.Add(orDefault(o.Validity, 365*24*time.Hour)),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     o.DNSNames,
		IPAddresses:  o.IPs,
	}
	return sign(tmpl, key, ca)
}

// TLS returns the pair as a tls.Certificate (leaf only).
func (c *Cert) TLS() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}
}

// Pool returns a pool holding only c.
func (c *Cert) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Cert)
	return p
}

// CertPEM is the certificate in PEM.
func (c *Cert) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// KeyPEM is the private key in PKCS#8 PEM.
func (c *Cert) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Fingerprint is the hex SHA-256 of the certificate's DER.
func (c *Cert) Fingerprint() string { return Fingerprint(c.Cert.Raw) }

// Fingerprint is the hex SHA-256 of a certificate's DER.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// WriteFiles writes the certificate and key as PEM; the key file is 0600.
// Files are written to a temporary name and renamed into place.
func (c *Cert) WriteFiles(certPath, keyPath string) error {
	keyPEM, err := c.KeyPEM()
	if err != nil {
		return err
	}
	if err := writeAtomic(certPath, c.CertPEM(), 0o644); err != nil {
		return err
	}
	return writeAtomic(keyPath, keyPEM, 0o600)
}

// Load reads a certificate and its key from PEM files. Only ECDSA keys are
// returned as a Cert; use tls.LoadX509KeyPair for arbitrary key types.
func Load(certPath, keyPath string) (*Cert, error) {
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", certPath, err)
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("load %s: key is not ECDSA", keyPath)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", certPath, err)
	}
	return &Cert{Cert: leaf, Key: key}, nil
}

func sign(tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *Cert) (*Cert, error) {
	parentCert, signer := tmpl, crypto.Signer(key)
	if parent != nil {
		parentCert, signer = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, signer)
	if err != nil {
		return nil, fmt.Errorf("sign %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", tmpl.Subject.CommonName, err)
	}
	return &Cert{Cert: cert, Key: key}, nil
}

func writeAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create dir for %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	return nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // crypto/rand never fails on Linux
	}
	return n
}

func clock(now func() time.Time) time.Time {
	if now == nil {
		return time.Now()
	}
	return now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// LoadCertPool reads a PEM bundle of trusted certificates.
func LoadCertPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load trust bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("load trust bundle %s: no PEM certificates", path)
	}
	return pool, nil
}
