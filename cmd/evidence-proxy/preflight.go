package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/internal/secretfile"
	"github.com/evidence-proxy/evidence-proxy/proxy"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// checkResult is one thing a start depends on: what was found, or why it
// cannot work.
type checkResult struct {
	name   string
	detail string
	err    error
	// advisory failures fail --check-config but only warn at a start,
	// which can still serve (see checkCA in cacheck.go).
	advisory bool
}

// preflight checks and loads everything serve needs before it creates
// anything: a start that fails here leaves no data directory, CA or key
// behind. --check-config runs the same checks.
type preflight struct {
	cfg         serveConfig
	upstream    *url.URL
	hosts       []string
	transport   *http.Transport
	listenerTLS *tls.Config
	matrix      *coverage.Matrix
	report      bundlecov.ExtrasOptions
	redact      recorder.RedactOptions
	apiKey      string
	adminToken  string
	results     []checkResult
}

// runPreflight runs every check, in order, and keeps each result. cfg
// must have passed validate.
func runPreflight(cfg serveConfig) *preflight {
	p := &preflight{cfg: cfg}
	p.do("upstream and allowlist", p.parseUpstream)
	p.do("secret files", p.checkSecretFiles)
	p.do("api key", p.loadAPIKey)
	p.do("admin token", p.loadAdminToken)
	p.do("client certificate", p.loadTransport)
	p.do("listener TLS", p.loadListenerTLS)
	p.do("matrix", p.loadMatrix)
	p.do("contract description and go-live checklist", p.loadReportFiles)
	p.do("redaction rules", p.loadRedaction)
	p.do("data directory", p.checkDataDir)
	p.do("store", p.checkStore)
	p.do("access log", func() (string, error) { return checkAccessLog(cfg.AccessLog, cfg.DataDir) })
	p.checkCA()
	return p
}

func (p *preflight) do(name string, f func() (string, error)) {
	detail, err := f()
	p.results = append(p.results, checkResult{name: name, detail: detail, err: err})
}

// err joins the failed checks' errors, each named; nil when all passed.
// With advisory false, advisory failures are left out (a start).
func (p *preflight) err(advisory bool) error {
	var errs []error
	for _, r := range p.results {
		if r.err != nil && (advisory || !r.advisory) {
			errs = append(errs, fmt.Errorf("%s: %w", r.name, r.err))
		}
	}
	return errors.Join(errs...)
}

// advisories returns the advisory failures, for a start to log.
func (p *preflight) advisories() []checkResult {
	var out []checkResult
	for _, r := range p.results {
		if r.err != nil && r.advisory {
			out = append(out, r)
		}
	}
	return out
}

func (p *preflight) parseUpstream() (string, error) {
	up, err := url.Parse(p.cfg.Upstream)
	if err != nil {
		return "", fmt.Errorf("--upstream: %w", err)
	}
	hosts, err := proxy.AllowedHosts(up, p.cfg.AllowHosts)
	if err != nil {
		return "", fmt.Errorf("allowlist: %w", err)
	}
	p.upstream, p.hosts = up, hosts
	return fmt.Sprintf("%s; forwards to %s", up, strings.Join(hosts, ", ")), nil
}

// dataDirSecrets are the private files serve keeps under --data-dir.
func (p *preflight) dataDirSecrets() []string {
	d := p.cfg.DataDir
	return []string{filepath.Join(d, signKeyFile), filepath.Join(d, redactKeyFile), filepath.Join(d, caDir, proxy.CAKeyFile)}
}

