package coverage

import (
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// An event step is done by an event the app reports (an evidence record of
// kind event): evidence that it acted on what the steps before showed it.
//
//	- event: cardholder.card_screen_unlocked
//	  within: 10m                         after the step before it (optional)
//	  where: 'event.attributes["axys.transaction_id"] == $txn'
//	  key: 'event.attributes["app.card"]' where it names the entity (optional)
//
// The event is about the entity the sequence follows when it names it in
// the documented attribute for that entity's identifier (axys.card_id for
// cardId, …; evidence.EntityAttribute) or in the step's key. An event that
// names no entity that way is about the entity the calls of its trace are
// about (trace.go), if they name exactly one. It is evidence only after
// the step before it was seen for that entity (later in the record
// stream), within the step's window of it and the sequence's window of
// the first step, and only if the app does not say it happened (its own
// time) before the call it follows was received.

// eventStep is the event of one step.
type eventStep struct {
	name   string
	within time.Duration // 0: the sequence's window alone
	where  []predicate
	key    eventRef
	hasKey bool
}

// compileEventStep compiles an event step of sequence s.
func (c *compiler) compileEventStep(n *yaml.Node, what string, s *sequenceSpec, first bool) (seqStep, error) {
	f, err := fields(n, what, "event", "within", "where", "key")
	if err != nil {
		return seqStep{}, err
	}
	ent := c.entities[s.by]
	if first {
		return seqStep{}, nodeErr(n, "%s: an event follows what a call showed of the %s: it cannot be the first step", what, ent.name)
	}
	st := &eventStep{}
	if st.name, err = scalar(f["event"], what+": event"); err != nil {
		return seqStep{}, err
	}
	if st.name == "" || strings.ContainsAny(st.name, " \t\n") {
		return seqStep{}, nodeErr(f["event"], "%s: event: want the event's name (card.shown)", what)
	}
	if wn := f["within"]; wn != nil {
		if st.within, err = durationOf(wn, what+": within"); err != nil {
			return seqStep{}, err
		}
		if st.within > s.within {
			return seqStep{}, nodeErr(wn, "%s: within: %s is longer than the sequence's %s", what, fmtDur(st.within), fmtDur(s.within))
		}
	}
	if st.where, err = c.eventWhere(f["where"], what, s.vars); err != nil {
		return seqStep{}, err
	}
	if err := c.eventKey(st, f["key"], what, ent); err != nil {
		return seqStep{}, err
	}
	return seqStep{src: st.text(), event: st}, nil
}

func (c *compiler) eventWhere(n *yaml.Node, what string, vars []string) ([]predicate, error) {
	if n == nil {
		return nil, nil
	}
	srcs, err := strList(n, what+": where")
	if err != nil {
		return nil, err
	}
	var out []predicate
	for _, src := range srcs {
		p, err := eventPredicate(src, vars)
		if err != nil {
			return nil, nodeErr(n, "%s: where: %v", what, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// eventKey sets where the step's event names the entity: the key given,
// else the documented attribute of the entity's identifier.
func (c *compiler) eventKey(st *eventStep, n *yaml.Node, what string, ent entityDef) error {
	if n == nil {
		if attr, ok := evidence.EntityAttribute(ent.id); ok {
			st.key, st.hasKey = eventRef{root: evAttr, path: []string{attr}, src: `event.attributes["` + attr + `"]`}, true
		}
		return nil
	}
	s, err := scalar(n, what+": key")
	if err != nil {
		return err
	}
	if st.key, err = parseEventRef(s); err != nil {
		return nodeErr(n, "%s: key: %v", what, err)
	}
	if st.key.root != evAttr && st.key.root != evBody {
		return nodeErr(n, "%s: key: %s names no entity; want an attribute (event.attributes[\"…\"])", what, s)
	}
	st.hasKey = true
	return nil
}

// text is how reports name the step.
func (st *eventStep) text() string {
	var b strings.Builder
	b.WriteString("event " + st.name)
	for i, p := range st.where {
		if i == 0 {
			b.WriteString(" where ")
		} else {
			b.WriteString(" and ")
		}
		b.WriteString(p.src)
	}
	if st.within > 0 {
		b.WriteString(" within " + fmtDur(st.within) + " of the step before")
	}
	return b.String()
}

// eventNames returns the names of the events a rule's steps wait for.
func eventNames(r ruleSpec) []string {
	var out []string
	switch s := r.(type) {
	case *sequenceSpec:
		for _, st := range s.steps {
			if st.event != nil && indexOf(out, st.event.name) < 0 {
				out = append(out, st.event.name)
			}
		}
	case *combineSpec:
		for _, p := range s.parts {
			for _, n := range eventNames(p) {
				if indexOf(out, n) < 0 {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

// eventObserver is an evaluator some of whose steps events do.
type eventObserver interface {
	observeEvent(w *world, ev *eventView)
}

var (
	_ eventObserver = (*sequenceEval)(nil)
	_ eventObserver = (*combineEval)(nil)
)

func (e *combineEval) observeEvent(w *world, ev *eventView) {
	for _, p := range e.parts {
		if o, ok := p.(eventObserver); ok {
			o.observeEvent(w, ev)
		}
	}
}

// observeEvent tries ev as each event step of its name, the last first,
// for the entity it is about.
func (e *sequenceEval) observeEvent(w *world, ev *eventView) {
	if len(e.keys) == 0 {
		return
	}
	for k := len(e.spec.steps) - 1; k > 0; k-- {
		st := e.spec.steps[k].event
		if st == nil || st.name != ev.name {
			continue
		}
		key, ok := e.eventKey(w, st, ev)
		if !ok {
			continue
		}
		prog := e.keys[key]
		if prog == nil || prog[k-1] == nil || !e.eventFits(k, prog[k-1], ev) {
			continue
		}
		b := binds{key: key, vars: prog[k-1].vars}
		if st.holds(ev, &b) {
			e.advance(ev.seq, ev.at, key, k, nil)
		}
	}
}

// eventKey returns the entity of the sequence ev is about: the one it
// names, else the one its trace's calls name.
func (e *sequenceEval) eventKey(w *world, st *eventStep, ev *eventView) (string, bool) {
	if st.hasKey {
		if x, found := st.key.first(ev); found {
			// An event that names an entity is about that one, whatever
			// its trace.
			k := x.key()
			return k, k != ""
		}
	}
	return w.traces.keyOf(ev.trace, e.spec.by)
}

// eventFits reports whether ev comes in time for step k after chain c:
// within the step's window of the step before, and not said by the app
// to have happened before the call it follows was received.
func (e *sequenceEval) eventFits(k int, c *chain, ev *eventView) bool {
	st := e.spec.steps[k].event
	if st.within > 0 && ev.at.Sub(c.last) > st.within {
		return false
	}
	before := e.spec.steps[k-1]
	if before.event == nil && !ev.said.IsZero() && ev.said.Before(c.last) {
		return false
	}
	return true
}

// holds reports whether ev satisfies every where predicate of the step.
func (st *eventStep) holds(ev *eventView, b *binds) bool {
	for i := range st.where {
		if !st.where[i].onEvent(ev, b) {
			return false
		}
	}
	return true
}

// isEventStep reports whether step k of s is done by an event.
func (s *sequenceSpec) isEventStep(k int) bool { return s.steps[k].event != nil }

// eventSeqs adds to set the records of seqs (a chain's, one per step)
// that events did.
func (s *sequenceSpec) eventSeqs(seqs []uint64, set map[uint64]bool) {
	for k, seq := range seqs {
		if k < len(s.steps) && s.isEventStep(k) {
			set[seq] = true
		}
	}
}

// eventEvidence adds to set the event records among what the evaluator
// keeps as evidence.
func (e *sequenceEval) eventEvidence(set map[uint64]bool) {
	if !e.spec.hasEvents() {
		return
	}
	e.spec.eventSeqs(e.proof, set)
	e.spec.eventSeqs(e.best, set)
	for _, seqs := range e.doneBy {
		e.spec.eventSeqs(seqs, set)
	}
	for _, seqs := range e.bestBy {
		e.spec.eventSeqs(seqs, set)
	}
}

// hasEvents reports whether some step of s is done by an event.
func (s *sequenceSpec) hasEvents() bool {
	for k := range s.steps {
		if s.isEventStep(k) {
			return true
		}
	}
	return false
}

// eventEvidence walks an evaluator's parts for the event records they
// keep as evidence.
func eventEvidence(ev evaluator, set map[uint64]bool) {
	switch t := ev.(type) {
	case *sequenceEval:
		t.eventEvidence(set)
	case *combineEval:
		for _, p := range t.parts {
			eventEvidence(p, set)
		}
	}
}
