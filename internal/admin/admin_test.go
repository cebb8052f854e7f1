package admin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestHandler(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "evidence_proxy_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Add(3)
	ready := errors.New("store unavailable: disk full")
	o := Options{
		Gatherer:    reg,
		Ready:       func() error { return ready },
		CoverageCSP: "default-src 'none'",
		Coverage: func(w io.Writer, format string) error {
			_, err := fmt.Fprintf(w, "report as %s", format)
			return err
		},
		Snapshot: func(w io.Writer) (int64, error) {
			n, err := io.WriteString(w, "bolt-bytes")
			return int64(n), err
		},
		CAPEM: []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
		Now:   func() time.Time { return time.Unix(1700000000, 0) },
	}
	srv := httptest.NewServer(Handler(o))
	defer srv.Close()

	tests := []struct {
		name, path      string
		wantStatus      int
		wantBody        string
		wantType        string
		wantDisposition string
		wantCSP         string
	}{
		{name: "healthz", path: "/healthz", wantStatus: 200, wantBody: "ok"},
		{name: "readyz reports the store error", path: "/readyz", wantStatus: 503, wantBody: "disk full"},
		{name: "metrics", path: "/metrics", wantStatus: 200, wantBody: "evidence_proxy_test_total 3"},
		{name: "coverage defaults to html", path: "/coverage", wantStatus: 200, wantBody: "report as html", wantType: "text/html; charset=utf-8", wantCSP: "default-src 'none'"},
		{name: "coverage json", path: "/coverage?format=json", wantStatus: 200, wantBody: "report as json", wantType: "application/json"},
		{name: "coverage markdown", path: "/coverage?format=md", wantStatus: 200, wantBody: "report as md", wantType: "text/markdown; charset=utf-8"},
		{name: "coverage unknown format", path: "/coverage?format=pdf", wantStatus: 400, wantBody: `unknown format "pdf"`},
		{name: "snapshot", path: "/snapshot", wantStatus: 200, wantBody: "bolt-bytes", wantType: "application/octet-stream", wantDisposition: "evidence-snapshot-1700000000.db"},
		{name: "CA certificate", path: "/ca.pem", wantStatus: 200, wantBody: "BEGIN CERTIFICATE", wantType: "application/x-pem-file", wantDisposition: "evidence-proxy-ca.pem"},
		{name: "unknown path", path: "/v2/cardholders", wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %q)", resp.StatusCode, tt.wantStatus, body)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body = %q, want it to contain %q", body, tt.wantBody)
			}
			if tt.wantType != "" && resp.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", resp.Header.Get("Content-Type"), tt.wantType)
			}
			if tt.wantCSP != "" && resp.Header.Get("Content-Security-Policy") != tt.wantCSP {
				t.Errorf("Content-Security-Policy = %q, want %q", resp.Header.Get("Content-Security-Policy"), tt.wantCSP)
			}
			if tt.wantDisposition != "" && !strings.Contains(resp.Header.Get("Content-Disposition"), tt.wantDisposition) {
				t.Errorf("Content-Disposition = %q, want %q", resp.Header.Get("Content-Disposition"), tt.wantDisposition)
			}
		})
	}

	ready = nil
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("readyz after recovery = %d, want 200", resp.StatusCode)
	}
}

// TestSnapshotFailureAborts: a snapshot that fails half way must not look
// like a complete file to the client.
func TestSnapshotFailureAborts(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{Snapshot: func(w io.Writer) (int64, error) {
		w.Write([]byte(strings.Repeat("x", 64<<10)))
		return 0, errors.New("read tx failed")
	}}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/snapshot")
	if err != nil {
		return // aborted before headers: fine
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("snapshot body read completed without error; want an aborted transfer")
	}
}

// TestSnapshotFailureBeforeTheFirstByte: a snapshot refused before sending
// anything (no space for the copy) is a 503 that says why.
func TestSnapshotFailureBeforeTheFirstByte(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{Snapshot: func(io.Writer) (int64, error) {
		return 0, errors.New("take snapshot: not enough free space for a snapshot")
	}}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "not enough free space") {
		t.Errorf("status %d %q, want 503 saying why", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Disposition") != "" {
		t.Error("an error answer offered as a file download")
	}
}

// lockedLog collects log lines written by the server's goroutines.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestSnapshotHangupIsLoggedAtInfo: a client that goes away mid-download is
// not a store failure: one info line, no error.
func TestSnapshotHangupIsLoggedAtInfo(t *testing.T) {
	var logs lockedLog
	done := make(chan struct{})
	srv := httptest.NewServer(Handler(Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Snapshot: func(w io.Writer) (int64, error) {
			defer close(done)
			chunk := make([]byte, 32<<10)
			var n int64
			for range 4096 { // 128 MiB: more than any socket buffer
				k, err := w.Write(chunk)
				n += int64(k)
				if err != nil {
					return n, fmt.Errorf("write snapshot: send snapshot: %w", err)
				}
			}
			return n, nil
		},
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // hang up
	<-done
	waitLog := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "snapshot download ended by the client") && time.Now().Before(waitLog) {
		time.Sleep(5 * time.Millisecond)
	}
	got := logs.String()
	if !strings.Contains(got, "level=INFO msg=\"snapshot download ended by the client\"") {
		t.Errorf("log %q, want one info line for the hang-up", got)
	}
	if strings.Contains(got, "level=ERROR") {
		t.Errorf("a hang-up logged as an error: %q", got)
	}
}
