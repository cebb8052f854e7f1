package coverage

import (
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TestFirstMet checks every requirement's FirstMet against the truth, found
// by judging every prefix of a story: never before the record that
// completed the proof, and at most metCheckEvery records concerning the
// requirement after it; nil for a requirement never met.
func TestFirstMet(t *testing.T) {
	m := DefaultMatrix()
	recs := story(600, 40, 3)
	exact := map[string]uint64{}
	e := NewEngine(m)
	for _, r := range recs {
		e.Observe(r)
		for _, q := range e.Report().Requirements {
			if _, ok := exact[q.ID]; !ok && q.Status == StatusMet {
				exact[q.ID] = r.Seq
			}
		}
	}
	got := classify(t, m, recs)
	if len(exact) < 5 {
		t.Fatalf("only %d requirements ever met: the story proves nothing", len(exact))
	}
	probe := NewEngine(m)
	for i, q := range got.Requirements {
		want, ever := exact[q.ID]
		switch {
		case !ever && q.FirstMet != nil:
			t.Errorf("%s: never met, FirstMet %+v", q.ID, q.FirstMet)
		case ever && q.FirstMet == nil:
			t.Errorf("%s: met at #%d, no FirstMet", q.ID, want)
		case ever && q.FirstMet.Seq < want:
			t.Errorf("%s: FirstMet #%d before the proof was complete (#%d)", q.ID, q.FirstMet.Seq, want)
		case ever:
			if n := concerning(probe, i, recs, want, q.FirstMet.Seq); n > metCheckEvery {
				t.Errorf("%s: FirstMet #%d is %d records of it after the proof (#%d)", q.ID, q.FirstMet.Seq, n, want)
			}
			if !q.FirstMet.Time.Equal(recs[q.FirstMet.Seq-1].Time) {
				t.Errorf("%s: FirstMet time %s is not the time of #%d", q.ID, q.FirstMet.Time, q.FirstMet.Seq)
			}
		}
	}
}

// concerning counts the records in (from, to] that concern requirement i.
func concerning(e *Engine, i int, recs []*evidence.Record, from, to uint64) int {
	n := 0
	for _, r := range recs[from:to] {
		if r.Kind != evidence.KindCall {
			n++
			continue
		}
		ep := endpointIndex(r.Request.Method, r.Request.URL)
		for _, j := range append(append([]int(nil), e.byEP[ep+1]...), e.byEvent[ep+1]...) {
			if j == i {
				n++
				break
			}
		}
	}
	return n
}

// TestFirstMetKept checks that a requirement met, then violated, keeps
// when it was first met, and one never met has none.
func TestFirstMetKept(t *testing.T) {
	tr := newTrace()
	tr.get("/cardholders/10001", cardholderBody(10001, 4))
	for range 5 {
		tr.call("GET", "/cardholders/999999", 404, "", `{"status":"error","message":"not found"}`)
	}
	var first uint64
	for k := 1; k <= len(tr.recs) && first == 0; k++ {
		if result(t, classify(t, DefaultMatrix(), tr.recs[:k]), "E404").Status == StatusMet {
			first = uint64(k)
		}
	}
	r := tr.report(t)
	q := result(t, r, "E404")
	if q.Status != StatusViolated || first == 0 {
		t.Fatalf("E404 is %s, want violated after the same 404 five times, met before (at #%d): %s", q.Status, first, q.Explanation)
	}
	// The check backs off after a record that did not meet it: the mark
	// is the first check after #first, within the trace.
	if q.FirstMet == nil || q.FirstMet.Seq < first || q.FirstMet.Seq > uint64(len(tr.recs)) {
		t.Errorf("E404 FirstMet %+v, want a mark from #%d, when it was met, on", q.FirstMet, first)
	}
	if q := result(t, r, "row-1"); q.FirstMet != nil {
		t.Errorf("row-1, never met, has FirstMet %+v", q.FirstMet)
	}
}
