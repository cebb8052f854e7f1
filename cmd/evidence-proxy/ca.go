package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// newCACmd is "evidence-proxy ca": it shows the per-install interception
// CA (creating it if needed, with the same name constraints serve would
// give it) and how to make an app trust it for HTTPS_PROXY mode.
func (c *cli) newCACmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "ca [flags]",
		Short: "show the interception CA and how to trust it",
		Long: `Show the interception CA used in HTTPS_PROXY mode and how to trust it, creating it
on first use. Takes serve's flags (and environment), so the CA matches what serve uses.`,
		Example: `  evidence-proxy ca --data-dir ./evidence-data
  evidence-proxy ca --config serve.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := f.load(cmd.Flags(), c.environ)
			if err != nil {
				return err
			}
			return runCA(cmd.OutOrStdout(), cfg)
		},
	}
	f.bind(cmd.Flags(), false)
	return cmd
}

func runCA(stdout io.Writer, cfg serveConfig) error {
	up, err := url.Parse(cfg.Upstream)
	if err != nil {
		return fmt.Errorf("--upstream: %w", err)
	}
	hosts, err := proxy.AllowedHosts(up, cfg.AllowHosts)
	if err != nil {
		return fmt.Errorf("allowlist: %w", err)
	}
	ca, err := loadCA(cfg.DataDir, hosts, slog.New(slog.DiscardHandler))
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
