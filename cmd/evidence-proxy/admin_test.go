package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
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
	err = run(context.Background(), []string{"export", "--from", "http://" + s.admin, "--out", out, "--data-dir", dataDir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("export --from without the token: %v", err)
	}
	var stdout bytes.Buffer
	err = run(context.Background(), []string{"export", "--from", "http://" + s.admin, "--admin-token-file", token, "--out", out, "--data-dir", dataDir}, &stdout, io.Discard)
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
