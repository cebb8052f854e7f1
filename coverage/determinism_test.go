package coverage

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

func reportJSON(t testing.TB, r *Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func computeAll(t testing.TB, m *Matrix, recs []*evidence.Record) *Report {
	t.Helper()
	i := 0
	r, err := Compute(m, func() (*evidence.Record, error) {
		if i == len(recs) {
			return nil, io.EOF
		}
		i++
		return recs[i-1], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDeterministic: the offline computation, a second run, and the live
// engine fed in random batches with reports taken between them all give
// byte-identical JSON.
func TestDeterministic(t *testing.T) {
	m := DefaultMatrix()
	recs := story(20000, 200, 1)
	offline := reportJSON(t, computeAll(t, m, recs))
	if again := reportJSON(t, computeAll(t, DefaultMatrix(), recs)); !bytes.Equal(offline, again) {
		t.Fatal("two offline runs differ")
	}
	live := NewLive(m, nil)
	rnd := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < len(recs); {
		n := min(1+rnd.IntN(64), len(recs)-i)
		live.Observe(recs[i : i+n])
		i += n
		if rnd.IntN(8) == 0 {
			live.Report()
		}
	}
	if got := reportJSON(t, live.Report()); !bytes.Equal(got, offline) {
		t.Fatalf("live report differs from the offline one:\n%s", firstDiff(got, offline))
	}
	// Records read back from their JSON form (as from a bundle) classify
	// the same.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	var decoded []*evidence.Record
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var r evidence.Record
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		decoded = append(decoded, &r)
	}
	if got := reportJSON(t, computeAll(t, m, decoded)); !bytes.Equal(got, offline) {
		t.Fatalf("records read from JSON classify differently:\n%s", firstDiff(got, offline))
	}
}

func firstDiff(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return "line " + itoa(i+1) + ":\n  got  " + string(la[i]) + "\n  want " + string(lb[i])
		}
	}
	return "lengths differ"
}

// TestReportJSONRoundTrip: ReadJSON reads what WriteJSON wrote.
func TestReportJSONRoundTrip(t *testing.T) {
	r := computeAll(t, DefaultMatrix(), story(2000, 20, 3))
	b := reportJSON(t, r)
	back, err := ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(reportJSON(t, back), b) {
		t.Error("report changed through JSON")
	}
	if _, err := ReadJSON(bytes.NewReader([]byte(`{"schema":"other"}`))); err == nil {
		t.Error("wrong schema accepted")
	}
}

// TestMemoryBounded: over a long story with a fixed set of entities the
// engine holds as much after 200,000 records as after 40,000.
func TestMemoryBounded(t *testing.T) {
	recs := story(200000, 50, 5)
	e := NewEngine(DefaultMatrix())
	var early Stats
	for i, r := range recs {
		e.Observe(r)
		if i == 40000 {
			early = e.Stats()
		}
	}
	late := e.Stats()
	if late.Records != len(recs) {
		t.Errorf("records = %d", late.Records)
	}
	if late.Entities > early.Entities+early.Entities/10 || late.Held > early.Held+early.Held/2+16 {
		t.Errorf("state grew with the records: after 40k %+v, after 200k %+v", early, late)
	}
	if early.Entities == 0 || early.Held == 0 {
		t.Errorf("nothing held: %+v", early)
	}
}

// TestStoryReport checks the verdicts on the synthetic story, whose
// content is known: a long, mostly well-behaved integration.
func TestStoryReport(t *testing.T) {
	r := computeAll(t, DefaultMatrix(), story(20000, 200, 1))
	want := map[string]Status{
		"row-1": StatusMet, "row-2": StatusMet, "row-3": StatusMet, "row-4": StatusMet, "row-5": StatusMet,
		"row-6": StatusMissing, "row-7": StatusPartial, "row-8": StatusMet, "row-9": StatusMissing,
		"C7": StatusMet, "C8": StatusMet, "C9": StatusMet, "C16": StatusMet, "L16": StatusMet, "L17": StatusMet,
		"E400": StatusMet, "E404": StatusMet, "E429": StatusMet, "E5xx": StatusMet, "C15": StatusMet,
		"G1": StatusMissing, "C17": StatusPartial, "L3": StatusMet, "L7": StatusMet,
	}
	for id, st := range want {
		if got := result(t, r, id); got.Status != st {
			t.Errorf("%s: %s, want %s (%s)", id, got.Status, st, got.Explanation)
		}
	}
	if r.Records != 20000 || r.FirstSeq != 1 || r.LastSeq != 20000 || !r.From.After(traceStart) || !r.To.After(r.From) {
		t.Errorf("records %d, seqs %d–%d, from %s", r.Records, r.FirstSeq, r.LastSeq, r.From)
	}
	total := 0
	for _, ep := range r.Endpoints {
		total += ep.Calls
	}
	if total != 20000 {
		t.Errorf("inventory counts %d calls", total)
	}
	if len(r.Timeline) == 0 || len(r.Timeline) > timelineBuckets {
		t.Errorf("timeline of %d buckets", len(r.Timeline))
	}
}
