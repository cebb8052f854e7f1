package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
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
// redaction key.
func openStore(cfg serveConfig, logger *slog.Logger, reg prometheus.Registerer, onCommit func([]*evidence.Record)) (*recorder.Store, error) {
	durability, err := recorder.ParseDurability(cfg.Durability)
	if err != nil {
		return nil, err
	}
	key, err := recorder.LoadOrCreateKey(filepath.Join(cfg.DataDir, redactKeyFile))
	if err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	red, err := recorder.NewRedactor(key, recorder.RedactOptions{})
	if err != nil {
		return nil, fmt.Errorf("redactor: %w", err)
	}
	return recorder.Open(filepath.Join(cfg.DataDir, storeFile), recorder.Options{
		Durability: durability,
		QueueSize:  cfg.QueueSize,
		Redactor:   red,
		Logger:     logger.With("component", "recorder"),
		Registerer: reg,
		OnCommit:   onCommit,
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

func newProxy(pre *preflight, ca *pki.Cert, logger *slog.Logger, reg prometheus.Registerer, rec proxy.Recorder) (*proxy.Proxy, error) {
	cfg := pre.cfg
	p, err := proxy.New(proxy.Options{
		Upstream:      pre.upstream,
		Allow:         cfg.AllowHosts,
		Passthrough:   cfg.PassthroughHost,
		CA:            ca,
		Transport:     pre.transport,
		Recorder:      rec,
		APIKey:        pre.apiKey,
		BodyCap:       cfg.BodyCap,
		Timeouts:      cfg.timeouts(),
		Logger:        logger,
		Registerer:    reg,
		EndpointLabel: coverage.EndpointTemplate,
		ListenerTLS:   pre.listenerTLS,
	})
	if err != nil {
		return nil, fmt.Errorf("build proxy: %w", err)
	}
	return p, nil
}

// loadCA loads or creates the per-install interception CA under dataDir,
// name-constrained to hosts, and logs where it is and whether it was just
// made (a new CA must be trusted by the apps that use HTTPS_PROXY mode).
func loadCA(dataDir string, hosts []string, logger *slog.Logger) (*pki.Cert, error) {
	dir := filepath.Join(dataDir, caDir)
	certPath := filepath.Join(dir, proxy.CACertFile)
	_, statErr := os.Stat(certPath)
	ca, err := proxy.LoadOrCreateCA(dir, hosts, nil)
	if err != nil {
		return nil, fmt.Errorf("interception CA: %w", err)
	}
	logger.Info("interception CA", "path", certPath, "created", errors.Is(statErr, fs.ErrNotExist),
		"sha256", ca.Fingerprint(), "hosts", strings.Join(hosts, ","))
	return ca, nil
}
