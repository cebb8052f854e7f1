package coverage

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The mutants of an event of the evidence: what can be wrong with the
// app's word that it acted. The event may be about another entity (the
// attribute naming it changed, or, for an event that names none, its
// trace), of another name, absent, before the transition it follows,
// later than its step's window, or said by the app to have happened
// before the call it follows. Reordering and moving past the rule's
// window are the generic mutants (mutate_test.go).

// eventKinds are the mutation kinds of events, in report order.
func eventKinds() []string {
	return []string{"event-rekey", "event-retrace", "event-rename", "drop-event", "event-before", "event-late", "event-said-early"}
}

// eventMutants adds the mutants of the event record i of the proof, the
// k-th of the proof.
func (mu *mutator) eventMutants(i, k int) {
	rec := mu.recs[i]
	steps := mu.eventSteps(rec.Event.Name)
	var v eventView
	v.reset(rec)
	keyed := false
	for _, st := range steps {
		if x, ok := st.key.first(&v); st.hasKey && ok && x.key() != "" {
			keyed = true
		}
	}
	// Every entity the event names, the one its step keys by or another.
	for _, attr := range evidence.EntityAttributes() {
		r := eventRef{root: evAttr, path: []string{attr}}
		if x, ok := r.first(&v); ok && x.key() != "" {
			mu.rekeyEvent(i, attr, x.key())
		}
	}
	if !keyed && rec.Event.TraceID != "" {
		mu.with("event-retrace", i, "", func(r *evidence.Record) {
			e := *r.Event
			e.TraceID = "ffffffffffffffffffffffffffffffff"
			r.Event = &e
		})
	}
	mu.with("event-rename", i, "", func(r *evidence.Record) {
		e := *r.Event
		e.Name += ".other"
		r.Event = &e
	})
	mu.without("drop-event", i, []int{i})
	if k > 0 {
		mu.eventBefore(i, mu.proof[k-1])
		mu.saidEarly(i, mu.proof[k-1])
	}
	for _, st := range steps {
		if st.within > 0 {
			mu.eventLate(i, st.within)
			break
		}
	}
}

// eventSteps returns the event steps of the requirement's rules that wait
// for name.
func (mu *mutator) eventSteps(name string) []*eventStep {
	var out []*eventStep
	for _, r := range mu.rules() {
		for _, s := range appendEventSequences(nil, r) {
			for _, st := range s.steps {
				if st.event != nil && st.event.name == name {
					out = append(out, st.event)
				}
			}
		}
	}
	return out
}

// rekeyEvent makes event i name another entity in attribute attr.
func (mu *mutator) rekeyEvent(i int, attr, key string) {
	mu.with("event-rekey", i, attr, func(r *evidence.Record) {
		var attrs map[string]any
		if json.Unmarshal(r.Event.Attributes, &attrs) != nil {
			return
		}
		attrs[attr] = otherID(key)
		e := *r.Event
		e.Attributes, _ = json.Marshal(attrs)
		r.Event = &e
	})
}

// eventBefore moves event i to just before record j (the step it
// follows), the app saying it happened then.
func (mu *mutator) eventBefore(i, j int) {
	ev := cloneRecord(mu.recs[i])
	at := mu.recs[j].Time.Add(-time.Millisecond)
	e := *ev.Event
	ev.Time, e.Time = at, at
	ev.Event = &e
	recs := slices.Delete(slices.Clone(mu.recs), i, i+1)
	recs = slices.Insert(recs, j, ev)
	mu.out = append(mu.out, mutant{kind: "event-before", step: mu.stepName(i), recs: recs})
}

// saidEarly makes the app say event i happened before record j, the step
// it follows, was received.
func (mu *mutator) saidEarly(i, j int) {
	mu.with("event-said-early", i, "", func(r *evidence.Record) {
		e := *r.Event
		e.Time = mu.recs[j].Time.Add(-time.Second)
		r.Event = &e
	})
}

// eventLate moves event i, and all after it, later by more than its step's
// window.
func (mu *mutator) eventLate(i int, within time.Duration) {
	recs := slices.Clone(mu.recs)
	for j := i; j < len(recs); j++ {
		r := cloneRecord(recs[j])
		r.Time = r.Time.Add(within + time.Second)
		if r.Event != nil {
			e := *r.Event
			e.Time = r.Time
			r.Event = &e
		}
		recs[j] = r
	}
	mu.out = append(mu.out, mutant{kind: "event-late", step: mu.stepName(i), recs: recs})
}
