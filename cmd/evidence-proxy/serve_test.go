package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// servePKI is an upstream CA with client certificates of every kind serve
// must accept or refuse.
type servePKI struct {
	dir                 string
	ca                  *pki.Cert
	upstreamCA          string
	goodCert, goodKey   string
	expiredCert, expKey string
	selfSigned, selfKey string
	otherKey            string
}

func newServePKI(t *testing.T) *servePKI {
	t.Helper()
	dir := t.TempDir()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "upstream CA"})
	if err != nil {
		t.Fatal(err)
	}
	p := &servePKI{dir: dir, ca: ca, upstreamCA: filepath.Join(dir, "ca.pem")}
	if err := os.WriteFile(p.upstreamCA, ca.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(name string, c *pki.Cert) (string, string) {
		cert, key := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
		if err := c.WriteFiles(cert, key); err != nil {
			t.Fatal(err)
		}
		return cert, key
	}
	good, err := ca.Issue(pki.LeafOptions{CommonName: "app", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	p.goodCert, p.goodKey = write("good", good)
	expired, err := ca.Issue(pki.LeafOptions{CommonName: "old", Client: true, NotBefore: time.Now().Add(-72 * time.Hour), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p.expiredCert, p.expKey = write("expired", expired)
	self, err := pki.NewCA(pki.CAOptions{CommonName: "self-signed"})
	if err != nil {
		t.Fatal(err)
	}
	p.selfSigned, p.selfKey = write("self", self)
	other, err := ca.Issue(pki.LeafOptions{CommonName: "other", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	_, p.otherKey = write("other", other)
	return p
}

func (p *servePKI) args(dataDir, cert, key string) []string {
	return []string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--otlp-listen", "127.0.0.1:0",
		"--upstream", "https://127.0.0.1:1/v2", "--upstream-ca", p.upstreamCA,
		"--client-cert", cert, "--client-key", key, "--data-dir", dataDir}
}

// TestServeRefusesToStart: every reason serve cannot run is named.
func TestServeRefusesToStart(t *testing.T) {
	p := newServePKI(t)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "missing certificate file", args: p.args(t.TempDir(), filepath.Join(p.dir, "nope.pem"), p.goodKey), wantErr: "nope.pem"},
		{name: "expired certificate", args: p.args(t.TempDir(), p.expiredCert, p.expKey), wantErr: "expired"},
		{name: "self-signed certificate", args: p.args(t.TempDir(), p.selfSigned, p.selfKey), wantErr: "self-signed"},
		{name: "key of another certificate", args: p.args(t.TempDir(), p.goodCert, p.otherKey), wantErr: "match"},
		{name: "data dir that cannot be created", args: p.args(filepath.Join(notADir, "data"), p.goodCert, p.goodKey), wantErr: "data dir"},
		{name: "production upstream", args: append(p.args(t.TempDir(), p.goodCert, p.goodKey), "--upstream", "https://production.api.axyscards.com/v2"), wantErr: "never forwards to production"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), tt.args, io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to name %q", err, tt.wantErr)
			}
		})
	}
}

// TestServeSecondInstanceOnOneStore: the store is locked by the first.
func TestServeSecondInstanceOnOneStore(t *testing.T) {
	p := newServePKI(t)
	dataDir := t.TempDir()
	s := startServe(t, p.args(dataDir, p.goodCert, p.goodKey))
	defer s.stop(t)
	err := run(context.Background(), p.args(dataDir, p.goodCert, p.goodKey), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second instance: err = %v, want a locked store", err)
	}
}

