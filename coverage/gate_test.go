package coverage

import (
	"slices"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// classifyWith classifies records with the built-in matrix and o.
func classifyWith(t *testing.T, o Options, recs []*evidence.Record) *Report {
	t.Helper()
	e := NewEngineWith(DefaultMatrix(), o)
	for _, r := range recs {
		e.Observe(r)
	}
	return e.Report()
}

// createHolder is POST /cardholders with body, answered 200.
func (tr *trace) createHolder(body string) uint64 {
	return tr.call("POST", "/cardholders", 200, body, `{"status":"success","cardholderId":10001}`)
}

// holderWith is a complete creation body with one field replaced.
func holderWith(field, value string) string {
	return strings.Replace(benchHolder, `"`+field+`":`, `"`+field+`":`+value+`,"x-was":`, 1)
}

// TestContractGate: with the description, a call whose request breaks
// the contract in a field a requirement relies on never meets nor
// advances it (and the report says which calls and fields), while a
// violation in a field the requirement does not read leaves it alone;
// without a description nothing is gated.
func TestContractGate(t *testing.T) {
	spec := contract.Default()
	tests := []struct {
		name      string
		req       string
		build     func(tr *trace) []uint64 // the calls the gate must refuse
		gated     Status
		ungated   Status
		fieldWord string
	}{
		{"creation with a one-letter first name", "L1", func(tr *trace) []uint64 {
			return ev(tr.createHolder(strings.Replace(benchHolder, `"firstName":"Jordan"`, `"firstName":"J"`, 1)))
		}, StatusPartial, StatusMet, "request.body.firstName"},
		{"creation with a one-digit calling code", "L1", func(tr *trace) []uint64 {
			tr.createHolder(strings.Replace(benchHolder, `"callingCode":"001"`, `"callingCode":"1"`, 1))
			return nil
		}, StatusMet, StatusMet, ""},
		{"body that is not JSON", "L1", func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cardholders", 200, `{"firstName":"Jordan",`, `{"status":"success","cardholderId":10001}`))
		}, StatusPartial, StatusPartial, ""},
		{"forced pass naming the cardholder as text", "row-1", func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			s := tr.call("POST", "/staging/kyc/validate", 200, `{"cardholderId":"10001","result":"pass"}`, `{"status":"success","result":{}}`)
			tr.holder(10001, 1)
			tr.issueVirtual(10001, 8001, 200)
			return ev(s)
		}, StatusPartial, StatusMet, "request.body.cardholderId"},
		{"approval read of a cardholder id that is not an integer", "EV-approval", func(tr *trace) []uint64 {
			s := tr.get("/cardholders/10001x", cardholderBody(10001, 1))
			tr.event(evidence.EventCardScreenUnlocked, map[string]any{evidence.AttrCardholderID: "10001x"})
			return ev(s)
		}, StatusMissing, StatusMet, "request.path.cardholderId"},
		{"an invalid status change the API refused", "C3", func(tr *trace) []uint64 {
			tr.card(8001, 1)
			tr.call("PUT", "/cards/8001/status", 422, `{"newStatus":3}`, `{"status":"error","message":"newStatus must be 1 or 2"}`)
			return nil
		}, StatusMet, StatusMet, ""},
		{"page size above the maximum, which C10 does not read", "C10", func(tr *trace) []uint64 {
			tr.spend(8001, 4)
			tr.transactions("?cardId=8001&status=4&limit=500", `{"cardId":8001,"transId":"5000001","status":4}`, 1)
			return nil
		}, StatusMet, StatusMet, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTrace()
			refused := tt.build(tr)
			without := result(t, classifyWith(t, Options{}, tr.recs), tt.req)
			if without.Status != tt.ungated || without.ContractRefused != nil {
				t.Errorf("without the description: %s %v (%s)", without.Status, without.ContractRefused, without.Explanation)
			}
			got := result(t, classifyWith(t, Options{Contract: spec}, tr.recs), tt.req)
			if got.Status != tt.gated {
				t.Errorf("with the description: %s, want %s (%s)", got.Status, tt.gated, got.Explanation)
			}
			if tt.gated != tt.ungated && !slices.Equal(got.ContractRefused, refused) {
				t.Errorf("refused %v, want %v", got.ContractRefused, refused)
			}
			if tt.gated != tt.ungated && (!strings.Contains(got.Explanation, "breaks the contract") || !strings.Contains(got.Explanation, tt.fieldWord)) {
				t.Errorf("explanation %q does not name %s", got.Explanation, tt.fieldWord)
			}
			for _, s := range refused {
				if slices.Contains(got.Evidence, s) && got.Status == StatusMet {
					t.Errorf("refused call #%d is evidence", s)
				}
			}
		})
	}
}

