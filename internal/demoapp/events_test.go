package demoapp

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/events"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// eventSink is a real event receiver on a real store.
func eventSink(t *testing.T) (*recorder.Store, string) {
	t.Helper()
	store, err := recorder.Open(filepath.Join(t.TempDir(), "events.db"), recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })
	r, err := events.New(store, events.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go r.Serve(ln)
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	return store, "http://" + ln.Addr().String() + events.PathOTLPLogs
}

// wantEvents are the events the script emits and the entity attribute
// each must name.
var wantEvents = map[string]string{
	events.EventCardScreenUnlocked: events.AttrCardholderID,
	events.EventSupportCaseOpened:  events.AttrCardholderID,
	events.EventCardShown:          events.AttrCardID,
	events.EventLedgerUpdated:      events.AttrCardID,
	events.EventDeclineRecorded:    events.AttrTransactionID,
	events.EventOTPDelivered:       events.AttrCardID,
}

// TestRunEmitsHandledEvents runs the script with the OpenTelemetry
// exporter pointed at a real receiver, and checks that each handled
// transition arrived as an event naming its entity, in the trace of the
// call that observed it: the call with the event's span id carries the
// entity's id in its URL or answer. With Mishandle, the support case after
// the decline is missing and the rest is there.
func TestRunEmitsHandledEvents(t *testing.T) {
	t.Parallel()
	for _, mishandle := range []bool{false, true} {
		t.Run(map[bool]string{false: "well-behaved", true: "mishandling"}[mishandle], func(t *testing.T) {
			t.Parallel()
			store, endpoint := eventSink(t)
			w := startWorld(t, 7)
			o := w.opts
			o.EventsEndpoint, o.Mishandle = endpoint, mishandle
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			if _, err := Run(ctx, o); err != nil {
				t.Fatalf("Run: %v", err)
			}
			calls := bySpan(t, w.log.all())
			got := map[string]int{}
			err := store.Iterate(ctx, 1, func(r *evidence.Record) error {
				got[r.Event.Name]++
				checkEvent(t, r.Event, calls)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for name := range wantEvents {
				want := !(mishandle && name == events.EventSupportCaseOpened)
				if (got[name] > 0) != want {
					t.Errorf("%s emitted %d times, want it %v", name, got[name], map[bool]string{true: "there", false: "missing"}[want])
				}
			}
		})
	}
}

// bySpan indexes the captured calls by the span id of their traceparent,
// checking every call has one.
func bySpan(t *testing.T, recs []evidence.Record) map[string]evidence.Record {
	t.Helper()
	out := map[string]evidence.Record{}
	for _, r := range recs {
		tp, err := events.ParseTraceparent(r.Request.Header.Get("Traceparent"))
		if err != nil {
			t.Fatalf("call %s %s: %v", r.Request.Method, r.Request.URL, err)
		}
		out[tp.TraceID+"/"+tp.SpanID] = r
	}
	return out
}

// checkEvent checks an event's entity attribute and that the call it is
// linked to by trace and span is about that entity.
func checkEvent(t *testing.T, e *evidence.Event, calls map[string]evidence.Record) {
	t.Helper()
	key, ok := wantEvents[e.Name]
	if !ok {
		t.Errorf("unexpected event %q", e.Name)
		return
	}
	var attrs map[string]any
	if err := json.Unmarshal(e.Attributes, &attrs); err != nil {
		t.Fatalf("event %s attributes %s: %v", e.Name, e.Attributes, err)
	}
	id, _ := attrs[key].(string)
	if id == "" {
		t.Errorf("event %s has no %s: %s", e.Name, key, e.Attributes)
		return
	}
	call, ok := calls[e.TraceID+"/"+e.SpanID]
	if !ok {
		t.Errorf("event %s (trace %s span %s) matches no call", e.Name, e.TraceID, e.SpanID)
		return
	}
	if !strings.Contains(call.Request.URL, id) && !strings.Contains(call.Response.Body.Text, id) && !strings.Contains(call.Request.Body.Text, id) {
		t.Errorf("event %s about %s=%s follows %s %s, which is not about it", e.Name, key, id, call.Request.Method, call.Request.URL)
	}
	if strings.Contains(string(e.Resource), serviceName) == false {
		t.Errorf("event %s resource %s lacks the service name", e.Name, e.Resource)
	}
}
