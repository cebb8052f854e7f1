package coverage

import (
	"slices"
	"strings"
	"time"
)

// An event that names no entity of a sequence is linked to one through
// its trace: the proxy records the W3C trace context of every call
// (Record.Trace), the receiver that of every event (Event.TraceID), and
// an event whose trace is that of calls about one entity is about that
// entity. traceIndex remembers, for the traces of recent calls, which
// entities those calls were about: the ids in their paths (and the
// aliases standing for one, a token for its card), the entities whose
// state their answers show or their success implies, and the id at the
// top of their request or response body (a deposit's cardId).
//
// A trace whose calls are about two cards names no card: the event could
// be about either, so it is about neither. Memory is bounded: a trace is
// forgotten once no call of it was seen for longer than the longest window
// of a sequence with an event step (an event after that could not be in
// time for its step anyway), and past maxTraces traces the index starts
// afresh, which can only leave an event unlinked, never link it wrongly.

// maxTraces bounds the traces remembered at once.
const maxTraces = 1 << 16

// traceSweepEvery is how many noted calls pass between sweeps.
const traceSweepEvery = 4096

// traceIndex is the world's memory of traces. Its zero value (no event
// step in the matrix) remembers nothing and links nothing.
type traceIndex struct {
	ttl time.Duration
	// ents are the entities some sequence with an event step follows;
	// bodyRefs[e] the top-level body ids read for entity e.
	ents     []int
	bodyRefs [][]callRef
	byID     map[string]*traceEntities
	noted    int
}

// traceEntities is what the calls of one trace were about: per entity
// the one key they named ("" none), with bit e of many set when they
// named more than one.
type traceEntities struct {
	last time.Time
	keys []string
	many uint64
}

// newTraceIndex returns the index for matrix m; nothing when no sequence
// has an event step.
func newTraceIndex(m *Matrix) traceIndex {
	if len(m.eventEnts) == 0 {
		return traceIndex{}
	}
	return traceIndex{ttl: m.eventWindow, ents: m.eventEnts, bodyRefs: m.traceRefs, byID: map[string]*traceEntities{}}
}

// note remembers what call v, after apply, was about, when it carries a
// trace and the matrix links events through traces.
func (x *traceIndex) note(w *world, v *callView) {
	if x.byID == nil || v.rec.Trace == nil || v.rec.Trace.TraceID == "" {
		return
	}
	id := v.rec.Trace.TraceID
	t := x.byID[id]
	if t == nil {
		if len(x.byID) >= maxTraces {
			x.sweep(w.now)
			if len(x.byID) >= maxTraces {
				clear(x.byID)
			}
		}
		t = &traceEntities{keys: make([]string, len(w.m.entities))}
		x.byID[strings.Clone(id)] = t
	}
	t.last = v.start
	for i, e := range x.ents {
		x.noteEntity(w, v, t, e, x.bodyRefs[i])
	}
	if x.noted++; x.noted%traceSweepEvery == 0 {
		x.sweep(w.now)
	}
}

// noteEntity adds the keys of entity e that v names to t.
func (x *traceIndex) noteEntity(w *world, v *callView, t *traceEntities, e int, refs []callRef) {
	if s, ok := v.param(w.rt, w.m.entities[e].id); ok {
		t.add(e, s)
	}
	for i := range w.m.aliases {
		if a := &w.m.aliases[i]; a.entity == e {
			if s, ok := v.param(w.rt, a.name); ok {
				if key, ok := w.aliases[i][s]; ok {
					t.add(e, key)
				}
			}
		}
	}
	for _, ev := range v.events {
		if ev.entity == e {
			t.add(e, ev.key)
		}
	}
	for _, im := range v.implied {
		if im.entity == e {
			t.add(e, im.key)
		}
	}
	for i := range refs {
		if x, ok := refs[i].first(w.rt, v); ok {
			t.add(e, x.key())
		}
	}
}

// add notes that the trace's calls named key for entity e.
func (t *traceEntities) add(e int, key string) {
	switch {
	case key == "" || t.keys[e] == key || e >= 64:
	case t.keys[e] == "":
		t.keys[e] = strings.Clone(key)
	default:
		t.many |= 1 << e
	}
}

// keyOf returns the one entity e the calls of trace id were about.
func (x *traceIndex) keyOf(id string, e int) (string, bool) {
	if x.byID == nil || id == "" {
		return "", false
	}
	t := x.byID[id]
	if t == nil || t.keys[e] == "" || t.many&(1<<e) != 0 {
		return "", false
	}
	return t.keys[e], true
}

// sweep forgets the traces no call of which was seen within the ttl.
func (x *traceIndex) sweep(now time.Time) {
	for id, t := range x.byID {
		if now.Sub(t.last) > x.ttl {
			delete(x.byID, id)
		}
	}
}

// size is the number of traces held.
func (x *traceIndex) size() int { return len(x.byID) }

// traceLinks finds the entities the sequences with an event step follow,
// their longest window, and the body references that name each entity
// (request.body.<id> and response.body.<id>), for the trace index.
func (c *compiler) traceLinks(m *Matrix) error {
	var seqs []*sequenceSpec
	for i := range c.reqs {
		seqs = appendEventSequences(seqs, c.reqs[i].rule)
	}
	for _, s := range seqs {
		m.eventWindow = max(m.eventWindow, s.within)
		if !slices.Contains(m.eventEnts, s.by) {
			m.eventEnts = append(m.eventEnts, s.by)
		}
	}
	slices.Sort(m.eventEnts)
	for _, e := range m.eventEnts {
		var refs []callRef
		for _, root := range []string{"request.body.", "response.body."} {
			r, err := c.parseRef(root+c.entities[e].id, nil)
			if err != nil {
				return err
			}
			refs = append(refs, r)
		}
		m.traceRefs = append(m.traceRefs, refs)
	}
	return nil
}

// appendEventSequences adds the sequences of r that have an event step.
func appendEventSequences(out []*sequenceSpec, r ruleSpec) []*sequenceSpec {
	switch s := r.(type) {
	case *sequenceSpec:
		if s.hasEvents() {
			out = append(out, s)
		}
	case *combineSpec:
		for _, p := range s.parts {
			out = appendEventSequences(out, p)
		}
	}
	return out
}
