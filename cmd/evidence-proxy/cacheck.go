package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// checkCAPermits reads an existing interception CA certificate and fails,
// saying what to do, when it has expired or its X.509 name constraints do
// not permit every host the proxy forwards to (the allowlist grew since
// the CA was made). It reads only the certificate: the key is checked by
// the secret-file check and loaded by the proxy.
func checkCAPermits(certPath string, hosts []string) error {
	cert, err := readCertificate(certPath)
	if err != nil {
		return err
	}
	fix := fmt.Sprintf("delete %s and %s to make a new one at the next start, then trust the new certificate in your apps (evidence-proxy ca)",
		certPath, filepath.Join(filepath.Dir(certPath), proxy.CAKeyFile))
	if !cert.IsCA {
		return fmt.Errorf("%s is not a CA certificate: %s", certPath, fix)
	}
	if time.Now().After(cert.NotAfter) {
		return fmt.Errorf("%s expired on %s: %s", certPath, cert.NotAfter.UTC().Format(time.RFC3339), fix)
	}
	var refused []string
	for _, h := range hosts {
		if !caPermits(cert, h) {
			refused = append(refused, h)
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("%s does not permit %s (it may sign only for %s): %s",
			certPath, strings.Join(refused, ", "), strings.Join(caScope(cert), ", "), fix)
	}
	return nil
}

func readCertificate(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read interception CA: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("read interception CA %s: no PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("read interception CA %s: %w", path, err)
	}
	return cert, nil
}

// caPermits reports whether the CA's name constraints allow host: an IP
// literal must lie in a permitted range, a name must equal a permitted
// domain or lie under it.
func caPermits(cert *x509.Certificate, host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if ip := net.ParseIP(host); ip != nil {
		return slices.ContainsFunc(cert.PermittedIPRanges, func(n *net.IPNet) bool { return n.Contains(ip) })
	}
	return slices.ContainsFunc(cert.PermittedDNSDomains, func(d string) bool {
		d = strings.TrimPrefix(strings.ToLower(d), ".")
		return host == d || strings.HasSuffix(host, "."+d)
	})
}

// caScope lists what the CA may sign for; the unspecified address that
// stands for "no IP address" is left out.
func caScope(cert *x509.Certificate) []string {
	scope := slices.Clone(cert.PermittedDNSDomains)
	for _, n := range cert.PermittedIPRanges {
		if !n.IP.IsUnspecified() {
			scope = append(scope, n.IP.String())
		}
	}
	if len(scope) == 0 {
		return []string{"nothing"}
	}
	return scope
}
