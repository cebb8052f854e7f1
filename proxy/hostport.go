package proxy

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// defaultPort is the port of a host named without one: calls are always
// sent upstream over TLS, so a host without a port means :443, in the
// allowlist, in CONNECT targets and in the Host of a request alike.
const defaultPort = 443

// hostPort is a normalized call target: a lower-case host name (or IP
// address, without brackets) and a port. The zero value is no target.
type hostPort struct {
	host string
	port uint16
}

// String is the target as host:port (IPv6 in brackets).
func (h hostPort) String() string {
	return net.JoinHostPort(h.host, strconv.Itoa(int(h.port)))
}

// parseHostPort normalizes a host, host:port, [v6] or [v6]:port (in any
// case, with or without a trailing dot on the name); a missing or empty
// port is defaultPort. It reports false for anything that is not a
// plausible target: an empty or overlong host, characters no host name
// has (a user part, a path, a zone, spaces), a bad port, or a host with
// colons that is not an IPv6 address. It does not allocate unless the
// host has upper-case letters.
func parseHostPort(s string) (hostPort, bool) {
	host, port, ok := splitHostPort(s)
	if !ok {
		return hostPort{}, false
	}
	h := cleanHost(host)
	if h == "" {
		return hostPort{}, false
	}
	p := uint16(defaultPort)
	if port != "" {
		if p, ok = parsePort(port); !ok {
			return hostPort{}, false
		}
	}
	return hostPort{host: h, port: p}, true
}

// splitHostPort splits s without allocating; a bare IPv6 address (more
// than one colon, no brackets) is all host.
func splitHostPort(s string) (host, port string, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false
		}
		host, rest := s[1:end], s[end+1:]
		switch {
		case strings.IndexByte(host, ':') < 0: // brackets are for IPv6 only
			return "", "", false
		case rest == "":
			return host, "", true
		case rest[0] == ':':
			return host, rest[1:], true
		}
		return "", "", false
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.IndexByte(s[:i], ':') >= 0 {
		return s, "", true
	}
	return s[:i], s[i+1:], true
}

// parsePort reads a decimal port in 1–65535.
func parsePort(s string) (uint16, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > 65535 {
		return 0, false
	}
	return uint16(n), true
}

// cleanHost lower-cases a host and drops one trailing dot; it returns ""
// for something that is not a plausible host name or IP address: only
// ASCII letters, digits, '-', '_' and dots (no empty label), or an IPv6
// address.
func cleanHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "" || len(h) > maxHostnameLength || h[0] == '.' || h[len(h)-1] == '.' || strings.Contains(h, "..") {
		return ""
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return ""
		}
	}
	if strings.IndexByte(h, ':') >= 0 {
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() {
			return ""
		}
	}
	return h
}

// normalizeHost reduces a host or host:port to the lower-case host name
// without port, brackets or trailing dot, so "Production.API.axyscards.com.:443"
// and "production.api.axyscards.com" compare equal. It returns "" for
// something that is not a plausible host.
func normalizeHost(hostport string) string {
	t, ok := parseHostPort(hostport)
	if !ok {
		return ""
	}
	return t.host
}
