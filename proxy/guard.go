package proxy

import (
	"errors"
	"fmt"
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
	refuseOwnListener  refusal = "own_listener"
	maxHostnameLength          = 253
	guardMessagePrefix         = "evidence-proxy is a staging evidence recorder: refusing to forward to "
)

// guard decides which targets (host:port) calls may be forwarded to. The
// sets are built once by newGuard and only read afterwards; self grows as
// listeners start.
type guard struct {
	allow       map[hostPort]struct{}
	passthrough map[hostPort]struct{}
	allowed     []string // allow as sorted host:port strings, for messages
	self        *selfAddrs
}

// newGuard builds the guard. The upstream is always allowed on its own
// port; an allow or passthrough entry without a port means :443. A
// production host in any list is a configuration error, and so is a
// target that is both allowlisted (intercepted and recorded) and
// passthrough (tunnelled blind).
func newGuard(upstream hostPort, allow, passthrough []string) (*guard, error) {
	g := &guard{allow: map[hostPort]struct{}{upstream: {}}, passthrough: map[hostPort]struct{}{}, self: &selfAddrs{}}
	if len(allow) == 0 {
		allow = []string{StagingHost}
	}
	for _, h := range allow {
		if err := g.add(g.allow, h); err != nil {
			return nil, fmt.Errorf("allow host %q: %w", h, err)
		}
	}
	for _, h := range passthrough {
		if err := g.add(g.passthrough, h); err != nil {
			return nil, fmt.Errorf("passthrough host %q: %w", h, err)
		}
		if t, _ := parseAllowEntry(h); g.allowlisted(t) {
			return nil, fmt.Errorf("passthrough host %q: it is also allowlisted", h)
		}
	}
	for t := range g.allow {
		g.allowed = append(g.allowed, t.String())
	}
	slices.Sort(g.allowed)
	return g, nil
}

func (g *guard) add(set map[hostPort]struct{}, entry string) error {
	t, err := parseAllowEntry(entry)
	if err != nil {
		return err
	}
	set[t] = struct{}{}
	return nil
}

// parseAllowEntry reads one allowlist or passthrough entry: a host name or
// IP address, optionally with a port (default 443). Production is never
// accepted.
func parseAllowEntry(entry string) (hostPort, error) {
	t, ok := parseHostPort(strings.TrimSpace(entry))
	switch {
	case !ok:
		return hostPort{}, errors.New("not a host name, IP address or host:port")
	case isProduction(t.host):
		return hostPort{}, ErrProductionHost
	}
	return t, nil
}

func (g *guard) allowlisted(t hostPort) bool {
	_, ok := g.allow[t]
	return ok
}

// hosts returns the allowlisted host names, without ports (for the CA's
// name constraints).
func (g *guard) hosts() []string {
	out := make([]string, 0, len(g.allow))
	for t := range g.allow {
		if !slices.Contains(out, t.host) {
			out = append(out, t.host)
		}
	}
	slices.Sort(out)
	return out
}

// check returns why a call to t must not be forwarded, or refuseNone.
// Production is checked first so that no list can override it, and an
// allowlisted target that names one of the sidecar's own listeners is
// refused too.
func (g *guard) check(t hostPort) refusal {
	switch {
	case t.host == "":
		return refuseBadHost
	case isProduction(t.host):
		return refuseProduction
	case !g.allowlisted(t):
		return refuseNotAllowed
	case g.self.target(t):
		return refuseOwnListener
	}
	return refuseNone
}

// checkCall is the per-request check: target is where the request is
// about to be sent, appHost the host the app addressed (the Host header
// in base-URL mode). The app may address the sidecar by any name, but a
// call whose Host names production is refused even though base-URL mode
// would send it to the staging upstream: the app believes it is talking
// to production, and the evidence must not say otherwise.
func (g *guard) checkCall(target hostPort, appHost string) refusal {
	if isProduction(appHost) {
		return refuseProduction
	}
	return g.check(target)
}

// isPassthrough reports whether CONNECT to t is tunnelled blind.
func (g *guard) isPassthrough(t hostPort) bool {
	if isProduction(t.host) {
		return false
	}
	_, ok := g.passthrough[t]
	return ok
}

// IsProductionHost reports whether hostport (a host or host:port, in any
// case, with or without a trailing dot) names Axys production or a host
// under it: what the guard refuses, for configuration checks made before
// a Proxy exists.
func IsProductionHost(hostport string) bool {
	return isProduction(normalizeHost(hostport))
}

// isProduction reports whether host (normalized) is the production API or
// a name under it. Every path prefix, /staging/* included, is covered: a
// staging-only call can never reach production.
func isProduction(host string) bool {
	return host == ProductionHost || strings.HasSuffix(host, "."+ProductionHost)
}

// refusalAnswer is the 403 the app receives for a refused target. host is
// what the answer names: the host alone for production, host:port
// otherwise.
func (g *guard) refusalAnswer(reason refusal, t hostPort) answer {
	a := answer{status: http.StatusForbidden, kind: evidence.ErrGuardRefused, host: t.host}
	switch reason {
	case refuseProduction:
		a.message = guardMessagePrefix + t.host
	case refuseBadHost:
		a.message = "evidence-proxy is a staging evidence recorder: refusing a call without a valid host"
	case refuseOwnListener:
		a.message = guardMessagePrefix + t.String() + ": it is one of evidence-proxy's own listeners"
	default:
		a.message = guardMessagePrefix + t.String() + ": not an allowlisted staging host:port (allowed: " +
			strings.Join(g.allowed, ", ") + "). If the app should reach " + t.host +
			" directly, add it to the app's NO_PROXY; to tunnel it through evidence-proxy unrecorded, start evidence-proxy with --passthrough-host " +
			passthroughArg(t)
	}
	return a
}

// passthroughArg is the --passthrough-host value for t.
func passthroughArg(t hostPort) string {
	if t.port == defaultPort {
		return t.host
	}
	return t.String()
}