// checkSecretFiles refuses private keys others may read: the key files
// named by flags, and those already in the data directory.
func (p *preflight) checkSecretFiles() (string, error) {
	paths := []string{p.cfg.ClientKey}
	if p.cfg.TLSKey != "" {
		paths = append(paths, p.cfg.TLSKey)
	}
	for _, path := range p.dataDirSecrets() {
		if _, err := os.Stat(path); err == nil {
			paths = append(paths, path)
		}
	}
	var errs []error
	for _, path := range paths {
		if err := secretfile.CheckPrivate(path); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d key files, owner-only", len(paths)), nil
}

func (p *preflight) loadAPIKey() (string, error) {
	switch {
	case p.cfg.APIKeyFile != "":
		key, err := secretfile.ReadToken(p.cfg.APIKeyFile)
		if err != nil {
			return "", fmt.Errorf("--api-key-file: %w", err)
		}
		p.apiKey = key
		return "read from " + p.cfg.APIKeyFile, nil
	case p.cfg.APIKey != "":
		p.apiKey = p.cfg.APIKey
		return "given directly", nil
	}
	return "none: apps send their own X-API-Key", nil
}

func (p *preflight) loadAdminToken() (string, error) {
	if p.cfg.AdminTokenFile == "" {
		return "none: the admin listener is loopback-only", nil
	}
	token, err := secretfile.ReadToken(p.cfg.AdminTokenFile)
	if err != nil {
		return "", fmt.Errorf("--admin-token-file: %w", err)
	}
	p.adminToken = token
	return "read from " + p.cfg.AdminTokenFile, nil
}

func (p *preflight) loadTransport() (string, error) {
	tr, err := newUpstreamTransport(p.cfg)
	if err != nil {
		return "", err
	}
	p.transport = tr
	leaf := tr.TLSClientConfig.Certificates[0].Leaf
	if leaf == nil {
		return p.cfg.ClientCert, nil
	}
	return fmt.Sprintf("%s, issued by %s, expires %s", leaf.Subject, leaf.Issuer, leaf.NotAfter.UTC().Format("2006-01-02")), nil
}

func (p *preflight) loadListenerTLS() (string, error) {
	if p.cfg.TLSCert == "" {
		return "none: the proxy listener speaks plain HTTP", nil
	}
	cfg, err := proxy.ListenerTLSConfig(p.cfg.TLSCert, p.cfg.TLSKey, p.cfg.RequireClientCA)
	if err != nil {
		return "", err
	}
	p.listenerTLS = cfg
	if p.cfg.RequireClientCA != "" {
		return "TLS, app client certificates required (" + p.cfg.RequireClientCA + ")", nil
	}
	return "TLS, no app client certificates", nil
}

func (p *preflight) loadMatrix() (string, error) {
	m, err := loadMatrix(p.cfg.Matrix)
	if err != nil {
		return "", err
	}
	p.matrix = m
	ref := m.Ref()
	return fmt.Sprintf("%s %s, %d requirements", ref.ID, ref.Version, len(m.Requirements())), nil
}

func (p *preflight) checkDataDir() (string, error) {
	info, err := os.Stat(p.cfg.DataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return p.cfg.DataDir + ": none yet, created at the first start", nil
	case err != nil:
		return "", fmt.Errorf("data dir %s: %w", p.cfg.DataDir, err)
	case !info.IsDir():
		return "", fmt.Errorf("data dir %s: not a directory", p.cfg.DataDir)
	}
	return p.cfg.DataDir, nil
}

// checkStore fails when a running sidecar holds the store. Other open
// errors are left to the start itself, which may repair what a read-only
// open cannot.
func (p *preflight) checkStore() (string, error) {
	path := filepath.Join(p.cfg.DataDir, storeFile)
	if _, err := os.Stat(path); err != nil {
		return "none yet", nil
	}
	s, err := recorder.OpenReadOnly(path)
	if errors.Is(err, recorder.ErrLocked) {
		return "", fmt.Errorf("%w: another sidecar is running on %s; stop it, or give this one its own --data-dir", err, p.cfg.DataDir)
	}
	if err != nil {
		return path + ": opened at start (" + err.Error() + ")", nil
	}
	seq, _ := s.Head()
	s.Close(context.Background())
	return fmt.Sprintf("%s: %d records, not locked", path, seq), nil
}
