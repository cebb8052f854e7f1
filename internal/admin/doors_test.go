package admin

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// doorsHandler serves every endpoint with fixed answers.
func doorsHandler(hosts []string, token string) http.Handler {
	return Handler(Options{
		Hosts:       hosts,
		BearerToken: token,
		Coverage:    func(w io.Writer, format string) error { _, err := io.WriteString(w, "coverage"); return err },
		Snapshot:    func(w io.Writer) (int64, error) { n, err := io.WriteString(w, "bolt-bytes"); return int64(n), err },
		CAPEM:       []byte("-----BEGIN CERTIFICATE-----\n"),
	})
}

func TestHostCheck(t *testing.T) {
	tests := []struct {
		name, host string
		hosts      []string
		want       int
	}{
		{"loopback IPv4", "127.0.0.1:9090", nil, 200},
		{"loopback IPv4 without port", "127.0.0.1", nil, 200},
		{"loopback IPv6", "[::1]:9090", nil, 200},
		{"loopback IPv6 without port", "[::1]", nil, 200},
		{"localhost", "localhost:9090", nil, 200},
		{"localhost any case, trailing dot", "LocalHost.:1", nil, 200},
		{"pod IP: probes and scrapes cannot be rebound", "10.1.2.3:9090", nil, 200},
		{"foreign name: DNS rebinding", "attacker.example", nil, http.StatusMisdirectedRequest},
		{"foreign name with the admin port", "attacker.example:9090", nil, http.StatusMisdirectedRequest},
		{"a name ending in localhost", "localhost.attacker.example", nil, http.StatusMisdirectedRequest},
		{"no Host", "", nil, http.StatusMisdirectedRequest},
		{"configured name", "evidence-admin.svc:9090", []string{"evidence-admin.svc"}, 200},
		{"configured name, other case and trailing dot", "Evidence-Admin.SVC.", []string{"evidence-admin.svc."}, 200},
		{"another name beside a configured one", "other.svc", []string{"evidence-admin.svc"}, http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		for _, path := range []string{"/snapshot", "/healthz"} {
			t.Run(tt.name+" "+path, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, "http://x"+path, nil)
				req.Host = tt.host
				rec := httptest.NewRecorder()
				doorsHandler(tt.hosts, "").ServeHTTP(rec, req)
				if rec.Code != tt.want {
					t.Fatalf("status %d (%q), want %d", rec.Code, rec.Body, tt.want)
				}
				body := rec.Body.String()
				if tt.want == 200 && strings.Contains(body, "Host") {
					t.Errorf("served a refusal with 200: %q", body)
				}
				if tt.want != 200 && (!strings.Contains(body, "--admin-host") || strings.Contains(body, "bolt-bytes")) {
					t.Errorf("refusal %q should say how to allow the name, and serve nothing", body)
				}
			})
		}
	}
}

func TestBearerToken(t *testing.T) {
	const token = "s3cret-admin-t0ken"
	tests := []struct {
		name, path, auth string
		want             int
		wantMsg          string
	}{
		{"snapshot without a token", "/snapshot", "", 401, "needs Authorization: Bearer TOKEN"},
		{"coverage without a token", "/coverage", "", 401, "--admin-token-file"},
		{"unknown path without a token", "/calls/1", "", 401, "needs Authorization"},
		{"wrong token", "/snapshot", "Bearer s3cret-admin-t0kem", 401, "does not match"},
		{"token prefix", "/snapshot", "Bearer s3cret", 401, "does not match"},
		{"token as basic auth", "/snapshot", "Basic " + token, 401, "must be Bearer"},
		{"token without scheme", "/snapshot", token, 401, "must be Bearer"},
		{"right token", "/snapshot", "Bearer " + token, 200, "bolt-bytes"},
		{"right token, scheme in lower case", "/coverage", "bearer " + token, 200, "coverage"},
		{"healthz stays open", "/healthz", "", 200, "ok"},
		{"readyz stays open", "/readyz", "", 200, "ready"},
		{"metrics stay open", "/metrics", "", 404, ""}, // no Gatherer here: open, then not found
		{"the CA certificate is public", "/ca.pem", "", 200, "BEGIN CERTIFICATE"},
	}
	h := doorsHandler(nil, token)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9090"+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d (%q), want %d", rec.Code, rec.Body, tt.want)
			}
			if !strings.Contains(rec.Body.String(), tt.wantMsg) {
				t.Errorf("body %q, want it to contain %q", rec.Body, tt.wantMsg)
			}
			if rec.Code == 401 {
				if rec.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				if strings.Contains(rec.Body.String(), token) {
					t.Error("refusal echoes the token")
				}
			}
		})
	}
}

// TestNoTokenNoAuthentication: without a token (loopback), nothing asks
// for one.
func TestNoTokenNoAuthentication(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9090/snapshot", nil)
	rec := httptest.NewRecorder()
	doorsHandler(nil, "").ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.String() != "bolt-bytes" {
		t.Errorf("status %d %q, want the snapshot", rec.Code, rec.Body)
	}
}
