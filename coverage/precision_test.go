package coverage

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// Each test here pins one class of false "met" where it originates; the
// mutation harness (mutation_test.go) checks every requirement against
// them systematically.

// TestUndocumentedCallsProveNothing: answers to calls outside the
// catalogue (an unknown path, a documented path with an extra segment, a
// method the endpoint does not document, a path outside /v2) meet no
// requirement, are counted in the inventory as "other", and still count
// as forbidden calls.
func TestUndocumentedCallsProveNothing(t *testing.T) {
	tests := []struct {
		name, method, url string
	}{
		{"unknown path", "GET", "https://staging.api.axyscards.com/v2/cardholderz/999"},
		{"extra segment", "GET", "https://staging.api.axyscards.com/v2/cardholders/999/extra"},
		{"undocumented method", "PATCH", "https://staging.api.axyscards.com/v2/cardholders/999"},
		{"outside /v2", "GET", "https://staging.api.axyscards.com/v1/cardholders/999"},
		{"trailing slash", "GET", "https://staging.api.axyscards.com/v2/cardholders/999/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTrace()
			s := tr.call(tt.method, "/x", 404, "", `{"status":"error","message":"not found"}`)
			tr.recs[s-1].Request.URL = tt.url
			r := tr.report(t)
			if got := result(t, r, "E404"); got.Status != StatusMissing {
				t.Errorf("E404 %s (%s)", got.Status, got.Explanation)
			}
			if got := r.Endpoints[len(r.Endpoints)-1]; got.Template != OtherEndpoint || got.Calls != 1 {
				t.Errorf("inventory other = %+v", got)
			}
		})
	}
	t.Run("forbidden all the same", func(t *testing.T) {
		tr := newTrace()
		s := tr.get("/nowhere", `{"status":"success"}`, withHost("production.api.axyscards.com"))
		checkResult(t, result(t, tr.report(t), "G2"), StatusViolated, ev(s))
	})
}

// TestTruncatedWholeBody: what a truncated body does not contain may be in
// the part that was cut, so no predicate on the whole body holds.
func TestTruncatedWholeBody(t *testing.T) {
	tr := newTrace()
	tr.call("GET", "/cardholders", 403, "", `{"status":"error","message":"forbidden"}`, truncatedResponse())
	if got := result(t, tr.report(t), "E403-key"); got.Status != StatusMissing {
		t.Errorf("E403-key %s on a truncated 403 (%s)", got.Status, got.Explanation)
	}
}

// TestTransitions: a successful transition call sets the state the
// documented state machine fixes, for when and forbid; a read overrides
// it; an observe step still needs a response that shows the state.
func TestTransitions(t *testing.T) {
	tests := []struct {
		name  string
		req   string
		want  Status
		build func(tr *trace) []uint64
	}{
		{"locked-field 409 right after the submission", "row-6", StatusMet, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			return ev(tr.call("PUT", "/cardholders/10001", 409, `{"lastName":"Smith"}`, `{"status":"error","message":"lastName: locked"}`))
		}},
		{"a failed submission implies nothing", "row-6", StatusMissing, func(tr *trace) []uint64 {
			tr.submit(10001, 409)
			tr.call("PUT", "/cardholders/10001", 409, `{"lastName":"Smith"}`, `{"status":"error","message":"lastName: locked"}`)
			return nil
		}},
		{"a read showing 6 overrides the submission", "row-6", StatusMissing, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			tr.holder(10001, 6)
			tr.call("PUT", "/cardholders/10001", 409, `{"lastName":"Smith"}`, `{"status":"error","message":"lastName: locked"}`)
			return nil
		}},
		{"an edit sends the cardholder back to draft", "row-6", StatusMissing, func(tr *trace) []uint64 {
			tr.holder(10001, 2)
			tr.call("PUT", "/cardholders/10001", 200, `{"lastName":"Smith"}`, okBody)
			tr.call("PUT", "/cardholders/10001", 409, `{"lastName":"Smyth"}`, `{"status":"error","message":"lastName: locked"}`)
			return nil
		}},
		{"issuance after a forced pass is not the declined cardholder's", "row-2", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.validate(10001, "fail")
			s2 := tr.holder(10001, 2)
			s3 := tr.refresh(10001, 200)
			tr.validate(10001, "pass")
			tr.issueVirtual(10001, 8001, 200)
			return ev(s1, s2, s3)
		}},
		{"approval implied, never read", "L2", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.submit(10001, 200)
			tr.validate(10001, "pass")
			return ev(s1)
		}},
		{"a block implied by the request is no observed hold", "C2", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("PUT", "/cards/8001/status", 200, `{"newStatus":2}`, okBody)
			return ev(s1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTrace()
			want := tt.build(tr)
			checkResult(t, result(t, tr.report(t), tt.req), tt.want, want)
		})
	}
}

