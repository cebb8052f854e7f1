package coverage

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// sampleEvent is an event with a structured body, nested attributes and a
// resource.
func sampleEvent() *evidence.Record {
	return &evidence.Record{V: evidence.Version, Seq: 1, Kind: evidence.KindEvent, Time: traceStart, Event: &evidence.Event{
		Name: "card.shown", Source: evidence.EventSourceEvents, Severity: "WARN",
		Attributes: json.RawMessage(`{"axys.card_id":"8001","n":7,"order":{"items":[{"sku":"a"},{"sku":"b"}]},"a b":"spaced","screen":"wallet"}`),
		Resource:   json.RawMessage(`{"service.name":"acme-cards"}`),
		Body:       `{"reason":"kyc_declined","count":2}`,
	}}
}

// TestEventPredicates: each reference form reads what it names, with the
// operators of call predicates; a negative operator holds on a missing
// attribute; on an event the receiver cut, only the name, severity,
// source and the documented attributes are read.
func TestEventPredicates(t *testing.T) {
	tests := []struct {
		pred string
		want bool
		cut  bool // the same on a truncated event
	}{
		{`event.name == "card.shown"`, true, true},
		{`event.name == "card.hidden"`, false, false},
		{`event.severity in ["WARN", "ERROR"]`, true, true},
		{`event.source == "events"`, true, true},
		{`event.attributes["axys.card_id"] == "8001"`, true, true},
		{`event.attributes["axys.card_id"] == 8001`, true, true},
		{`event.attributes["n"] > 6`, true, false},
		{`event.attributes["order"].items[].sku == "b"`, true, false},
		{`event.attributes["order"].items[].sku == "c"`, false, false},
		{`event.attributes["a b"] == "spaced"`, true, false},
		{`event.attributes["missing"] exists`, false, false},
		{`event.attributes["missing"] missing`, true, false},
		{`event.attributes["missing"] != "x"`, true, false},
		{`event.attributes["screen"] not contains "bank"`, true, false},
		{`event.body contains "kyc"`, true, false},
		{`event.body.reason == "kyc_declined"`, true, false},
		{`event.body.count >= 2`, true, false},
		{`event.resource["service.name"] == "acme-cards"`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.pred, func(t *testing.T) {
			p, err := eventPredicate(tt.pred, nil)
			if err != nil {
				t.Fatal(err)
			}
			var ev eventView
			rec := sampleEvent()
			ev.reset(rec)
			if got := p.onEvent(&ev, nil); got != tt.want {
				t.Errorf("holds = %v, want %v", got, tt.want)
			}
			rec.Event.Truncated = true
			ev.reset(rec)
			if got := p.onEvent(&ev, nil); got != tt.cut {
				t.Errorf("on a cut event holds = %v, want %v", got, tt.cut)
			}
		})
	}
}

