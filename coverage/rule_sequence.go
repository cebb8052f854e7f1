package coverage

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// sequenceSpec: ordered steps about one entity, each a call or an observed
// state, all within a window from the first step. Met when every step was
// seen in order for the same entity; partial when some first steps were.
// Values a call step captures (a deposit's amount) are kept with the
// entity's progress for later observe steps to compare with; a "without"
// call for the entity breaks its progress, since what follows could be
// that call's doing rather than the first step's.
type sequenceSpec struct {
	by      int
	within  time.Duration
	steps   []seqStep
	vars    []string
	without []*callMatcher
	// callsAt and withoutAt index the call steps and without calls by
	// endpoint (dispatch.go).
	callsAt   *epIndex[stepCall]
	withoutAt *epIndex[int]
	// keyed: a part of a composite keyed to its entity, judged per entity.
	keyed bool
}

// seqStep is a call (one of several, with any), a state the entity is
// observed in ("observe"), or an event of the app (rule_sequence_event.go).
type seqStep struct {
	src      string
	calls    []*callMatcher
	observe  []predicate
	captures []capture
	event    *eventStep
}

// capture keeps a value a call step shows as variable idx: a number times
// factor when scaled, else the value as it is (a transaction's id).
type capture struct {
	idx    int
	ref    callRef
	factor float64
	scaled bool
}

func (s *sequenceSpec) kind() string { return "sequence" }

func (s *sequenceSpec) interest() interest {
	var out interest
	for _, st := range s.steps {
		if st.observe != nil {
			out.events, out.shows = true, out.shows|entityBit(s.by)
		}
		for _, m := range st.calls {
			out = out.union(m.interest())
		}
	}
	for _, m := range s.without {
		out = out.union(m.interest())
	}
	return out
}

func (s *sequenceSpec) newEval() evaluator {
	e := &sequenceEval{spec: s, keys: map[string][]*chain{}}
	if s.keyed {
		e.doneBy, e.bestBy = map[string][]uint64{}, map[string][]uint64{}
	}
	return e
}

// chain is the progress of one entity through the steps, with the values
// its steps captured (none until captured); last is the time of its latest
// step. A short sequence keeps its steps in the chain itself, so starting
// one is one allocation.
type chain struct {
	start, last time.Time
	seqs        []uint64
	vars        []value
	seqBuf      [5]uint64
}

// newChain starts a chain at record seq, of time t, for a sequence of n
// steps and nv captured values.
func newChain(seq uint64, t time.Time, n, nv int) *chain {
	c := &chain{start: t, last: t}
	if n <= len(c.seqBuf) {
		c.seqs = c.seqBuf[:1:n]
	} else {
		c.seqs = make([]uint64, 1, n)
	}
	c.seqs[0] = seq
	if nv > 0 {
		c.vars = make([]value, nv)
	}
	return c
}

// restart makes c, a chain replaced by a new one at the first step, that
// new chain: nothing else holds a chain, so its buffers are reused.
func (c *chain) restart(seq uint64, t time.Time) {
	c.start, c.last = t, t
	c.seqs = append(c.seqs[:0], seq)
	clear(c.vars)
}

type sequenceEval struct {
	spec *sequenceSpec
	// keys holds, per entity key, progress[k]: the chain that has done
	// k+1 steps, if any.
	keys     map[string][]*chain
	done     int
	proof    []uint64
	best     []uint64
	bestKey  string
	observed int
	cands    []string
	// captured holds the values the current call captures for its step.
	captured []value
	// doneBy and bestBy keep, per entity, its first complete sequence and
	// its furthest progress, when the sequence is a part of a composite
	// keyed to one entity (rule_keyed.go); onKey hears of each change.
	doneBy, bestBy map[string][]uint64
	onKey          func(string)
}

func (e *sequenceEval) observe(w *world, v *callView) {
	e.interrupt(w, v)
	took := -1 // the step a call of which took v: its other calls are not tried
	for _, c := range e.spec.callsAt.at(v.ep) {
		// A later step needs an entity that did the one before: with none
		// in progress, there is nothing to read the call for.
		if c.step == took || (c.step > 0 && len(e.keys) == 0) {
			continue
		}
		if m := e.spec.steps[c.step].calls[c.call]; m.match(w, v) && e.callStep(w, v, c.step, m) {
			took = c.step
		}
	}
	for _, ev := range v.events {
		if ev.entity == e.spec.by {
			e.observeSteps(v, ev)
		}
	}
	if e.observed++; e.observed%sweepEvery == 0 {
		e.sweep(w.now)
	}
}

