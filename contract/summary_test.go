package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// summaryRecords is a small run with request and response findings, an
// accepted malformed call, undocumented calls and a skipped event.
func summaryRecords() []*evidence.Record {
	recs := []*evidence.Record{
		call(1, "GET", "/cardholders", "", 200, `{"status":"success","items":[],"total":0,"limit":50,"offset":0}`),
		call(2, "POST", "/cardholders", `{"firstName":"Jordan"}`, 422, `{"status":"error","message":"lastName: is required"}`),
		call(3, "POST", "/cards/virtual/10001", `{"nameOnCard":"J","callingCode":"1"}`, 200,
			`{"status":"success","cardId":8001,"cryptoAddresses":[{"chain":"evm","address":"0x1"}]}`),
		call(4, "POST", "/cards/virtual/10001", `{"nameOnCard":"J","callingCode":"44"}`, 200,
			`{"status":"success","cardId":8002,"cryptoAddresses":[{"chain":"evm"},{"chain":"bitcoin"}]}`),
		call(5, "GET", "/cards/transactions?limit=500", "", 200,
			`{"status":"success","items":[{"transId":1},{"transId":"2"},{"transId":3}],"total":3,"limit":200,"offset":0}`),
		call(6, "GET", "/v2/accounts", "", 404, `{}`),
		{Seq: 7, Kind: evidence.KindEvent, Event: &evidence.Event{Name: "kyc.polled"}},
		call(8, "POST", "/cards/virtual/10001", `{"nameOnCard":"J","callingCode":"1"}`, 409, `{"status":"error","message":"not approved"}`),
	}
	return recs
}

func summarize(recs []*evidence.Record) *Summary {
	spec := Default()
	s := NewSummary(spec)
	for _, r := range recs {
		s.Add(spec.Check(r))
	}
	return s
}

func TestSummaryGolden(t *testing.T) {
	got, err := json.MarshalIndent(summarize(summaryRecords()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const golden = "testdata/summary.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("summary differs from %s (go test -run TestSummaryGolden -update to accept):\n%s", golden, got)
	}
}

func TestSummaryCounts(t *testing.T) {
	s := summarize(summaryRecords())
	// 7 calls (the event is skipped), 6 documented; requests 2, 3, 4, 5, 8
	// break the contract, 3, 4 and 5 were answered 200 anyway; responses
	// 4 and 5 differ from the description.
	if s.Calls != 7 || s.Documented != 6 || s.RequestViolations != 5 || s.Accepted != 3 || s.ResponseViolations != 2 {
		t.Errorf("counts = calls %d documented %d request %d accepted %d response %d; want 7 6 5 3 2",
			s.Calls, s.Documented, s.RequestViolations, s.Accepted, s.ResponseViolations)
	}
	var calling *Group
	for i, g := range s.Groups {
		if g.Rule == RulePattern && g.Field == "request.body.callingCode" {
			calling = &s.Groups[i]
		}
	}
	if calling == nil || calling.Count != 3 || calling.Accepted != 2 || fmt.Sprint(calling.Seqs) != "[3 4 8]" || calling.Value != `"1"` {
		t.Errorf("callingCode group = %+v, want count 3, accepted 2, seqs [3 4 8], value \"1\"", calling)
	}
}

// TestSummaryDeterministicAndMergeable: the same records give the same
// bytes, and summaries of consecutive parts merged in order give the
// summary of the whole.
func TestSummaryDeterministicAndMergeable(t *testing.T) {
	recs := summaryRecords()
	a, _ := json.Marshal(summarize(recs))
	b, _ := json.Marshal(summarize(recs))
	if !bytes.Equal(a, b) {
		t.Fatal("two summaries of the same records differ")
	}
	first, second := summarize(recs[:4]), summarize(recs[4:])
	first.Merge(second)
	merged, _ := json.Marshal(first)
	if !bytes.Equal(merged, a) {
		t.Errorf("merged parts differ from the whole:\n%s\n%s", merged, a)
	}
	var back Summary
	if err := json.Unmarshal(a, &back); err != nil {
		t.Fatal(err)
	}
	back.Merge(summarize(recs[:1]))
	if back.Calls != 8 {
		t.Errorf("a decoded summary does not merge: calls %d", back.Calls)
	}
}

func TestSummaryBounds(t *testing.T) {
	spec := Default()
	s := NewSummary(spec)
	for i := range 100 {
		body := fmt.Sprintf(`{"name":"W","field%03d":1}`, i)
		s.Add(spec.Check(call(uint64(i+1), "POST", "/wallets", body, 200, `{"status":"success","walletId":1}`)))
	}
	if len(s.Groups) != maxFields+1 {
		t.Fatalf("%d groups, want %d fields and the overflow", len(s.Groups), maxFields)
	}
	var over Group
	for _, g := range s.Groups {
		if g.Field == OverflowField {
			over = g
		}
		if len(g.Seqs) > MaxSeqs {
			t.Errorf("%s keeps %d seqs, want at most %d", g.Field, len(g.Seqs), MaxSeqs)
		}
	}
	if over.Count != 100-maxFields || fmt.Sprint(over.Seqs) != "[33 34 35 36 37 38 39 40 41 42]" {
		t.Errorf("overflow group = %+v", over)
	}
}
