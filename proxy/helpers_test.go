package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

const testAPIKey = "test-api-key-5f2c9a"

// testPKI is the upstream's world: a CA, the upstream's server certificate
// and the staging client certificate, with files for NewTransport.
type testPKI struct {
	ca, server, client        *pki.Cert
	certFile, keyFile, caFile string
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "test upstream CA"})
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.Issue(pki.LeafOptions{CommonName: proxy.StagingHost,
		DNSNames: []string{proxy.StagingHost}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.Issue(pki.LeafOptions{CommonName: "integrator-client", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &testPKI{ca: ca, server: server, client: client,
		certFile: filepath.Join(dir, "client.pem"), keyFile: filepath.Join(dir, "client-key.pem"),
		caFile: filepath.Join(dir, "ca.pem")}
	if err := client.WriteFiles(p.certFile, p.keyFile); err != nil {
		t.Fatal(err)
	}
	if err := ca.WriteFiles(p.caFile, filepath.Join(dir, "ca-key.pem")); err != nil {
		t.Fatal(err)
	}
	return p
}

// startUpstream starts an HTTPS server that requires a client certificate
// issued by p's CA.
func startUpstream(t testing.TB, p *testPKI, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.server.TLS()},
		ClientCAs:    p.ca.Pool(),
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}
	srv.Config.ErrorLog = discardLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// fakeRecorder keeps records in memory.
type fakeRecorder struct {
	mu      sync.Mutex
	recs    []*evidence.Record
	err     error                  // returned by Record
	healthy error                  // returned by Healthy
	hook    func(*evidence.Record) // runs inside Record
	panicIn string                 // "record" or "healthy"
}

func (f *fakeRecorder) Record(_ context.Context, rec *evidence.Record) error {
	f.mu.Lock()
	hook, err, p := f.hook, f.err, f.panicIn
	f.mu.Unlock()
	if p == "record" {
		panic("recorder exploded")
	}
	if hook != nil {
		hook(rec)
	}
	f.mu.Lock()
	f.recs = append(f.recs, rec)
	f.mu.Unlock()
	return err
}

func (f *fakeRecorder) Healthy() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.panicIn == "healthy" {
		panic("health check exploded")
	}
	return f.healthy
}

func (f *fakeRecorder) set(fn func(*fakeRecorder)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeRecorder) records() []*evidence.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*evidence.Record(nil), f.recs...)
}

// only returns the only record written since the test began, failing
// when there is not exactly one.
func (f *fakeRecorder) only(t *testing.T) *evidence.Record {
	t.Helper()
	recs := f.records()
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	return recs[0]
}

func (f *fakeRecorder) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recs = nil
}

// env is a proxy in front of a test upstream, served on a loopback port.
type env struct {
	t      *testing.T
	pki    *testPKI
	up     *httptest.Server
	rec    *fakeRecorder
	p      *proxy.Proxy
	addr   string
	mitmCA *pki.Cert
	reg    *prometheus.Registry
	logs   *syncBuffer
	hits   atomic.Int64 // upstream requests
	// dial maps host:port to the address actually dialed.
	dialMu sync.Mutex
	dial   map[string]string
}

type envConfig struct {
	handler   http.Handler
	opts      func(*proxy.Options)
	transport func(*http.Transport)
}

