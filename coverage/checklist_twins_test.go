package coverage

import (
	"slices"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// restatements are the launch-checklist items that restate a test-matrix
// row or an inferred row, and that row: each is defined through it.
func restatements() map[string]string {
	return map[string]string{
		"L4": "row-8", "L5": "row-9", "L6": "C1", "L8": "C6", "L9": "C2", "L11": "C5", "L12": "C11", "L17": "C15",
	}
}

// containments are pairs (weaker, stricter) where the stricter requirement
// asks for everything the weaker one does and more: the stricter met means
// the weaker met.
func containments() [][2]string {
	return [][2]string{
		{"L2", "row-1"}, {"L10", "C4"}, {"L13", "C12"}, {"L14", "C13"}, {"L15", "C13"}, {"L16", "C16"},
	}
}

// TestChecklistDefinedThroughTwins: every checklist item that restates a
// stricter row requires it.
func TestChecklistDefinedThroughTwins(t *testing.T) {
	m := DefaultMatrix()
	for l, twin := range restatements() {
		r := m.reqs[slices.IndexFunc(m.reqs, func(r requirement) bool { return r.ID == l })]
		rs, ok := r.rule.(*requiresSpec)
		if !ok || !slices.Equal(rs.ids, []string{twin}) {
			t.Errorf("%s is not defined as requires [%s]", l, twin)
		}
	}
}

// TestChecklistNeverWeakerThanTwin: over every labelled trace and every
// mutant of the meeting ones, a checklist item is never met when the
// stricter row it restates is not, and a stricter requirement is never
// met when one it contains is not.
func TestChecklistNeverWeakerThanTwin(t *testing.T) {
	m := DefaultMatrix()
	var pairs [][2]string // {weaker, stricter}: weaker met ⇒ stricter met, unless flipped
	for l, twin := range restatements() {
		pairs = append(pairs, [2]string{l, twin})
	}
	traces := twinTraces(t, m)
	checked := 0
	for _, recs := range traces {
		got := map[string]Status{}
		for _, r := range classify(t, m, recs).Requirements {
			got[r.ID] = r.Status
		}
		for _, p := range pairs {
			if got[p[0]] == StatusMet && got[p[1]] != StatusMet {
				t.Errorf("%s met while its twin %s is %s", p[0], p[1], got[p[1]])
			}
		}
		for _, p := range containments() {
			if got[p[1]] == StatusMet && got[p[0]] != StatusMet {
				t.Errorf("%s met while %s, which it contains, is %s", p[1], p[0], got[p[0]])
			}
		}
		checked++
	}
	if checked < 1000 {
		t.Errorf("only %d traces checked", checked)
	}
	t.Logf("%d traces, %d pairs and %d containments", checked, len(pairs), len(containments()))
}

// twinTraces are the labelled traces and the mutants of the meeting ones.
func twinTraces(t *testing.T, m *Matrix) [][]*evidence.Record {
	t.Helper()
	var out [][]*evidence.Record
	for _, c := range requirementCases() {
		tr := newTrace()
		c.build(tr)
		out = append(out, tr.recs)
		if c.want != StatusMet {
			continue
		}
		req := slices.IndexFunc(m.reqs, func(r requirement) bool { return r.ID == c.req })
		mu := &mutator{m: m, req: req, recs: tr.recs, window: requirementWindow(m, req)}
		mu.prove(t)
		for _, mt := range mu.all() {
			out = append(out, renumber(mt.recs))
		}
	}
	return out
}
