package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// newCACmd is "evidence-proxy ca": it shows the per-install interception
// CA (creating it if needed, with the same name constraints serve would
// give it) and how to make an app trust it for HTTPS_PROXY mode, in
// addition to what the app already trusts; --bundle writes the bundle of
// system roots plus the CA that SSL_CERT_FILE and its kin need.
func (c *cli) newCACmd() *cobra.Command {
	var f serveFlags
	var bundle string
	cmd := &cobra.Command{
		Use:   "ca [flags]",
		Short: "show the interception CA and how to trust it",
		Long: `Show the interception CA used in HTTPS_PROXY mode and how to make each kind of client
trust it in addition to the roots it already trusts, creating the CA on first use.
--bundle writes a bundle of the system roots plus the CA, for the variables that
replace a client's trust store (SSL_CERT_FILE, CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE).
Takes serve's flags (and environment), so the CA matches what serve uses.`,
		Example: `  evidence-proxy ca --data-dir ./evidence-data
  evidence-proxy ca --config serve.yaml --bundle trust-bundle.pem
  evidence-proxy ca rotate --config serve.yaml     # a new CA for the current hosts`,
		Annotations: map[string]string{usageAnnotation: "evidence-proxy ca [rotate] [flags]"},
		Args:        noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := f.load(cmd.Flags(), c.environ)
			if err != nil {
				return err
			}
			return runCA(cmd.OutOrStdout(), cfg, bundle)
		},
	}
	f.bind(cmd.Flags(), false)
	cmd.Flags().StringVar(&bundle, "bundle", "", "write the system roots plus the CA to `FILE` (PEM), for SSL_CERT_FILE, CURL_CA_BUNDLE and REQUESTS_CA_BUNDLE")
	cmd.AddCommand(c.newCARotateCmd())
	return cmd
}

// newCARotateCmd is "evidence-proxy ca rotate".
func (c *cli) newCARotateCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "rotate [flags]",
		Short: "replace the interception CA with a new one for the current hosts",
		Long: `Replace the interception CA with a new one whose name constraints permit the current
allowlist (the upstream and every --allow-host), keeping the previous files as timestamped
backups, and say what must trust the new CA. Use it when the allowlist grew or the CA
expired; a running sidecar keeps the old CA until it is restarted.`,
		Example: `  evidence-proxy ca rotate --data-dir ./evidence-data --allow-host other.staging.example
  evidence-proxy ca rotate --config serve.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := f.load(cmd.Flags(), c.environ)
			if err != nil {
				return err
			}
			return runCARotate(cmd.OutOrStdout(), cfg)
		},
	}
	f.bind(cmd.Flags(), false)
	return cmd
}

// caHosts are the hosts the CA must permit: the upstream and the
// allowlist.
func caHosts(cfg serveConfig) ([]string, error) {
	up, err := url.Parse(cfg.Upstream)
	if err != nil {
		return nil, fmt.Errorf("--upstream: %w", err)
	}
	hosts, err := proxy.AllowedHosts(up, cfg.AllowHosts)
	if err != nil {
		return nil, fmt.Errorf("allowlist: %w", err)
	}
	return hosts, nil
}

func runCA(stdout io.Writer, cfg serveConfig, bundle string) error {
	hosts, err := caHosts(cfg)
	if err != nil {
		return err
	}
	ca, err := loadCA(cfg.DataDir, hosts, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	certPath, err := filepath.Abs(filepath.Join(cfg.DataDir, caDir, proxy.CACertFile))
	if err != nil {
		return fmt.Errorf("ca path: %w", err)
	}
	w := &lineWriter{w: stdout}
	writeCASummary(w, ca, certPath)
	if err := proxy.CheckCA(ca, hosts, time.Now()); err != nil {
		w.printf("  WARNING:      %v", err)
	}
	guide := proxy.TrustGuideOptions{ProxyURL: proxyURL(cfg), CA: ca, CACertFile: certPath}
	if bundle != "" {
		if guide.BundleFile, err = filepath.Abs(bundle); err != nil {
			return fmt.Errorf("bundle path: %w", err)
		}
		tb, err := proxy.WriteTrustBundle(guide.BundleFile, ca, "")
		if err != nil {
			return err
		}
		guide.SystemRoots = tb.SystemRoots
		w.printf("  trust bundle: %s (%d system roots from %s, then the CA)", tb.Path, tb.SystemCerts, tb.SystemRoots)
	}
	w.printf("")
	if w.err != nil {
		return w.err
	}
	_, err = io.WriteString(stdout, proxy.TrustGuide(guide))
	return err
}

// writeCASummary prints where the CA is, its validity, fingerprint and
// what it may sign for.
func writeCASummary(w *lineWriter, ca *pki.Cert, certPath string) {
	c := ca.Cert
	var ips []string
	for _, n := range c.PermittedIPRanges {
		if !n.IP.IsUnspecified() {
			ips = append(ips, n.IP.String())
		}
	}
	w.printf("interception CA (HTTPS_PROXY mode)")
	w.printf("  certificate:  %s", certPath)
	w.printf("  key:          %s (private: never copy it off this host)", filepath.Join(filepath.Dir(certPath), proxy.CAKeyFile))
	w.printf("  valid:        %s to %s", c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly))
	w.printf("  SHA-256:      %s", ca.Fingerprint())
	w.printf("  may sign for: %s (X.509 name constraints: nothing else)", strings.Join(slices.Concat(c.PermittedDNSDomains, ips), ", "))
}

// proxyURL is what apps set HTTPS_PROXY to.
func proxyURL(cfg serveConfig) string {
	if cfg.TLSCert != "" {
		return "https://" + cfg.Listen
	}
	return "http://" + cfg.Listen
}

func runCARotate(stdout io.Writer, cfg serveConfig) error {
	hosts, err := caHosts(cfg)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(filepath.Join(cfg.DataDir, caDir))
	if err != nil {
		return fmt.Errorf("ca path: %w", err)
	}
	r, err := proxy.RotateCA(dir, hosts, nil)
	if err != nil {
		return err
	}
	w := &lineWriter{w: stdout}
	w.printf("rotated the interception CA: it may now sign for %s", strings.Join(hosts, ", "))
	if r.BackupCertFile != "" {
		w.printf("previous files kept as %s and %s (delete them once nothing trusts the old CA)", r.BackupCertFile, orNone(r.BackupKeyFile))
	}
	w.printf("")
	w.printf("what must trust the new CA now:")
	for _, line := range r.Retrust {
		w.printf("  - %s", line)
	}
	return w.err
}

func orNone(s string) string {
	if s == "" {
		return "(no key)"
	}
	return s
}
