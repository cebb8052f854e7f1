package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeJSON parses one JSON document into the tree the schema validator
// takes: map[string]any, []any, string, json.Number, bool and nil. It
// accepts and builds exactly what encoding/json with UseNumber does (a
// fuzz test holds the two together), about three times faster: bodies are
// decoded once per record, and that cost dominated checking.
func decodeJSON(data []byte) (any, error) { return decodeShaped(data, wholeShape) }

// decodeShaped decodes only what sh keeps (see shape); the syntax of the
// whole document is checked all the same.
func decodeShaped(data []byte, sh *shape) (any, error) {
	d := decoder{data: data}
	d.space()
	v, err := d.value(0, sh)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.pos != len(d.data) {
		return nil, d.syntax("invalid character after top-level value")
	}
	return v, nil
}

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

type decoder struct {
	data []byte
	pos  int
	buf  []byte
	// keys interns object keys: the items of a list repeat the same names.
	keys map[string]string
	// objects counts the objects closed; keys are interned from the
	// second on (a body with one object has nothing to share).
	objects int
	// sizes[depth] is the size of the last object closed at that depth, a
	// capacity hint that spares the map growth of homogeneous items.
	sizes []int
}

// syntaxError is a decoding error at a byte offset; its message never
// quotes the input.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("syntax error at byte %d: %s", e.off, e.msg) }

func (d *decoder) syntax(msg string) error { return &syntaxError{off: d.pos, msg: msg} }

var errDepth = errors.New("nesting too deep")

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int, sh *shape) (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.syntax("unexpected end of JSON input")
	}
	if sh == nil {
		return nil, d.skip(depth)
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if depth >= maxDepth {
			return nil, errDepth
		}
		return d.object(depth+1, sh)
	case c == '[':
		if depth >= maxDepth {
			return nil, errDepth
		}
		return d.array(depth+1, sh)
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, d.syntax("invalid character looking for beginning of value")
}

func (d *decoder) literal(lit string) error {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return d.syntax("invalid literal")
	}
	d.pos += len(lit)
	return nil
}

func (d *decoder) object(depth int, sh *shape) (any, error) {
	d.pos++ // {
	for len(d.sizes) <= depth {
		d.sizes = append(d.sizes, 0)
	}
	m := make(map[string]any, d.sizes[depth])
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return m, nil
	}
	for {
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.syntax("looking for beginning of object key string")
		}
		k, err := d.key()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.syntax("after object key")
		}
		d.pos++
		d.space()
		sub, keep := sh, true
		if !sh.all {
			sub, keep = sh.props[k]
		}
		if !keep {
			if err := d.skip(depth); err != nil {
				return nil, err
			}
		} else {
			v, err := d.value(depth, sub)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.syntax("unexpected end of JSON input")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.sizes[depth] = len(m)
			d.objects++
			return m, nil
		default:
			return nil, d.syntax("after object key:value pair")
		}
	}
}

func (d *decoder) array(depth int, sh *shape) (any, error) {
	sub := sh.items
	if sh.all {
		sub = sh
	}
	d.pos++ // [
	a := []any{}
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return a, nil
	}
	for {
		d.space()
		v, err := d.value(depth, sub)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.syntax("unexpected end of JSON input")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return a, nil
		default:
			return nil, d.syntax("after array element")
		}
	}
}

// number scans a JSON number (RFC 8259 grammar) as a json.Number.
func (d *decoder) number() (any, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '0':
		d.pos++
	case d.pos < len(d.data) && d.data[d.pos] >= '1' && d.data[d.pos] <= '9':
		d.digits()
	default:
		return nil, d.syntax("in numeric literal")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if !d.digits() {
			return nil, d.syntax("after decimal point in numeric literal")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if !d.digits() {
			return nil, d.syntax("in exponent of numeric literal")
		}
	}
	return json.Number(d.data[start:d.pos]), nil
}

func (d *decoder) digits() bool {
	start := d.pos
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		d.pos++
	}
	return d.pos > start
}

// key scans an object key, interned: plain keys are looked up in place
// without allocating.
func (d *decoder) key() (string, error) {
	start := d.pos + 1
	for i := start; i < len(d.data) && i-start <= 64; i++ {
		c := d.data[i]
		if c == '"' {
			if k, ok := d.keys[string(d.data[start:i])]; ok {
				d.pos = i + 1
				return k, nil
			}
			break
		}
		if c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			break
		}
	}
	k, err := d.str()
	if err == nil && len(k) <= 64 && d.objects > 0 {
		if d.keys == nil {
			d.keys = map[string]string{}
		}
		d.keys[k] = k
	}
	return k, err
}

