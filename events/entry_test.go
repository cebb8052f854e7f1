package events

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

var jsonHeader = map[string]string{"Content-Type": "application/json"}

// TestEventsEndpoint posts single entries and arrays to /events and
// checks what is stored and answered.
func TestEventsEndpoint(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		code     int
		accepted int
		errors   []string // substrings, one per rejected entry
		check    func(t *testing.T, evs map[string]*evidence.Record)
	}{
		{
			name: "one object", code: 200, accepted: 1,
			body: `{"name":"card.shown","time":"2026-11-25T09:00:01.25+01:00","severity":"INFO","body":"shown",
				"attributes":{"axys.card_id":"8812","amount":12.50,"big":123456789012345678901234567890,"ok":true,"nested":{"b":[1,2],"a":null}},
				"resource":{"service.name":"shop"}}`,
			check: func(t *testing.T, evs map[string]*evidence.Record) {
				e := evs["card.shown"].Event
				want := `{"amount":12.50,"axys.card_id":"8812","big":123456789012345678901234567890,"nested":{"a":null,"b":[1,2]},"ok":true}`
				if string(e.Attributes) != want {
					t.Errorf("attributes %s, want %s (numbers digit for digit, keys sorted)", e.Attributes, want)
				}
				if got := e.Time.Format(time.RFC3339Nano); got != "2026-11-25T08:00:01.25Z" {
					t.Errorf("time %s, want it in UTC", got)
				}
				if e.Source != evidence.EventSourceEvents || e.Severity != "INFO" || e.Body != "shown" || string(e.Resource) != `{"service.name":"shop"}` {
					t.Errorf("event %+v", e)
				}
			},
		},
		{
			name: "array with traceparent field and attribute", code: 200, accepted: 3,
			body: `[{"name":"a","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
				{"name":"b","attributes":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b8-00"}},
				{"name":"c","trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00f067aa0ba902b9","body":{"k":[1]}}]`,
			check: func(t *testing.T, evs map[string]*evidence.Record) {
				for name, span := range map[string]string{"a": "00f067aa0ba902b7", "b": "00f067aa0ba902b8", "c": "00f067aa0ba902b9"} {
					e := evs[name].Event
					if e.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || e.SpanID != span {
						t.Errorf("event %s: trace %q span %q", name, e.TraceID, e.SpanID)
					}
				}
				if evs["c"].Event.Body != `{"k":[1]}` {
					t.Errorf("structured body stored as %q", evs["c"].Event.Body)
				}
			},
		},
		{
			name: "some rejected", code: 200, accepted: 1,
			body: `[{"name":"ok"},{"attributes":{"a":1}},{"name":"x","atributes":{}},{"name":"x","time":"yesterday"},
				{"name":"x","traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"},{"name":"x","trace_id":"12"},
				{"name":"x","attributes":[1]},{"name":"   "}]`,
			errors: []string{"no event name", `unknown field "atributes"`, "not RFC 3339", "trace id must be", "trace_id must be 32 hex digits", `field "attributes"`, "no event name"},
		},
		{
			name: "all rejected", code: 400,
			body: `[{"name":""}]`, errors: []string{"no event name"},
		},
		{name: "empty array", code: 200, body: `[]`},
		{name: "data after the object", code: 400, body: `{"name":"a"} {"name":"b"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := openStore(t, recorder.Sync)
			_, url := startReceiver(t, store, Options{})
			code, _, raw := post(t, url+PathEvents, []byte(tc.body), jsonHeader)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, raw)
			}
			var res Result
			if err := json.Unmarshal(raw, &res); err != nil {
				t.Fatalf("answer %s: %v", raw, err)
			}
			if res.Accepted != tc.accepted || res.Rejected != len(tc.errors) || len(res.Errors) != len(tc.errors) {
				t.Fatalf("answer %s: want %d accepted, %d rejected", raw, tc.accepted, len(tc.errors))
			}
			for i, want := range tc.errors {
				if !strings.Contains(res.Errors[i].Message, want) {
					t.Errorf("error %d %q lacks %q", i, res.Errors[i].Message, want)
				}
			}
			recs := storedEvents(t, store)
			if len(recs) != tc.accepted {
				t.Fatalf("stored %d events, want %d", len(recs), tc.accepted)
			}
			if tc.check != nil {
				tc.check(t, byName(recs))
			}
		})
	}
}

// TestMappingAddsDocumentedNames checks that a configured mapping adds
// the documented attribute beside the app's own, and never overrides a
// documented attribute the event already has.
func TestMappingAddsDocumentedNames(t *testing.T) {
	m, err := ParseMapping([]string{"card_ref=axys.card_id", "holder=axys.cardholder_id"})
	if err != nil {
		t.Fatal(err)
	}
	store := openStore(t, recorder.Sync)
	_, url := startReceiver(t, store, Options{Mapping: m})
	body := `[{"name":"mapped","attributes":{"card_ref":"C-1","holder":42}},
		{"name":"explicit","attributes":{"card_ref":"C-1","axys.card_id":"C-2"}},
		{"name":"unmapped","attributes":{"other":"x"}}]`
	if code, _, raw := post(t, url+PathEvents, []byte(body), jsonHeader); code != 200 {
		t.Fatalf("status %d: %s", code, raw)
	}
	evs := byName(storedEvents(t, store))
	for name, want := range map[string]string{
		"mapped":   `{"axys.card_id":"C-1","axys.cardholder_id":42,"card_ref":"C-1","holder":42}`,
		"explicit": `{"axys.card_id":"C-2","card_ref":"C-1"}`,
		"unmapped": `{"other":"x"}`,
	} {
		if got := string(evs[name].Event.Attributes); got != want {
			t.Errorf("%s: attributes %s, want %s", name, got, want)
		}
	}
}

func TestParseMapping(t *testing.T) {
	tests := []struct {
		pairs []string
		err   string
	}{
		{[]string{"card_ref=axys.card_id"}, ""},
		{[]string{"card_ref"}, "want APP_NAME=axys.NAME"},
		{[]string{"=axys.card_id"}, "want APP_NAME=axys.NAME"},
		{[]string{"card_ref=card_id"}, "the target must be one of"},
		{[]string{"axys.card_id=axys.wallet_id"}, "already a documented name"},
		{[]string{"a=axys.card_id", "a=axys.wallet_id"}, "mapped to both"},
	}
	for _, tc := range tests {
		_, err := ParseMapping(tc.pairs)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseMapping(%q) = %v, want error containing %q", tc.pairs, err, tc.err)
		}
	}
	if _, err := New(&fakeStore{}, Options{Mapping: Mapping{"x": "axys.nope"}}); err == nil {
		t.Error("New accepted a mapping to an undocumented name")
	}
}

// TestTruncation checks the per-event caps: long values cut, attributes
// dropped from the end of the key order but never the documented ones,
// the body cut on a character boundary, and Truncated set.
func TestTruncation(t *testing.T) {
	store := openStore(t, recorder.Sync)
	_, url := startReceiver(t, store, Options{MaxAttributesBytes: 300, MaxValueBytes: 64, MaxBodyBytes: 10})
	in := map[string]any{"axys.card_id": strings.Repeat("9", 100), "z.last": "x", "long": strings.Repeat("é", 100)}
	for i := range 20 {
		in["k"+string(rune('a'+i))] = "value"
	}
	entry, _ := json.Marshal([]Entry{{Name: "cut", Attributes: in, Body: "ééééééé"}, {Name: "whole", Attributes: map[string]any{"a": "b"}, Body: "short"}})
	if code, _, raw := post(t, url+PathEvents, entry, jsonHeader); code != 200 {
		t.Fatalf("status %d: %s", code, raw)
	}
	evs := byName(storedEvents(t, store))
	cut, whole := evs["cut"].Event, evs["whole"].Event
	if !cut.Truncated || whole.Truncated {
		t.Fatalf("truncated flags: cut %v, whole %v", cut.Truncated, whole.Truncated)
	}
	got := attrs(t, cut.Attributes)
	if len(cut.Attributes) > 300+64 {
		t.Errorf("attributes of %d bytes, over the cap", len(cut.Attributes))
	}
	if v, ok := got["axys.card_id"].(string); !ok || !strings.HasPrefix(v, "999") || len(v) > 64 {
		t.Errorf("documented attribute %q: want kept, cut to the value cap", got["axys.card_id"])
	}
	if _, ok := got["z.last"]; ok {
		t.Error("the last attribute in key order was kept over the cap")
	}
	if _, ok := got["ka"]; !ok {
		t.Error("the first attributes in key order were dropped")
	}
	if cut.Body != "ééééé" {
		t.Errorf("body %q, want cut to 10 bytes on a character boundary", cut.Body)
	}
}
