package proxy

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Hosts of the Axys API.
const (
	// ProductionHost is the Axys production API. The proxy never forwards
	// to it or to any name under it, whatever the configuration says.
	ProductionHost = "production.api.axyscards.com"
	// StagingHost is the Axys staging API, allowlisted by default.
	StagingHost = "staging.api.axyscards.com"
	// DefaultUpstream is the upstream of base-URL mode when none is given.
	DefaultUpstream = "https://" + StagingHost + "/v2"
)

// refusal is why the guard refused a host; it is a bounded metric label.
type refusal string

const (
	refuseNone         refusal = ""
	refuseProduction   refusal = "production"
	refuseNotAllowed   refusal = "not_allowlisted"
	refuseBadHost      refusal = "bad_host"
	maxHostnameLength          = 253
	guardMessagePrefix         = "evidence-proxy is a staging evidence recorder: refusing to forward to "
)

// guard decides which hosts calls may be forwarded to. The sets are
// built once by newGuard and only read afterwards.
type guard struct {
	allow       map[string]struct{}
	passthrough map[string]struct{}
}

// newGuard builds the guard: upstreamHost is always allowed. A production
// host in any list is a configuration error, and so is a host that is both
// allowlisted (intercepted and recorded) and passthrough (tunnelled blind).
func newGuard(upstreamHost string, allow, passthrough []string) (*guard, error) {
	g := &guard{allow: map[string]struct{}{}, passthrough: map[string]struct{}{}}
	if len(allow) == 0 {
		allow = []string{StagingHost}
	}
	for _, h := range append([]string{upstreamHost}, allow...) {
		if err := g.add(g.allow, h); err != nil {
			return nil, fmt.Errorf("allow host %q: %w", h, err)
		}
	}
	for _, h := range passthrough {
		if err := g.add(g.passthrough, h); err != nil {
			return nil, fmt.Errorf("passthrough host %q: %w", h, err)
		}
		if _, both := g.allow[normalizeHost(h)]; both {
			return nil, fmt.Errorf("passthrough host %q: it is also allowlisted", h)
		}
	}
	return g, nil
}

func (g *guard) add(set map[string]struct{}, host string) error {
	h := normalizeHost(host)
	switch {
	case h == "":
		return fmt.Errorf("not a host name")
	case isProduction(h):
		return ErrProductionHost
	}
	set[h] = struct{}{}
	return nil
}

// hosts returns the allowlisted host names (for the CA's name constraints).
func (g *guard) hosts() []string {
	out := make([]string, 0, len(g.allow))
	for h := range g.allow {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

// check returns why a call to host (normalized) must not be forwarded, or
// refuseNone. Production is checked first so that no list can override it.
func (g *guard) check(host string) refusal {
	switch {
	case host == "":
		return refuseBadHost
	case isProduction(host):
		return refuseProduction
	}
	if _, ok := g.allow[host]; !ok {
		return refuseNotAllowed
	}
	return refuseNone
}

// checkCall is the per-request check: target is the host the request is
// about to be sent to, appHost the host the app addressed (the Host header
// in base-URL mode). The app may address the sidecar by any name, but a
// call whose Host names production is refused even though base-URL mode
// would send it to the staging upstream: the app believes it is talking
// to production, and the evidence must not say otherwise.
func (g *guard) checkCall(target, appHost string) refusal {
	if isProduction(appHost) {
		return refuseProduction
	}
	return g.check(target)
}

// isPassthrough reports whether CONNECT to host is tunnelled blind.
func (g *guard) isPassthrough(host string) bool {
	if isProduction(host) {
		return false
	}
	_, ok := g.passthrough[host]
	return ok
}

// isProduction reports whether host (normalized) is the production API or
// a name under it. Every path prefix, /staging/* included, is covered: a
// staging-only call can never reach production.
// IsProductionHost reports whether hostport (a host or host:port, in any
// case, with or without a trailing dot) names Axys production or a host
// under it: what the guard refuses, for configuration checks made before
// a Proxy exists.
func IsProductionHost(hostport string) bool {
	return isProduction(normalizeHost(hostport))
}

func isProduction(host string) bool {
	return host == ProductionHost || strings.HasSuffix(host, "."+ProductionHost)
}

// normalizeHost reduces a host or host:port to the lower-case host name
// without port, brackets or trailing dot, so "Production.API.axyscards.com.:443"
// and "production.api.axyscards.com" compare equal. It returns "" for
// something that is not a plausible host.
func normalizeHost(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(h, "]"), "["), ".")
	h = strings.ToLower(h)
	if h == "" || len(h) > maxHostnameLength || strings.ContainsAny(h, "/?#@ \t\r\n%\\") {
		return ""
	}
	return h
}

// refusalAnswer is the 403 the app receives for a refused host.
func refusalAnswer(reason refusal, host string) answer {
	a := answer{status: http.StatusForbidden, kind: evidence.ErrGuardRefused, host: host}
	switch reason {
	case refuseProduction:
		a.message = guardMessagePrefix + host
	case refuseBadHost:
		a.message = "evidence-proxy is a staging evidence recorder: refusing a call without a valid host"
	default:
		a.message = guardMessagePrefix + host + ": not an allowlisted staging host"
	}
	return a
}
