package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/admin"
	"github.com/evidence-proxy/evidence-proxy/internal/buildinfo"
	"github.com/evidence-proxy/evidence-proxy/proxy"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// Files under --data-dir.
const (
	storeFile     = "evidence.db"
	redactKeyFile = "redaction.key"
	caDir         = "ca"
	signKeyFile   = "signing-key.pem"
)

// newServeCmd is "evidence-proxy serve".
func (c *cli) newServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "run the recording proxy (the sidecar)",
		Long: `Run the recording proxy: forward the app's calls to the Axys staging API with the
staging client certificate, record each one (redacted, fsynced, hash-chained) and
serve live coverage and metrics on the admin listener.

Configuration comes from flags, then EVIDENCE_PROXY_* environment variables, then
the YAML file of --config (keys are the flag names), then the defaults; unknown
keys and variables are errors. Nothing is created (data directory, store, CA,
keys) until every check has passed and both listeners are bound.`,
		Example: `  evidence-proxy serve --client-cert staging/client.crt --client-key staging/client.key \
    --api-key-file staging/api-key --data-dir ./evidence-data
  evidence-proxy serve --config serve.yaml --check-config --probe
  EVIDENCE_PROXY_API_KEY_FILE=/run/secrets/api-key evidence-proxy serve --config serve.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.runServe(cmd, &f)
		},
	}
	f.bind(cmd.Flags(), true)
	return cmd
}

func (c *cli) runServe(cmd *cobra.Command, f *serveFlags) error {
	cfg, src, err := f.load(cmd.Flags(), c.environ)
	if err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	ctx := cmd.Context()
	if f.check {
		return checkConfig(ctx, cmd.OutOrStdout(), cfg, src, f.probe)
	}
	if f.probe {
		return newUsageError("--probe goes with --check-config (serve probes nothing else)")
	}
	logger := newLogger(cmd.ErrOrStderr(), cfg.LogLevel)
	if src["api-key"] == "flag" {
		logger.Warn("--api-key is visible in the process list to every user of this host; use --api-key-file or EVIDENCE_PROXY_API_KEY_FILE")
	}
	sc, err := openSidecar(ctx, cfg, logger)
	if err != nil {
		return err
	}
	return sc.run(ctx)
}

// sidecar is the running serve command: the listeners, the store, live
// coverage, the proxy and the admin server, opened in that order and
// closed in reverse.
type sidecar struct {
	cfg    serveConfig
	pre    *preflight
	log    *slog.Logger
	store  *recorder.Store
	proxy  *proxy.Proxy
	live   *coverage.Live
	feed   *liveFeed
	reg    *prometheus.Registry
	ln     net.Listener
	adminL net.Listener
	admin  *http.Server
}

// openSidecar checks everything, binds both listeners, and only then
// creates the data directory, the store, the keys and the CA: a start that
// fails (bad configuration or certificate, busy port, locked store) leaves
// nothing behind.
func openSidecar(ctx context.Context, cfg serveConfig, logger *slog.Logger) (_ *sidecar, err error) {
	pre := runPreflight(cfg)
	if err := pre.err(false); err != nil {
		return nil, fmt.Errorf("cannot start:\n%w", err)
	}
	for _, r := range pre.advisories() {
		logger.Warn("HTTPS_PROXY mode cannot intercept every allowlisted host; base-URL mode is unaffected", "check", r.name, "err", r.err)
	}
	sc := &sidecar{cfg: cfg, pre: pre, log: logger, reg: newRegistry()}
	defer func() {
		if err != nil {
			sc.closeEarly()
		}
	}()
	if sc.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if sc.adminL, err = net.Listen("tcp", cfg.AdminListen); err != nil {
		return nil, fmt.Errorf("admin listen: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	sc.live = coverage.NewLive(pre.matrix, sc.reg)
	sc.feed = startLiveFeed(sc.live)
	if sc.store, err = openStore(cfg, logger, sc.reg, sc.feed.onCommit); err != nil {
		return nil, err
	}
	if err := sc.rebuildCoverage(ctx); err != nil {
		return nil, err
	}
	ca, err := loadCA(cfg.DataDir, pre.hosts, logger)
	if err != nil {
		return nil, err
	}
	if sc.proxy, err = newProxy(pre, ca, logger, sc.reg, sc.store); err != nil {
		return nil, err
	}
	sc.admin = &http.Server{
		Handler:           sc.adminHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return sc, nil
}

// rebuildCoverage replays the store into live coverage before any new call
// is accepted, so /coverage after a restart equals the offline report.
func (sc *sidecar) rebuildCoverage(ctx context.Context) error {
	const batch = 256
	buf := make([]*evidence.Record, 0, batch)
	err := sc.store.Iterate(ctx, 1, func(r *evidence.Record) error {
		if buf = append(buf, r); len(buf) == batch {
			sc.live.Observe(buf)
			buf = buf[:0]
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rebuild coverage from the store: %w", err)
	}
	sc.live.Observe(buf)
	return nil
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
		buildInfoGauge(buildinfo.Read(), toolVersion()),
	)
	return reg
}

// buildInfoGauge is evidence_proxy_build_info: 1, labelled with the build.
func buildInfoGauge(info buildinfo.Info, version string) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "evidence_proxy_build_info",
		Help: "Always 1; the labels say which build of evidence-proxy is running.",
	}, []string{"version", "revision", "modified", "goversion"})
	g.WithLabelValues(version, info.Revision, strconv.FormatBool(info.Modified), info.GoVersion).Set(1)
	return g
}

func (sc *sidecar) adminHandler() http.Handler {
	return admin.Handler(admin.Options{
		Gatherer:    sc.reg,
		Ready:       sc.ready,
		Coverage:    func(w io.Writer, format string) error { return writeReport(w, sc.live.Report(), format) },
		CoverageCSP: coverage.HTMLContentSecurityPolicy,
		Snapshot:    sc.store.WriteSnapshot,
		Hosts:       sc.cfg.AdminHosts,
		BearerToken: sc.pre.adminToken,
		Logger:      sc.log.With("component", "admin"),
	})
}

func (sc *sidecar) ready() error {
	return sc.store.Healthy()
}

// run serves until ctx is cancelled, then shuts down in order: stop
// accepting and drain in-flight calls, stop the admin listener, flush and
// close the store.
func (sc *sidecar) run(ctx context.Context) error {
	sc.log.Info("serving",
		"listen", sc.ln.Addr().String(), "admin", sc.adminL.Addr().String(),
		"upstream", sc.cfg.Upstream, "durability", sc.cfg.Durability, "store", sc.store.Path())
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := sc.proxy.Serve(sc.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("proxy listener: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := sc.admin.Serve(sc.adminL); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("admin listener: %w", err)
		}
	}()
	var runErr error
	select {
	case <-ctx.Done():
		sc.log.Info("shutting down", "timeout", sc.cfg.ShutdownTimeout.String())
	case runErr = <-errc:
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sc.cfg.ShutdownTimeout)
	defer cancel()
	if err := sc.proxy.Shutdown(shutCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("drain proxy: %w", err))
	}
	if err := sc.admin.Shutdown(shutCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("stop admin: %w", err))
	}
	wg.Wait()
	if err := sc.store.Close(shutCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("close store: %w", err))
	}
	sc.feed.close()
	if runErr == nil {
		sc.log.Info("stopped")
	}
	return runErr
}

// closeEarly releases what openSidecar opened before it failed.
func (sc *sidecar) closeEarly() {
	for _, l := range []net.Listener{sc.ln, sc.adminL} {
		if l != nil {
			l.Close()
		}
	}
	if sc.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sc.store.Close(ctx)
	}
	if sc.feed != nil {
		sc.feed.close()
	}
}