func newEnv(t *testing.T, cfg envConfig) *env {
	t.Helper()
	e := &env{t: t, pki: newTestPKI(t), rec: &fakeRecorder{}, reg: prometheus.NewPedanticRegistry(),
		logs: &syncBuffer{}, dial: map[string]string{}}
	h := cfg.handler
	if h == nil {
		h = http.HandlerFunc(echoHandler)
	}
	e.up = startUpstream(t, e.pki, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	e.setDial(proxy.StagingHost+":443", e.up.Listener.Addr().String())
	tr, err := proxy.NewTransport(proxy.TransportOptions{ClientCertFile: e.pki.certFile,
		ClientKeyFile: e.pki.keyFile, UpstreamCAFile: e.pki.caFile})
	if err != nil {
		t.Fatal(err)
	}
	tr.DialContext = e.dialContext
	if cfg.transport != nil {
		cfg.transport(tr)
	}
	hosts, err := proxy.AllowedHosts(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.mitmCA, err = proxy.LoadOrCreateCA(t.TempDir(), hosts, nil)
	if err != nil {
		t.Fatal(err)
	}
	upstream, _ := url.Parse(proxy.DefaultUpstream)
	o := proxy.Options{
		Upstream:   upstream,
		Transport:  tr,
		CA:         e.mitmCA,
		Recorder:   e.rec,
		APIKey:     testAPIKey,
		Registerer: e.reg,
		Logger:     slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if cfg.opts != nil {
		cfg.opts(&o)
	}
	e.p, err = proxy.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- e.p.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.p.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return e
}

// setDial makes hostport dial addr; an empty addr makes it unknown.
func (e *env) setDial(hostport, addr string) {
	e.dialMu.Lock()
	defer e.dialMu.Unlock()
	if addr == "" {
		delete(e.dial, hostport)
		return
	}
	e.dial[hostport] = addr
}

func (e *env) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	e.dialMu.Lock()
	to, ok := e.dial[addr]
	e.dialMu.Unlock()
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

// mode is one of the two ways an app reaches the proxy.
type mode struct {
	name string
	mode evidence.Mode
	// url is what the app requests for an upstream path such as /v2/x.
	url    func(e *env, path string) string
	client func(e *env) *http.Client
}

var modes = []mode{
	{name: "base-url", mode: evidence.ModeBaseURL,
		url:    func(e *env, path string) string { return "http://" + e.addr + path },
		client: (*env).baseClient},
	{name: "mitm", mode: evidence.ModeMITM,
		url:    func(e *env, path string) string { return "https://" + proxy.StagingHost + path },
		client: (*env).mitmClient},
}

func (e *env) baseClient() *http.Client {
	tr := &http.Transport{DisableCompression: true, Proxy: nil}
	e.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

func (e *env) mitmClient() *http.Client {
	proxyURL := &url.URL{Scheme: "http", Host: e.addr}
	tr := &http.Transport{
		Proxy:              http.ProxyURL(proxyURL),
		TLSClientConfig:    &tls.Config{RootCAs: e.mitmCA.Pool()},
		DisableCompression: true,
	}
	e.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

// echoHandler answers with what it saw: the request body, and headers
// telling the method, path, query, API key and client certificate.
func echoHandler(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("X-Seen-Method", r.Method)
	h.Set("X-Seen-Path", r.URL.EscapedPath())
	h.Set("X-Seen-Query", r.URL.RawQuery)
	h.Set("X-Seen-Host", r.Host)
	h.Set("X-Seen-Key", r.Header.Get("X-API-Key"))
	h.Set("X-Seen-Length", r.Header.Get("Content-Length"))
	h.Set("X-Seen-Forwarded", r.Header.Get("Forwarded")+"|"+r.Header.Get("X-Forwarded-For"))
	if len(r.TLS.PeerCertificates) > 0 {
		h.Set("X-Seen-Client", r.TLS.PeerCertificates[0].Subject.CommonName)
	}
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

type errorJSON struct {
	Status    string `json:"status"`
	Message   string `json:"message"`
	ErrorKind string `json:"error_kind"`
	Host      string `json:"host"`
}

// decodeError reads an answer made by the proxy.
func decodeError(t *testing.T, body []byte) errorJSON {
	t.Helper()
	var got errorJSON
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("answer is not JSON: %v: %q", err, body)
	}
	if got.Status != "error" {
		t.Errorf("answer status = %q, want error", got.Status)
	}
	return got
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}

func newRequest(t *testing.T, method, url string, body []byte) *http.Request {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// rawConnect opens a CONNECT tunnel through the proxy by hand and returns
// the connection, a reader of it, and the proxy's answer.
func rawConnect(t *testing.T, proxyAddr, target string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	conn, err := net.Dial("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "CONNECT "+target+" HTTP/1.1\r\nHost: "+target+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatalf("read CONNECT answer: %v", err)
	}
	return conn, br, resp
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

func mustVerifyChain(t *testing.T, cert *x509.Certificate, roots *x509.CertPool, name string) {
	t.Helper()
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
		t.Fatalf("verify %s: %v", name, err)
	}
}

var errStore = errors.New("store is broken")

// metricValue returns the value of the counter or gauge name with the
// given label pairs, 0 when it has no such series.
func metricValue(t *testing.T, e *env, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m.GetLabel(), labels) {
				if c := m.GetCounter(); c != nil {
					return c.GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func hasLabels(pairs []*dto.LabelPair, want []string) bool {
	for i := 0; i+1 < len(want); i += 2 {
		found := false
		for _, p := range pairs {
			if p.GetName() == want[i] && p.GetValue() == want[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
