package coverage

import (
	"math"
	"testing"
	"time"
)

// TestPredicates evaluates predicates on one call.
func TestPredicates(t *testing.T) {
	tr := newTrace()
	tr.call("POST", "/cards/virtual/10001?x=a%20b&n=5", 200, `{"nameOnCard":"J","tags":["a","b"]}`,
		`{"status":"success","cardId":8001,"cryptoAddresses":[{"chain":"evm"},{"chain":"bitcoin"}],"alias":"","n":null}`,
		withHeader("Retry-After", "3"))
	tr.recs[0].Request.Header = map[string][]string{"Idempotency-Key": {"k1"}}
	rt := newRoutes()
	var v callView
	v.reset(rt, tr.recs[0])
	c := &compiler{rt: rt, entities: []entityDef{{name: "card", id: "cardId", fields: []string{"issuerCardStatus"}}}}
	tests := []struct {
		pred string
		key  string
		want bool
	}{
		{"response.body.cardId exists", "", true},
		{"response.body.cardId == 8001", "", true},
		{`response.body.cardId == "8001"`, "", true},
		{"response.body.cardId == $key", "8001", true},
		{"response.body.cardId == $key", "8002", false},
		{"response.body.cardId != $key", "8002", true},
		{"response.body.cardId in [1, 8001]", "", true},
		{"response.body.cardId not in [1, 8001]", "", false},
		{"response.body.cardId > 8000", "", true},
		{"response.body.cardId <= 8000", "", false},
		{"response.body.cryptoAddresses nonempty", "", true},
		{"response.body.cryptoAddresses[].chain == \"bitcoin\"", "", true},
		{"response.body.cryptoAddresses[].chain == \"solana\"", "", false},
		{"response.body.alias empty", "", true},
		{"response.body.alias nonempty", "", false},
		{"response.body.n empty", "", true},
		{"response.body.nothing missing", "", true},
		{"response.body.nothing exists", "", false},
		{`response.body.nothing != "x"`, "", true},
		{`response.body.nothing == "x"`, "", false},
		{`response.body.nothing not in ["x"]`, "", true},
		{`response.body contains "cryptoAddresses"`, "", true},
		{`response.body not contains "No Authorised IPs"`, "", true},
		{`request.body.tags[] == "b"`, "", true},
		{`request.query.x == "a b"`, "", true},
		{`request.query.n == 5`, "", true},
		{`request.query.missing exists`, "", false},
		{`request.header.idempotency-key == "k1"`, "", true},
		{`response.header.Retry-After == 3`, "", true},
		{`path.cardholderId == 10001`, "", true},
		{`request.host == "staging.api.axyscards.com"`, "", true},
		{`request.path == "/cards/virtual/10001"`, "", true},
		{`request.method == "POST"`, "", true},
		{`response.status == 200`, "", true},
		{`response.synthetic == false`, "", true},
		{`error.kind exists`, "", false},
		{`error.kind != "guard_refused"`, "", true},
	}
	for _, tt := range tests {
		p, err := c.callPredicate(tt.pred, []string{"cardholderId"})
		if err != nil {
			t.Errorf("%s: %v", tt.pred, err)
			continue
		}
		if got := p.onCall(rt, &v, &binds{key: tt.key}); got != tt.want {
			t.Errorf("%s (key %q) = %v, want %v", tt.pred, tt.key, got, tt.want)
		}
	}
	// A truncated body hides what is not in its first bytes: no predicate
	// about the unseen holds, not even missing or !=.
	tr.recs[0].Response.Body.Truncated = true
	v.reset(rt, tr.recs[0])
	for _, pred := range []string{"response.body.nothing missing", `response.body.nothing != "x"`, "response.body.nothing exists"} {
		p, _ := c.callPredicate(pred, nil)
		if p.onCall(rt, &v, nil) {
			t.Errorf("%s holds on a truncated body", pred)
		}
	}
	if p, _ := c.callPredicate("response.body.cardId == 8001", nil); !p.onCall(rt, &v, nil) {
		t.Error("a value within the captured bytes of a truncated body is not read")
	}
}

