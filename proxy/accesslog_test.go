package proxy_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// requireTool returns the path of an outside tool the test needs; without
// it the test skips with the reason, or fails under CI=true.
func requireTool(t *testing.T, name, hint string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		msg := name + " is not installed (" + hint + ")"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// TestAccessLog: one JSON line per call, parsed by jq: seq (from a sync
// recorder), method, the endpoint template, status, duration, error kind
// and mode, in both modes and for refusals; never the raw path, the query
// or a secret; written by the time Shutdown returns.
func TestAccessLog(t *testing.T) {
	jq := requireTool(t, "jq", "apt-get install jq")
	const pan, otp = "4111111111111111", "otp-771993"
	var log syncBuffer
	var seq atomic.Uint64
	e := newEnv(t, envConfig{opts: func(o *proxy.Options) {
		o.AccessLog, o.AccessLogSeq = &log, true
		o.EndpointLabel = func(method, path string) string {
			if strings.HasPrefix(path, "/cards/") {
				return "/cards/{cardId}"
			}
			return ""
		}
	}})
	e.rec.set(func(f *fakeRecorder) { f.hook = func(r *evidence.Record) { r.Seq = seq.Add(1) } })
	for _, m := range modes {
		req := newRequest(t, http.MethodGet, m.url(e, "/v2/cards/"+pan+"?code="+otp), nil)
		req.Header.Set("X-API-Key", "app-key-"+otp)
		if resp, body := do(t, m.client(e), req); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", m.name, resp.StatusCode, body)
		}
	}
	_, _, resp := rawConnect(t, e.addr, "api.example.com:443")
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	raw := log.String()
	for _, secret := range []string{pan, otp, "api.example.com", "?"} {
		if strings.Contains(raw, secret) {
			t.Errorf("access log holds %q:\n%s", secret, raw)
		}
	}
	file := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(file, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(jq, "-r",
		`[(.seq // "-"), .method, .endpoint, .status, .error_kind, .mode, (.duration_ms|type), (.time|test("^[0-9T:.-]+Z$"))] | @tsv`,
		file).CombinedOutput()
	if err != nil {
		t.Fatalf("jq: %v\n%s", err, out)
	}
	want := strings.Join([]string{
		"1\tGET\t/cards/{cardId}\t200\t\tbase-url\tnumber\ttrue",
		"2\tGET\t/cards/{cardId}\t200\t\tmitm\tnumber\ttrue",
		"3\tCONNECT\tother\t403\tguard_refused\tmitm\tnumber\ttrue",
	}, "\n") + "\n"
	if string(out) != want {
		t.Errorf("jq output:\n%s\nwant:\n%s", out, want)
	}
}

// TestAccessLogWithoutSeq: with a recorder that sets Seq later (async),
// lines carry no seq.
func TestAccessLogWithoutSeq(t *testing.T) {
	var log syncBuffer
	e := newEnv(t, envConfig{opts: func(o *proxy.Options) { o.AccessLog = &log }})
	e.rec.set(func(f *fakeRecorder) { f.hook = func(r *evidence.Record) { r.Seq = 7 } })
	do(t, e.baseClient(), newRequest(t, http.MethodGet, "http://"+e.addr+"/v2/cards", nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := log.String(); strings.Contains(got, "seq") || !strings.Contains(got, `"status":200`) {
		t.Errorf("line %q", got)
	}
}
