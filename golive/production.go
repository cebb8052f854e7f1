package golive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/secretfile"
)

// This file holds the only code of evidence-proxy that ever contacts
// production: VerifyProduction, on the integrator's request, with exactly
// the two calls the Axys go-live page documents. The sidecar never does
// (its guard refuses production whatever the configuration).

const (
	// ProductionBaseURL is the documented production base URL.
	ProductionBaseURL = "https://production.api.axyscards.com/v2"
	// StagingHost is the staging API's host, which VerifyProduction refuses.
	StagingHost = "staging.api.axyscards.com"
	// allowlistMessage is the documented message of the two-cause 403.
	allowlistMessage = "No Authorised IPs configured"
	// maxAnswer bounds what is read of an answer.
	maxAnswer = 64 << 10
)

// ErrStagingURL is returned by VerifyProduction and PlanProduction, before
// any call, for a base URL on the staging host.
var ErrStagingURL = errors.New("the base URL is Axys staging, not production")

// VerifyOptions configure VerifyProduction. BaseURL, ClientCertFile,
// ClientKeyFile and APIKeyFile are required.
type VerifyOptions struct {
	// BaseURL is the production base URL (ProductionBaseURL); it must be
	// https and not the staging host. A URL without a path gets /v2.
	BaseURL string
	// ClientCertFile and ClientKeyFile are the production mTLS certificate
	// (PEM, optionally followed by intermediates) and its key.
	ClientCertFile, ClientKeyFile string
	// APIKeyFile holds the production API key; it must be readable by its
	// owner only (internal/secretfile).
	APIKeyFile string
	// UpstreamCAFile, when set, is a PEM bundle of roots to verify the
	// server with instead of the system roots (a test server).
	UpstreamCAFile string
	// Staging is what the store saw of the staging credentials, to check
	// that production's differ; empty fields leave those checks skipped.
	Staging StagingCredentials
	// Fingerprint is the store's redaction fingerprint
	// (recorder.Redactor.Fingerprint), to compare the production API key
	// with Staging.APIKeyFingerprints; nil skips that check.
	Fingerprint func(secret string) string
	// Timeout bounds each call; zero means 30 s.
	Timeout time.Duration
	// ToolVersion is recorded in the result and the User-Agent.
	ToolVersion string
	// Now is the clock of the result and of certificate checks; nil means
	// time.Now.
	Now func() time.Time
}

// StagingCredentials are the staging client certificates and API-key
// fingerprints a store saw (its provenance).
type StagingCredentials struct {
	ClientCerts        []evidence.Cert
	APIKeyFingerprints []string
}

// prepared is what a verification needs once its input is checked.
type prepared struct {
	o       VerifyOptions
	base    *url.URL
	pair    tls.Certificate
	leaf    *x509.Certificate
	apiKey  string
	roots   *x509.CertPool
	now     time.Time
	keyFP   string
	version string
}

// prepare checks everything VerifyProduction needs before any call.
func prepare(o VerifyOptions) (*prepared, error) {
	base, err := productionURL(o.BaseURL)
	if err != nil {
		return nil, err
	}
	p := &prepared{o: o, base: base, now: time.Now(), version: o.ToolVersion}
	if o.Now != nil {
		p.now = o.Now()
	}
	if p.version == "" {
		p.version = "dev"
	}
	if o.ClientCertFile == "" || o.ClientKeyFile == "" || o.APIKeyFile == "" {
		return nil, errors.New("verify production: the client certificate, its key and the API key file are required")
	}
	if p.pair, err = tls.LoadX509KeyPair(o.ClientCertFile, o.ClientKeyFile); err != nil {
		return nil, fmt.Errorf("verify production: load the client certificate: %w", err)
	}
	if p.leaf, err = x509.ParseCertificate(p.pair.Certificate[0]); err != nil {
		return nil, fmt.Errorf("verify production: parse the client certificate: %w", err)
	}
	if p.apiKey, err = secretfile.ReadToken(o.APIKeyFile); err != nil {
		return nil, fmt.Errorf("verify production: read the API key: %w", err)
	}
	if strings.ContainsAny(p.apiKey, "\r\n") {
		return nil, errors.New("verify production: the API key file holds more than one line")
	}
	if o.UpstreamCAFile != "" {
		if p.roots, err = loadRoots(o.UpstreamCAFile); err != nil {
			return nil, err
		}
	}
	if o.Fingerprint != nil {
		p.keyFP = o.Fingerprint(p.apiKey)
	}
	return p, nil
}