// TestEventPredicateErrors: what an event predicate cannot say is an
// error naming it.
func TestEventPredicateErrors(t *testing.T) {
	tests := []struct{ pred, want string }{
		{`event.attribute["x"] exists`, "unknown event reference"},
		{`event.attributes[axys.card_id] exists`, "quoted attribute name in brackets"},
		{`event.attributes["x" exists`, "quoted attribute name in brackets"},
		{`event.attributes[""] exists`, "bad attribute name"},
		{`event.attributes["x"]..y exists`, "empty segment"},
		{`response.body.status == 1`, "unknown event reference"},
		{`event.attributes["x"] rises`, "an event shows none"},
		{`event.name == $amount`, "no earlier step of the sequence captures amount"},
		{`event.name`, "want \"<reference> <operator> [operand]\""},
		{`event.attributes["a b"] bogus 1`, "want \"<reference> <operator> [operand]\""},
	}
	for _, tt := range tests {
		t.Run(tt.pred, func(t *testing.T) {
			_, err := eventPredicate(tt.pred, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// eventMatrix is a matrix of one requirement whose rule is given, on top
// of the entities and state of the built-in matrix's kind.
func eventMatrix(rule, extra string) string {
	return `id: ev
version: "1"
title: event steps
entities: {cardholder: cardholderId, card: cardId}
state:
  - call: GET /cardholders/{cardholderId} 2xx
    entity: cardholder
    set: {status: response.body.status}
requirements:
  - id: unlocked
    title: Approval acted on
    area: state-transitions
    basis: test
    conditional: app-events
    rule:
` + rule + `
    steps: [x]
` + extra
}

// TestEventStepErrors: an event step that could not be evidence, or a
// group that could be met without events, is refused at its line.
func TestEventStepErrors(t *testing.T) {
	read := "          - call: GET /cardholders/{cardholderId} 2xx\n            where: response.body.status == 1\n"
	seq := func(steps string) string {
		return "      sequence:\n        by: cardholder\n        within: 1h\n        steps:\n" + steps
	}
	tests := []struct {
		name, rule, extra string
		line              int
		want              string
	}{
		{"event first", seq("          - event: card.shown\n" + read), "", 20, "cannot be the first step"},
		{"window past the sequence's", seq(read + "          - event: card.shown\n            within: 2h\n"), "", 23, "longer than the sequence's 1h"},
		{"bad name", seq(read + "          - event: 'card shown'\n"), "", 22, "want the event's name"},
		{"call predicate on an event", seq(read + "          - event: card.shown\n            where: response.body.status == 1\n"), "", 23, "unknown event reference"},
		{"key that names nothing", seq(read + "          - event: card.shown\n            key: event.name\n"), "", 23, "names no entity"},
		{"unknown key", seq(read + "          - event: card.shown\n            when: x\n"), "", 23, `unknown key "when"`},
		{"app-events group without an event", "      call: GET /cardholders/{cardholderId} 2xx\n      where: response.body.status == 1\n", "", 14, "could be met without the app's events"},
		{"requires into the group", seq(read + "          - event: card.shown\n"), "  - id: other\n    title: t\n    area: call-traces\n    basis: b\n    rule: {requires: [unlocked]}\n    steps: [x]\n", 25, "unlocked is in the app-events group and other outside it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMatrix([]byte(eventMatrix(tt.rule, tt.extra)))
			var me *MatrixError
			if !errors.As(err, &me) {
				t.Fatalf("error %v, want a *MatrixError", err)
			}
			if !strings.Contains(me.Msg, tt.want) || me.Line != tt.line {
				t.Errorf("error %q at line %d, want %q at line %d", me.Msg, me.Line, tt.want, tt.line)
			}
		})
	}
}

// TestEventStepKey: a step's key names the entity where the app puts it;
// a custom entity without a documented attribute is linked by trace only.
func TestEventStepKey(t *testing.T) {
	rule := "      sequence:\n        by: cardholder\n        within: 1h\n        steps:\n" +
		"          - call: GET /cardholders/{cardholderId} 2xx\n            where: response.body.status == 1\n" +
		"          - event: cardholder.card_screen_unlocked\n            key: event.attributes[\"app.holder\"]\n"
	m, err := ParseMatrix([]byte(eventMatrix(rule, "")))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		attrs map[string]any
		want  Status
	}{
		{"the app's own attribute", map[string]any{"app.holder": "10001"}, StatusMet},
		{"the documented one is not the key", holderAttr(10001), StatusPartial},
		{"the app's attribute names another", map[string]any{"app.holder": "10002", evidence.AttrCardholderID: "10001"}, StatusPartial},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTrace()
			tr.holder(10001, 1)
			tr.event(evidence.EventCardScreenUnlocked, tt.attrs)
			if got := result(t, classify(t, m, tr.recs), "unlocked"); got.Status != tt.want {
				t.Errorf("%s, want %s (%s)", got.Status, tt.want, got.Explanation)
			}
		})
	}
}

// TestEventCapturedValues: an event step compares with what earlier steps
// captured, and an event said by the app to have happened before the call
// it follows is no evidence, however late it was received.
func TestEventSaidBeforeTheCall(t *testing.T) {
	tr := newTrace()
	s1 := tr.holder(10001, 1)
	tr.event(evidence.EventCardScreenUnlocked, holderAttr(10001), saidAt(tr.recs[0].Time.Add(-time.Millisecond)))
	s3 := tr.event(evidence.EventCardScreenUnlocked, holderAttr(10001), saidAt(tr.recs[0].Time))
	checkResult(t, result(t, tr.report(t), "EV-approval"), StatusMet, ev(s1, s3))
}

// TestEventSummary: the report counts events per name, lists the names
// no requirement uses, and bounds the names it keeps.
func TestEventSummary(t *testing.T) {
	tr := newTrace()
	tr.holder(10001, 1)
	tr.event(evidence.EventCardScreenUnlocked, holderAttr(10001))
	tr.event("app.started", nil)
	tr.event("app.started", nil)
	tr.event("cardholder.card_screen_unlockd", holderAttr(10001))
	r := tr.report(t)
	want := &EventSummary{Total: 4, Names: []EventCount{
		{Name: "app.started", Count: 2}, {Name: "cardholder.card_screen_unlockd", Count: 1}, {Name: evidence.EventCardScreenUnlocked, Count: 1, Known: true},
	}, Unknown: []string{"app.started", "cardholder.card_screen_unlockd"}}
	if fmt.Sprint(r.Events) != fmt.Sprint(want) {
		t.Errorf("events = %+v, want %+v", r.Events, want)
	}
	t.Run("bounded", func(t *testing.T) {
		tr := newTrace()
		for i := range MaxEventNames + 10 {
			tr.event(fmt.Sprintf("name.%d", i), nil)
		}
		tr.event("name.0", nil)
		r := tr.report(t)
		if len(r.Events.Names) != MaxEventNames || r.Events.Untracked != 10 || r.Events.Total != MaxEventNames+11 || r.Events.Names[0].Count != 2 {
			t.Errorf("names %d, untracked %d, total %d", len(r.Events.Names), r.Events.Untracked, r.Events.Total)
		}
	})
}

// TestEvidenceEvents: every met or partial report on an app-events
// requirement tells its event records from its calls.
func TestEvidenceEvents(t *testing.T) {
	m := DefaultMatrix()
	n := 0
	for _, c := range eventCases() {
		tr := newTrace()
		c.build(tr)
		got := result(t, classify(t, m, tr.recs), c.req)
		var want []uint64
		for _, s := range got.Evidence {
			if slices.Contains(eventSeqsOf(tr.recs), s) {
				want = append(want, s)
			}
		}
		if !slices.Equal(got.EvidenceEvents, want) {
			t.Errorf("%s/%s: evidence events %v, want %v of %v", c.req, c.name, got.EvidenceEvents, want, got.Evidence)
		}
		if c.want == StatusMet && len(want) == 0 {
			t.Errorf("%s/%s: met without an event", c.req, c.name)
		}
		n += len(want)
	}
	if n == 0 {
		t.Fatal("no event among any evidence")
	}
}

// TestAppEventsApplicable: the app-events group is not applicable until
// the records hold an event, whatever its name, and its requirements do
// not count in the area's ratio until then.
func TestAppEventsApplicable(t *testing.T) {
	tr := newTrace()
	tr.holder(10001, 1)
	r := tr.report(t)
	if got := result(t, r, "EV-approval"); got.Status != StatusNotApplicable || len(got.Evidence) != 0 || len(got.Steps) == 0 {
		t.Errorf("without events: %s %v (%s)", got.Status, got.Evidence, got.Explanation)
	}
	for _, a := range r.Summary.Areas {
		if a.NotApplicable > 0 && a.Met == 0 && a.Ratio != 0 {
			t.Errorf("%s: ratio %v", a.Area, a.Ratio)
		}
	}
	st := area(r, "state-transitions")
	tr.event("app.started", nil)
	r = tr.report(t)
	if got := result(t, r, "EV-approval"); got.Status != StatusPartial {
		t.Errorf("with an event: %s (%s)", got.Status, got.Explanation)
	}
	if a := area(r, "state-transitions"); a.NotApplicable != 0 || a.Total != st.Total || st.NotApplicable == 0 {
		t.Errorf("areas before %+v, after %+v", st, a)
	}
}

func area(r *Report, name string) AreaSummary {
	for _, a := range r.Summary.Areas {
		if a.Area == name {
			return a
		}
	}
	return AreaSummary{}
}

// TestTraceIndexBounded: the traces of calls long past are forgotten, so
// an app that opens a trace per call does not make the engine grow.
func TestTraceIndexBounded(t *testing.T) {
	e := NewEngine(DefaultMatrix())
	tr := newTrace()
	for i := range 3 * traceSweepEvery {
		tr.wait(time.Minute)
		tr.holder(10001, 3, onTrace(fmt.Sprintf("%032x", i+1)))
	}
	for _, r := range tr.recs {
		e.Observe(r)
	}
	// The longest window of a sequence with an event step is a day: a
	// minute a call, at most a day and a sweep's worth stay.
	if n := e.w.traces.size(); n > 24*60+traceSweepEvery || n == 0 {
		t.Errorf("%d traces held", n)
	}
}