// TestGateFields: the request fields a matcher relies on, as the contract
// names them.
func TestGateFields(t *testing.T) {
	m := DefaultMatrix()
	want := map[string][]string{
		"L1":    {"request.body.firstName", "request.body.lastName", "request.body.emailAdr"},
		"row-6": {"request.path.cardholderId"},
		"C10":   {"request.path.cardId"},
	}
	for id, fields := range want {
		i := slices.IndexFunc(m.reqs, func(r requirement) bool { return r.ID == id })
		var got []string
		for _, mt := range ruleMatchers(m.reqs[i].rule) {
			got = append(got, mt.gate...)
		}
		for _, f := range fields {
			if !slices.Contains(got, f) {
				t.Errorf("%s: gate %v lacks %s", id, got, f)
			}
		}
	}
	for _, r := range m.reqs {
		for _, f := range r.forbid {
			if f.gate != nil {
				t.Errorf("%s: a forbid is gated: %v", r.ID, f.gate)
			}
		}
	}
}

// TestInventoryFromContract: with the description, the inventory lists
// every endpoint it documents, exercised or not, and the calls outside it
// by method and path shape; without it the catalogue, the same shapes.
func TestInventoryFromContract(t *testing.T) {
	tr := newTrace()
	tr.holder(10001, 1)
	tr.holder(10002, 1)
	tr.call("GET", "/cardholderz/123", 404, "", `{"status":"error"}`)
	tr.call("GET", "/cardholderz/456", 404, "", `{"status":"error"}`)
	tr.call("PATCH", "/cardholders/10001", 405, "", `{"status":"error"}`)
	spec := contract.Default()
	r := classifyWith(t, Options{Contract: spec}, tr.recs)
	if len(r.Endpoints) != len(spec.Endpoints())+1 {
		t.Fatalf("%d endpoints, the description has %d", len(r.Endpoints), len(spec.Endpoints()))
	}
	for i, ep := range spec.Endpoints() {
		got := r.Endpoints[i]
		if got.Method != ep.Method || got.Template != ep.Template || !got.Documented {
			t.Errorf("row %d = %+v, want %s documented", i, got, ep)
		}
		want := 0
		if ep.String() == "GET /cardholders/{cardholderId}" {
			want = 2
		}
		if got.Calls != want {
			t.Errorf("%s: %d calls, want %d", ep, got.Calls, want)
		}
	}
	if other := r.Endpoints[len(r.Endpoints)-1]; other.Template != OtherEndpoint || other.Calls != 3 || other.Documented {
		t.Errorf("other = %+v", other)
	}
	wantUndoc := []EndpointUse{
		{Method: "GET", Template: "/v2/cardholderz/{id}", Calls: 2, Statuses: map[string]int{"404": 2}},
		{Method: "PATCH", Template: "/v2/cardholders/{id}", Calls: 1, Statuses: map[string]int{"405": 1}},
	}
	for _, o := range []Options{{Contract: spec}, {}} {
		r := classifyWith(t, o, tr.recs)
		if len(r.Undocumented) != len(wantUndoc) {
			t.Fatalf("undocumented = %+v", r.Undocumented)
		}
		for i, w := range wantUndoc {
			g := r.Undocumented[i]
			if g.Method != w.Method || g.Template != w.Template || g.Calls != w.Calls || g.Statuses[statusKey(404)] != w.Statuses["404"] {
				t.Errorf("undocumented[%d] = %+v, want %+v", i, g, w)
			}
		}
	}
	t.Run("bounded", func(t *testing.T) {
		tr := newTrace()
		for i := range MaxUndocumented + 5 {
			tr.call("GET", "/nowhere-"+strings.Repeat("x", i%26+1)+string(rune('a'+i/26)), 404, "", `{}`)
		}
		r := classifyWith(t, Options{Contract: spec}, tr.recs)
		if len(r.Undocumented) != MaxUndocumented || r.Endpoints[len(r.Endpoints)-1].Calls != MaxUndocumented+5 {
			t.Errorf("%d undocumented, other %d", len(r.Undocumented), r.Endpoints[len(r.Endpoints)-1].Calls)
		}
	})
}

// TestGateHook: a caller that checks calls itself hands the engine the
// violations it found; the gate then asks nothing else, once per call.
func TestGateHook(t *testing.T) {
	tr := newTrace()
	s := tr.createHolder(benchHolder)
	asked := 0
	o := Options{RequestViolations: func(rec *evidence.Record) []string {
		asked++
		return []string{"request.body.lastName"}
	}}
	got := result(t, classifyWith(t, o, tr.recs), "L1")
	if got.Status != StatusPartial || !slices.Equal(got.ContractRefused, ev(s)) || asked != 1 {
		t.Errorf("%s, refused %v, asked %d times (%s)", got.Status, got.ContractRefused, asked, got.Explanation)
	}
}
