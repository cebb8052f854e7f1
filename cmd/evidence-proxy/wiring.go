package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"

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

func newProxy(cfg serveConfig, logger *slog.Logger, reg prometheus.Registerer, rec proxy.Recorder) (*proxy.Proxy, error) {
	up, err := url.Parse(cfg.Upstream)
	if err != nil {
		return nil, fmt.Errorf("--upstream: %w", err)
	}
	tr, err := newUpstreamTransport(cfg)
	if err != nil {
		return nil, err
	}
	ca, err := loadCA(cfg, up)
	if err != nil {
		return nil, err
	}
	o := proxy.Options{
		Upstream:      up,
		Allow:         cfg.AllowHosts,
		Passthrough:   cfg.PassthroughHost,
		CA:            ca,
		Transport:     tr,
		Recorder:      rec,
		APIKey:        cfg.APIKey,
		BodyCap:       cfg.BodyCap,
		Timeouts:      cfg.timeouts(),
		Logger:        logger,
		Registerer:    reg,
		EndpointLabel: coverage.EndpointTemplate,
	}
	if cfg.TLSCert != "" {
		if o.ListenerTLS, err = proxy.ListenerTLSConfig(cfg.TLSCert, cfg.TLSKey, cfg.RequireClientCA); err != nil {
			return nil, fmt.Errorf("listener TLS: %w", err)
		}
	}
	p, err := proxy.New(o)
	if err != nil {
		return nil, fmt.Errorf("build proxy: %w", err)
	}
	return p, nil
}

// loadCA loads or creates the per-install interception CA, name-constrained
// to the hosts the proxy forwards to.
func loadCA(cfg serveConfig, up *url.URL) (*pki.Cert, error) {
	hosts, err := proxy.AllowedHosts(up, cfg.AllowHosts)
	if err != nil {
		return nil, fmt.Errorf("allowlist: %w", err)
	}
	ca, err := proxy.LoadOrCreateCA(filepath.Join(cfg.DataDir, caDir), hosts, nil)
	if err != nil {
		return nil, fmt.Errorf("interception CA: %w", err)
	}
	return ca, nil
}
