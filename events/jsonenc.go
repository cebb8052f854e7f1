package events

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Attributes are stored as JSON objects whose bytes must not depend on
// map iteration or on the app's key order: keys sorted bytewise, no
// insignificant space, strings escaped as encoding/json escapes them with
// HTML escaping off (so the recorder's canonical form leaves them as they
// are). This file writes that form directly, without reflection.

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quote, backslash and control
// bytes escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029
// escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscapedByte(dst, b)
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			start = i + size
		} else if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscapedByte appends the escape of an ASCII byte that JSON strings
// cannot hold as is.
func appendEscapedByte(dst []byte, b byte) []byte {
	switch b {
	case '"', '\\':
		return append(dst, '\\', b)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
}

// appendJSONFloat appends f as encoding/json writes a float64; NaN and the
// infinities, which JSON cannot hold, become the strings "NaN",
// "Infinity" and "-Infinity" (the spelling of the protobuf JSON mapping).
func appendJSONFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7, as encoding/json writes it.
		if m := len(dst) - n; m >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst
}

// member is one attribute: its key and its value already encoded as JSON.
type member struct {
	key string
	raw []byte
}

// sortMembers sorts members by key and keeps the last of equal keys (a
// later duplicate overrides an earlier one, as a JSON decoder does).
func sortMembers(ms []member) []member {
	slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	out := ms[:0]
	for i, m := range ms {
		if i+1 < len(ms) && ms[i+1].key == m.key {
			continue
		}
		out = append(out, m)
	}
	return out
}

// appendObject appends sorted members as a JSON object.
func appendObject(dst []byte, ms []member) []byte {
	dst = append(dst, '{')
	for i, m := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, m.key)
		dst = append(dst, ':')
		dst = append(dst, m.raw...)
	}
	return append(dst, '}')
}

// appendJSONValue appends a value decoded by encoding/json with UseNumber
// (the attributes of a POST /events entry): objects with sorted keys.
// depth counts the enclosing arrays and objects; past maxDepth a value is
// replaced by a marker string and cut is set.
func appendJSONValue(dst []byte, v any, depth int, cut *bool) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, v)
	case string:
		return appendJSONString(dst, v)
	case json.Number:
		return append(dst, v...)
	case float64:
		return appendJSONFloat(dst, v)
	case []any:
		if depth >= maxDepth {
			*cut = true
			return append(dst, tooDeep...)
		}
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONValue(dst, e, depth+1, cut)
		}
		return append(dst, ']')
	case map[string]any:
		if depth >= maxDepth {
			*cut = true
			return append(dst, tooDeep...)
		}
		ms := make([]member, 0, len(v))
		for k, e := range v {
			ms = append(ms, member{key: k, raw: appendJSONValue(nil, e, depth+1, cut)})
		}
		return appendObject(dst, sortMembers(ms))
	}
	// encoding/json produces no other types.
	return append(dst, "null"...)
}

// maxDepth is how deeply arrays and objects may nest inside an attribute
// value; tooDeep replaces what lies deeper.
const (
	maxDepth = 32
	tooDeep  = `"[truncated: nested deeper than 32 levels]"`
)
