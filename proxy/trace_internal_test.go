package proxy

import (
	"net/http"
	"strings"
	"testing"
)

const (
	testTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	testSpanID  = "00f067aa0ba902b7"
)

func TestTraceOf(t *testing.T) {
	valid := "00-" + testTraceID + "-" + testSpanID + "-01"
	tests := []struct {
		name   string
		values []string
		ok     bool
	}{
		{"valid", []string{valid}, true},
		{"unsampled", []string{"00-" + testTraceID + "-" + testSpanID + "-00"}, true},
		{"later version with more", []string{"01-" + testTraceID + "-" + testSpanID + "-01-what-ever"}, true},
		{"later version, exact", []string{"cc-" + testTraceID + "-" + testSpanID + "-01"}, true},
		{"none", nil, false},
		{"two headers", []string{valid, valid}, false},
		{"version ff", []string{"ff-" + testTraceID + "-" + testSpanID + "-01"}, false},
		{"version 00 with more", []string{valid + "-x"}, false},
		{"later version, no dash after", []string{"01-" + testTraceID + "-" + testSpanID + "-01x"}, false},
		{"upper case", []string{"00-" + strings.ToUpper(testTraceID) + "-" + testSpanID + "-01"}, false},
		{"zero trace id", []string{"00-" + strings.Repeat("0", 32) + "-" + testSpanID + "-01"}, false},
		{"zero span id", []string{"00-" + testTraceID + "-" + strings.Repeat("0", 16) + "-01"}, false},
		{"short", []string{"00-" + testTraceID[:31] + "-" + testSpanID + "-01"}, false},
		{"bad flags", []string{"00-" + testTraceID + "-" + testSpanID + "-0g"}, false},
		{"bad version", []string{"0x-" + testTraceID + "-" + testSpanID + "-01"}, false},
		{"wrong separators", []string{"00_" + testTraceID + "_" + testSpanID + "_01"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.values {
				h.Add("traceparent", v)
			}
			got := traceOf(h)
			if (got != nil) != tt.ok {
				t.Fatalf("traceOf = %+v, want ok=%v", got, tt.ok)
			}
			if got != nil && (got.TraceID != testTraceID || got.SpanID != testSpanID) {
				t.Errorf("trace = %+v", got)
			}
		})
	}
}

// FuzzTraceparent: whatever the header, the parser does not panic, and
// what it accepts is lower-case hex of the right lengths, not all zero,
// taken from where the format puts it.
func FuzzTraceparent(f *testing.F) {
	f.Add("00-" + testTraceID + "-" + testSpanID + "-01")
	f.Add("01-" + testTraceID + "-" + testSpanID + "-01-extra")
	f.Add("ff-" + testTraceID + "-" + testSpanID + "-01")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		id, span, ok := parseTraceparent(v)
		if !ok {
			return
		}
		if len(id) != 32 || len(span) != 16 || !isLowerHex(id) || !isLowerHex(span) || allZero(id) || allZero(span) {
			t.Fatalf("accepted %q: %q %q", v, id, span)
		}
		if v[3:35] != id || v[36:52] != span || v[:2] == "ff" {
			t.Fatalf("accepted %q from the wrong place", v)
		}
	})
}
