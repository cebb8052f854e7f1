package coverage

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
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
}

// seqStep is a call (one of several, with any), or a state the entity is
// observed in ("observe").
type seqStep struct {
	src      string
	calls    []*callMatcher
	observe  []predicate
	captures []capture
}

// capture keeps a number a call step shows, times factor, as variable idx.
type capture struct {
	idx    int
	ref    callRef
	factor float64
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
	for _, m := range s.without {
		out = out.union(m.interest())
	}
	return out
}

func (s *sequenceSpec) newEval() evaluator {
	return &sequenceEval{spec: s, keys: map[string][]*chain{}}
}

func (c *compiler) compileSequence(n *yaml.Node, what string) (ruleSpec, error) {
	f, err := fields(n, what, "by", "within", "steps", "without")
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
		step, err := c.compileStep(item, fmt.Sprintf("%s: steps[%d]", what, i), s, i == 0)
		if err != nil {
			return nil, err
		}
		s.steps = append(s.steps, step)
	}
	if s.without, err = c.compileWithout(f["without"], what+": without", s.by); err != nil {
		return nil, err
	}
	s.indexSequence()
	return s, nil
}

// compileWithout compiles the calls that break an entity's progress; each
// must name the entity. They match whatever answered (origin any) unless
// they say otherwise: a call that may have moved money is enough.
func (c *compiler) compileWithout(n *yaml.Node, what string, by int) ([]*callMatcher, error) {
	if n == nil {
		return nil, nil
	}
	var out []*callMatcher
	for _, item := range items(n) {
		m, _, err := c.compileMatcher(item, matcherOpts{what: what, entity: by, origin: originAny})
		if err != nil {
			return nil, err
		}
		if !m.key.set {
			return nil, nodeErr(item, "%s: the call does not name the %s; give a key (key: request.body.%s)", what, c.entities[by].name, c.entities[by].id)
		}
		out = append(out, m)
	}
	return out, nil
}

func (c *compiler) compileStep(n *yaml.Node, what string, s *sequenceSpec, first bool) (seqStep, error) {
	if n.Kind == yaml.MappingNode && mapGet(n, "observe") != nil {
		return c.compileObserve(n, what, s)
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
		m, f, err := c.compileMatcher(a, matcherOpts{what: what, entity: s.by, extra: []string{"capture"}})
		if err != nil {
			return seqStep{}, err
		}
		switch {
		case !m.key.set && len(m.keyWhere) == 0:
			return seqStep{}, nodeErr(a, "%s: the call does not name the %s; give a key (key: request.body.%s) or compare with $key in where", what, c.entities[s.by].name, c.entities[s.by].id)
		case !m.key.set && first:
			return seqStep{}, nodeErr(a, "%s: the first step must name the %s with a key", what, c.entities[s.by].name)
		case f["capture"] != nil && len(alts) > 1:
			return seqStep{}, nodeErr(f["capture"], "%s: capture: a step of several calls (any) captures nothing", what)
		case f["capture"] != nil:
			if step.captures, err = c.compileCaptures(f["capture"], what+": capture", s, m.params(c.rt)); err != nil {
				return seqStep{}, err
			}
		}
		step.calls = append(step.calls, m)
		srcs = append(srcs, m.src+conditionsText(m))
	}
	step.src = strings.Join(srcs, ", or ")
	return step, nil
}

// compileObserve compiles an observe step: state predicates on the entity
// the sequence follows, transitions allowed, amounts naming values that
// earlier steps captured.
func (c *compiler) compileObserve(n *yaml.Node, what string, s *sequenceSpec) (seqStep, error) {
	f, err := fields(n, what, "observe")
	if err != nil {
		return seqStep{}, err
	}
	srcs, err := strList(f["observe"], what+": observe")
	if err != nil {
		return seqStep{}, err
	}
	step := seqStep{src: "observe " + strings.Join(srcs, " and ")}
	for _, src := range srcs {
		p, err := c.statePredicate(src, true)
		if err != nil {
			return step, nodeErr(f["observe"], "%s: observe: %v", what, err)
		}
		if p.state.entity != s.by {
			return step, nodeErr(f["observe"], "%s: observe: %q is not about the %s the sequence follows", what, src, c.entities[s.by].name)
		}
		if p.byName != "" {
			if p.byVar = slices.Index(s.vars, p.byName); p.byVar < 0 {
				return step, nodeErr(f["observe"], "%s: observe: %q: no earlier step captures %s", what, src, p.byName)
			}
		}
		step.observe = append(step.observe, p)
	}
	return step, nil
}

