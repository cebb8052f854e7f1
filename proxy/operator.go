package proxy

import (
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// UpstreamState is the upstream's last known state, for /readyz: ok
// until Options.UnhealthyAfter consecutive transport failures of real
// calls (or of Probe), or at once on a TLS or certificate failure; ok
// again after one call that got a response. reason says why in a
// sentence (no URLs, no secrets), since when the state began.
func (p *Proxy) UpstreamState() (ok bool, reason string, since time.Time) {
	return p.health.state()
}

// upstreamChanged logs a transition of the upstream state (rate-limited:
// a flapping upstream cannot flood the log).
func (p *Proxy) upstreamChanged(ok bool, reason string) {
	if ok {
		p.log.Info("upstream healthy again", "upstream", p.upstream.Host)
		return
	}
	p.logs.add(logUpstreamState, "upstream marked unhealthy", "upstream", p.upstream.Host, "reason", reason)
}

// upstreamFailure turns a failed upstream exchange into the app's answer:
// a TLS failure says what the upstream asked for and what we sent. It
// logs a rate-limited warning and counts the failure against the
// upstream's state; calls the app canceled count for nothing.
func (p *Proxy) upstreamFailure(c *call, err error, prefix string) answer {
	a := failureAnswer(err, c.target)
	if !countsAgainstUpstream(a.kind) {
		return a
	}
	kind := logUpstreamConnect
	args := []any{"upstream", c.target, "error_kind", string(a.kind), "err", causeText(err)}
	if a.kind == evidence.ErrTLS {
		req := c.certReq.Load()
		diag := p.client.diagnose(err, req)
		a.message += ": " + diag
		kind = logUpstreamTLS
		args = append(args, "client_cert_requested", req != nil, "diagnosis", diag)
		if req != nil {
			args = append(args, "accepted_issuers", dnNames(req.acceptable))
		}
		args = append(args, "client_cert_issuer", p.client.name)
	}
	a.message = prefix + a.message
	p.health.failure(a.kind, a.message)
	p.logs.add(kind, "upstream call failed", args...)
	return a
}

// guardRefused counts and logs (rate-limited) a refusal by the guard.
func (p *Proxy) guardRefused(reason refusal, target hostPort, mode evidence.Mode) {
	p.metrics.guardRefusals.WithLabelValues(string(reason)).Inc()
	p.logs.add(logGuardRefused, "call refused by the host guard", "reason", string(reason),
		"target", targetText(target), "mode", string(mode))
}

func targetText(t hostPort) string {
	switch {
	case t.host == "":
		return ""
	case t.port == 0:
		return t.host
	}
	return t.String()
}
