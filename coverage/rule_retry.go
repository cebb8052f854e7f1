package coverage

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// retrySpec judges what the app does after a failed call, to the same call
// (same method, URL and body). A retry sooner than wait is a violation; so
// is a call that succeeds twice (a duplicate side effect, with once) and an
// identical call repeated more than max times with the same answer (a
// retry loop on an error that will not go away). With required, a failure
// never retried within the window leaves the requirement partial; with
// backoff, retries of one call must wait longer as they go.
//
// A second success is a duplicate only while what the first one made still
// stands. renew names the calls whose result can lapse: the entity their
// success made (the matcher's key, read from that success) being in the
// when state makes the same call again a new request, not a duplicate; a
// bank-account registration whose OTP expired may be registered again.
type retrySpec struct {
	after          *callMatcher
	within         time.Duration
	wait           time.Duration
	waitRetryAfter bool
	required       bool
	backoff        bool
	once           bool
	max            int // -1: no limit
	renew          []*callMatcher
}

func (s *retrySpec) kind() string { return "retry" }

// interest: a retry is the same call, so the endpoints of the failures.
func (s *retrySpec) interest() interest { return s.after.interest() }

func (s *retrySpec) newEval() evaluator {
	return &retryEval{spec: s, pending: map[uint64]*pendingRetry{}}
}

func (c *compiler) compileRetry(n *yaml.Node, what string) (ruleSpec, error) {
	f, err := fields(n, what, "after", "within", "wait", "required", "backoff", "once", "max", "renew")
	if err != nil {
		return nil, err
	}
	s := &retrySpec{max: -1}
	an, err := need(f, n, what, "after")
	if err != nil {
		return nil, err
	}
	if s.after, _, err = c.compileMatcher(an, matcherOpts{what: what + ": after", entity: -1}); err != nil {
		return nil, err
	}
	if len(s.after.when) > 0 || s.after.needsBinds() {
		return nil, nodeErr(an, "%s: after: a retry is the same call; when and $key do not apply", what)
	}
	wn, err := need(f, n, what, "within")
	if err != nil {
		return nil, err
	}
	if s.within, err = durationOf(wn, what+": within"); err != nil {
		return nil, err
	}
	if wt := f["wait"]; wt != nil {
		if wt.Value == "retry-after" {
			s.waitRetryAfter = true
		} else if s.wait, err = durationOf(wt, what+": wait (a duration or retry-after)"); err != nil {
			return nil, err
		}
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{"required", &s.required}, {"backoff", &s.backoff}, {"once", &s.once}} {
		if bn := f[b.key]; bn != nil {
			if *b.dst, err = boolValueOf(bn, what+": "+b.key); err != nil {
				return nil, err
			}
		}
	}
	if mn := f["max"]; mn != nil {
		if s.max, err = intValueOf(mn, what+": max", 0); err != nil {
			return nil, err
		}
	}
	if s.renew, err = c.compileRenew(f["renew"], what+": renew", s.once); err != nil {
		return nil, err
	}
	return s, nil
}

// compileRenew compiles the calls whose success may be repeated once what
// it made has lapsed: each names that entity with a key read from its
// response and the lapsed state with when.
func (c *compiler) compileRenew(n *yaml.Node, what string, once bool) ([]*callMatcher, error) {
	if n == nil {
		return nil, nil
	}
	if !once {
		return nil, nodeErr(n, "%s: renew qualifies once; without once no repeat is a duplicate", what)
	}
	var out []*callMatcher
	const want = "want the entity the call makes (key: response.body.…) and, with when, the state in which it may be made again"
	for _, item := range items(n) {
		if item.Kind != yaml.MappingNode || mapGet(item, "when") == nil {
			return nil, nodeErr(item, "%s: %s", what, want)
		}
		m, _, err := c.compileMatcher(item, matcherOpts{what: what, entity: -1})
		if err != nil {
			return nil, err
		}
		if !m.key.set || m.needsBinds() {
			return nil, nodeErr(item, "%s: %s; no $key", what, want)
		}
		out = append(out, m)
	}
	return out, nil
}

// pendingRetry is one failed call and the retries seen so far.
type pendingRetry struct {
	gen        uint64
	seqs       seqList
	status     int
	end        time.Time // when the latest failure was answered
	wait       time.Duration
	retries    int
	sameFail   int
	firstDelay time.Duration
	lastDelay  time.Duration
	idempotent bool
	retried    bool // a retry waited long enough
	succeeded  bool
	lastOK     bool // the latest call succeeded
	violated   bool
	// at is when the failure was first seen.
	at time.Time
	// made is the entity the latest success made, as renew matcher
	// renew names it ("" when no renew matcher took the success).
	made  string
	renew int
}

type expiry struct {
	at   time.Time
	hash uint64
	gen  uint64
}

// maxPending bounds the failures followed at once; beyond it the oldest is
// judged early.
const maxPending = 4096

