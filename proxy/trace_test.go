package proxy_test

import (
	"net/http"
	"testing"
)

// TestRecordsTraceparent: in both modes the record carries the W3C trace
// context of the call, and keeps the header as sent; an invalid one is
// ignored.
func TestRecordsTraceparent(t *testing.T) {
	const header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	e := newEnv(t, envConfig{})
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			for _, tt := range []struct {
				value string
				want  bool
			}{{header, true}, {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false}} {
				e.rec.reset()
				req := newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil)
				req.Header.Set("Traceparent", tt.value)
				if resp, body := do(t, m.client(e), req); resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				rec := e.rec.only(t)
				if got := rec.Request.Header.Get("Traceparent"); got != tt.value {
					t.Errorf("recorded header %q", got)
				}
				switch {
				case !tt.want && rec.Trace != nil:
					t.Errorf("invalid traceparent recorded as %+v", rec.Trace)
				case tt.want && (rec.Trace == nil || rec.Trace.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" || rec.Trace.SpanID != "00f067aa0ba902b7"):
					t.Errorf("trace = %+v", rec.Trace)
				}
			}
		})
	}
}