// TestItemsBoundToOneElement: predicates through the same array hold for
// one element together, never for two different ones.
func TestItemsBoundToOneElement(t *testing.T) {
	c := &compiler{rt: newRoutes()}
	var preds []predicate
	for _, src := range []string{`response.body.items[].cardId == 8001`, `response.body.items[].status == 4`, `response.body.total > 0`} {
		p, err := c.callPredicate(src, nil)
		if err != nil {
			t.Fatal(err)
		}
		preds = append(preds, p)
	}
	alone, groups, err := c.groupItems(preds)
	if err != nil || len(alone) != 1 || len(groups) != 1 || len(groups[0].preds) != 2 {
		t.Fatalf("grouped %d alone, %d groups (%v)", len(alone), len(groups), err)
	}
	g := groups[0]
	tests := []struct {
		name, items string
		trunc       bool
		want        bool
	}{
		{"one item holds both", `{"cardId":8001,"status":4}`, false, true},
		{"two items hold one each", `{"cardId":8001,"status":1},{"cardId":8002,"status":4}`, false, false},
		{"the second item holds both", `{"cardId":8002,"status":4},{"cardId":8001,"status":4}`, false, true},
		{"no items", ``, false, false},
		{"truncated before any item", ``, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTrace()
			body := `{"status":"success","items":[` + tt.items + `],"total":2}`
			if tt.trunc {
				body = `{"status":"success","items":[`
			}
			tr.get("/cards/transactions", body)
			if tt.trunc {
				tr.recs[0].Response.Body.Truncated = true
			}
			var v callView
			v.cache = newRefCache(len(c.slots))
			v.reset(c.rt, tr.recs[0])
			if got := g.holds(c.rt, &v, nil); got != tt.want {
				t.Errorf("holds = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestKeyedComposites: the parts of an all are about one entity; by:
// none declares them independent (and matrix check flags it).
func TestKeyedComposites(t *testing.T) {
	twoCards := func(tr *trace) {
		tr.call("PUT", "/cards/8001/update", 200, `{"alias":"Travel"}`, okBody)
		tr.call("PUT", "/cards/8002/update", 200, `{"transactionLimit":50000}`, okBody)
	}
	t.Run("parts about two cards", func(t *testing.T) {
		tr := newTrace()
		twoCards(tr)
		got := result(t, tr.report(t), "L10")
		if got.Status != StatusPartial || !strings.Contains(got.Explanation, "no one card met every part") {
			t.Errorf("L10 %s (%s)", got.Status, got.Explanation)
		}
	})
	t.Run("both parts on one card among others", func(t *testing.T) {
		tr := newTrace()
		twoCards(tr)
		s3 := tr.call("PUT", "/cards/8002/update", 200, `{"alias":"Daily"}`, okBody)
		checkResult(t, result(t, tr.report(t), "L10"), StatusMet, ev(2, s3))
	})
	t.Run("reports between calls change nothing", func(t *testing.T) {
		tr := newTrace()
		twoCards(tr)
		tr.call("PUT", "/cards/8003/update", 200, `{"alias":"A","transactionLimit":1}`, okBody)
		tr.call("PUT", "/cards/8001/update", 200, `{"transactionLimit":7}`, okBody)
		m := DefaultMatrix()
		live := NewEngine(m)
		for _, r := range tr.recs {
			live.Observe(r)
			live.Report()
		}
		if got, want := reportJSON(t, live.Report()), reportJSON(t, classify(t, m, tr.recs)); !bytes.Equal(got, want) {
			t.Errorf("reports differ:\n%s\n%s", got, want)
		}
		checkResult(t, result(t, live.Report(), "L10"), StatusMet, ev(1, 4))
	})
	t.Run("declared independent", func(t *testing.T) {
		m, err := ParseMatrix([]byte(`extends: axys-v2
id: program
version: "1"
requirements:
  - id: L10
    title: Some alias and some limit updated
    area: call-traces
    basis: launch checklist L10
    rule:
      all:
        by: none
        parts:
          - call: PUT /cards/{cardId}/update 2xx
            where: request.body.alias exists
          - call: PUT /cards/{cardId}/update 2xx
            where: request.body.transactionLimit exists
    steps: [x]
`))
		if err != nil {
			t.Fatal(err)
		}
		tr := newTrace()
		twoCards(tr)
		checkResult(t, result(t, classify(t, m, tr.recs), "L10"), StatusMet, ev(1, 2))
		if ws := m.Lint(); len(ws) != 1 || ws[0].Kind != lintUnkeyed || ws[0].Line != 11 {
			t.Errorf("lint %v", ws)
		}
	})
}

// FuzzObserveCall feeds the built-in matrix a call with any method, path,
// status and bodies between two calls it knows, and checks the engine
// neither panics nor answers differently for the same records.
func FuzzObserveCall(f *testing.F) {
	f.Add("GET", "/cards/transactions?cardId=8001", 200, "", `{"items":[{"cardId":8001,"transId":"5000001","status":4}],"total":1}`)
	f.Add("PUT", "/cardholders/10001/kyc-submit", 200, "", `{"status":"success"}`)
	f.Add("POST", "/staging/kyc/validate", 200, `{"cardholderId":10001,"result":"pass"}`, `{"status":"success","result":{}}`)
	f.Add("PUT", "/cards/8001/status", 409, `{"newStatus":3}`, `{"status":"error","message":"x"}`)
	f.Add("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"destinationType":0}`, `{"transId":1}`)
	f.Add("PATCH", "/cardholders/10001/extra", 404, `{"a":[`, `{"items":[{"cardId":`)
	m := DefaultMatrix()
	f.Fuzz(func(t *testing.T, method, path string, status int, req, resp string) {
		if status < 0 || status > 999 {
			return
		}
		tr := newTrace()
		tr.spend(8001, 4)
		tr.call(method, path, status, req, resp)
		tr.holder(10001, 3)
		a, b := classify(t, m, tr.recs).Requirements, classify(t, m, tr.recs).Requirements
		if !reflect.DeepEqual(a, b) {
			t.Fatal("the same records gave two verdicts")
		}
	})
}
