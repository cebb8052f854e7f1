package provenance

import (
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// originKey names an origin: normalised scheme, host and port.
type originKey struct {
	scheme, host, port string
}

func (k originKey) String() string {
	return evidence.Origin{Scheme: k.scheme, Host: k.host, Port: k.port}.Address()
}

// newOriginKey normalises an origin: scheme and host in lower case, the
// host without IPv6 brackets or a trailing dot, the port defaulted from
// the scheme.
func newOriginKey(scheme, host, port string) originKey {
	scheme = strings.ToLower(scheme)
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")), ".")
	if port == "" {
		port = defaultPort(scheme)
	}
	return originKey{scheme: scheme, host: host, port: port}
}

func defaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// urlOrigin returns the "scheme://authority" prefix of an absolute URL,
// or false for anything else. It allocates nothing.
func urlOrigin(u string) (string, bool) {
	i := strings.Index(u, "://")
	if i <= 0 {
		return "", false
	}
	end := len(u)
	if j := strings.IndexAny(u[i+3:], "/?#"); j >= 0 {
		end = i + 3 + j
	}
	if end == i+3 {
		return "", false
	}
	return u[:end], true
}

// parseOrigin splits a "scheme://authority" prefix into a normalised key.
func parseOrigin(prefix string) (originKey, bool) {
	i := strings.Index(prefix, "://")
	scheme, auth := prefix[:i], prefix[i+3:]
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
	}
	host, port := auth, ""
	if strings.HasPrefix(auth, "[") {
		end := strings.IndexByte(auth, ']')
		if end < 0 {
			return originKey{}, false
		}
		host, port = auth[1:end], strings.TrimPrefix(auth[end+1:], ":")
	} else if c := strings.LastIndexByte(auth, ':'); c >= 0 {
		host, port = auth[:c], auth[c+1:]
	}
	for _, r := range port {
		if r < '0' || r > '9' {
			return originKey{}, false
		}
	}
	k := newOriginKey(scheme, host, port)
	return k, k.host != "" && k.port != ""
}
