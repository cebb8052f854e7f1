package coverage

import (
	"strconv"
	"strings"
)

// valueKind says what a value holds.
type valueKind uint8

const (
	kindNone valueKind = iota // no value
	kindNum
	kindStr
	kindBool
	kindNull
	kindComposite // an object or array, kept as raw JSON text
)

// value is one scalar read from a call or held as entity state. For numbers
// str keeps the text as written, which is the value's key form.
type value struct {
	kind valueKind
	num  float64
	str  string
}

// rawValue interprets the raw JSON text of one value.
func rawValue(raw string) value {
	if raw == "" {
		return value{}
	}
	switch c := raw[0]; {
	case c == '"':
		s, ok := jsonString(raw)
		if !ok {
			return value{}
		}
		return value{kind: kindStr, str: s}
	case c == '-' || (c >= '0' && c <= '9'):
		f, ok := jsonNumber(raw)
		if !ok {
			return value{}
		}
		return value{kind: kindNum, num: f, str: raw}
	case c == 't', c == 'f':
		return value{kind: kindBool, num: b2f(c == 't'), str: raw}
	case c == 'n':
		return value{kind: kindNull, str: raw}
	}
	return value{kind: kindComposite, str: raw}
}

// textValue is a value read from text that is not JSON: a query parameter, a
// header or a path parameter.
func textValue(s string) value { return value{kind: kindStr, str: s} }

func numValue(f float64) value {
	return value{kind: kindNum, num: f, str: strconv.FormatFloat(f, 'f', -1, 64)}
}

func boolValue(b bool) value {
	if b {
		return value{kind: kindBool, num: 1, str: "true"}
	}
	return value{kind: kindBool, str: "false"}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// key returns the value's correlation form: the text of a string, the
// digits of a number. Values that cannot correlate give "".
func (v value) key() string {
	switch v.kind {
	case kindStr, kindNum:
		return v.str
	}
	return ""
}

// number returns the value as a number; strings holding a number count.
func (v value) number() (float64, bool) {
	switch v.kind {
	case kindNum:
		return v.num, true
	case kindStr:
		return parseNumber(strings.TrimSpace(v.str))
	}
	return 0, false
}

// equal compares two values; a string and a number are equal when the
// string holds that number (path and query parameters are text).
func (v value) equal(w value) bool {
	if v.kind == w.kind {
		if v.kind == kindNum || v.kind == kindBool {
			return v.num == w.num
		}
		return v.str == w.str
	}
	if (v.kind == kindNum && w.kind == kindStr) || (v.kind == kindStr && w.kind == kindNum) {
		a, ok1 := v.number()
		b, ok2 := w.number()
		return ok1 && ok2 && a == b
	}
	return false
}

// empty reports whether a value is an empty string, array or object, or
// null.
func (v value) empty() bool {
	switch v.kind {
	case kindStr:
		return v.str == ""
	case kindNull:
		return true
	case kindComposite:
		n, ok := jsonLen(v.str)
		return ok && n == 0
	}
	return false
}

// clone returns v with its own copy of str, so a value kept in state does
// not pin a whole recorded body in memory.
func (v value) clone() value {
	v.str = strings.Clone(v.str)
	return v
}
