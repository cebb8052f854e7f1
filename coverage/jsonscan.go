package coverage

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads values out of recorded JSON bodies without decoding them:
// a lookup walks the text, skipping what it does not need, and returns the
// raw text of the values it finds. Bodies are read many times by many rules
// and are mostly small, so scanning beats building a tree; it also allocates
// nothing. Malformed JSON simply yields no value. The rules of one record
// share their scans of its bodies (body.go).

// eachSeg is the path segment that stands for every element of an array.
const eachSeg = "[]"

// jsonEach calls fn with the raw text of every value found at path in doc,
// until fn returns true; it reports whether fn did. A segment eachSeg
// iterates the elements of an array; any other segment selects an object
// member. An empty path is the whole document.
func jsonEach(doc string, path []string, fn func(raw string) bool) bool {
	return eachAt(doc[skipWS(doc, 0):], path, fn)
}

// eachAt walks path from the value at the start of v; v may run on past
// that value (the rest of a document is not read unless needed).
func eachAt(v string, path []string, fn func(raw string) bool) bool {
	if len(path) == 0 {
		end := skipValue(v, 0)
		if end < 0 {
			return false
		}
		return fn(v[:end])
	}
	if path[0] == eachSeg {
		return eachElement(v, func(el string) bool { return eachAt(el, path[1:], fn) })
	}
	m, ok := member(v, path[0])
	if !ok {
		return false
	}
	return eachAt(m, path[1:], fn)
}

// member returns the raw value of key in the object v: the first member
// with that key before any malformed one.
func member(v, key string) (string, bool) {
	if len(v) == 0 || v[0] != '{' {
		return "", false
	}
	for i := skipWS(v, 1); ; {
		k, esc, vstart, ok := memberStart(v, i)
		if !ok {
			return "", false
		}
		vend := skipValue(v, vstart)
		if vend < 0 {
			return "", false
		}
		if keyEquals(k, esc, key) {
			return v[vstart:vend], true
		}
		i = memberNext(v, vend)
	}
}

// memberStart reads the quoted key of the member at i of the object v (i
// just past the '{' or the comma before it), whether the key holds an
// escape, and where the member's value starts; ok is false at the end of
// the object and at a malformed key.
func memberStart(v string, i int) (k string, esc bool, vstart int, ok bool) {
	if i >= len(v) || v[i] == '}' {
		return "", false, 0, false
	}
	kend, esc := scanString(v, i)
	if kend < 0 {
		return "", false, 0, false
	}
	colon := skipWS(v, kend)
	if colon >= len(v) || v[colon] != ':' {
		return "", false, 0, false
	}
	return v[i:kend], esc, skipWS(v, colon+1), true
}

// memberNext returns where the member after a value ending at vend starts.
func memberNext(v string, vend int) int {
	next := skipWS(v, vend)
	if next < len(v) && v[next] == ',' {
		next = skipWS(v, next+1)
	}
	return next
}

// keyEquals compares the quoted JSON string k, which holds an escape when
// esc is set, with key.
func keyEquals(k string, esc bool, key string) bool {
	if !esc {
		return k[1:len(k)-1] == key
	}
	s, ok := jsonString(k)
	return ok && s == key
}

// keyName decodes the quoted JSON string k as keyEquals compares it.
func keyName(k string, esc bool) (string, bool) {
	if !esc {
		return k[1 : len(k)-1], true
	}
	return jsonString(k)
}

// eachElement calls fn for each element of the array v until fn returns true.
func eachElement(v string, fn func(el string) bool) bool {
	if len(v) == 0 || v[0] != '[' {
		return false
	}
	i := skipWS(v, 1)
	for i < len(v) && v[i] != ']' {
		end := skipValue(v, i)
		if end < 0 {
			return false
		}
		if fn(v[i:end]) {
			return true
		}
		i = skipWS(v, end)
		if i < len(v) && v[i] == ',' {
			i = skipWS(v, i+1)
		}
	}
	return false
}

// jsonLen returns the number of elements of an array or members of an
// object, the length of a string, and false for anything else.
func jsonLen(v string) (int, bool) {
	switch {
	case len(v) == 0:
		return 0, false
	case v[0] == '"':
		s, ok := jsonString(v)
		return utf8.RuneCountInString(s), ok
	case v[0] == '[':
		n := 0
		eachElement(v, func(string) bool { n++; return false })
		return n, true
	case v[0] == '{':
		n := 0
		for i := skipWS(v, 1); i < len(v) && v[i] != '}'; n++ {
			if i = skipString(v, i); i < 0 {
				return 0, false
			}
			if i = skipWS(v, i); i >= len(v) || v[i] != ':' {
				return 0, false
			}
			if i = skipValue(v, skipWS(v, i+1)); i < 0 {
				return 0, false
			}
			if i = skipWS(v, i); i < len(v) && v[i] == ',' {
				i = skipWS(v, i+1)
			}
		}
		return n, true
	}
	return 0, false
}

func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the value starting at i, or -1.
func skipValue(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	switch c := s[i]; {
	case c == '"':
		return skipString(s, i)
	case c == '{' || c == '[':
		return skipNested(s, i)
	case c == '-' || (c >= '0' && c <= '9'):
		j := i + 1
		for j < len(s) && numberByte(s[j]) {
			j++
		}
		return j
	case strings.HasPrefix(s[i:], "true"), strings.HasPrefix(s[i:], "null"):
		return i + 4
	case strings.HasPrefix(s[i:], "false"):
		return i + 5
	}
	return -1
}

// numberByte reports whether c may appear in a JSON number after its
// first byte.
func numberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E'
}

// skipString returns the index just past the string starting at i, or -1.
func skipString(s string, i int) int {
	end, _ := scanString(s, i)
	return end
}

// scanString returns the index just past the string starting at i, or -1,
// and whether the string holds an escape (a backslash).
func scanString(s string, i int) (int, bool) {
	if i >= len(s) || s[i] != '"' {
		return -1, false
	}
	esc := false
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
			esc = true
		case '"':
			return j + 1, esc
		}
	}
	return -1, false
}

// skipNested returns the index just past the object or array at i, or -1.
func skipNested(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '"':
			if j = skipString(s, j); j < 0 {
				return -1
			}
			j--
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}

// jsonString decodes the raw JSON string v.
func jsonString(v string) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if strings.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	var s string
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return "", false
	}
	return s, true
}

// jsonNumber parses the raw JSON number v.
func jsonNumber(v string) (float64, bool) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, false
	}
	return parseNumber(v)
}

// parseNumber is strconv.ParseFloat(s, 64) without its cost for the
// common case, a plain integer of up to 15 digits (exact in a float64).
func parseNumber(s string) (float64, bool) {
	digits := strings.TrimPrefix(s, "-")
	if len(digits) == 0 || len(digits) > 15 {
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			f, err := strconv.ParseFloat(s, 64)
			return f, err == nil
		}
		n = n*10 + int64(c-'0')
	}
	f := float64(n)
	if len(digits) < len(s) {
		f = -f
	}
	return f, true
}
