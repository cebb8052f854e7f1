package contract

import (
	"slices"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TestRequestFieldViolationsAgreeWithCheck: the request-only check finds
// exactly the request fields Check finds breaking the contract, on the
// benchmark mix and on malformed requests of every kind.
func TestRequestFieldViolationsAgreeWithCheck(t *testing.T) {
	recs := benchRecords()
	recs = append(recs,
		call(20, "POST", "/cardholders", with(t, holderBody, "callingCode", "1"), 200, `{"status":"success","cardholderId":10002}`),
		call(21, "POST", "/cardholders", with(t, holderBody, "firstName", nil, "gender", 9), 422, `{"status":"error","message":"x"}`),
		call(22, "GET", "/cards/abc", "", 404, `{"status":"error","message":"x"}`),
		call(23, "GET", "/cards/transactions?limit=500&offset=-1", "", 422, `{"status":"error","message":"x"}`),
		call(24, "POST", "/staging/kyc/validate", `{"cardholderId":10001,"result":"PASS"}`, 200, `{"status":"success","result":{}}`),
		call(25, "POST", "/staging/kyc/validate", `not json`, 400, `{"status":"error","message":"x"}`),
		call(26, "GET", "/nowhere", "", 404, `{"status":"error","message":"x"}`),
		&evidence.Record{Seq: 27, Kind: evidence.KindEvent, Event: &evidence.Event{Name: "card.shown"}},
	)
	spec := Default()
	bad := 0
	for _, r := range recs {
		want := spec.Check(r).RequestViolations()
		got := spec.RequestFieldViolations(r)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("#%d %s %s: request-only %v, Check %v", r.Seq, r.Request.Method, r.Request.URL, got, want)
		}
		if len(got) > 0 {
			bad++
		}
	}
	if bad < 6 {
		t.Errorf("%d malformed requests found, want at least 6", bad)
	}
}

// BenchmarkRequestFieldViolations is the request-only check over the
// benchmark mix, one record per op: the classifier's contract gate pays it
// once per call some requirement relying on a request field would take.
func BenchmarkRequestFieldViolations(b *testing.B) {
	spec := Default()
	recs := benchRecords()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		spec.RequestFieldViolations(recs[i%len(recs)])
		i++
	}
}