type retryEval struct {
	spec    *retrySpec
	pending map[uint64]*pendingRetry
	queue   []expiry
	qhead   int
	gen     uint64

	failures  int
	handled   int
	unhandled int
	weak      int
	okSeqs    seqList
	badSeqs   seqList

	violations int
	violSeqs   seqList
	violWhy    string
	// lastViol is the time of the latest mishandling; handledAfter counts
	// the failures since, first seen after it, that were settled handled
	// (violation.go).
	lastViol     time.Time
	handledAfter int
}

func (e *retryEval) observe(w *world, v *callView) {
	e.expire(w.now)
	failed := e.spec.after.match(w, v)
	if !failed && len(e.pending) == 0 {
		return
	}
	h := v.callHash()
	if p := e.pending[h]; p != nil {
		e.follow(w, h, p, v, failed)
		return
	}
	if failed {
		e.failures++
		p := &pendingRetry{status: v.status, idempotent: v.method == http.MethodGet, at: v.start}
		p.seqs.add(v.seq)
		e.pending[h] = p
		e.failedAt(h, p, v)
		if len(e.pending) > maxPending {
			e.evictOldest()
		}
	}
}

// failedAt notes that p's call failed (again) with v's answer.
func (e *retryEval) failedAt(h uint64, p *pendingRetry, v *callView) {
	p.end = v.end
	p.wait = e.spec.wait
	if e.spec.waitRetryAfter {
		p.wait = retryAfter(v)
	}
	e.gen++
	p.gen = e.gen
	e.queue = append(e.queue, expiry{at: p.end.Add(e.spec.within), hash: h, gen: p.gen})
}

// retryAfter reads Retry-After (seconds or an HTTP date) from a response.
func retryAfter(v *callView) time.Duration {
	if v.rec.Response == nil {
		return 0
	}
	ra := strings.TrimSpace(v.rec.Response.Header.Get("Retry-After"))
	if secs, err := strconv.ParseFloat(ra, 64); err == nil && secs > 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(ra); err == nil && t.After(v.end) {
		return t.Sub(v.end)
	}
	return 0
}

// follow judges v, the same call as the failure p, made again.
func (e *retryEval) follow(w *world, h uint64, p *pendingRetry, v *callView, failed bool) {
	delay := v.start.Sub(p.end)
	if delay < 0 {
		return // sent before the failure was answered: not a retry
	}
	ok := !failed && v.hasResp && v.status/100 == 2
	if ok && p.lastOK && e.lapsed(w, p) {
		// A new request for what the last success made and has since
		// lapsed: neither a retry nor a duplicate.
		e.noteMade(w, p, v)
		return
	}
	p.lastOK = ok
	p.retries++
	p.seqs.add(v.seq)
	if p.retries == 1 {
		p.firstDelay = delay
	}
	p.lastDelay = delay
	if delay < p.wait {
		e.violate(p, v, fmt.Sprintf("a retry %s after a %d that asked to wait %s", fmtDur(delay), p.status, fmtDur(p.wait)))
	} else {
		p.retried = true
	}
	switch {
	case failed:
		if v.status == p.status {
			if p.sameFail++; e.spec.max >= 0 && p.sameFail > e.spec.max {
				e.violate(p, v, fmt.Sprintf("the same call repeated %d times, answered %d each time", p.sameFail+1, p.status))
			}
		}
		p.status = v.status
		e.failedAt(h, p, v)
	case ok:
		if e.spec.once && p.succeeded && !p.idempotent && !e.lapsed(w, p) {
			e.violate(p, v, "the same call succeeded twice after a failure: a duplicate side effect")
		}
		p.succeeded = true
		e.noteMade(w, p, v)
		if !e.spec.once {
			e.settle(h, p)
		}
	default:
		if !e.spec.once {
			e.settle(h, p)
		}
	}
}

// noteMade remembers the entity the success v made, when a renew matcher
// takes it.
func (e *retryEval) noteMade(w *world, p *pendingRetry, v *callView) {
	p.made = ""
	for i, m := range e.spec.renew {
		if !m.match(w, v) {
			continue
		}
		if key, ok := m.keyOf(w, v); ok {
			p.made, p.renew = strings.Clone(key), i
			return
		}
	}
}

// lapsed reports whether what p's latest success made is now in the state
// its renew matcher allows the call again in.
func (e *retryEval) lapsed(w *world, p *pendingRetry) bool {
	if p.made == "" {
		return false
	}
	m := e.spec.renew[p.renew]
	st := w.lookup(m.key.entity, p.made)
	for i := range m.when {
		if !m.when[i].onState(st) {
			return false
		}
	}
	return true
}

func (e *retryEval) violate(p *pendingRetry, v *callView, why string) {
	if v.start.After(e.lastViol) {
		e.lastViol, e.handledAfter = v.start, 0
	}
	if p.violated {
		return
	}
	p.violated = true
	e.violations++
	if e.violWhy == "" {
		e.violWhy = why
	}
	e.violSeqs.add(p.seqs...)
}

