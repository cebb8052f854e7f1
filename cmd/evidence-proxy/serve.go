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
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/admin"
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

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, checkOnly, err := loadServeConfig(args, os.Environ(), stderr)
	if err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if checkOnly {
		if _, err := newUpstreamTransport(cfg); err != nil {
			return err
		}
		if _, err := loadMatrix(cfg.Matrix); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "configuration ok")
		return nil
	}
	logger := newLogger(stderr, cfg.LogLevel)
	sc, err := openSidecar(ctx, cfg, logger)
	if err != nil {
		return err
	}
	return sc.run(ctx)
}

// sidecar is the running serve command: the store, the proxy, live coverage
// and the admin listener, opened in that order and closed in reverse.
type sidecar struct {
	cfg    serveConfig
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

func openSidecar(ctx context.Context, cfg serveConfig, logger *slog.Logger) (_ *sidecar, err error) {
	sc := &sidecar{cfg: cfg, log: logger, reg: newRegistry()}
	defer func() {
		if err != nil {
			sc.closeEarly()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	matrix, err := loadMatrix(cfg.Matrix)
	if err != nil {
		return nil, err
	}
	sc.live = coverage.NewLive(matrix, sc.reg)
	sc.feed = startLiveFeed(sc.live)
	if sc.store, err = openStore(cfg, logger, sc.reg, sc.feed.onCommit); err != nil {
		return nil, err
	}
	if err := sc.rebuildCoverage(ctx); err != nil {
		return nil, err
	}
	if sc.proxy, err = newProxy(cfg, logger, sc.reg, sc.store); err != nil {
		return nil, err
	}
	if sc.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if sc.adminL, err = net.Listen("tcp", cfg.AdminListen); err != nil {
		return nil, fmt.Errorf("admin listen: %w", err)
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
	)
	return reg
}

func (sc *sidecar) adminHandler() http.Handler {
	return admin.Handler(admin.Options{
		Gatherer:    sc.reg,
		Ready:       sc.ready,
		Coverage:    func(w io.Writer, format string) error { return writeReport(w, sc.live.Report(), format) },
		CoverageCSP: coverage.HTMLContentSecurityPolicy,
		Snapshot:    sc.store.WriteSnapshot,
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