// compileCaptures reads "capture: {name: <reference> [* <number>]}": the
// number the call shows there, times the factor (a decimal "10.00" times
// 100 is the 1000 minor units a balance shows).
func (c *compiler) compileCaptures(n *yaml.Node, what string, s *sequenceSpec, params []string) ([]capture, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, nodeErr(n, "%s: want a mapping of name to reference (amount: request.body.amount * 100)", what)
	}
	var out []capture
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := n.Content[i].Value
		switch {
		case !identPattern.MatchString(name) || name == "key":
			return nil, nodeErr(n.Content[i], "%s: %q is not a valid name", what, name)
		case slices.Contains(s.vars, name):
			return nil, nodeErr(n.Content[i], "%s: %q is captured twice", what, name)
		}
		src, err := scalar(n.Content[i+1], what+": "+name)
		if err != nil {
			return nil, err
		}
		cp := capture{idx: len(s.vars), factor: 1}
		ref, factor, scaled := strings.Cut(src, "*")
		if scaled {
			if cp.factor, err = strconv.ParseFloat(strings.TrimSpace(factor), 64); err != nil || cp.factor <= 0 {
				return nil, nodeErr(n.Content[i+1], "%s: %s: the factor %q is not a positive number", what, name, strings.TrimSpace(factor))
			}
		}
		if cp.ref, err = c.parseRef(strings.TrimSpace(ref), params); err != nil {
			return nil, nodeErr(n.Content[i+1], "%s: %s: %v", what, name, err)
		}
		s.vars = append(s.vars, name)
		out = append(out, cp)
	}
	return out, nil
}

// chain is the progress of one entity through the steps, with the values
// its steps captured (NaN until captured).
type chain struct {
	start time.Time
	seqs  []uint64
	vars  []float64
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
	captured []float64
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
		if ev.entity != e.spec.by {
			continue
		}
		for k := len(e.spec.steps) - 1; k >= 0; k-- {
			st := &e.spec.steps[k]
			if st.calls != nil {
				continue
			}
			var vars []float64
			if k > 0 {
				prog := e.keys[ev.key]
				if prog == nil || prog[k-1] == nil {
					continue
				}
				vars = prog[k-1].vars
			}
			if observed(v, ev, st.observe, vars) {
				e.advance(v, ev.key, k, nil)
			}
		}
	}
	if e.observed++; e.observed%sweepEvery == 0 {
		e.sweep(w.now)
	}
}

// sweepEvery is how many calls pass between sweeps of expired state.
const sweepEvery = 4096

// interrupt forgets the progress of the entity a without call names: a
// step seen after it could be its doing. A call that is also the first
// step starts afresh after this.
func (e *sequenceEval) interrupt(w *world, v *callView) {
	for _, i := range e.spec.withoutAt.at(v.ep) {
		m := e.spec.without[i]
		if !m.match(w, v) {
			continue
		}
		if key, ok := m.keyOf(w, v); ok && m.keyed(w, v, key) {
			delete(e.keys, key)
		}
	}
}

// capture reads the values step k captures from v into e.captured; it
// reports false when one is not a number the call shows.
func (e *sequenceEval) capture(w *world, v *callView, k int) bool {
	e.captured = e.captured[:0]
	for _, cp := range e.spec.steps[k].captures {
		x, ok := cp.ref.first(w.rt, v)
		f, isNum := x.number()
		if !ok || !isNum {
			return false
		}
		e.captured = append(e.captured, f*cp.factor)
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
		return ok && m.keyed(w, v, key) && e.advance(v, key, k, vals)
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
			if prog[k-1] != nil && m.keyed(w, v, key) && e.advance(v, key, k, vals) {
				took = true
			}
		}
		return took
	}
	for _, key := range e.cands {
		if prog := e.keys[key]; prog != nil && prog[k-1] != nil && m.keyed(w, v, key) && e.advance(v, key, k, vals) {
			took = true
		}
	}
	return took
}

// observed reports whether event ev shows every predicate; vars are the
// values captured so far.
func observed(v *callView, ev stateEvent, preds []predicate, vars []float64) bool {
	for i := range preds {
		c, ok := v.change(ev, preds[i].state.field)
		if !ok || !preds[i].onChange(c, vars) {
			return false
		}
	}
	return true
}

// advance records that the call v did step k for key; it reports whether
// it did. A chain lives at one step at a time: advancing moves it up, and
// a chain started later replaces an older one at the same step (it has
// more of its window left, and every later call comes after both). vals
// are the values the step captures.
func (e *sequenceEval) advance(v *callView, key string, k int, vals []float64) bool {
	prog := e.keys[key]
	if k == 0 {
		if prog == nil {
			prog = make([]*chain, len(e.spec.steps))
			e.keys[strings.Clone(key)] = prog
		}
		c := &chain{start: v.start, seqs: make([]uint64, 1, len(e.spec.steps))}
		c.seqs[0] = v.seq
		if len(e.spec.vars) > 0 {
			c.vars = make([]float64, len(e.spec.vars))
			for i := range c.vars {
				c.vars[i] = math.NaN()
			}
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
	if c == nil || v.start.Sub(c.start) > e.spec.within || (e.spec.steps[k].calls != nil && c.seqs[len(c.seqs)-1] == v.seq) {
		return false
	}
	prog[k-1] = nil
	c.seqs = append(c.seqs, v.seq)
	e.keep(c, k, vals)
	if k == len(e.spec.steps)-1 {
		e.complete(c.seqs)
		return true
	}
	prog[k] = c
	e.noteBest(c.seqs, key)
	return true
}

// keep stores in c the values step k captured.
func (e *sequenceEval) keep(c *chain, k int, vals []float64) {
	for i, cp := range e.spec.steps[k].captures {
		c.vars[cp.idx] = vals[i]
	}
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
