package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.Write([]byte("ok\n"))
		case "/readyz":
			http.Error(w, "not ready: evidence store unavailable: disk full", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := closed.Addr().String()
	closed.Close()

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"alive", []string{"--admin", srv.URL}, 0, "/healthz: ok"},
		{"host:port without scheme", []string{"--admin", strings.TrimPrefix(srv.URL, "http://")}, 0, "/healthz: ok"},
		{"not ready", []string{"--admin", srv.URL, "--ready"}, 1, "503 Service Unavailable: not ready: evidence store unavailable: disk full"},
		{"nobody listening", []string{"--admin", "http://" + dead}, 1, "connection refused"},
		{"bad URL", []string{"--admin", "ftp://x"}, 2, "--admin"},
		{"bad timeout", []string{"--admin", srv.URL, "--timeout", "0s"}, 2, "--timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runCmd(t, append([]string{"healthcheck"}, tt.args...)...)
			if got := exitCode(err); got != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d", got, err, tt.wantCode)
			}
			msg := stdout
			if err != nil {
				msg = err.Error()
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("%q lacks %q", msg, tt.want)
			}
		})
	}
}
