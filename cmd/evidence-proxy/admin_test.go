package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeAdminDoors: --admin-token-file and --admin-host reach the admin
// listener, and export --from sends the token.
func TestServeAdminDoors(t *testing.T) {
	p := newServePKI(t)
	dataDir := t.TempDir()
	token := writeSecret(t, "adm1n-t0ken\n")
	s := startServe(t, append(p.args(dataDir, p.goodCert, p.goodKey), "--admin-token-file", token, "--admin-host", "evidence-admin.svc"))
	defer s.stop(t)
	tests := []struct {
		name, path, host, auth string
		want                   int
	}{
		{"probe without token", "/readyz", "", "", http.StatusOK},
		{"snapshot without token", "/snapshot", "", "", http.StatusUnauthorized},
		{"snapshot with a wrong token", "/snapshot", "", "Bearer nope", http.StatusUnauthorized},
		{"snapshot with the token", "/snapshot", "", "Bearer adm1n-t0ken", http.StatusOK},
		{"export without token", "/export", "", "", http.StatusUnauthorized},
		{"export with the token", "/export", "", "Bearer adm1n-t0ken", http.StatusOK},
		{"foreign Host", "/coverage", "attacker.example", "Bearer adm1n-t0ken", http.StatusMisdirectedRequest},
		{"configured Host", "/coverage", "evidence-admin.svc:9090", "Bearer adm1n-t0ken", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "http://"+s.admin+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("GET %s (Host %q): %d, want %d", tt.path, tt.host, resp.StatusCode, tt.want)
			}
		})
	}
	_, _, err := runCmd(t, "coverage", "--from", "http://"+s.admin, "--format", "json")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("coverage --from without the token: %v", err)
	}
	if cov, _, err := runCmd(t, "coverage", "--from", "http://"+s.admin, "--admin-token-file", token, "--format", "json"); err != nil || !strings.Contains(cov, `"records": 0`) {
		t.Errorf("coverage --from with the token: %v\n%.300s", err, cov)
	}
	out := filepath.Join(t.TempDir(), "b.tar.zst")
	err = run(context.Background(), []string{"export", "--from", "http://" + s.admin, "--out", out}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("export --from without the token: %v", err)
	}
	var stdout bytes.Buffer
	err = run(context.Background(), []string{"export", "--from", "http://" + s.admin, "--admin-token-file", token, "--out", out}, &stdout, io.Discard)
	if err != nil || !strings.Contains(stdout.String(), "wrote "+out) {
		t.Errorf("export --from with the token: %v, %q", err, stdout.String())
	}
}

// TestServeSnapshotReserve: --snapshot-reserve reaches the store: a
// snapshot that would leave less free space is refused, saying why.
func TestServeSnapshotReserve(t *testing.T) {
	p := newServePKI(t)
	s := startServe(t, append(p.args(t.TempDir(), p.goodCert, p.goodKey), "--snapshot-reserve", "4611686018427387904"))
	defer s.stop(t)
	status, body := get(t, "http://"+s.admin+"/snapshot")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "not enough free space") {
		t.Errorf("/snapshot with a 4 EiB reserve: %d %q", status, body)
	}
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeNeverDialsItsOwnListeners: even allowlisted, the admin and
// event listeners are never dialled by the proxy (they are its
// ListenAddrs): a call for them is refused by the guard, and counted so.
func TestServeNeverDialsItsOwnListeners(t *testing.T) {
	p := newServePKI(t)
	admin, otlp := freeAddr(t), freeAddr(t)
	args := append(p.args(t.TempDir(), p.goodCert, p.goodKey), "--admin-listen", admin, "--otlp-listen", otlp,
		"--allow-host", admin, "--allow-host", otlp)
	s := startServe(t, args)
	defer s.stop(t)
	viaProxy := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: s.proxy})}}
	for _, target := range []string{"http://" + admin + "/snapshot", "http://" + otlp + "/events"} {
		status, body := getWith(t, viaProxy, target)
		if status != http.StatusForbidden || !strings.Contains(body, `"error_kind":"guard_refused"`) {
			t.Errorf("GET %s through the proxy: %d %s, want a 403 from the guard", target, status, body)
		}
	}
	_, metrics := get(t, "http://"+s.admin+"/metrics")
	if !strings.Contains(metrics, `evidence_proxy_proxy_guard_refusals_total{reason="own_listener"} 2`) {
		t.Errorf("guard refusals: want 2 for own_listener in\n%s", grepLines(metrics, "guard_refusals"))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
