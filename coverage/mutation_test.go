package coverage

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TestMutations is the mutation harness: for every requirement, each
// labelled trace that meets it (requirementCases) is cut down to the calls
// it needs, then mutated in every way its evidence can be wrong
// (mutate_test.go), and each mutant classified. A mutant still met, or one
// now violated, survives; a survivor fails the test unless survivorReasons
// (mutation_reasons_test.go) says, in one line, why that mutation cannot
// matter for that requirement. A reason no mutant needs any more fails
// too, so the table stays true. Run with -v for the counts per
// requirement.
func TestMutations(t *testing.T) {
	m := DefaultMatrix()
	run := mutateCases(t, m, requirementCases())
	for _, s := range run.survivors {
		t.Errorf("%s/%s: mutant %s of %s%s is still %s (%s)\n\t{%q, %q, %q, %q}", s.req, s.name, s.kind, s.step, fieldText(s.field), s.status, s.why, s.req, s.kind, s.step, s.field)
	}
	for k := range survivorReasons {
		if !run.used[k] {
			t.Errorf("reason for %v: no mutant survives it any more; remove it", k)
		}
	}
	total := tally{}
	for _, id := range slices.Sorted(maps.Keys(run.counts)) {
		n := run.counts[id]
		t.Logf("%-11s %4d mutants, %3d survivors (%d explained)", id, n.mutants, n.survivors, n.explained)
		total.mutants, total.survivors, total.explained = total.mutants+n.mutants, total.survivors+n.survivors, total.explained+n.explained
	}
	t.Logf("%-11s %4d mutants, %3d survivors (%d explained)", "all", total.mutants, total.survivors, total.explained)
	for _, r := range m.Requirements() {
		if run.counts[r.ID] == nil || run.counts[r.ID].mutants == 0 {
			t.Errorf("%s: no mutant", r.ID)
		}
	}
}

// TestMutationsCatchWeakRules: the harness finds each class of false met
// in a rule written the careless way: an outcome never read, parts about
// different entities, calls outside the documented API.
func TestMutationsCatchWeakRules(t *testing.T) {
	tests := []struct {
		name, req, rule, kind string
	}{
		{"OTP read, not received", "L17", `sequence: {by: card, within: 1d, steps: [{call: POST /otp/listeners 2xx, key: request.body.cardId}, {call: "GET /otp/{token} 2xx", key: path.token}]}`, "outcome-pending"},
		{"alias and limit of any cards", "L10", `all: {by: none, parts: [{call: "PUT /cards/{cardId}/update 2xx", where: request.body.alias exists}, {call: "PUT /cards/{cardId}/update 2xx", where: request.body.transactionLimit exists}]}`, "rekey"},
		{"404 of any path", "E404", `retry: {after: {call: "* * 404", undocumented: true}, within: 1m, max: 2}`, "undocumented-path"},
		{"refusal of any 4xx", "C3", `any: [{call: "PUT /cards/{cardId}/status 4xx", when: "card.issuerCardStatus in [0, 3, 4]"}, {call: "PUT /cards/{cardId}/status 4xx", where: "request.body.newStatus not in [1, 2]"}]`, "fail-429"},
		{"unlocked after any read", "EV-approval", `sequence: {by: cardholder, within: 1h, steps: ["GET /cardholders/{cardholderId} 2xx", {event: cardholder.card_screen_unlocked, within: 15m}]}`, "outcome-pending"},
		{"any decline of the card recorded", "EV-spend-declined", `sequence: {by: card, within: 1d, steps: [{call: "POST /staging/cards/{cardId}/spend 2xx", where: "response.body.transactionStatus == 4", capture: {txn: response.body.transId}}, {call: GET /cards/transactions 2xx, where: ["response.body.items[].cardId == $key", "response.body.items[].transId == $txn", "response.body.items[].status == 4"]}, {event: transaction.decline_recorded, within: 15m}]}`, "event-rekey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMatrix([]byte("extends: axys-v2\nid: weak\nversion: \"1\"\nrequirements:\n  - id: " + tt.req +
				"\n    title: weak\n    area: call-traces\n    basis: test\n    rule: {" + tt.rule + "}\n    steps: [x]\n"))
			if err != nil {
				t.Fatal(err)
			}
			var cases []reqCase
			for _, c := range requirementCases() {
				if c.req == tt.req {
					cases = append(cases, c)
				}
			}
			run := mutateCases(t, m, cases)
			if !slices.ContainsFunc(run.survivors, func(s survivor) bool { return s.kind == tt.kind }) {
				t.Errorf("no unexplained %s survivor of the weak %s (%d survivors)", tt.kind, tt.req, len(run.survivors))
			}
		})
	}
}

// TestEventMutantsMade: the harness makes every kind of event mutant of
// the app-events requirements' meeting traces, and none survives
// unexplained (TestMutations), so each way an event can be wrong is tried.
func TestEventMutantsMade(t *testing.T) {
	run := mutateCases(t, DefaultMatrix(), eventCases())
	for _, kind := range eventKinds() {
		if run.kinds[kind] == 0 {
			t.Errorf("no %s mutant of an app-events requirement", kind)
		}
	}
	t.Logf("mutants by kind: %v", run.kinds)
}

// tally counts the mutants of one requirement.
type tally struct{ mutants, survivors, explained int }

