package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/events"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/internal/demoapp"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// demoOptions are the demo's flags.
type demoOptions struct {
	out       string
	seed      int64
	timeScale float64
}

// newDemoCmd is "evidence-proxy demo": the whole product on one machine.
// The Axys staging emulator and a real sidecar run on free loopback ports,
// a scripted app integrates through the sidecar (base-URL mode, one part
// through HTTPS_PROXY), then a bundle is exported and verified and its
// coverage table printed. Nothing is faked: requirements the script cannot
// produce in a minute stay gaps, with the steps that would fill them.
func newDemoCmd() *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo [flags]",
		Short: "run emulator, proxy and a scripted app, then export and verify a bundle",
		Long: `Run the Axys staging emulator, the sidecar and a scripted integration app on this
machine, then export and verify an evidence bundle and print its coverage table.`,
		Example: `  evidence-proxy demo
  evidence-proxy demo --out /tmp/demo --seed 7`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), cmd.OutOrStdout()) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.out, "out", "evidence-demo", "`DIR` for the demo's store, logs, credentials and bundle (emptied first)")
	fs.Int64Var(&o.seed, "seed", 42, "emulator seed: the same seed gives the same emulated world")
	fs.Float64Var(&o.timeScale, "time-scale", 0.001, "factor compressing the emulator's delays (0.001: an hour in 3.6 s)")
	return cmd
}

func (o demoOptions) validate() error {
	if o.timeScale <= 0 {
		return newUsageError("--time-scale %g must be positive", o.timeScale)
	}
	return nil
}

func (o demoOptions) run(ctx context.Context, stdout io.Writer) error {
	if err := o.validate(); err != nil {
		return err
	}
	start := time.Now()
	if err := resetDemoDir(o.out); err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(o.out, "demo.log"))
	if err != nil {
		return fmt.Errorf("create demo log: %w", err)
	}
	defer logFile.Close()
	bundle, err := o.record(ctx, stdout, logFile)
	if err != nil {
		return err
	}
	return o.exportAndVerify(ctx, stdout, bundle, start)
}

// resetDemoDir empties dir, refusing to touch a directory that is not an
// earlier demo's (it must be new, empty or hold demo.log).
func resetDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("demo directory: %w", err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, "demo.log")); err != nil {
			return fmt.Errorf("demo directory %s is not empty and holds no earlier demo: choose another --out", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clear demo directory: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create demo directory: %w", err)
	}
	return nil
}

// record runs emulator, sidecar and app, and returns once the sidecar has
// shut down and closed its store.
func (o demoOptions) record(ctx context.Context, stdout, logw io.Writer) (string, error) {
	logger := newLogger(logw, "info")
	emu, err := axysemu.Start(ctx, axysemu.StartOptions{Options: axysemu.Options{
		Seed: o.seed, TimeScale: o.timeScale, Logger: logger,
	}})
	if err != nil {
		return "", fmt.Errorf("start emulator: %w", err)
	}
	defer emu.Close()
	cfg, err := o.sidecarConfig(emu)
	if err != nil {
		return "", err
	}
	sc, err := openSidecar(ctx, cfg, logger, logw)
	if err != nil {
		return "", err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sc.run(runCtx) }()
	fmt.Fprintf(stdout, "emulator  %s\nsidecar   http://%s/v2 (admin http://%s, events http://%s)\n\nrunning the integration script through the sidecar:\n",
		emu.URL, sc.ln.Addr(), sc.adminL.Addr(), sc.otlpAddr())
	appOpts, err := o.appOptions(emu, sc, logger, stdout)
	if err != nil {
		stop()
		<-done
		return "", err
	}
	res, appErr := demoapp.Run(ctx, appOpts)
	stop()
	if err := <-done; err != nil {
		return "", fmt.Errorf("sidecar: %w", err)
	}
	if appErr != nil && !errors.Is(appErr, demoapp.ErrScenariosFailed) {
		return "", fmt.Errorf("integration script: %w", appErr)
	}
	if res != nil {
		fmt.Fprintf(stdout, "\n%d calls (%d retries, %d throttled, %d server faults)\n", res.Calls, res.Retries, res.Throttled, res.ServerFaults)
		for _, n := range res.Notes {
			fmt.Fprintln(stdout, "note:", n)
		}
	}
	if appErr != nil {
		return "", fmt.Errorf("integration script: %w (see %s)", appErr, filepath.Join(o.out, "demo.log"))
	}
	return filepath.Join(cfg.DataDir, storeFile), nil
}

