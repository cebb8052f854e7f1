package coverage

import (
	"fmt"
	"time"
)

// The life of a violation. A violated requirement stays violated for the
// records it was computed over: the mishandling happened. What the report
// adds is when it last happened and whether the integration has handled
// the same thing correctly since: "violated 09:12 UTC; handled correctly
// 4 times since" (RequirementResult.LastViolated and HandledSince). The
// fix is shown by a report over a window that starts after the last
// violation (coverage --since, /coverage?since=): those records hold no
// violation, so the requirement is judged on the correct handling alone.
//
// Handled correctly is the rule's own met-shaped evidence after the last
// violation: for a forbid, the rule's occurrences since the last
// forbidden call (matching calls of a call rule, complete sequences, and
// so on); for a retry rule, failures retried correctly that happened
// after the last mishandled one; for a poll rule, runs that prove the
// requirement and started after the last too-fast read. An all counts
// its fewest part, an any the sum of its parts; a requires takes the
// required requirement violated last.

// life is what a rule knows of its violations: when it was last violated
// (zero: never) and how many times it was handled correctly since.
type life struct {
	last  time.Time
	since int
}

// lifeTeller is an evaluator that can be violated by what it observes.
type lifeTeller interface {
	life(w *world) life
}

// occurrer is an evaluator that counts its met-shaped occurrences: the
// baseline a forbid measures correct handling from.
type occurrer interface {
	occurrences(w *world) int
}

var (
	_ lifeTeller = (*retryEval)(nil)
	_ lifeTeller = (*pollEval)(nil)
	_ lifeTeller = (*combineEval)(nil)
	_ occurrer   = (*callEval)(nil)
	_ occurrer   = (*sequenceEval)(nil)
	_ occurrer   = (*retryEval)(nil)
	_ occurrer   = (*pollEval)(nil)
	_ occurrer   = (*pagedEval)(nil)
	_ occurrer   = (*combineEval)(nil)
)

func (e *callEval) occurrences(*world) int     { return e.hits }
func (e *sequenceEval) occurrences(*world) int { return e.done }
func (e *pagedEval) occurrences(*world) int    { return b2i(e.proof != nil) }

func (e *retryEval) occurrences(w *world) int {
	n := e.handled
	for _, p := range e.pending {
		if e.outcome(p, w.now.Sub(p.end) > e.spec.within) == outcomeHandled {
			n++
		}
	}
	return n
}

func (e *retryEval) life(w *world) life {
	if e.lastViol.IsZero() {
		return life{}
	}
	n := e.handledAfter
	for _, p := range e.pending {
		if p.at.After(e.lastViol) && e.outcome(p, w.now.Sub(p.end) > e.spec.within) == outcomeHandled {
			n++
		}
	}
	return life{last: e.lastViol, since: n}
}

func (e *pollEval) occurrences(*world) int {
	n := e.proven
	for _, r := range e.polled {
		if e.proves(r) {
			n++
		}
	}
	return n
}

func (e *pollEval) life(*world) life {
	if e.lastViol.IsZero() {
		return life{}
	}
	n := e.provenAfter
	for _, r := range e.polled {
		if r.start.After(e.lastViol) && e.proves(r) {
			n++
		}
	}
	return life{last: e.lastViol, since: n}
}

// proves reports whether run r passes every check.
func (e *pollEval) proves(r *pollRun) bool {
	score, _ := e.judge(r, false)
	return score == e.checks()
}

func (e *combineEval) occurrences(w *world) int {
	n := 0
	for i, p := range e.parts {
		k := occurrencesOf(w, p)
		switch {
		case !e.spec.all:
			n += k
		case i == 0 || k < n:
			n = k
		}
	}
	return n
}

func (e *combineEval) life(w *world) life {
	var out life
	for _, p := range e.parts {
		if l := lifeOf(w, p); l.last.After(out.last) {
			out = l
		}
	}
	return out
}

func occurrencesOf(w *world, ev evaluator) int {
	if o, ok := ev.(occurrer); ok {
		return o.occurrences(w)
	}
	return 0
}

func lifeOf(w *world, ev evaluator) life {
	if t, ok := ev.(lifeTeller); ok {
		return t.life(w)
	}
	return life{}
}

// lives returns the life of every requirement's violations, the forbids'
// and the rules' own, those of a requires from what it requires.
func (e *Engine) lives(verdicts []verdict) []life {
	out := make([]life, len(e.m.reqs))
	for i, req := range e.m.reqs {
		if _, ok := req.rule.(*requiresSpec); ok || verdicts[i].status != StatusViolated {
			continue
		}
		out[i] = lifeOf(e.w, e.evals[i])
		if f := &e.forbid[i]; f.count > 0 && !f.last.Before(out[i].last) {
			out[i] = life{last: f.last, since: occurrencesOf(e.w, e.evals[i]) - f.base}
		}
	}
	for i, req := range e.m.reqs {
		rs, ok := req.rule.(*requiresSpec)
		if !ok || verdicts[i].status != StatusViolated {
			continue
		}
		for _, j := range rs.idx {
			if out[j].last.After(out[i].last) {
				out[i] = out[j]
			}
		}
		if f := &e.forbid[i]; f.count > 0 && !f.last.Before(out[i].last) {
			out[i] = life{last: f.last}
		}
	}
	return out
}

// text says when the violation last happened and what followed, the day
// left out when it is the report's last day.
func (l life) text(reportEnd time.Time) string {
	at := l.last.UTC()
	when := at.Format("15:04 UTC")
	if y, m, d := at.Date(); y != reportEnd.UTC().Year() || m != reportEnd.UTC().Month() || d != reportEnd.UTC().Day() {
		when = at.Format("2006-01-02 15:04 UTC")
	}
	switch l.since {
	case 0:
		return fmt.Sprintf("violated %s; not handled correctly since", when)
	case 1:
		return fmt.Sprintf("violated %s; handled correctly once since", when)
	}
	return fmt.Sprintf("violated %s; handled correctly %d times since", when, l.since)
}