// survivor is a mutant no reason explains.
type survivor struct {
	req, name, kind, step, field string
	status                       Status
	why                          string
}

// mutationRun is what mutating some cases found.
type mutationRun struct {
	survivors []survivor
	counts    map[string]*tally
	used      map[survivorKey]bool
	kinds     map[string]int
}

// mutateCases mutates the meeting traces among cases and classifies every
// mutant against m.
func mutateCases(t *testing.T, m *Matrix, cases []reqCase) mutationRun {
	t.Helper()
	run := mutationRun{counts: map[string]*tally{}, used: map[survivorKey]bool{}, kinds: map[string]int{}}
	for _, c := range cases {
		if c.want != StatusMet {
			continue
		}
		tr := newTrace()
		c.build(tr)
		req := slices.IndexFunc(m.reqs, func(r requirement) bool { return r.ID == c.req })
		full := &mutator{m: m, req: req, recs: tr.recs, window: requirementWindow(m, req)}
		if !full.prove(t) {
			t.Fatalf("%s/%s: the meeting trace is not met", c.req, c.name)
		}
		n := run.counts[c.req]
		if n == nil {
			n = &tally{}
			run.counts[c.req] = n
		}
		for _, mt := range append(full.minimal(t).all(), full.dropReads()...) {
			n.mutants++
			run.kinds[mt.kind]++
			got := result(t, classify(t, m, renumber(mt.recs)), c.req)
			if got.Status != StatusMet && got.Status != StatusViolated {
				continue
			}
			n.survivors++
			if k, ok := explained(m, c.req, mt); ok {
				run.used[k] = true
				n.explained++
				continue
			}
			run.survivors = append(run.survivors, survivor{c.req, c.name, mt.kind, mt.step, mt.field, got.Status, got.Explanation})
		}
	}
	return run
}

func fieldText(f string) string {
	if f == "" {
		return ""
	}
	return " (" + f + ")"
}

// prove classifies the mutator's trace: it reports whether it meets the
// requirement, and keeps the indexes of the records of its evidence.
func (mu *mutator) prove(t *testing.T) bool {
	t.Helper()
	got := result(t, classify(t, mu.m, mu.recs), mu.m.reqs[mu.req].ID)
	mu.proof = proofIndexes(mu.recs, got.Evidence)
	return got.Status == StatusMet
}

// minimal returns the trace without every record it can do without and
// still meet the requirement, dropped one at a time from the last: each
// record left is needed, so a mutant of it cannot lean on another.
func (mu *mutator) minimal(t *testing.T) *mutator {
	t.Helper()
	recs := mu.recs
	for i := len(recs) - 1; i >= 0 && len(recs) > 1; i-- {
		try := renumber(slices.Delete(slices.Clone(recs), i, i+1))
		if result(t, classify(t, mu.m, try), mu.m.reqs[mu.req].ID).Status == StatusMet {
			recs = try
		}
	}
	min := &mutator{m: mu.m, req: mu.req, recs: recs, window: mu.window}
	min.prove(t)
	return min
}

// proofIndexes maps evidence sequence numbers to record indexes.
func proofIndexes(recs []*evidence.Record, seqs []uint64) []int {
	var out []int
	for i, r := range recs {
		if slices.Contains(seqs, r.Seq) {
			out = append(out, i)
		}
	}
	return out
}

// renumber gives the records of a mutant consecutive sequence numbers, as
// a store would.
func renumber(recs []*evidence.Record) []*evidence.Record {
	out := make([]*evidence.Record, len(recs))
	for i, r := range recs {
		c := *r
		c.Seq = uint64(i + 1)
		out[i] = &c
	}
	return out
}

// requirementWindow is the window of a requirement's rule, or of the
// rules it requires.
func requirementWindow(m *Matrix, req int) (w time.Duration) {
	if rs, ok := m.reqs[req].rule.(*requiresSpec); ok {
		for _, j := range rs.idx {
			w = max(w, ruleWindow(m.reqs[j].rule))
		}
		return w
	}
	return ruleWindow(m.reqs[req].rule)
}

// survivorKey names the mutants a reason covers: of a requirement, of a
// kind, of a step's endpoint ("*": any), of a field ("*": any).
type survivorKey struct{ req, kind, step, field string }

func (k survivorKey) String() string {
	return fmt.Sprintf("%s %s %s %s", k.req, k.kind, k.step, k.field)
}

// explained returns the reason's key that covers a surviving mutant: one
// for the requirement, or, for a requirement defined by requires, one for
// a requirement it names (its verdict is theirs).
func explained(m *Matrix, req string, mt mutant) (survivorKey, bool) {
	reqs := []string{req}
	for _, r := range m.reqs {
		if rs, ok := r.rule.(*requiresSpec); ok && r.ID == req {
			reqs = append(reqs, rs.ids...)
		}
	}
	step, pos, _ := strings.Cut(mt.step, " @")
	for _, id := range reqs {
		for _, st := range []string{mt.step, step, "* @" + pos, "*"} {
			for _, field := range []string{mt.field, "*"} {
				k := survivorKey{id, mt.kind, st, field}
				if _, ok := survivorReasons[k]; ok {
					return k, true
				}
			}
		}
	}
	return survivorKey{}, false
}
