package coverage

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// ConditionAppEvents is the condition of the requirements about what the
// app did with what its calls showed: evidence only the app's own events
// (package events) can give. A program opts into them by sending events:
// until the records hold one event, the requirements of the group are
// StatusNotApplicable, never met and never missing; from the first event
// on they are judged like any other. A program that sends events but
// lacks a feature drops the requirement it cannot meet (drop: [...]), as
// it drops physical-cards requirements.
const ConditionAppEvents = "app-events"

// MaxEventNames bounds the event names a report counts one by one; the
// events of further names are counted together (EventSummary.Untracked),
// so an app inventing names cannot make the engine grow.
const MaxEventNames = 256

// EventSummary is what the app's event records hold, by name.
type EventSummary struct {
	// Total counts the event records observed.
	Total int `json:"total"`
	// Names counts the events of each name, sorted by name.
	Names []EventCount `json:"names"`
	// Unknown lists the names among Names that no requirement of the
	// matrix waits for, sorted: a misspelt name, or evidence the matrix
	// does not judge.
	Unknown []string `json:"unknown"`
	// Untracked counts the events whose names came after the first
	// MaxEventNames distinct ones.
	Untracked int `json:"untracked,omitempty"`
}

// EventCount is the number of events of one name.
type EventCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	// Known is set when a requirement of the matrix waits for the name.
	Known bool `json:"known"`
}

// appEvents counts the events seen per name, for at most MaxEventNames
// names.
type appEvents struct {
	total     int
	counts    map[string]int
	untracked int
}

func (a *appEvents) add(name string) {
	a.total++
	if n, ok := a.counts[name]; ok {
		a.counts[name] = n + 1
		return
	}
	if len(a.counts) >= MaxEventNames {
		a.untracked++
		return
	}
	if a.counts == nil {
		a.counts = map[string]int{}
	}
	a.counts[strings.Clone(name)] = 1
}

// summary is the report's view; nil when no event was seen.
func (a *appEvents) summary(known map[string][]int) *EventSummary {
	if a.total == 0 {
		return nil
	}
	s := &EventSummary{Total: a.total, Names: []EventCount{}, Unknown: []string{}, Untracked: a.untracked}
	for name, n := range a.counts {
		_, ok := known[name]
		s.Names = append(s.Names, EventCount{Name: name, Count: n, Known: ok})
		if !ok {
			s.Unknown = append(s.Unknown, name)
		}
	}
	slices.SortFunc(s.Names, func(a, b EventCount) int { return strings.Compare(a.Name, b.Name) })
	slices.Sort(s.Unknown)
	return s
}

// observeEvent feeds an event record to the rules with an event step of
// its name.
func (e *Engine) observeEvent(rec *evidence.Record) {
	if rec.Event == nil {
		return
	}
	if rec.Time.After(e.w.now) {
		e.w.now = rec.Time
	}
	e.apps.add(rec.Event.Name)
	reqs := e.byName[rec.Event.Name]
	if len(reqs) == 0 {
		return
	}
	e.ev.reset(rec)
	for _, i := range reqs {
		e.evObs[i].observeEvent(e.w, &e.ev)
	}
}

// dispatchEvents indexes the requirements by the event names their rules
// wait for.
func (e *Engine) dispatchEvents() {
	e.byName = map[string][]int{}
	e.evObs = make([]eventObserver, len(e.m.reqs))
	for i, r := range e.m.reqs {
		names := eventNames(r.rule)
		if len(names) == 0 {
			continue
		}
		e.evObs[i] = e.evals[i].(eventObserver)
		for _, n := range names {
			e.byName[n] = append(e.byName[n], i)
		}
	}
}

// notApplicable is the verdict on an app-events requirement while the
// records hold no event.
func notApplicable() verdict {
	return verdict{status: StatusNotApplicable, why: "not applicable: no app event recorded; app-events requirements are judged once the app sends events", evidence: []uint64{}}
}

// applies reports whether requirement i is judged: every requirement but
// those of the app-events group while no event was seen.
func (e *Engine) applies(i int) bool {
	return e.m.reqs[i].Conditional != ConditionAppEvents || e.apps.total > 0
}

// eventEvidence returns, for each result, the event records among its
// evidence.
func (e *Engine) eventEvidence(results []RequirementResult) {
	if e.apps.total == 0 || len(e.byName) == 0 {
		return
	}
	set := map[uint64]bool{}
	for i := range e.m.reqs {
		if e.evObs[i] != nil {
			eventEvidence(e.evals[i], set)
		}
	}
	for i := range results {
		for _, s := range results[i].Evidence {
			if set[s] {
				results[i].EvidenceEvents = append(results[i].EvidenceEvents, s)
			}
		}
	}
}

// checkAppEvents checks a requirement of the app-events group: its rule
// waits for an event (a requires names requirements of the group), so
// that only the app's events can meet it.
func (c *compiler) checkAppEvents(r *requirement, n *yaml.Node) error {
	if r.Conditional != ConditionAppEvents {
		return nil
	}
	if _, ok := r.rule.(*requiresSpec); ok || len(eventNames(r.rule)) > 0 {
		return nil
	}
	return nodeErr(mapGet(n, "conditional"), "requirement %s: conditional %s: the rule has no event step, so it could be met without the app's events", r.ID, ConditionAppEvents)
}

// checkRequiresGroup checks that a requirement outside the app-events
// group requires none inside it (which would be n/a while the other is
// judged), and that one inside requires only requirements of the group.
func (c *compiler) checkRequiresGroup(i, j int, list *yaml.Node) error {
	a, b := &c.reqs[i], &c.reqs[j]
	in := func(r *requirement) bool { return r.Conditional == ConditionAppEvents }
	if in(a) == in(b) {
		return nil
	}
	where := map[bool]string{true: "in", false: "outside"}
	return nodeErr(list.Content[i], "requirement %s: requires: %s is %s the %s group and %s %s it; a requirement and those it requires are judged together",
		a.ID, b.ID, where[in(b)], ConditionAppEvents, a.ID, where[in(a)])
}
