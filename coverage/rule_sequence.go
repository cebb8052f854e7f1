package coverage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// sequenceSpec: ordered steps about one entity, each a call or an observed
// state, all within a window from the first step. Met when every step was
// seen in order for the same entity; partial when some first steps were.
type sequenceSpec struct {
	by     int
	within time.Duration
	steps  []seqStep
}

// seqStep is a call (one of several, with any), or a state the entity is
// observed in ("observe").
type seqStep struct {
	src     string
	calls   []*callMatcher
	observe []predicate
}

func (s *sequenceSpec) kind() string { return "sequence" }

func (s *sequenceSpec) interest() interest {
	var out interest
	for _, st := range s.steps {
		out.events = out.events || st.calls == nil
		for _, m := range st.calls {
			out = out.union(m.interest())
		}
	}
	return out
}

func (s *sequenceSpec) newEval() evaluator {
	return &sequenceEval{spec: s, keys: map[string][]*chain{}}
}

func (c *compiler) compileSequence(n *yaml.Node, what string) (ruleSpec, error) {
	f, err := fields(n, what, "by", "within", "steps")
	if err != nil {
		return nil, err
	}
	s := &sequenceSpec{}
	bn, err := need(f, n, what, "by")
	if err != nil {
		return nil, err
	}
	if s.by, err = c.entityNamed(bn, what+": by"); err != nil {
		return nil, err
	}
	wn, err := need(f, n, what, "within")
	if err != nil {
		return nil, err
	}
	if s.within, err = durationOf(wn, what+": within"); err != nil {
		return nil, err
	}
	sn, err := need(f, n, what, "steps")
	if err != nil {
		return nil, err
	}
	if sn.Kind != yaml.SequenceNode || len(sn.Content) < 2 {
		return nil, nodeErr(sn, "%s: steps: want a list of at least two steps", what)
	}
	for i, item := range sn.Content {
		step, err := c.compileStep(item, fmt.Sprintf("%s: steps[%d]", what, i), s.by, i == 0)
		if err != nil {
			return nil, err
		}
		s.steps = append(s.steps, step)
	}
	return s, nil
}

func (c *compiler) compileStep(n *yaml.Node, what string, by int, first bool) (seqStep, error) {
	if n.Kind == yaml.MappingNode && mapGet(n, "observe") != nil {
		f, err := fields(n, what, "observe")
		if err != nil {
			return seqStep{}, err
		}
		srcs, err := strList(f["observe"], what+": observe")
		if err != nil {
			return seqStep{}, err
		}
		step := seqStep{src: "observe " + strings.Join(srcs, " and ")}
		for _, s := range srcs {
			p, err := c.statePredicate(s, true)
			if err != nil {
				return step, nodeErr(f["observe"], "%s: observe: %v", what, err)
			}
			if p.state.entity != by {
				return step, nodeErr(f["observe"], "%s: observe: %q is not about the %s the sequence follows", what, s, c.entities[by].name)
			}
			step.observe = append(step.observe, p)
		}
		return step, nil
	}
	alts := []*yaml.Node{n}
	if n.Kind == yaml.MappingNode && mapGet(n, "any") != nil {
		f, err := fields(n, what, "any")
		if err != nil {
			return seqStep{}, err
		}
		if alts = items(f["any"]); len(alts) < 2 {
			return seqStep{}, nodeErr(f["any"], "%s: any: want at least two calls", what)
		}
	}
	var step seqStep
	var srcs []string
	for _, a := range alts {
		m, _, err := c.compileMatcher(a, matcherOpts{what: what, entity: by})
		if err != nil {
			return seqStep{}, err
		}
		switch {
		case !m.key.set && len(m.keyWhere) == 0:
			return seqStep{}, nodeErr(a, "%s: the call does not name the %s; give a key (key: request.body.%s) or compare with $key in where", what, c.entities[by].name, c.entities[by].id)
		case !m.key.set && first:
			return seqStep{}, nodeErr(a, "%s: the first step must name the %s with a key", what, c.entities[by].name)
		}
		step.calls = append(step.calls, m)
		srcs = append(srcs, m.src+conditionsText(m))
	}
	step.src = strings.Join(srcs, ", or ")
	return step, nil
}