// productionURL checks the base URL: https, not staging, no credentials,
// query or fragment; an empty path becomes /v2.
func productionURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return nil, fmt.Errorf("verify production: base URL %q is not a URL", raw)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	switch {
	case host == StagingHost || strings.HasSuffix(host, "."+StagingHost):
		return nil, fmt.Errorf("verify production: %s: %w (use %s)", raw, ErrStagingURL, ProductionBaseURL)
	case u.Scheme != "https" || host == "":
		return nil, fmt.Errorf("verify production: base URL %q must be https://host[:port][/path]", raw)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("verify production: base URL %q must not carry credentials, a query or a fragment", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v2"
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

func loadRoots(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("verify production: read the upstream CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("verify production: %s holds no PEM certificate", path)
	}
	return pool, nil
}

// certFacts describes the client certificate for the result.
func certFacts(c *x509.Certificate) CertFacts {
	sum := sha256.Sum256(c.Raw)
	spki := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return CertFacts{
		Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		SHA256: hex.EncodeToString(sum[:]), SPKISHA256: hex.EncodeToString(spki[:]),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		Tenant: strings.Join(c.Subject.Organization, ", "), Programs: c.Subject.OrganizationalUnit,
	}
}

// VerifyProduction verifies the switch to production with the two calls
// the Axys go-live page documents, and nothing else:
//
//  1. GET /cardholders answers 200 with a list envelope: the certificate,
//     the IP allowlist with forward-confirmed reverse DNS and the API key
//     are all accepted;
//  2. POST /staging/kyc/validate {"cardholderId": 1, "result": "pass"}
//     answers 404: the simulation endpoints do not exist, so this really
//     is production.
//
// Before any call it checks its input (an error for a staging base URL,
// ErrStagingURL, or unusable files) and that the production certificate,
// its key and the API key differ from the staging ones the store saw; if
// they do not, it makes no call. Each failure is diagnosed by layer (see
// Check). The Result, not an error, says whether the switch is verified;
// sign it with SignResult.
func VerifyProduction(ctx context.Context, o VerifyOptions) (*Result, error) {
	p, err := prepare(o)
	if err != nil {
		return nil, err
	}
	res := p.newResult()
	res.Checks = append(res.Checks, p.certDiffers(), p.keyDiffers())
	if res.failed() {
		res.Checks = append(res.Checks,
			skipped(checkCardholders, "not called: the credentials are staging's"),
			skipped(checkSimulation, "not called: the credentials are staging's"))
		return res.seal(), nil
	}
	client := p.client()
	defer client.CloseIdleConnections()
	res.Checks = append(res.Checks, p.cardholders(ctx, client), p.simulation(ctx, client))
	return res.seal(), nil
}

func (p *prepared) newResult() *Result {
	r := &Result{
		Schema: ResultSchema, Time: p.now.UTC(), ToolVersion: p.version,
		BaseURL: p.base.String(), DocumentedProduction: p.base.String() == ProductionBaseURL,
		ClientCert: certFacts(p.leaf), APIKeyFingerprint: p.keyFP,
	}
	return r
}

// client is the one HTTP client of the verification: the production
// client certificate, TLS 1.2 or later, verification always on, no proxy
// from the environment, no redirects followed.
func (p *prepared) client() *http.Client {
	return &http.Client{
		Timeout: orTimeout(p.o.Timeout),
		Transport: &http.Transport{
			Proxy: nil,
			TLSClientConfig: &tls.Config{
				MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{p.pair}, RootCAs: p.roots,
			},
			MaxIdleConnsPerHost: 1,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func orTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return 30 * time.Second
	}
	return d
}

// simulationBody is the body of the documented second check.
const simulationBody = `{"cardholderId": 1, "result": "pass"}`

// plannedCalls are the two calls, in order.
func (p *prepared) plannedCalls() []PlannedCall {
	return []PlannedCall{
		{Check: checkCardholders, Method: http.MethodGet, URL: p.base.String() + "/cardholders", Expect: "200 with a list envelope"},
		{Check: checkSimulation, Method: http.MethodPost, URL: p.base.String() + "/staging/kyc/validate", Body: simulationBody, Expect: "404 (no simulation endpoints)"},
	}
}

// call makes one of the two calls and returns what the result keeps of
// it, the answer's body (bounded) and the transport error.
func (p *prepared) call(ctx context.Context, client *http.Client, c PlannedCall) (*Exchange, []byte, error) {
	var body io.Reader
	if c.Body != "" {
		body = strings.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, c.URL, body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("X-API-Key", p.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "evidence-proxy-golive/"+p.version)
	if c.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	ex := &Exchange{Method: c.Method, URL: c.URL}
	start := time.Now()
	resp, err := client.Do(req)
	ex.DurationMS = time.Since(start).Milliseconds()
	if err != nil {
		ex.Error = err.Error()
		return ex, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	ex.Status = resp.StatusCode
	if err != nil {
		ex.Error = "reading the answer: " + err.Error()
	}
	ex.Message = oneLine(messageOf(data))
	return ex, bytes.TrimSpace(data), nil
}
