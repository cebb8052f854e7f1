package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// requireTool returns the path of an outside tool a test needs; without
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

// accessLine is what the test reads of an access log line through jq.
type accessLine struct {
	Seq       *uint64 `json:"seq"`
	Method    string  `json:"method"`
	Endpoint  string  `json:"endpoint"`
	Status    int     `json:"status"`
	ErrorKind string  `json:"error_kind"`
	Mode      string  `json:"mode"`
}

// jqAccessLines runs jq over log, keeping the lines that are access log
// lines (they have an endpoint), and decodes what jq printed.
func jqAccessLines(t *testing.T, jq string, log []byte) []accessLine {
	t.Helper()
	cmd := exec.Command(jq, "-c", "select(.endpoint != null) | {seq, method, endpoint, status, error_kind, mode}")
	cmd.Stdin = bytes.NewReader(log)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq could not parse the log: %v\n%s", err, log)
	}
	var lines []accessLine
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var a accessLine
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("jq printed %q: %v", l, err)
		}
		lines = append(lines, a)
	}
	return lines
}

// accessLogCalls makes a base-URL call, one for an unknown card with a
// secret in its query, and a production call refused by the guard.
func accessLogCalls(t *testing.T, proxyAddr string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	for _, path := range []string{"/v2/cardholders", "/v2/cards/4111111111111111/balance?otp=s3cr3t-0tp"} {
		if status, body := getWith(t, client, "http://"+proxyAddr+path); status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
	}
	viaProxy := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: proxyAddr})}}
	if status, _ := getWith(t, viaProxy, "http://production.api.axyscards.com/v2/cardholders"); status != http.StatusForbidden {
		t.Fatalf("production through the sidecar: %d, want 403", status)
	}
}

func getWith(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// TestServeAccessLog: --access-log FILE in sync durability has one line
// per call, parsed by jq, with the record's seq, the endpoint template
// and never the raw path or query; in async durability (to stderr, among
// the log lines) the lines carry no seq.
func TestServeAccessLog(t *testing.T) {
	jq := requireTool(t, "jq", "apt-get install jq; scripts/test-deps.sh installs it")
	upstream, certs := startMTLSUpstream(t)
	args := func(dataDir string) []string {
		return append(certs.sidecarArgs(upstream, dataDir), "--otlp-listen", "off")
	}
	want := []accessLine{
		{Method: "GET", Endpoint: "/cardholders", Status: 200, Mode: "base-url"},
		{Method: "GET", Endpoint: "/cards/{cardId}/balance", Status: 200, Mode: "base-url"},
		{Method: "GET", Endpoint: "/cardholders", Status: 403, ErrorKind: string(evidence.ErrGuardRefused), Mode: "mitm"},
	}

	t.Run("sync, to a file", func(t *testing.T) {
		dataDir := filepath.Join(t.TempDir(), "data") // created at start, the access log in it
		logFile := filepath.Join(dataDir, "access.log")
		s := startServe(t, append(args(dataDir), "--access-log", logFile))
		accessLogCalls(t, s.proxy)
		s.stop(t)
		raw, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"4111111111111111", "s3cr3t-0tp", "production.api"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("the access log holds %q:\n%s", secret, raw)
			}
		}
		got := jqAccessLines(t, jq, raw)
		recs := storeRecords(t, dataDir)
		if len(got) != len(want) || len(recs) != len(want) {
			t.Fatalf("%d access log lines and %d records for %d calls:\n%s", len(got), len(recs), len(want), raw)
		}
		for i, g := range got {
			if g.Seq == nil || *g.Seq != recs[i].Seq {
				t.Errorf("line %d: seq %v, want the record's %d", i, g.Seq, recs[i].Seq)
			}
			g.Seq = nil
			if g != want[i] {
				t.Errorf("line %d: %+v, want %+v", i, g, want[i])
			}
		}
	})

	t.Run("async, to stderr", func(t *testing.T) {
		s := startServe(t, append(args(t.TempDir()), "--access-log", "-", "--durability", "async"))
		accessLogCalls(t, s.proxy)
		s.stop(t)
		got := jqAccessLines(t, jq, []byte(s.log()))
		if len(got) != len(want) {
			t.Fatalf("%d access log lines on stderr, want %d:\n%s", len(got), len(want), s.log())
		}
		for i, g := range got {
			if g.Seq != nil {
				t.Errorf("line %d has seq %d in async durability", i, *g.Seq)
			}
			if g != want[i] {
				t.Errorf("line %d: %+v, want %+v", i, g, want[i])
			}
		}
	})
}

// recordingWriter keeps each Write as it came.
type recordingWriter struct{ writes []string }

func (r *recordingWriter) Write(p []byte) (int, error) {
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

// TestWholeLines: chunks cut anywhere reach stderr as whole lines, one a
// write, so they cannot interleave with the log's own lines.
func TestWholeLines(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"one line", []string{"a\n"}, []string{"a\n"}},
		{"two lines in a chunk", []string{"a\nb\n"}, []string{"a\n", "b\n"}},
		{"a line cut in three", []string{`{"se`, `q":1`, "}\n"}, []string{`{"seq":1}` + "\n"}},
		{"cut after a newline", []string{"a\nb", "c\nd", "\n"}, []string{"a\n", "bc\n", "d\n"}},
		{"no end yet", []string{"a\nb"}, []string{"a\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got recordingWriter
			w := &wholeLines{w: &got}
			for _, c := range tt.chunks {
				if n, err := w.Write([]byte(c)); n != len(c) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", c, n, err)
				}
			}
			if strings.Join(got.writes, "|") != strings.Join(tt.want, "|") {
				t.Errorf("writes %q, want %q", got.writes, tt.want)
			}
		})
	}
}
