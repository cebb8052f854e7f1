package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAdminGuard(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "served") })
	tests := []struct {
		name   string
		guard  adminGuard
		host   string
		path   string
		auth   string
		status int
	}{
		{"loopback IP", adminGuard{}, "127.0.0.1:9090", "/snapshot", "", 200},
		{"localhost", adminGuard{}, "localhost:9090", "/coverage", "", 200},
		{"pod IP (cannot be rebound)", adminGuard{}, "10.1.2.3:9090", "/metrics", "", 200},
		{"IPv6 literal", adminGuard{}, "[::1]:9090", "/snapshot", "", 200},
		{"foreign name: DNS rebinding", adminGuard{}, "attacker.example", "/snapshot", "", http.StatusMisdirectedRequest},
		{"foreign name on the probe", adminGuard{}, "attacker.example:9090", "/healthz", "", http.StatusMisdirectedRequest},
		{"configured name", adminGuard{hosts: []string{"evidence-admin.svc"}}, "Evidence-Admin.svc.:9090", "/snapshot", "", 200},
		{"token missing", adminGuard{token: "t0ken"}, "127.0.0.1", "/snapshot", "", http.StatusUnauthorized},
		{"token wrong", adminGuard{token: "t0ken"}, "127.0.0.1", "/snapshot", "Bearer t0kem", http.StatusUnauthorized},
		{"token right", adminGuard{token: "t0ken"}, "127.0.0.1", "/snapshot", "Bearer t0ken", 200},
		{"token not a bearer", adminGuard{token: "t0ken"}, "127.0.0.1", "/coverage", "t0ken", http.StatusUnauthorized},
		{"probes need no token", adminGuard{token: "t0ken"}, "127.0.0.1", "/readyz", "", 200},
		{"metrics need no token", adminGuard{token: "t0ken"}, "127.0.0.1", "/metrics", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://x"+tt.path, nil)
			req.Host = tt.host
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			guardAdmin(next, tt.guard).ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d (%s), want %d", rec.Code, rec.Body, tt.status)
			}
			if (rec.Code == 200) != (rec.Body.String() == "served") {
				t.Errorf("body %q", rec.Body)
			}
		})
	}
}
