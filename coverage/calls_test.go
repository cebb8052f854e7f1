package coverage

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/google/go-cmp/cmp"
)

// callsTrace is a small trace of calls of every kind the filters tell
// apart, an app event and a gap.
func callsTrace() *trace {
	tr := newTrace()
	tr.call("POST", "/cardholders", 200, `{"firstName":"Jordan"}`, `{"status":"success","cardholderId":10001}`) // 1
	tr.get("/cardholders/10001", cardholderBody(10001, 4))                                                      // 2
	tr.call("GET", "/cardholders/999999", 404, "", `{"status":"error","message":"not found"}`)                  // 3
	tr.get("/cards/transactions?cardId=8001&limit=50", `{"status":"success","items":[],"total":0}`)             // 4
	tr.call("POST", "/cards/virtual/10001", 200, `{"nameOnCard":"J R"}`, `{"status":"success","cardId":8001}`)  // 5
	tr.call("GET", "/cards/8001", 0, "", "", func(r *evidence.Record) {                                         // 6
		r.Error = &evidence.CallError{Kind: evidence.ErrTimeout, Message: "header timeout"}
	})
	tr.get("/elsewhere", "{}")                                                                             // 7: not in the catalogue
	tr.call("GET", "/cards/fees", 403, "", `{"status":"error"}`, refused("production is never forwarded")) // 8
	tr.recs = append(tr.recs, &evidence.Record{V: 1, Seq: 9, Kind: evidence.KindEvent, Time: tr.now,
		Event: &evidence.Event{Name: "card.activated", Source: evidence.EventSourceEvents, Attributes: json.RawMessage(`{"axys.card_id":"8001"}`)}})
	tr.gapRecord(3) // 10
	return tr
}

func TestSummarizeCall(t *testing.T) {
	recs := callsTrace().recs
	tests := []struct {
		seq  uint64
		want CallSummary
	}{
		{2, CallSummary{Method: "GET", Endpoint: "/cardholders/{cardholderId}", Status: 200}},
		{6, CallSummary{Method: "GET", Endpoint: "/cards/{cardId}", ErrorKind: evidence.ErrTimeout}},
		{7, CallSummary{Method: "GET", Endpoint: OtherEndpoint, Status: 200}},
		{8, CallSummary{Method: "GET", Endpoint: "/cards/fees", Status: 403, Synthetic: true, ErrorKind: evidence.ErrGuardRefused}},
		{9, CallSummary{Method: EventMethod, Endpoint: "card.activated"}},
		{10, CallSummary{Method: GapMethod}},
	}
	for _, tt := range tests {
		rec := recs[tt.seq-1]
		tt.want.Seq, tt.want.Time = rec.Seq, rec.Time
		if diff := cmp.Diff(SummarizeCall(rec), tt.want); diff != "" {
			t.Errorf("#%d (-got +want):\n%s", tt.seq, diff)
		}
	}
}

// TestCallListEvidence checks that a call list gives back, for the
// evidence a report names, the same summaries as the records, in
// sequence order, and nothing for numbers it never saw.
func TestCallListEvidence(t *testing.T) {
	recs := callsTrace().recs
	var l CallList
	for _, r := range recs {
		l.Add(r)
	}
	if l.Len() != 9 {
		t.Errorf("noted %d records, want the 8 calls and the event", l.Len())
	}
	r := &Report{Requirements: []RequirementResult{{ID: "a", Evidence: []uint64{8, 3}}, {ID: "b", Evidence: []uint64{3, 9, 10, 77}}}}
	var want []CallSummary
	for _, seq := range []uint64{3, 8, 9} {
		want = append(want, SummarizeCall(recs[seq-1]))
	}
	if diff := cmp.Diff(l.Evidence(r), want); diff != "" {
		t.Errorf("evidence calls (-got +want):\n%s", diff)
	}
	if got := EvidenceFor(r, 3); len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
		t.Errorf("EvidenceFor(3) = %+v", got)
	}
}

