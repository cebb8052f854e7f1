package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// openStore opens the data directory's store with its per-install
// redaction key and the redaction rules the flags add.
func openStore(cfg serveConfig, redact recorder.RedactOptions, logger *slog.Logger, reg prometheus.Registerer, onCommit func([]*evidence.Record)) (*recorder.Store, error) {
	durability, err := recorder.ParseDurability(cfg.Durability)
	if err != nil {
		return nil, err
	}
	key, err := recorder.LoadOrCreateKey(filepath.Join(cfg.DataDir, redactKeyFile))
	if err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	red, err := recorder.NewRedactor(key, redact)
	if err != nil {
		return nil, fmt.Errorf("redactor: %w", err)
	}
	return recorder.Open(filepath.Join(cfg.DataDir, storeFile), recorder.Options{
		Durability:      durability,
		QueueSize:       cfg.QueueSize,
		SnapshotReserve: cfg.SnapshotReserve,
		Redactor:        red,
		Logger:          logger.With("component", "recorder"),
		Registerer:      reg,
		OnCommit:        onCommit,
	})
}

func (c serveConfig) timeouts() proxy.Timeouts {
	return proxy.Timeouts{
		Dial:           c.DialTimeout,
		TLSHandshake:   c.DialTimeout,
		ResponseHeader: c.HeaderTimeout,
		Idle:           c.IdleTimeout,
	}
}

// newUpstreamTransport builds the mTLS transport. It refuses to start with a
// missing, expired, self-signed or mismatched client certificate, naming
// which.
func newUpstreamTransport(cfg serveConfig) (*http.Transport, error) {
	tr, err := proxy.NewTransport(proxy.TransportOptions{
		ClientCertFile: cfg.ClientCert,
		ClientKeyFile:  cfg.ClientKey,
		UpstreamCAFile: cfg.UpstreamCA,
		Timeouts:       cfg.timeouts(),
	})
	if err != nil {
		return nil, fmt.Errorf("upstream client certificate: %w", err)
	}
	return tr, nil
}

// newProxy builds the proxy once the listeners are bound and the store is
// open. It never dials the admin and event listeners (ListenAddrs), and
// writes the access log, if any, with sequence numbers only in sync
// durability: there Record returns with the record committed and its Seq
// set, while an async store sets Seq later on its writer's goroutine.
func (sc *sidecar) newProxy(ca *pki.Cert) (*proxy.Proxy, error) {
	pre, cfg := sc.pre, sc.cfg
	p, err := proxy.New(proxy.Options{
		Upstream:      pre.upstream,
		Allow:         cfg.AllowHosts,
		Passthrough:   cfg.PassthroughHost,
		ListenAddrs:   sc.otherListenAddrs(),
		CA:            ca,
		Transport:     pre.transport,
		Recorder:      sc.store,
		APIKey:        pre.apiKey,
		BodyCap:       cfg.BodyCap,
		Timeouts:      cfg.timeouts(),
		Logger:        sc.log,
		Registerer:    sc.reg,
		EndpointLabel: coverage.EndpointTemplate,
		ListenerTLS:   pre.listenerTLS,
		AccessLog:     sc.access.w,
		AccessLogSeq:  cfg.Durability == "sync",

		UpstreamHandshake: sc.trust.observeHandshake,
	})
	if err != nil {
		return nil, fmt.Errorf("build proxy: %w", err)
	}
	return p, nil
}

// otherListenAddrs are the addresses of the sidecar's listeners besides
// the proxy's own (which Serve knows).
func (sc *sidecar) otherListenAddrs() []string {
	addrs := []string{sc.adminL.Addr().String()}
	if sc.otlpL != nil {
		addrs = append(addrs, sc.otlpL.Addr().String())
	}
	return addrs
}

// loadCA loads the per-install interception CA under dataDir, or creates
// it, name-constrained to hosts, when there is none: callers call it only
// once their checks have passed and the listeners are bound. It logs where
// the CA is and whether it was just made (a new CA must be trusted by the
// apps that use HTTPS_PROXY mode). A CA that cannot sign for every host is
// loaded as it is (see proxy.LoadCA).
func loadCA(dataDir string, hosts []string, logger *slog.Logger) (*pki.Cert, error) {
	dir := filepath.Join(dataDir, caDir)
	ca, err := proxy.LoadCA(dir)
	created := false
	if errors.Is(err, proxy.ErrNoCA) {
		ca, err = proxy.CreateCA(dir, hosts, nil)
		created = true
	}
	if err != nil {
		return nil, fmt.Errorf("interception CA: %w", err)
	}
	logger.Info("interception CA", "path", filepath.Join(dir, proxy.CACertFile), "created", created,
		"sha256", ca.Fingerprint(), "hosts", strings.Join(hosts, ","))
	return ca, nil
}
