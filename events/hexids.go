package events

import (
	"encoding/base64"
	"encoding/hex"
)

// OTLP/JSON differs from the standard protobuf JSON mapping in one way that
// matters to a decoder: traceId and spanId are hex strings, where protojson
// reads bytes fields as base64. hexIDsToBase64 rewrites them before
// protojson runs, in one pass that copies only when it rewrites.
//
// It is a scanner of JSON strings, not a parser: it finds each object key
// (a string followed by a colon) named traceId, spanId, trace_id or
// span_id whose value is a string of hex digits of even length, and
// replaces that value by its base64. Anything else is left for protojson
// to accept or refuse, so malformed JSON still gets protojson's error.
func hexIDsToBase64(src []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(src); i++ {
		if src[i] != '"' {
			continue
		}
		end := stringEnd(src, i)
		if end < 0 {
			break
		}
		colon := skipSpace(src, end+1)
		if colon >= len(src) || src[colon] != ':' || !isIDKey(src[i+1:end]) {
			i = end
			continue
		}
		v := skipSpace(src, colon+1)
		if v >= len(src) || src[v] != '"' {
			i = end
			continue
		}
		vend := stringEnd(src, v)
		if vend < 0 {
			break
		}
		if b64, ok := hexToBase64(src[v+1 : vend]); ok {
			out = append(out, src[last:v+1]...)
			out = append(out, b64...)
			last = vend
		}
		i = vend
	}
	if out == nil {
		return src
	}
	return append(out, src[last:]...)
}

// stringEnd returns the index of the quote closing the string that opens
// at src[start], or -1.
func stringEnd(src []byte, start int) int {
	for i := start + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func skipSpace(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
		i++
	}
	return i
}

func isIDKey(k []byte) bool {
	switch string(k) {
	case "traceId", "spanId", "trace_id", "span_id":
		return true
	}
	return false
}

// hexToBase64 converts a non-empty string of hex digits of even length.
func hexToBase64(h []byte) ([]byte, bool) {
	if len(h) == 0 || len(h)%2 != 0 || len(h) > 128 {
		return nil, false
	}
	raw := make([]byte, len(h)/2)
	if _, err := hex.Decode(raw, h); err != nil {
		return nil, false
	}
	return base64.StdEncoding.AppendEncode(nil, raw), true
}
