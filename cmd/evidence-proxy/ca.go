package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// runCA shows the per-install interception CA (creating it if needed, with
// the same name constraints serve would give it) and how to make an app
// trust it for HTTPS_PROXY mode.
func runCA(_ context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := loadConfigFor("ca",
		"Show the interception CA used in HTTPS_PROXY mode and how to trust it.\nTakes serve's flags, so the CA matches what serve uses.",
		args, os.Environ(), stderr)
	if err != nil {
		return err
	}
	up, err := url.Parse(cfg.Upstream)
	if err != nil {
		return fmt.Errorf("--upstream: %w", err)
	}
	ca, err := loadCA(cfg, up)
	if err != nil {
		return err
	}
	certPath, err := filepath.Abs(filepath.Join(cfg.DataDir, caDir, proxy.CACertFile))
	if err != nil {
		return fmt.Errorf("ca path: %w", err)
	}
	c := ca.Cert
	keyPath := filepath.Join(filepath.Dir(certPath), proxy.CAKeyFile)
	var ips []string
	for _, n := range c.PermittedIPRanges {
		if !n.IP.IsUnspecified() {
			ips = append(ips, n.IP.String())
		}
	}
	w := &lineWriter{w: stdout}
	w.printf("interception CA (HTTPS_PROXY mode)")
	w.printf("  certificate:  %s", certPath)
	w.printf("  key:          %s (private: never copy it off this host)", keyPath)
	w.printf("  valid:        %s to %s", c.NotBefore.UTC().Format("2006-01-02"), c.NotAfter.UTC().Format("2006-01-02"))
	w.printf("  SHA-256:      %s", ca.Fingerprint())
	w.printf("  may sign for: %s (X.509 name constraints: nothing else)", strings.Join(slices.Concat(c.PermittedDNSDomains, ips), ", "))
	w.printf("")
	w.printf("To send an app through the sidecar in HTTPS_PROXY mode:")
	w.printf("  export HTTPS_PROXY=http://%s", cfg.Listen)
	w.printf("and make the app trust the CA, one of:")
	w.printf("  export SSL_CERT_FILE=%s        # Go, curl, OpenSSL-based tools", certPath)
	w.printf("  export NODE_EXTRA_CA_CERTS=%s  # Node.js", certPath)
	w.printf("  export REQUESTS_CA_BUNDLE=%s   # Python requests", certPath)
	w.printf("  keytool -importcert -alias evidence-proxy -file %s -keystore app.jks  # Java", certPath)
	return w.err
}

// lineWriter prints lines and keeps the first error.
type lineWriter struct {
	w   io.Writer
	err error
}

func (l *lineWriter) printf(format string, a ...any) {
	if l.err == nil {
		_, l.err = fmt.Fprintf(l.w, format+"\n", a...)
	}
}
