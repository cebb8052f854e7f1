package demoapp

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/events"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// appEventRequirements are the built-in matrix's app-events requirements.
func appEventRequirements(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range coverage.DefaultMatrix().Requirements() {
		if r.Conditional == coverage.ConditionAppEvents {
			out = append(out, r.ID)
		}
	}
	if len(out) == 0 {
		t.Fatal("no app-events requirement in the built-in matrix")
	}
	return out
}

// oneStream merges the captured calls with the events the receiver
// stored into the one ordered stream a sidecar's store would hold: in time
// order, renumbered, each call's traceparent recorded as the proxy records
// it.
func oneStream(t *testing.T, calls []evidence.Record, store *recorder.Store) []evidence.Record {
	t.Helper()
	out := slices.Clone(calls)
	for i := range out {
		if tp, err := events.ParseTraceparent(out[i].Request.Header.Get("Traceparent")); err == nil {
			out[i].Trace = &tp
		}
	}
	err := store.Iterate(context.Background(), 1, func(r *evidence.Record) error {
		out = append(out, *r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(out, func(a, b evidence.Record) int { return a.Time.Compare(b.Time) })
	for i := range out {
		out[i].Seq = uint64(i + 1)
	}
	return out
}

// runWithEvents plays the script with its events exported to a real
// receiver and returns the merged stream.
func runWithEvents(t *testing.T, seed int64, mishandle bool) []evidence.Record {
	t.Helper()
	store, endpoint := eventSink(t)
	w := startWorld(t, seed)
	o := w.opts
	o.EventsEndpoint, o.Mishandle = endpoint, mishandle
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if _, err := Run(ctx, o); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return oneStream(t, w.log.all(), store)
}

// classifyStream computes coverage over recs with the contract gate, as
// the sidecar does, and the contract findings beside it.
func classifyStream(t *testing.T, recs []evidence.Record) (map[string]coverage.RequirementResult, *coverage.Report, *contract.Summary) {
	t.Helper()
	spec := contract.Default()
	e := coverage.NewEngineWith(coverage.DefaultMatrix(), coverage.Options{Contract: spec})
	sum := contract.NewSummary(spec)
	for i := range recs {
		e.Observe(&recs[i])
		sum.Add(spec.Check(&recs[i]))
	}
	rep := e.Report()
	out := map[string]coverage.RequirementResult{}
	for _, r := range rep.Requirements {
		out[r.ID] = r
	}
	return out, rep, sum
}

// TestDemoAppEventsCoverage runs the demo's app with its OpenTelemetry
// events going to a real receiver, well-behaved and mishandling side by
// side, and classifies each run's calls and events as one stream. The
// well-behaved app meets every app-events requirement with an event among
// the evidence, and the report counts its events by name and knows them
// all. The mishandling app observes a decline and opens no support case
// (EV-decline not met, the read of the decline its partial evidence), and
// sends exactly one malformed call staging accepts more than the
// well-behaved one does: a cardholder created with callingCode "1", which
// the contract findings show as a request finding on an accepted call,
// while L1, which that call does not decide, stays met.
func TestDemoAppEventsCoverage(t *testing.T) {
	t.Parallel()
	ids := appEventRequirements(t)
	good, bad := runWithEvents(t, 7, false), runWithEvents(t, 11, true)
	cov, rep, goodSum := classifyStream(t, good)
	for _, id := range ids {
		r := cov[id]
		if r.Status != coverage.StatusMet || len(r.EvidenceEvents) == 0 {
			t.Errorf("well-behaved: %s %s, evidence events %v: %s", id, r.Status, r.EvidenceEvents, r.Explanation)
		}
	}
	if rep.Events == nil || len(rep.Events.Unknown) != 0 || len(rep.Events.Names) != len(ids) {
		t.Errorf("well-behaved: events = %+v, want the %d names the matrix knows", rep.Events, len(ids))
	}
	cov, _, badSum := classifyStream(t, bad)
	if r := cov["EV-decline"]; r.Status != coverage.StatusPartial || len(r.Evidence) == 0 || len(r.EvidenceEvents) != 0 {
		t.Errorf("mishandling: EV-decline %s %v (%s), want partial with the decline's read", r.Status, r.Evidence, r.Explanation)
	}
	for _, id := range append(ids, "L1") {
		if r := cov[id]; id != "EV-decline" && r.Status != coverage.StatusMet {
			t.Errorf("mishandling: %s %s: %s", id, r.Status, r.Explanation)
		}
	}
	extra := acceptedGroups(badSum)
	for k := range acceptedGroups(goodSum) {
		delete(extra, k)
	}
	want := acceptedKey{"POST", "/cardholders", "request.body.callingCode", contract.RulePattern}
	if g, ok := extra[want]; len(extra) != 1 || !ok || g.Count != 1 || g.Accepted != 1 || g.Value != `"1"` {
		t.Errorf("request findings on accepted calls that only the mishandling app has: %+v; want the one on %v", extra, want)
	}
}

// acceptedKey names a group of request findings.
type acceptedKey struct {
	method, endpoint, field string
	rule                    contract.Rule
}

// acceptedGroups are the request findings on calls staging accepted.
func acceptedGroups(s *contract.Summary) map[acceptedKey]contract.Group {
	out := map[acceptedKey]contract.Group{}
	for _, g := range s.Groups {
		if g.Side == contract.SideRequest && g.Accepted > 0 {
			out[acceptedKey{g.Method, g.Endpoint, g.Field, g.Rule}] = g
		}
	}
	return out
}