// str scans a string; invalid UTF-8 becomes U+FFFD, as encoding/json does.
func (d *decoder) str() (string, error) {
	d.pos++ // "
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			s := string(d.data[start:d.pos])
			d.pos++
			return s, nil
		case c == '\\' || c >= utf8.RuneSelf:
			return d.slowStr(start)
		case c < ' ':
			return "", d.syntax("in string literal")
		}
		d.pos++
	}
	return "", d.syntax("unexpected end of JSON input")
}

func (d *decoder) slowStr(start int) (string, error) {
	b := append(d.buf[:0], d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.buf = b
			return string(b), nil
		case c < ' ':
			return "", d.syntax("in string literal")
		case c == '\\':
			var err error
			if b, err = d.escape(b); err != nil {
				return "", err
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, d.data[d.pos:d.pos+size]...)
			}
			d.pos += size
		default:
			b = append(b, c)
			d.pos++
		}
	}
	return "", d.syntax("unexpected end of JSON input")
}

// escape appends the character of the escape at d.pos to b.
func (d *decoder) escape(b []byte) ([]byte, error) {
	if d.pos+1 >= len(d.data) {
		return nil, d.syntax("unexpected end of JSON input")
	}
	c := d.data[d.pos+1]
	d.pos += 2
	switch c {
	case '"', '\\', '/':
		return append(b, c), nil
	case 'b':
		return append(b, '\b'), nil
	case 'f':
		return append(b, '\f'), nil
	case 'n':
		return append(b, '\n'), nil
	case 'r':
		return append(b, '\r'), nil
	case 't':
		return append(b, '\t'), nil
	case 'u':
		r, ok := d.hex4()
		if !ok {
			return nil, d.syntax("in \\u hexadecimal character escape")
		}
		if utf16.IsSurrogate(r) {
			r2 := utf8.RuneError
			if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
				save := d.pos
				d.pos += 2
				lo, ok := d.hex4()
				if !ok {
					return nil, d.syntax("in \\u hexadecimal character escape")
				}
				if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
					return utf8.AppendRune(b, dec), nil
				}
				d.pos = save
			}
			return utf8.AppendRune(b, r2), nil
		}
		return utf8.AppendRune(b, r), nil
	}
	d.pos--
	return nil, d.syntax("in string escape code")
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d.data[d.pos:d.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	d.pos += 4
	return rune(n), true
}

// skip scans one value without building it, with the same syntax checks.
func (d *decoder) skip(depth int) error {
	if d.pos >= len(d.data) {
		return d.syntax("unexpected end of JSON input")
	}
	switch c := d.data[d.pos]; {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return errDepth
		}
		return d.skipComposite(depth+1, c)
	case c == '"':
		_, err := d.skipString()
		return err
	case c == '-' || c >= '0' && c <= '9':
		_, err := d.number()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	}
	return d.syntax("invalid character looking for beginning of value")
}

// skipComposite skips an object or an array.
func (d *decoder) skipComposite(depth int, open byte) error {
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	d.pos++
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == closer {
		d.pos++
		return nil
	}
	for {
		d.space()
		if open == '{' {
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				return d.syntax("looking for beginning of object key string")
			}
			if _, err := d.skipString(); err != nil {
				return err
			}
			d.space()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return d.syntax("after object key")
			}
			d.pos++
			d.space()
		}
		if err := d.skip(depth); err != nil {
			return err
		}
		d.space()
		if d.pos >= len(d.data) {
			return d.syntax("unexpected end of JSON input")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case closer:
			d.pos++
			return nil
		default:
			return d.syntax("after element")
		}
	}
}

// skipString scans a string without building it.
func (d *decoder) skipString() (struct{}, error) {
	d.pos++ // "
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return struct{}{}, nil
		case c < ' ':
			return struct{}{}, d.syntax("in string literal")
		case c == '\\':
			if _, err := d.escape(d.buf[:0]); err != nil {
				return struct{}{}, err
			}
			continue
		}
		d.pos++
	}
	return struct{}{}, d.syntax("unexpected end of JSON input")
}
