package events

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// ParseTraceparent parses a W3C traceparent header value,
// "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>". Ids must be
// lower-case hex and not all zeros; version ff is invalid, and a future
// version may carry more fields after the flags.
func ParseTraceparent(v string) (evidence.Trace, error) {
	v = strings.TrimSpace(v)
	parts := strings.Split(v, "-")
	bad := func(why string) (evidence.Trace, error) {
		return evidence.Trace{}, fmt.Errorf("parse traceparent %q: %s", cutUTF8(v, 80), why)
	}
	if len(parts) < 4 || len(parts[0]) != 2 || !isLowerHex(parts[0]) {
		return bad("want 00-<trace id>-<span id>-<flags>")
	}
	switch {
	case parts[0] == "ff":
		return bad("version ff is invalid")
	case parts[0] == "00" && len(parts) != 4:
		return bad("version 00 has exactly four fields")
	case len(parts[1]) != 32 || !isLowerHex(parts[1]) || allZero(parts[1]):
		return bad("the trace id must be 32 lower-case hex digits, not all zero")
	case len(parts[2]) != 16 || !isLowerHex(parts[2]) || allZero(parts[2]):
		return bad("the span id must be 16 lower-case hex digits, not all zero")
	case len(parts[3]) != 2 || !isLowerHex(parts[3]):
		return bad("the flags must be 2 lower-case hex digits")
	}
	return evidence.Trace{TraceID: parts[1], SpanID: parts[2]}, nil
}

// hexField checks an optional hex id of n digits; it is lower-cased, and
// an all-zero id counts as none.
func hexField(field, v string, n int) (string, error) {
	if v == "" {
		return "", nil
	}
	v = strings.ToLower(v)
	if len(v) != n {
		return "", fmt.Errorf("%s must be %d hex digits, got %d characters", field, n, len(v))
	}
	if _, err := hex.DecodeString(v); err != nil {
		return "", fmt.Errorf("%s must be %d hex digits", field, n)
	}
	if allZero(v) {
		return "", nil
	}
	return v, nil
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
	return strings.Trim(s, "0") == ""
}