func TestPredicateErrors(t *testing.T) {
	c := &compiler{rt: newRoutes(), entities: []entityDef{{name: "card", id: "cardId", fields: []string{"issuerCardStatus"}}}}
	for _, pred := range []string{
		"response.body.x", "response.body.x is 1", "response.body.x == pass", "response.body.x in 1",
		"response.body.x == [1]", "response.body.x exists 1", "response.body.x contains 1", "response.body.x rises",
		"response.bdy.x exists", "path.cardId exists", "response.body..x exists", "card.issuerCardStatus == 1",
		"response.body.x > $key",
	} {
		if _, err := c.callPredicate(pred, []string{"cardholderId"}); err == nil {
			t.Errorf("%q accepted", pred)
		}
	}
	for _, pred := range []string{"card.colour == 1", "cardholder.status == 1", "card.issuerCardStatus rises", "card.issuerCardStatus == $key", "card == 1"} {
		if _, err := c.statePredicate(pred, false); err == nil {
			t.Errorf("state %q accepted", pred)
		}
	}
	if _, err := c.statePredicate("card.issuerCardStatus rises", true); err != nil {
		t.Errorf("rises in an observe step: %v", err)
	}
	for _, pred := range []string{"card.issuerCardStatus rises 5", "card.issuerCardStatus rises by", "card.issuerCardStatus falls by 0",
		"card.issuerCardStatus rises by x", "card.issuerCardStatus rises by $key", "card.issuerCardStatus unchanged by 5"} {
		if _, err := c.statePredicate(pred, true); err == nil {
			t.Errorf("observe %q accepted", pred)
		}
	}
	for _, pred := range []string{"card.issuerCardStatus rises by 2.5", "card.issuerCardStatus falls by $amount"} {
		if _, err := c.statePredicate(pred, true); err != nil {
			t.Errorf("observe %q: %v", pred, err)
		}
	}
}

// TestRisesBy: a rise or fall by an amount is exact (to a billionth, so a
// decimal times 100 still equals its minor units), needs the value before,
// and an amount never captured matches nothing.
func TestRisesBy(t *testing.T) {
	c := &compiler{rt: newRoutes(), entities: []entityDef{{name: "card", id: "cardId", fields: []string{"ledgerBalance"}}}}
	rises, _ := c.statePredicate("card.ledgerBalance rises by $amount", true)
	falls, _ := c.statePredicate("card.ledgerBalance falls by 1234", true)
	decimal := 19.99 // a variable: 19.99 * 100 in floating point is not 1999
	change := func(old, new float64) fieldChange {
		return fieldChange{old: numValue(old), hadOld: true, new: numValue(new)}
	}
	tests := []struct {
		name string
		p    predicate
		c    fieldChange
		vars []value
		want bool
	}{
		{"by the amount", rises, change(500, 1500), numVars(1000), true},
		{"by a decimal's minor units", rises, change(0, 1999), numVars(decimal * 100), true},
		{"by less", rises, change(500, 1400), numVars(1000), false},
		{"by more", rises, change(500, 1600), numVars(1000), false},
		{"a fall of the amount", rises, change(1500, 500), numVars(1000), false},
		{"nothing captured", rises, change(500, 1500), numVars(math.NaN()), false},
		{"no variables", rises, change(500, 1500), nil, false},
		{"value before unknown", rises, fieldChange{new: numValue(1000)}, numVars(1000), false},
		{"falls by a literal", falls, change(5000, 3766), nil, true},
		{"falls by another amount", falls, change(5000, 3700), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.onChange(tt.c, tt.vars); got != tt.want {
				t.Errorf("%s on %v → %v with %v: %v, want %v", tt.p.src, tt.c.old, tt.c.new, tt.vars, got, tt.want)
			}
		})
	}
}

