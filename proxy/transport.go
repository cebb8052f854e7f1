package proxy

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"time"
)

// TransportOptions describe the upstream connection.
type TransportOptions struct {
	// ClientCertFile is the PEM client certificate (the staging mTLS
	// certificate, optionally followed by its intermediates); required.
	ClientCertFile string
	// ClientKeyFile is its PEM private key (PKCS#8, SEC 1 or PKCS#1); required.
	ClientKeyFile string
	// UpstreamCAFile is a PEM bundle of roots to verify the upstream with;
	// empty means the system roots. Verification is always on.
	UpstreamCAFile string
	// Timeouts: Dial, TLSHandshake, ResponseHeader and Idle apply.
	Timeouts Timeouts
	// Now is the clock the certificate's validity is checked against; nil
	// means time.Now.
	Now func() time.Time
}

// NewTransport builds the one upstream transport: the client certificate,
// the roots, TLS 1.2 or later with verification always on, HTTP/1.1
// keep-alive connections (one per call in flight, as the app's own calls
// arrive), and timeouts. It never uses a proxy from the
// environment (Proxy is nil): in a sidecar HTTPS_PROXY may point back at
// the sidecar itself. It does not decompress: bodies are forwarded as the
// upstream sent them (DisableCompression).
//
// It refuses, naming the file and the reason, a missing certificate or
// key file, a certificate that is expired or not yet valid, a certificate
// that is not for client authentication, a self-signed certificate (the
// upstream only accepts certificates its CA issued from a CSR, so a
// self-signed one, CA or not, can never work: "CA-less"), and a key that
// does not match the certificate.
func NewTransport(o TransportOptions) (*http.Transport, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	pair, err := loadClientCert(o.ClientCertFile, o.ClientKeyFile, now())
	if err != nil {
		return nil, fmt.Errorf("build upstream transport: %w", err)
	}
	tr := baseTransport(o.Timeouts)
	tr.TLSClientConfig.Certificates = []tls.Certificate{pair}
	if o.UpstreamCAFile != "" {
		pool, err := loadPool(o.UpstreamCAFile)
		if err != nil {
			return nil, fmt.Errorf("build upstream transport: upstream CA: %w", err)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return tr, nil
}

// baseTransport is the upstream transport without a client certificate.
func baseTransport(t Timeouts) *http.Transport {
	t = t.withDefaults()
	dialer := &net.Dialer{Timeout: t.Dial, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		DisableCompression:     true,
		MaxIdleConns:           512,
		MaxIdleConnsPerHost:    256,
		IdleConnTimeout:        t.Idle,
		TLSHandshakeTimeout:    t.TLSHandshake,
		ResponseHeaderTimeout:  t.ResponseHeader,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
}

func loadClientCert(certFile, keyFile string, now time.Time) (tls.Certificate, error) {
	switch {
	case certFile == "":
		return tls.Certificate{}, errors.New("client certificate: no file given")
	case keyFile == "":
		return tls.Certificate{}, errors.New("client key: no file given")
	}
	chain, err := readCertChain(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := readKey(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf := chain[0]
	if err := checkClientCert(leaf, certFile, now); err != nil {
		return tls.Certificate{}, err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return tls.Certificate{}, fmt.Errorf("client key %s does not match client certificate %s", keyFile, certFile)
	}
	pair := tls.Certificate{PrivateKey: key, Leaf: leaf}
	for _, c := range chain {
		pair.Certificate = append(pair.Certificate, c.Raw)
	}
	return pair, nil
}

func readCertChain(file string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	var chain []*x509.Certificate
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("client certificate %s: %w", file, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("client certificate %s: no PEM certificate in it", file)
	}
	return chain, nil
}

func readKey(file string) (crypto.Signer, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("client key: %w", err)
	}
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if !bytes.HasSuffix([]byte(block.Type), []byte("PRIVATE KEY")) {
			continue
		}
		key, err := parseKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("client key %s: %w", file, err)
		}
		return key, nil
	}
	return nil, fmt.Errorf("client key %s: no PEM private key in it", file)
}

func parseKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		switch k := k.(type) {
		case *ecdsa.PrivateKey, *rsa.PrivateKey, ed25519.PrivateKey:
			return k.(crypto.Signer), nil
		}
		return nil, errors.New("unsupported key type")
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("not a PKCS#8, SEC 1 or PKCS#1 private key")
}

func checkClientCert(c *x509.Certificate, file string, now time.Time) error {
	switch {
	case now.After(c.NotAfter):
		return fmt.Errorf("client certificate %s expired on %s", file, c.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(c.NotBefore):
		return fmt.Errorf("client certificate %s is not valid before %s", file, c.NotBefore.UTC().Format(time.RFC3339))
	case isSelfSigned(c):
		return fmt.Errorf("client certificate %s is self-signed (CA-less): the upstream accepts only certificates its CA issued", file)
	case len(c.ExtKeyUsage) > 0 && !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageClientAuth) &&
		!slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny):
		return fmt.Errorf("client certificate %s is not for client authentication (extended key usage)", file)
	}
	return nil
}

// isSelfSigned reports whether c names itself as issuer and its signature
// verifies with its own key.
func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// tlsDialer makes the upstream TLS connections of the proxy's transport
// (its DialTLSContext) instead of leaving the handshake to net/http, so
// that it knows the host and port of each new connection, which
// tls.Config.VerifyConnection does not, and can hand the handshake to
// Options.UpstreamHandshake once per connection, never per call. It does
// what net/http would do: dial through the transport's DialContext (so a
// connection that reached one of the sidecar's own listeners is still
// closed before a byte is sent), handshake with a clone of the transport's
// TLS configuration, ServerName set to the host (verification stays on,
// against the same roots), within TLSHandshakeTimeout. It returns the
// *tls.Conn itself, so responses keep their TLS state; HTTP/1.1
// keep-alive is unchanged.
type tlsDialer struct {
	dial dialFunc
	// config is the transport's TLS configuration, cloned per connection.
	config *tls.Config
	// timeout bounds the handshake; zero means none.
	timeout   time.Duration
	handshake func(host, port string, cs tls.ConnectionState)
}

// errHandshakeTimeout is what net/http reports for a handshake past
// TLSHandshakeTimeout: a net.Error whose Timeout is true.
var errHandshakeTimeout error = handshakeTimeoutError{}

type handshakeTimeoutError struct{}

func (handshakeTimeoutError) Error() string   { return "TLS handshake timeout" }
func (handshakeTimeoutError) Timeout() bool   { return true }
func (handshakeTimeoutError) Temporary() bool { return true }

func (d *tlsDialer) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial upstream: %w", err)
	}
	raw, err := d.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := d.config.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	conn := tls.Client(raw, cfg)
	hctx := ctx
	if d.timeout > 0 {
		var cancel context.CancelFunc
		hctx, cancel = context.WithTimeout(ctx, d.timeout)
		defer cancel()
	}
	if err := conn.HandshakeContext(hctx); err != nil {
		raw.Close()
		if ctx.Err() == nil && errors.Is(hctx.Err(), context.DeadlineExceeded) {
			return nil, errHandshakeTimeout
		}
		return nil, err
	}
	if d.handshake != nil {
		d.handshake(host, port, conn.ConnectionState())
	}
	return conn, nil
}
