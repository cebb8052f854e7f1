package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/events"
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
keys) until every check has passed and the listeners are bound.`,
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
	sc, err := openSidecar(ctx, cfg, logger, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	return sc.run(ctx)
}

// sidecar is the running serve command: the listeners, the store, live
// coverage, the proxy, the event receiver and the admin server, opened in
// that order and closed in reverse.
type sidecar struct {
	cfg    serveConfig
	pre    *preflight
	log    *slog.Logger
	stderr io.Writer
	store  *recorder.Store
	proxy  *proxy.Proxy
	events *events.Receiver // nil with --otlp-listen off
	live   *coverage.Live
	feed   *liveFeed
	reg    *prometheus.Registry
	access accessLog
	ln     net.Listener
	adminL net.Listener
	otlpL  net.Listener // nil with --otlp-listen off
	admin  *http.Server

	// sections are the readiness view and the contract findings beside
	// live coverage, fed by the same feed.
	sections *liveSections
	// lane holds the committed calls against the API description, behind
	// the traffic.
	lane *contractLane
	// prov is the provenance of live coverage's records, fed by the same
	// feed; trust the provenance collector and the signing key.
	prov  *liveProvenance
	trust *sidecarTrust
}

// openSidecar checks everything, binds the listeners, and only then
// creates the data directory, the store, the keys and the CA: a start that
// fails (bad configuration or certificate, busy port, locked store) leaves
// nothing behind. stderr is where --access-log - writes.
func openSidecar(ctx context.Context, cfg serveConfig, logger *slog.Logger, stderr io.Writer) (_ *sidecar, err error) {
	pre := runPreflight(cfg)
	if err := pre.err(false); err != nil {
		return nil, fmt.Errorf("cannot start:\n%w", err)
	}
	for _, r := range pre.advisories() {
		logger.Warn("HTTPS_PROXY mode cannot intercept every allowlisted host; base-URL mode is unaffected", "check", r.name, "err", r.err)
	}
	sc := &sidecar{cfg: cfg, pre: pre, log: logger, stderr: stderr, reg: newRegistry()}
	defer func() {
		if err != nil {
			sc.closeEarly()
		}
	}()
	if err := sc.bind(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	sc.live = coverage.NewLive(pre.matrix, sc.reg)
	if sc.sections, err = newLiveSections(pre.report, sc.reg); err != nil {
		return nil, err
	}
	sc.prov = newLiveProvenance(logger.With("component", "provenance"))
	sc.feed = startLiveFeed(sc.live, sc.sections, sc.prov)
	if sc.store, err = openStore(cfg, pre.redact, logger, sc.reg, sc.feed.onCommit); err != nil {
		return nil, err
	}
	if sc.trust, err = openTrust(cfg, sc.store, pre.transport, sc.prov, logger); err != nil {
		return nil, err
	}
	if err := sc.rebuildCoverage(ctx); err != nil {
		return nil, err
	}
	head, _ := sc.store.Head()
	sc.lane = startContractLane(laneStore{sc.store}, sc.sections, head, sc.log.With("component", "contract"))
	if err := sc.openServers(); err != nil {
		return nil, err
	}
	return sc, nil
}

// bind binds the proxy, admin and event listeners.
func (sc *sidecar) bind() error {
	var err error
	if sc.ln, err = net.Listen("tcp", sc.cfg.Listen); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if sc.adminL, err = net.Listen("tcp", sc.cfg.AdminListen); err != nil {
		return fmt.Errorf("admin listen: %w", err)
	}
	if sc.cfg.otlpEnabled() {
		if sc.otlpL, err = net.Listen("tcp", sc.cfg.OTLPListen); err != nil {
			return fmt.Errorf("otlp listen: %w", err)
		}
	}
	return nil
}

// openServers loads or creates the CA and builds what serves the
// listeners: the proxy (with its access log), the event receiver and the
// admin server.
func (sc *sidecar) openServers() error {
	ca, err := loadCA(sc.cfg.DataDir, sc.pre.hosts, sc.log)
	if err != nil {
		return err
	}
	if sc.access, err = openAccessLog(sc.cfg.AccessLog, sc.stderr); err != nil {
		return err
	}
	if sc.proxy, err = sc.newProxy(ca); err != nil {
		return err
	}
	if sc.otlpL != nil {
		if sc.events, err = sc.newReceiver(); err != nil {
			return err
		}
	}
	sc.admin = &http.Server{
		Handler:           sc.adminHandler(ca.CertPEM()),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(sc.log.Handler(), slog.LevelWarn),
	}
	return nil
}

// rebuildCoverage replays the store into live coverage, the readiness
// index and the provenance before any new call is accepted, so /coverage
// after a restart equals the offline report (the contract lane then
// checks the calls again behind the traffic, counting none of them).
func (sc *sidecar) rebuildCoverage(ctx context.Context) error {
	err := sc.store.Stream().EachBatch(ctx, func(recs []*evidence.Record) error {
		sc.sections.observe(sc.live, recs)
		sc.prov.observe(recs)
		return nil
	})
	if err != nil {
		return fmt.Errorf("rebuild coverage from the store: %w", err)
	}
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

// adminHandler serves the admin listener; caPEM is the interception CA's
// certificate, for GET /ca.pem.
func (sc *sidecar) adminHandler(caPEM []byte) http.Handler {
	return admin.Handler(admin.Options{
		Gatherer:    sc.reg,
		Ready:       sc.ready,
		CoverageIn:  sc.coverageReport,
		CoverageCSP: coverage.HTMLContentSecurityPolicy,
		Snapshot:    sc.store.WriteSnapshot,
		Export:      sc.exportBundle,
		CAPEM:       caPEM,
		Hosts:       sc.cfg.AdminHosts,
		BearerToken: sc.pre.adminToken,
		CheckCall:   sc.pre.report.Spec.Check,
		Logger:      sc.log.With("component", "admin"),
	})
}