// TestGapRecords: a gap record is counted but classifies nothing.
func TestGapRecords(t *testing.T) {
	tr := newTrace()
	tr.submit(10001, 200)
	tr.gapRecord(3)
	tr.holder(10001, 1)
	r := tr.report(t)
	if r.Records != 3 || r.LastSeq != 3 {
		t.Errorf("records %d, last seq %d", r.Records, r.LastSeq)
	}
	checkResult(t, result(t, r, "L2"), StatusMet, ev(1, 3))
	calls := 0
	for _, ep := range r.Endpoints {
		calls += ep.Calls
	}
	if calls != 2 {
		t.Errorf("inventory counts %d calls", calls)
	}
}

func TestInventoryAndTimeline(t *testing.T) {
	tr := newTrace()
	tr.holder(10001, 3)
	tr.call("GET", "/nowhere", 0, "", "")
	tr.call("DELETE", "/cards/8001", 405, "", "")
	for range 200 {
		tr.wait(time.Minute)
		tr.balance(8001, 0, 0)
	}
	r := tr.report(t)
	want := map[string]map[string]int{
		"GET /cardholders/{cardholderId}": {"200": 1},
		"GET /cards/{cardId}/balance":     {"200": 200},
		"* other":                         {"none": 1, "405": 1},
	}
	for _, ep := range r.Endpoints {
		w, ok := want[ep.Method+" "+ep.Template]
		if !ok {
			if ep.Calls != 0 || len(ep.Statuses) != 0 {
				t.Errorf("%s %s: %d calls %v", ep.Method, ep.Template, ep.Calls, ep.Statuses)
			}
			continue
		}
		for st, n := range w {
			if ep.Statuses[st] != n {
				t.Errorf("%s %s: statuses %v, want %v", ep.Method, ep.Template, ep.Statuses, w)
			}
		}
	}
	if r.StatusCounts["200"] != 201 || r.StatusCounts["none"] != 1 || r.StatusCounts["405"] != 1 {
		t.Errorf("status counts %v", r.StatusCounts)
	}
	if n := len(r.Timeline); n == 0 || n > timelineBuckets {
		t.Fatalf("%d buckets", n)
	}
	total := 0
	for i, b := range r.Timeline {
		for _, n := range b.Classes {
			total += n
		}
		if i > 0 && !b.Start.Equal(r.Timeline[i-1].Start.Add(time.Duration(b.WidthMS)*time.Millisecond)) {
			t.Errorf("bucket %d starts at %s", i, b.Start)
		}
	}
	if total != 203 {
		t.Errorf("timeline counts %d calls", total)
	}
	if first := r.Timeline[0].Start; first.After(tr.recs[0].Time) || r.Timeline[len(r.Timeline)-1].Start.After(tr.recs[len(tr.recs)-1].Time) {
		t.Errorf("timeline does not span the calls")
	}
}

// TestEmptyReport: no records, every requirement missing with its steps,
// but those of the app-events group, not applicable (with their steps)
// while no event was recorded.
func TestEmptyReport(t *testing.T) {
	r := classify(t, DefaultMatrix(), nil)
	na := 0
	for _, res := range r.Requirements {
		want := StatusMissing
		if res.Conditional == ConditionAppEvents {
			want = StatusNotApplicable
			na++
		}
		checkResult(t, res, want, nil)
	}
	if r.Records != 0 || r.Summary.ByStatus[StatusMissing] != len(r.Requirements)-na || r.Summary.ByStatus[StatusNotApplicable] != na || na == 0 || len(r.Timeline) != 0 || r.Events != nil {
		t.Errorf("empty report: %+v", r.Summary)
	}
}

// numVars makes captured values of numbers; NaN stands for a value never
// captured.
func numVars(fs ...float64) []value {
	out := make([]value, len(fs))
	for i, f := range fs {
		if !math.IsNaN(f) {
			out[i] = numValue(f)
		}
	}
	return out
}
