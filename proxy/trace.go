package proxy

import (
	"net/http"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// traceparentLen is the length of a version 00 traceparent:
// 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>.
const traceparentLen = 55

// traceOf returns the W3C trace context of a request, from its one
// traceparent header (https://www.w3.org/TR/trace-context/), or nil when
// it has none or an invalid one: several values, upper-case or non-hex
// digits, version ff, all-zero ids, or a version 00 value with more after
// it. A later version is read as version 00 when its first 55 characters
// have that shape and a dash or nothing follows. The header itself is
// recorded with the others; the ids are substrings of it (no copy).
func traceOf(h http.Header) *evidence.Trace {
	vs := h["Traceparent"]
	if len(vs) != 1 {
		return nil
	}
	id, span, ok := parseTraceparent(vs[0])
	if !ok {
		return nil
	}
	return &evidence.Trace{TraceID: id, SpanID: span}
}

func parseTraceparent(v string) (traceID, spanID string, ok bool) {
	if len(v) < traceparentLen || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return "", "", false
	}
	version := v[:2]
	switch {
	case !isLowerHex(version) || version == "ff":
		return "", "", false
	case version == "00" && len(v) != traceparentLen:
		return "", "", false
	case len(v) > traceparentLen && v[traceparentLen] != '-':
		return "", "", false
	}
	traceID, spanID = v[3:35], v[36:52]
	if !isLowerHex(traceID) || !isLowerHex(spanID) || !isLowerHex(v[53:55]) || allZero(traceID) || allZero(spanID) {
		return "", "", false
	}
	return traceID, spanID, true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}
