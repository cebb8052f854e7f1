package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// doors are the Host check and the bearer token (see the package
// documentation).
type doors struct {
	hosts map[string]bool // normalized names of Options.Hosts
	// token is the SHA-256 of Options.BearerToken (nil: no
	// authentication): comparing digests takes the same time whatever
	// the length of what the client sent.
	token []byte
}

func newDoors(hosts []string, token string) *doors {
	d := &doors{hosts: map[string]bool{}}
	for _, h := range hosts {
		d.hosts[hostName(h)] = true
	}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		d.token = sum[:]
	}
	return d
}

// openPaths answer without a token: probes, scrapes and the public CA
// certificate.
var openPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/ca.pem": true}

func (d *doors) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !d.hostAllowed(r.Host) {
			writeText(w, http.StatusMisdirectedRequest, "evidence-proxy admin: Host "+quoteHost(r.Host)+
				" is not a name this listener answers to (DNS rebinding protection); use localhost or an IP address, "+
				"or allow the name with --admin-host "+quoteHost(hostName(r.Host))+"\n")
			return
		}
		if d.token != nil && !openPaths[r.URL.Path] {
			if msg := d.authorize(r.Header.Get("Authorization")); msg != "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="evidence-proxy admin"`)
				writeText(w, http.StatusUnauthorized, "evidence-proxy admin: "+msg+"\n")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hostAllowed reports whether a Host header names this listener in a way
// DNS rebinding cannot forge.
func (d *doors) hostAllowed(hostport string) bool {
	h := hostName(hostport)
	return h == "localhost" || net.ParseIP(h) != nil || d.hosts[h]
}

// hostName is a Host header without port, brackets, trailing dot or case.
func hostName(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// quoteHost quotes a client-sent name for a message, bounded in length.
func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100] + "…"
	}
	return strings.ToValidUTF8(`"`+h+`"`, "?")
}

// authorize returns "" for a request carrying the bearer token, else why
// it is refused and how to fix it.
func (d *doors) authorize(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	switch {
	case header == "":
		return "this path needs Authorization: Bearer TOKEN, the token in the file given to --admin-token-file"
	case !ok || !strings.EqualFold(scheme, "Bearer"):
		return "Authorization must be Bearer TOKEN, the token in the file given to --admin-token-file"
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if subtle.ConstantTimeCompare(sum[:], d.token) != 1 {
		return "the bearer token does not match the one in --admin-token-file"
	}
	return ""
}