// sidecarConfig is serve's configuration for the demo: free loopback
// ports, the emulator as upstream with its client certificate.
func (o demoOptions) sidecarConfig(emu *axysemu.Server) (serveConfig, error) {
	creds := filepath.Join(o.out, "emulator")
	if err := emu.ClientCert.WriteFiles(filepath.Join(creds, "client-cert.pem"), filepath.Join(creds, "client-key.pem")); err != nil {
		return serveConfig{}, fmt.Errorf("write emulator credentials: %w", err)
	}
	if err := os.WriteFile(filepath.Join(creds, "ca.pem"), emu.CA.CertPEM(), 0o644); err != nil {
		return serveConfig{}, fmt.Errorf("write emulator credentials: %w", err)
	}
	cfg := defaultServeConfig()
	cfg.Listen, cfg.AdminListen, cfg.OTLPListen = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.Upstream = emu.URL
	cfg.AllowHosts = nil
	cfg.ClientCert = filepath.Join(creds, "client-cert.pem")
	cfg.ClientKey = filepath.Join(creds, "client-key.pem")
	cfg.UpstreamCA = filepath.Join(creds, "ca.pem")
	cfg.DataDir = filepath.Join(o.out, "data")
	cfg.ShutdownTimeout = 10 * time.Second
	return cfg, cfg.validate()
}

// appOptions configure the scripted app as an integrator would: a base URL
// pointing at the sidecar and its API key; for the HTTPS_PROXY part, the
// sidecar as proxy and its interception CA trusted; its OpenTelemetry log
// exporter pointed at the sidecar's event receiver, so the app's events
// land in the same store as its calls.
func (o demoOptions) appOptions(emu *axysemu.Server, sc *sidecar, logger *slog.Logger, progress io.Writer) (demoapp.Options, error) {
	ca, err := pki.LoadCertPool(filepath.Join(sc.cfg.DataDir, caDir, proxy.CACertFile))
	if err != nil {
		return demoapp.Options{}, fmt.Errorf("interception CA: %w", err)
	}
	proxyURL := &url.URL{Scheme: "http", Host: sc.ln.Addr().String()}
	mitm := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(proxyURL),
		TLSClientConfig: &tls.Config{RootCAs: ca, MinVersion: tls.VersionTLS12},
	}}
	return demoapp.Options{
		BaseURL:        "http://" + sc.ln.Addr().String() + "/v2",
		APIKey:         emu.APIKey,
		MITMClient:     mitm,
		MITMBaseURL:    emu.URL,
		GuardProbeURL:  "http://production.api.axyscards.com/v2/staging/kyc/validate",
		EventsEndpoint: "http://" + sc.otlpL.Addr().String() + events.PathOTLPLogs,
		Logger:         logger,
		TimeScale:      o.timeScale,
		Progress:       progress,
	}, nil
}

// exportAndVerify writes the bundle from the stopped store, signed with
// the key serve created in its data directory, verifies it against that
// key's public half and prints the coverage table, provenance first: the
// demo's evidence is the emulator's, and says so.
func (o demoOptions) exportAndVerify(ctx context.Context, stdout io.Writer, storePath string, start time.Time) error {
	sf := storeFlags{db: storePath}
	store, err := sf.openForRead()
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	signer, _, err := signingKey(signKeyPath(filepath.Dir(storePath)))
	if err != nil {
		return err
	}
	prov, err := store.Provenance()
	if err != nil {
		return err
	}
	extras, err := (&reportFlags{}).load()
	if err != nil {
		return err
	}
	m := coverage.DefaultMatrix()
	bundle := filepath.Join(o.out, "evidence-bundle.tar.zst")
	if _, err := export.Write(ctx, bundle, store.Stream(), bundleOptions(store, m, extras, prov, signer, evidence.Window{})); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	vopts := bundleVerifyOptions()
	vopts.PublicKeys = []ed25519.PublicKey{signer.Public().(ed25519.PublicKey)}
	res, err := export.Verify(ctx, bundle, vopts)
	if err != nil {
		return fmt.Errorf("verify the demo bundle: %w", err)
	}
	extras.EmbedCalls = true
	report, sections, header, err := fullReport(ctx, store.Stream(), m, extras, prov, store.InstanceID(), evidence.Window{})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	err = writeHeadedReport(stdout, "table", header, func(w io.Writer) error { return writeFullReport(w, report, sections, "table") })
	if err != nil {
		return err
	}
	html := filepath.Join(o.out, "coverage.html")
	err = writeReportFile(html, "html", header, func(w io.Writer) error { return writeFullReport(w, report, sections, "html") })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nbundle    %s\nverified  %s\nreport    %s\n          open it in a browser: %s\nlive      the same report is served at /coverage while serving\ndone in %s\n",
		absPath(bundle), res.Verdict, absPath(html), openCommand(absPath(html)), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// writeReportFile writes a headed report to path.
func writeReportFile(path, format string, h export.Header, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := writeHeadedReport(&buf, format, h, render); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// absPath is path made absolute, or path itself when that fails.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// openCommand is how to open a file in the default browser on this
// system, as a command line to copy.
func openCommand(path string) string {
	q := path
	if strings.ContainsAny(path, " '\"$\\") {
		q = "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
	}
	switch runtime.GOOS {
	case "darwin":
		return "open " + q
	case "windows":
		return "start " + q
	}
	return "xdg-open " + q + "   (or file://" + path + ")"
}
