package recorder

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

func TestRedactEvent(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	fp := r.Fingerprint
	q := func(s string) string { return `"` + fp(s) + `"` }
	attrs := `{"axys.card_id":9104,"user.pin":"1234","otp.value":"654321","http.request.header.x-api-key":"k1",` +
		`"http.request.header.content-type":"application/json","card.number":4111111111111111,"note":"pan 4111 1111 1111 1111",` +
		`"url.full":"https://h/v2/x?cvv=123&limit=5","app.token":"tok","status":"declined"}`
	resource := `{"service.name":"cards-app","deploy.secret":"s3"}`
	orig := &evidence.Event{Name: "card 4111111111111111 declined", Source: evidence.EventSourceEvents,
		Attributes: json.RawMessage(attrs), Resource: json.RawMessage(resource),
		Body: "declined card=4111%201111%201111%201111 for https://u:pw@h/x", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"}
	rec := &evidence.Record{Kind: evidence.KindEvent, Event: orig}
	n := r.Redact(rec)

	wantAttrs := `{"axys.card_id":9104,"user.pin":` + q("1234") + `,"otp.value":` + q("654321") + `,"http.request.header.x-api-key":` + q("k1") + `,` +
		`"http.request.header.content-type":"application/json","card.number":` + q(testPAN) + `,"note":"pan ` + fp(testPAN) + `",` +
		`"url.full":"https://h/v2/x?cvv=` + fp("123") + `&limit=5","app.token":"tok","status":"declined"}`
	if diff := cmp.Diff(wantAttrs, string(rec.Event.Attributes)); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	if want := `{"service.name":"cards-app","deploy.secret":` + q("s3") + `}`; string(rec.Event.Resource) != want {
		t.Errorf("resource = %s, want %s", rec.Event.Resource, want)
	}
	if want := "declined card=" + fp(testPAN) + " for https://u:" + fp("pw") + "@h/x"; rec.Event.Body != want {
		t.Errorf("body = %q, want %q", rec.Event.Body, want)
	}
	if want := "card " + fp(testPAN) + " declined"; rec.Event.Name != want {
		t.Errorf("name = %q, want %q", rec.Event.Name, want)
	}
	if rec.Event.TraceID != orig.TraceID {
		t.Error("trace id changed")
	}
	if n != 10 || rec.Redactions != 10 {
		t.Errorf("Redact = %d (Redactions %d), want 10", n, rec.Redactions)
	}
	if string(orig.Attributes) != attrs || orig.Body == rec.Event.Body {
		t.Error("the caller's event was modified")
	}
	for _, raw := range []json.RawMessage{rec.Event.Attributes, rec.Event.Resource} {
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil || compact.String() != string(raw) {
			t.Errorf("attributes no longer compact JSON (%v): %s", err, raw)
		}
	}
	if again := r.Redact(rec); again != 0 {
		t.Errorf("second Redact replaced %d", again)
	}
}

func TestRedactEventJSONBody(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	orig := &evidence.Event{Name: "pin changed", Body: `{"newPin":"9876","cardId":9104}`}
	rec := &evidence.Record{Kind: evidence.KindEvent, Event: orig}
	r.Redact(rec)
	if want := `{"newPin":"` + r.Fingerprint("9876") + `","cardId":9104}`; rec.Event.Body != want {
		t.Errorf("body = %s, want %s", rec.Event.Body, want)
	}
	clean := &evidence.Event{Name: "card activated", Attributes: json.RawMessage(`{"axys.card_id":9104}`)}
	rec = &evidence.Record{Kind: evidence.KindEvent, Event: clean}
	if n := r.Redact(rec); n != 0 || rec.Event != clean {
		t.Errorf("an event without secrets was copied or changed (%d)", n)
	}
}
