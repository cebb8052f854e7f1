package proxy

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// DefaultUnhealthyAfter is the default of Options.UnhealthyAfter.
const DefaultUnhealthyAfter = 3

// upstreamHealth is the upstream's last known state, from real calls and
// probes: healthy until UnhealthyAfter consecutive transport failures, or
// at once on a TLS or certificate failure (which no retry fixes); healthy
// again after one exchange that got a response. One failed call among
// good ones changes nothing, so /readyz does not flap.
type upstreamHealth struct {
	threshold int
	now       func() time.Time
	changed   func(ok bool, reason string) // called on each transition, outside mu

	clean atomic.Bool // healthy with no failure counted: success takes no lock

	mu       sync.Mutex // guards the fields below
	ok       bool
	reason   string
	since    time.Time
	failures int
}

func newUpstreamHealth(threshold int, now func() time.Time, changed func(bool, string)) *upstreamHealth {
	if threshold <= 0 {
		threshold = DefaultUnhealthyAfter
	}
	h := &upstreamHealth{threshold: threshold, now: now, changed: changed,
		ok: true, reason: "no upstream call yet", since: now()}
	h.clean.Store(true)
	return h
}

// success records an exchange that got a response (any status).
func (h *upstreamHealth) success() {
	if h.clean.Load() {
		return
	}
	h.mu.Lock()
	was := h.ok
	h.failures = 0
	if !was {
		h.ok, h.reason, h.since = true, "the upstream answered", h.now()
	}
	h.clean.Store(true)
	h.mu.Unlock()
	if !was {
		h.changed(true, "the upstream answered")
	}
}

// failure records a failed exchange of the given kind; why says what
// happened, without URLs.
func (h *upstreamHealth) failure(kind evidence.ErrorKind, why string) {
	h.mu.Lock()
	h.clean.Store(false)
	h.failures++
	turned := false
	if h.ok && (kind == evidence.ErrTLS || h.failures >= h.threshold) {
		reason := why
		if kind != evidence.ErrTLS {
			reason = strconv.Itoa(h.failures) + " consecutive upstream failures, the last: " + why
		}
		h.ok, h.reason, h.since, turned = false, reason, h.now(), true
	} else if !h.ok {
		h.reason = why // the latest cause while unhealthy; since stays
	}
	reason := h.reason
	h.mu.Unlock()
	if turned {
		h.changed(false, reason)
	}
}

func (h *upstreamHealth) state() (ok bool, reason string, since time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ok, h.reason, h.since
}

// countsAgainstUpstream reports whether a failure of this kind says
// something about the upstream (not the app, the guard or the store).
func countsAgainstUpstream(kind evidence.ErrorKind) bool {
	switch kind {
	case evidence.ErrConnectRefused, evidence.ErrDNS, evidence.ErrTLS, evidence.ErrReset,
		evidence.ErrTimeout, evidence.ErrUpstream:
		return true
	}
	return false
}