// observeSteps tries the state ev shows as each observe step, the last
// first. The entity's progress is looked up once: advancing a later step
// changes its chains, never which progress the entity has.
func (e *sequenceEval) observeSteps(v *callView, ev stateEvent) {
	var prog []*chain
	looked := false
	for k := len(e.spec.steps) - 1; k >= 0; k-- {
		st := &e.spec.steps[k]
		if st.observe == nil {
			continue
		}
		var vars []value
		if k > 0 {
			if !looked {
				prog, looked = e.keys[ev.key], true
			}
			if prog == nil || prog[k-1] == nil {
				continue
			}
			vars = prog[k-1].vars
		}
		if observed(v, ev, st.observe, vars) {
			e.advance(v.seq, v.start, ev.key, k, nil)
		}
	}
}

// sweepEvery is how many calls pass between sweeps of expired state.
const sweepEvery = 4096

// interrupt forgets the progress of the entity a without call names: a
// step seen after it could be its doing. A call that is also the first
// step starts afresh after this.
func (e *sequenceEval) interrupt(w *world, v *callView) {
	if len(e.spec.without) == 0 {
		return // most sequences have none: their index is not even read
	}
	for _, i := range e.spec.withoutAt.at(v.ep) {
		m := e.spec.without[i]
		if !m.match(w, v) {
			continue
		}
		if key, ok := m.keyOf(w, v); ok {
			if b := (binds{key: key}); m.keyed(w, v, &b) {
				delete(e.keys, key)
			}
		}
	}
}

// capture reads the values step k captures from v into e.captured; it
// reports false when one is not there: not a number where a factor scales
// it, not a number or string otherwise.
func (e *sequenceEval) capture(w *world, v *callView, k int) bool {
	e.captured = e.captured[:0]
	for _, cp := range e.spec.steps[k].captures {
		x, ok := cp.ref.first(w.rt, v)
		if !ok {
			return false
		}
		if cp.scaled {
			f, isNum := x.number()
			if !isNum {
				return false
			}
			// A computed amount needs no text: it is compared as a
			// number, never used as a key.
			x = value{kind: kindNum, num: f * cp.factor}
		} else if x.key() == "" {
			return false
		}
		e.captured = append(e.captured, x)
	}
	return true
}

// callStep tries the call v as step k; it reports whether some entity's
// progress took it.
func (e *sequenceEval) callStep(w *world, v *callView, k int, m *callMatcher) bool {
	if len(e.spec.steps[k].captures) > 0 && !e.capture(w, v, k) {
		return false
	}
	vals := e.captured[:len(e.spec.steps[k].captures)]
	if m.key.set {
		key, ok := m.keyOf(w, v)
		return ok && e.keyedStep(w, v, m, key, k) && e.advance(v.seq, v.start, key, k, vals)
	}
	// A step without its own key (a list filtered by $key) may advance the
	// entities it names that have done the step before it.
	if k == 0 {
		return false
	}
	e.cands = m.keyCandidates(w, v, e.cands[:0])
	took := false
	if e.cands == nil {
		for key := range e.keys {
			if e.keyedStep(w, v, m, key, k) && e.advance(v.seq, v.start, key, k, vals) {
				took = true
			}
		}
		return took
	}
	for _, key := range e.cands {
		if e.keyedStep(w, v, m, key, k) && e.advance(v.seq, v.start, key, k, vals) {
			took = true
		}
	}
	return took
}

// keyedStep reports whether v passes step k's keyed predicates for key,
// with the values the entity's earlier steps captured. A later step needs
// the entity to have done the step before it.
func (e *sequenceEval) keyedStep(w *world, v *callView, m *callMatcher, key string, k int) bool {
	b := binds{key: key}
	if k > 0 {
		prog := e.keys[key]
		if prog == nil || prog[k-1] == nil {
			return false
		}
		b.vars = prog[k-1].vars
	}
	return m.keyed(w, v, &b)
}

// observed reports whether event ev shows every predicate; vars are the
// values captured so far.
func observed(v *callView, ev stateEvent, preds []predicate, vars []value) bool {
	for i := range preds {
		c, ok := v.change(ev, preds[i].state.field)
		if !ok || !preds[i].onChange(c, vars) {
			return false
		}
	}
	return true
}