func (e *retryEval) held() int { return len(e.pending) + len(e.queue) - e.qhead }

// expire judges the failures whose window closed before now.
func (e *retryEval) expire(now time.Time) {
	for e.qhead < len(e.queue) && e.queue[e.qhead].at.Before(now) {
		x := e.queue[e.qhead]
		e.qhead++
		if p := e.pending[x.hash]; p != nil && p.gen == x.gen {
			e.settle(x.hash, p)
		}
	}
	if e.qhead > 64 && e.qhead*2 > len(e.queue) {
		n := copy(e.queue, e.queue[e.qhead:])
		e.queue, e.qhead = e.queue[:n], 0
	}
}

// evictOldest judges the failure first in line to expire.
func (e *retryEval) evictOldest() {
	for e.qhead < len(e.queue) {
		x := e.queue[e.qhead]
		e.qhead++
		if p := e.pending[x.hash]; p != nil && p.gen == x.gen {
			e.settle(x.hash, p)
			return
		}
	}
}

// settle stops following p and counts its outcome.
func (e *retryEval) settle(h uint64, p *pendingRetry) {
	delete(e.pending, h)
	switch o := e.outcome(p, true); o {
	case outcomeHandled:
		e.handled++
		e.okSeqs.add(p.seqs...)
		if p.at.After(e.lastViol) {
			e.handledAfter++
		}
	case outcomeWeak:
		e.weak++
		e.badSeqs.add(p.seqs...)
	case outcomeUnhandled:
		e.unhandled++
		e.badSeqs.add(p.seqs...)
	}
}

type retryOutcome uint8

const (
	outcomeViolated retryOutcome = iota
	outcomeHandled
	outcomeWeak
	outcomeUnhandled
	outcomeWaiting
)

// outcome judges one failure; closed says its window is over.
func (e *retryEval) outcome(p *pendingRetry, closed bool) retryOutcome {
	switch {
	case p.violated:
		return outcomeViolated
	case !e.spec.required:
		return outcomeHandled
	case e.spec.backoff && p.retries >= 2 && p.lastDelay <= p.firstDelay:
		return outcomeWeak
	case p.retried:
		return outcomeHandled
	case closed:
		return outcomeUnhandled
	}
	return outcomeWaiting
}

func (e *retryEval) verdict(w *world) verdict {
	handled, unhandled, weak, waiting := e.handled, e.unhandled, e.weak, 0
	ok, bad := append(seqList{}, e.okSeqs...), append(seqList{}, e.badSeqs...)
	for _, p := range e.pending {
		switch e.outcome(p, w.now.Sub(p.end) > e.spec.within) {
		case outcomeHandled:
			handled++
			ok = append(ok, p.seqs...)
		case outcomeWeak:
			weak++
			bad = append(bad, p.seqs...)
		case outcomeUnhandled:
			unhandled++
			bad = append(bad, p.seqs...)
		case outcomeWaiting:
			waiting++
			bad = append(bad, p.seqs...)
		}
	}
	switch {
	case e.violations > 0:
		return verdict{StatusViolated, fmt.Sprintf("%s: %s (%s)", plural(e.violations, "failure mishandled", "failures mishandled"), e.violWhy, seqsText(e.violSeqs)), evidenceOf(e.violSeqs)}
	case e.failures == 0:
		return verdict{StatusMissing, "no call answered " + e.spec.after.src + conditionsText(e.spec.after), []uint64{}}
	case handled > 0 && unhandled == 0 && weak == 0:
		return verdict{StatusMet, fmt.Sprintf("%s handled (%s)", plural(handled, "failure", "failures"), seqsText(evidenceOf(ok))), evidenceOf(ok)}
	}
	return verdict{StatusPartial, e.partialWhy(handled, unhandled, weak, waiting), evidenceOf(ok, bad)}
}

func (e *retryEval) partialWhy(handled, unhandled, weak, waiting int) string {
	parts := []string{fmt.Sprintf("%s seen, %d handled", plural(e.failures, "failure", "failures"), handled)}
	if unhandled > 0 {
		parts = append(parts, fmt.Sprintf("%d never retried within %s", unhandled, fmtDur(e.spec.within)))
	}
	if weak > 0 {
		parts = append(parts, fmt.Sprintf("%d retried without backoff", weak))
	}
	if waiting > 0 {
		parts = append(parts, fmt.Sprintf("%d still waiting for a retry", waiting))
	}
	return strings.Join(parts, ", ")
}

// fmtDur renders a duration short and stable: 7d, 2h, 1m30s, 2.5s, 120ms.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.Round(time.Second).String()
	s = strings.Replace(s, "m0s", "m", 1)
	s = strings.Replace(s, "h0m", "h", 1)
	return s
}