func TestCallFilter(t *testing.T) {
	recs := callsTrace().recs
	since := recs[2].Time
	tests := []struct {
		name string
		f    CallFilter
		want []uint64
	}{
		{"zero: every call", CallFilter{}, []uint64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"all kinds", CallFilter{Kind: "all"}, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"events", CallFilter{Kind: "event"}, []uint64{9}},
		{"seq range", CallFilter{FromSeq: 3, ToSeq: 5}, []uint64{3, 4, 5}},
		{"window", CallFilter{Window: evidence.Window{Since: since, Until: since.Add(2 * time.Second)}}, []uint64{3, 4}},
		{"method", CallFilter{Method: "post"}, []uint64{1, 5}},
		{"endpoint", CallFilter{Endpoint: "/cardholders/{cardholderId}"}, []uint64{2, 3}},
		{"endpoint prefix", CallFilter{Endpoint: "/cards/*"}, []uint64{4, 5, 6, 8}},
		{"other", CallFilter{Endpoint: "other"}, []uint64{7}},
		{"status code", CallFilter{Status: "404"}, []uint64{3}},
		{"status class and none", CallFilter{Status: "4xx, none"}, []uint64{3, 6, 8}},
		{"error", CallFilter{Status: "error"}, []uint64{6, 8}},
		{"entity in path", CallFilter{Entity: "10001"}, []uint64{1, 2, 5}},
		{"entity in query and body", CallFilter{Entity: "8001"}, []uint64{4, 5, 6}},
		{"entity not a prefix", CallFilter{Entity: "1000"}, nil},
		{"entity with a method", CallFilter{Entity: "10001", Method: "GET"}, []uint64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			var got []uint64
			for _, r := range recs {
				if tt.f.Match(r) {
					got = append(got, r.Seq)
				}
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("matched (-got +want):\n%s", diff)
			}
		})
	}
}

func TestCallFilterValidate(t *testing.T) {
	for _, tt := range []struct {
		f    CallFilter
		want string
	}{
		{CallFilter{FromSeq: 9, ToSeq: 3}, "9–3 is empty"},
		{CallFilter{Kind: "calls"}, `kind "calls"`},
		{CallFilter{Endpoint: "/cards/8001"}, "not in the catalogue"},
		{CallFilter{Status: "200,2x"}, `status "2x"`},
		{CallFilter{Status: "600"}, `status "600"`},
		{CallFilter{Status: "0404"}, `status "0404"`},
	} {
		if err := tt.f.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want an error containing %q", tt.f, err, tt.want)
		}
	}
}

// TestCallListChunks checks lookups across chunk boundaries, with the
// gaps in numbering a merged or windowed stream has, and that a noted
// call stays 32 bytes.
func TestCallListChunks(t *testing.T) {
	if n := unsafe.Sizeof(compactCall{}); n > 32 {
		t.Errorf("a noted call takes %d bytes, want at most 32", n)
	}
	var l CallList
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	const n = 3*callChunk + 17
	for i := range n {
		rec := &evidence.Record{Seq: uint64(2*i + 1), Kind: evidence.KindCall, Time: t0.Add(time.Duration(i) * time.Millisecond),
			Request: evidence.Request{Method: []string{"GET", "POST"}[i%2], URL: "/v2/cards/" + strconv.Itoa(i)}}
		if i%3 == 0 {
			rec.Error = &evidence.CallError{Kind: evidence.ErrTimeout}
		} else {
			rec.Response = &evidence.Response{Status: 200 + i%5}
		}
		l.Add(rec)
	}
	if l.Len() != n {
		t.Fatalf("Len = %d, want %d", l.Len(), n)
	}
	for _, i := range []int{0, 1, callChunk - 1, callChunk, callChunk + 1, 2 * callChunk, n - 1} {
		seq := uint64(2*i + 1)
		c, ok := l.find(seq)
		if !ok {
			t.Errorf("call %d not found", seq)
			continue
		}
		s := l.summary(c)
		wantMethod := []string{"GET", "POST"}[i%2]
		if s.Seq != seq || s.Method != wantMethod || !s.Time.Equal(t0.Add(time.Duration(i)*time.Millisecond)) {
			t.Errorf("call %d = %+v", seq, s)
		}
		if (i%3 == 0) != (s.ErrorKind == evidence.ErrTimeout) || (i%3 != 0 && s.Status != 200+i%5) {
			t.Errorf("call %d: status %d, error %q", seq, s.Status, s.ErrorKind)
		}
	}
	for _, seq := range []uint64{0, 2, 2 * callChunk, 2*n + 1, 1 << 40} {
		if _, ok := l.find(seq); ok {
			t.Errorf("call %d found, was never noted", seq)
		}
	}
	if len(l.strs) != 4 { // "", GET, POST, timeout
		t.Errorf("string table %q, want each distinct string once", l.strs)
	}
}