// advance records that the record seq, of time t, did step k for key; it
// reports whether it did. A chain lives at one step at a time: advancing
// moves it up, and a chain started later replaces an older one at the
// same step (it has more of its window left, and every later record comes
// after both). vals are the values the step captures.
func (e *sequenceEval) advance(seq uint64, t time.Time, key string, k int, vals []value) bool {
	prog := e.keys[key]
	if k == 0 {
		if prog == nil {
			prog = make([]*chain, len(e.spec.steps))
			e.keys[strings.Clone(key)] = prog
		}
		c := prog[0]
		if c == nil {
			c = newChain(seq, t, len(e.spec.steps), len(e.spec.vars))
		} else {
			c.restart(seq, t)
		}
		e.keep(c, k, vals)
		prog[0] = c
		e.noteBest(c.seqs, key)
		return true
	}
	if prog == nil {
		return false
	}
	c := prog[k-1]
	if c == nil || t.Sub(c.start) > e.spec.within || (e.spec.steps[k].calls != nil && c.seqs[len(c.seqs)-1] == seq) {
		return false
	}
	prog[k-1] = nil
	c.seqs = append(c.seqs, seq)
	c.last = t
	e.keep(c, k, vals)
	if k == len(e.spec.steps)-1 {
		e.complete(c.seqs, key)
		return true
	}
	prog[k] = c
	e.noteBest(c.seqs, key)
	return true
}

// keep stores in c the values step k captured.
func (e *sequenceEval) keep(c *chain, k int, vals []value) {
	for i, cp := range e.spec.steps[k].captures {
		if c.vars[cp.idx] = vals[i]; !cp.scaled {
			// A scaled value's text is its own; another is the body's.
			c.vars[cp.idx] = vals[i].clone()
		}
	}
}

// noteBest keeps the furthest progress seen, the earliest on a tie,
// overall and, keyed, per entity.
func (e *sequenceEval) noteBest(seqs []uint64, key string) {
	if further(seqs, e.best) {
		e.best, e.bestKey = slices.Clone(seqs), strings.Clone(key)
	}
	if e.bestBy != nil {
		if old, ok := e.bestBy[key]; !ok || further(seqs, old) {
			e.bestBy[strings.Clone(key)] = slices.Clone(seqs)
			e.changed(key)
		}
	}
}

// changed tells the composite the sequence is a part of that an entity's
// verdict changed.
func (e *sequenceEval) changed(key string) {
	if e.onKey != nil {
		e.onKey(key)
	}
}

// further reports whether progress a goes further than b, or as far and
// earlier.
func further(a, b []uint64) bool {
	return len(a) > len(b) || (len(a) == len(b) && slices.Compare(a, b) < 0)
}

func (e *sequenceEval) complete(seqs []uint64, key string) {
	e.done++
	last := seqs[len(seqs)-1]
	if e.proof == nil || (e.proof[len(e.proof)-1] == last && slices.Compare(seqs, e.proof) < 0) {
		e.proof = slices.Clone(seqs)
	}
	if e.doneBy != nil {
		if old, ok := e.doneBy[key]; !ok || (old[len(old)-1] == last && slices.Compare(seqs, old) < 0) {
			e.doneBy[strings.Clone(key)] = slices.Clone(seqs)
			e.changed(key)
		}
	}
}

func (e *sequenceEval) held() int { return len(e.keys) + len(e.doneBy) + len(e.bestBy) }

func (e *sequenceEval) notify(fn func(string)) { e.onKey = fn }

// sweep forgets entities whose chains can no longer advance.
func (e *sequenceEval) sweep(now time.Time) {
	for key, prog := range e.keys {
		live := false
		for _, c := range prog {
			if c != nil && now.Sub(c.start) <= e.spec.within {
				live = true
				break
			}
		}
		if !live {
			delete(e.keys, key)
		}
	}
}

func (e *sequenceEval) verdict(w *world) verdict {
	n := len(e.spec.steps)
	ent := w.m.entities[e.spec.by].name
	switch {
	case e.done > 0:
		return verdict{StatusMet, fmt.Sprintf("%s: all %d steps in order for one %s (%s)", plural(e.done, "complete sequence", "complete sequences"), n, ent, seqsText(evidenceOf(e.proof))), evidenceOf(e.proof)}
	case len(e.best) > 0:
		k := len(e.best)
		return verdict{StatusPartial, fmt.Sprintf("%d of %d steps for %s %s within %s; not seen next: %s", k, n, ent, e.bestKey, fmtDur(e.spec.within), e.spec.steps[k].src), evidenceOf(e.best)}
	}
	return verdict{StatusMissing, "not seen: " + e.spec.steps[0].src, []uint64{}}
}