func TestServeCheckConfig(t *testing.T) {
	p := newServePKI(t)
	var out bytes.Buffer
	if err := run(context.Background(), append(p.args(t.TempDir(), p.goodCert, p.goodKey), "--check-config"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "\nconfiguration ok\n") || !strings.Contains(out.String(), "effective configuration:") {
		t.Errorf("check-config printed %q", out.String())
	}
	err := run(context.Background(), append(p.args(t.TempDir(), p.expiredCert, p.expKey), "--check-config"), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("check-config with an expired certificate: %v", err)
	}
}

// runningServe is a serve command running in this process.
type runningServe struct {
	proxy, admin string
	cancel       context.CancelFunc
	done         chan error
	logs         *lineTap
}

// log returns what the sidecar has logged so far.
func (s *runningServe) log() string {
	s.logs.mu.Lock()
	defer s.logs.mu.Unlock()
	return s.logs.buf.String()
}

var servingLine = regexp.MustCompile(`"msg":"serving","listen":"([^"]+)","admin":"([^"]+)"`)

func startServe(t *testing.T, args []string) *runningServe {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	lines := &lineTap{found: make(chan []string, 1), re: servingLine}
	s := &runningServe{cancel: cancel, done: make(chan error, 1), logs: lines}
	go func() { s.done <- run(ctx, args, io.Discard, lines) }()
	select {
	case m := <-lines.found:
		s.proxy, s.admin = m[1], m[2]
	case err := <-s.done:
		cancel()
		t.Fatalf("serve stopped at once: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return s
}

func (s *runningServe) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	if err := <-s.done; err != nil {
		t.Errorf("serve returned %v after cancel", err)
	}
}

// lineTap watches a log stream for the first line matching re.
type lineTap struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	re    *regexp.Regexp
	found chan []string
	done  bool
}

func (l *lineTap) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.done {
		if m := l.re.FindStringSubmatch(l.buf.String()); m != nil {
			l.done = true
			l.found <- m
		}
	}
	return len(p), nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestServeAdminAndExportFromSnapshot drives a few calls through a real
// sidecar whose upstream is unreachable (each call is recorded as a 502),
// reads the admin endpoints, exports a bundle from the running sidecar's
// /snapshot and verifies it.
func TestServeAdminAndExportFromSnapshot(t *testing.T) {
	p := newServePKI(t)
	dataDir := t.TempDir()
	s := startServe(t, p.args(dataDir, p.goodCert, p.goodKey))
	defer s.stop(t)

	for i := range 3 {
		status, body := get(t, fmt.Sprintf("http://%s/v2/cards/%d/balance", s.proxy, i+1))
		if status != http.StatusBadGateway || !strings.Contains(body, `"error_kind":"connect_refused"`) {
			t.Fatalf("call through a sidecar with a dead upstream: %d %s", status, body)
		}
	}
	// Every call failed to connect: the upstream is marked unhealthy, and
	// /readyz says so, and that the store itself is fine.
	if status, body := get(t, "http://"+s.admin+"/readyz"); status != http.StatusServiceUnavailable ||
		!strings.Contains(body, "not ready: upstream: ") || !strings.Contains(body, "store ok") {
		t.Errorf("/readyz with a dead upstream = %d %q, want 503 naming the upstream", status, body)
	}
	if status, body := get(t, "http://"+s.admin+"/metrics"); status != 200 || !strings.Contains(body, "evidence_proxy_recorder_") {
		t.Errorf("/metrics = %d without recorder metrics", status)
	}
	waitForTest(t, func() bool {
		_, body := get(t, "http://"+s.admin+"/coverage?format=json")
		return strings.Contains(body, `"records": 3`)
	})
	if status, body := get(t, "http://"+s.admin+"/coverage"); status != 200 || !strings.Contains(body, "<svg") {
		t.Errorf("/coverage = %d, not the HTML report", status)
	}

	bundle := filepath.Join(t.TempDir(), "b.tar.zst")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"export", "--from", "http://" + s.admin, "--out", bundle}, &out, io.Discard); err != nil {
		t.Fatalf("export --from: %v", err)
	}
	// No call reached the upstream: the bundle says so.
	if !strings.Contains(out.String(), "3 records (seq 1–3), environment none") || !strings.Contains(out.String(), "NOT AXYS STAGING: no call reached an upstream") {
		t.Errorf("export said %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"verify", "--pubkey", filepath.Join(dataDir, signKeyFile+".pub"), bundle}, &out, io.Discard); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(bundle), ".evidence-snapshot-*")); len(entries) > 0 {
		t.Errorf("snapshot copies left behind: %v", entries)
	}

	// Without a pinned key an intact bundle is not OK: exit 3.
	out.Reset()
	err := run(context.Background(), []string{"verify", bundle}, &out, io.Discard)
	if exitCode(err) != exitUnauthenticated || !strings.Contains(err.Error(), "UNAUTHENTICATED") || !strings.Contains(out.String(), "NOT PINNED") {
		t.Errorf("verify without --pubkey: exit %d, %v, printed %q", exitCode(err), err, out.String())
	}

	// coverage of the running store: refused with advice, then through --from.
	err = run(context.Background(), []string{"coverage", "--data-dir", dataDir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--from http://ADMIN-ADDR") {
		t.Errorf("coverage of a running store: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"coverage", "--from", "http://" + s.admin, "--format", "json"}, &out, io.Discard); err != nil {
		t.Fatalf("coverage --from: %v", err)
	}
	if !strings.Contains(out.String(), `"records": 3`) {
		t.Errorf("coverage --from did not read the 3 records:\n%.400s", out.String())
	}
	_, metrics := get(t, "http://"+s.admin+"/metrics")
	if !regexp.MustCompile(`(?m)^evidence_proxy_build_info\{goversion="go[^"]+",modified="(true|false)",revision="[^"]*",version="[^"]+"\} 1$`).MatchString(metrics) {
		t.Errorf("/metrics has no evidence_proxy_build_info gauge")
	}
}

// TestServeAPIKeyFileAndStartLog: the key read from --api-key-file (its
// newline trimmed) is what the upstream gets; the start log says where the
// CA is and whether it was just created; --api-key warns.
func TestServeAPIKeyFileAndStartLog(t *testing.T) {
	emu, err := axysemu.Start(context.Background(), axysemu.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	dir := t.TempDir()
	cert, key, ca := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem"), filepath.Join(dir, "ca.pem")
	if err := emu.ClientCert.WriteFiles(cert, key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, emu.CA.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	args := []string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--otlp-listen", "127.0.0.1:0",
		"--upstream", emu.URL, "--client-cert", cert, "--client-key", key, "--upstream-ca", ca, "--data-dir", dataDir}
	s := startServe(t, append(args, "--api-key-file", writeSecret(t, emu.APIKey+"\n")))
	if status, body := get(t, "http://"+s.proxy+"/v2/cardholders"); status != 200 {
		t.Errorf("call with the key from --api-key-file: %d %s", status, body)
	}
	s.stop(t)
	if !strings.Contains(s.log(), `"msg":"interception CA","path":"`+filepath.Join(dataDir, caDir, "ca-cert.pem")+`","created":true`) {
		t.Errorf("first start does not log the new CA:\n%s", s.log())
	}
	if strings.Contains(s.log(), emu.APIKey) || strings.Contains(s.log(), "process list") {
		t.Errorf("log shows the key or warns about --api-key it was not given:\n%s", s.log())
	}

	s = startServe(t, append(args, "--api-key", emu.APIKey))
	defer s.stop(t)
	if !strings.Contains(s.log(), `"created":false`) || !strings.Contains(s.log(), `"level":"WARN","msg":"--api-key is visible in the process list`) {
		t.Errorf("second start: want the CA reused and a warning about --api-key:\n%s", s.log())
	}
}

func waitForTest(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("condition not met within 5s")
}