// chain is the progress of one entity through the steps.
type chain struct {
	start time.Time
	seqs  []uint64
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
}

func (e *sequenceEval) observe(w *world, v *callView) {
	for k := len(e.spec.steps) - 1; k >= 0; k-- {
		for _, m := range e.spec.steps[k].calls {
			if m.match(w, v) && e.callStep(w, v, k, m) {
				break
			}
		}
	}
	for _, ev := range v.events {
		if ev.entity != e.spec.by {
			continue
		}
		for k := len(e.spec.steps) - 1; k >= 0; k-- {
			if st := &e.spec.steps[k]; st.calls == nil && observed(v, ev, st.observe) {
				e.advance(v, ev.key, k)
			}
		}
	}
	if e.observed++; e.observed%sweepEvery == 0 {
		e.sweep(w.now)
	}
}

// sweepEvery is how many calls pass between sweeps of expired state.
const sweepEvery = 4096

// callStep tries the call v as step k; it reports whether some entity's
// progress took it.
func (e *sequenceEval) callStep(w *world, v *callView, k int, m *callMatcher) bool {
	if m.key.set {
		key, ok := m.keyOf(w, v)
		return ok && m.keyed(w, v, key) && e.advance(v, key, k)
	}
	// A step without its own key (a list filtered by $key) may advance the
	// entities it names that have done the step before it.
	if k == 0 {
		return false
	}
	e.cands = m.keyCandidates(w, v, e.cands[:0])
	took := false
	if e.cands == nil {
		for key, prog := range e.keys {
			if prog[k-1] != nil && m.keyed(w, v, key) && e.advance(v, key, k) {
				took = true
			}
		}
		return took
	}
	for _, key := range e.cands {
		if prog := e.keys[key]; prog != nil && prog[k-1] != nil && m.keyed(w, v, key) && e.advance(v, key, k) {
			took = true
		}
	}
	return took
}

// observed reports whether event ev shows every predicate.
func observed(v *callView, ev stateEvent, preds []predicate) bool {
	for i := range preds {
		c, ok := v.change(ev, preds[i].state.field)
		if !ok || !preds[i].onChange(c) {
			return false
		}
	}
	return true
}

// advance records that the call v did step k for key; it reports whether
// it did. A chain lives at one step at a time: advancing moves it up, and
// a chain started later replaces an older one at the same step (it has
// more of its window left, and every later call comes after both).
func (e *sequenceEval) advance(v *callView, key string, k int) bool {
	prog := e.keys[key]
	if k == 0 {
		if prog == nil {
			prog = make([]*chain, len(e.spec.steps))
			e.keys[strings.Clone(key)] = prog
		}
		c := &chain{start: v.start, seqs: make([]uint64, 1, len(e.spec.steps))}
		c.seqs[0] = v.seq
		prog[0] = c
		e.noteBest(c.seqs, key)
		return true
	}
	if prog == nil {
		return false
	}
	c := prog[k-1]
	if c == nil || v.start.Sub(c.start) > e.spec.within || (e.spec.steps[k].calls != nil && c.seqs[len(c.seqs)-1] == v.seq) {
		return false
	}
	prog[k-1] = nil
	c.seqs = append(c.seqs, v.seq)
	if k == len(e.spec.steps)-1 {
		e.complete(c.seqs)
		return true
	}
	prog[k] = c
	e.noteBest(c.seqs, key)
	return true
}

// noteBest keeps the furthest progress seen, the earliest on a tie.
func (e *sequenceEval) noteBest(seqs []uint64, key string) {
	if len(seqs) > len(e.best) || (len(seqs) == len(e.best) && slices.Compare(seqs, e.best) < 0) {
		e.best, e.bestKey = slices.Clone(seqs), strings.Clone(key)
	}
}

func (e *sequenceEval) complete(seqs []uint64) {
	e.done++
	last := seqs[len(seqs)-1]
	if e.proof == nil || (e.proof[len(e.proof)-1] == last && slices.Compare(seqs, e.proof) < 0) {
		e.proof = slices.Clone(seqs)
	}
}

func (e *sequenceEval) held() int { return len(e.keys) }

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
