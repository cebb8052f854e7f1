package main

import (
	"crypto/subtle"
	"net"
	"net/http"
	"slices"
	"strings"
)

// adminGuard is what the admin listener checks before internal/admin sees
// a request, until that package checks it itself.
//
// Host: a browser that visits a page of attacker.example can be made to
// send requests to 127.0.0.1:9090 under the attacker's name (DNS
// rebinding) and read the answers, /snapshot included. Only Host names
// that cannot be rebound are accepted: "localhost", IP literals (a browser
// sends the name it resolved, never the IP), and the --admin-host names.
//
// Token: with --admin-token-file, every path but the probes (/healthz,
// /readyz) and /metrics needs "Authorization: Bearer TOKEN". The token is
// compared in constant time and never logged.
type adminGuard struct {
	token string
	hosts []string
}

// openPath reports whether path answers without a token: orchestrator
// probes and scrapes.
func openPath(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

func guardAdmin(next http.Handler, g adminGuard) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hostAllowed(r.Host) {
			http.Error(w, "Host "+r.Host+" is not one this admin listener answers to: add it with --admin-host", http.StatusMisdirectedRequest)
			return
		}
		if g.token != "" && !openPath(r.URL.Path) && !g.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="evidence-proxy admin"`)
			http.Error(w, "this admin listener needs Authorization: Bearer TOKEN (the token of --admin-token-file)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (g adminGuard) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || net.ParseIP(host) != nil {
		return true
	}
	return slices.ContainsFunc(g.hosts, func(h string) bool { return strings.EqualFold(strings.TrimSuffix(h, "."), host) })
}

func (g adminGuard) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(g.token)) == 1
}
