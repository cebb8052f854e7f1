package recorder

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Secrets are searched for in the canonical form of what a record holds:
// the text an HTTP stack or a JSON decoder would hand to the application.
// A card number sent as "4111%201111%201111%201111" in a path,
// "4111+1111+1111+1111" in a query or "\u0034\u0031…" in a JSON string is
// a card number all the same. The decoded text keeps, for each of its
// bytes, where it came from, so a secret found there is replaced in the
// original encoding: the whole encoded span that decodes to the secret,
// and nothing else, so the rest of the record stays as sent.
//
// What is decoded:
//   - JSON string escapes (\", \\, \/, \b, \f, \n, \r, \t, \uXXXX with
//     surrogate pairs), in JSON bodies and event attributes;
//   - percent-encoding (%XX), in URL paths, query names and values, form
//     bodies, JSON string values, text bodies and header values; and '+'
//     as a space everywhere but in JSON strings (it is one in query and
//     form components, and card digits grouped by '+' are still card
//     digits). Percent-decoding is repeated while it changes something,
//     up to maxDecodeRounds rounds, for values encoded twice (an app that
//     escapes an escaped value); a malformed escape is kept as it is, as
//     net/url would refuse it;
//   - JSON numbers whose value is an integer, in exponent or decimal form
//     ("4111111111111111.0", "4.111111111111111e15"): see numberDigits.
//
// Every stage is scanned, not only the last: the text as sent, after JSON
// unescaping, and after each percent-decoding round (see
// Redactor.scanInto). Text with none of '\\', '%' or '+' is its own
// canonical form and is scanned in place, without copying.

// maxDecodeRounds bounds percent-decoding: once by the HTTP stack, once
// more for a framework or app that decodes again, and one spare. A value
// encoded more often is stored as sent: no stack would decode it that far.
const maxDecodeRounds = 3

// decodeMode says which encodings a piece of text may carry.
type decodeMode uint8

const (
	// decodeJSON: the text is the inside of a JSON string token.
	decodeJSON decodeMode = 1 << iota
	// decodePercent: %XX escapes.
	decodePercent
	// decodePlus: '+' is a space (query and form components).
	decodePlus
)

// decoded is a text in canonical form with the map back to its source.
type canonicalText struct {
	src  []byte
	text []byte
	// off[i] is where in src the decoded byte i comes from, and off[len]
	// is len(src). Nil when text is src.
	off []int
}

// canonical decodes src according to mode. It returns src itself, with a
// nil map, when there is nothing to decode.
func canonical(src []byte, mode decodeMode) canonicalText {
	d := canonicalText{src: src, text: src}
	for st := (decodeStep{mode: mode}); st.next(&d); {
	}
	return d
}

// decodeStep walks the stages of decoding a text: JSON escapes first,
// then each round of percent-decoding. Every stage is a form an
// application may see, so every stage is scanned for secrets.
type decodeStep struct {
	mode   decodeMode
	json   bool // JSON escapes done
	rounds int  // percent-decoding rounds done
	done   bool
}

// next decodes d one more stage, reporting false (and leaving d as it
// is) when nothing is left to decode.
func (st *decodeStep) next(d *canonicalText) bool {
	if st.done {
		return false
	}
	if !st.json {
		st.json = true
		if st.mode&decodeJSON != 0 && hasByte(d.text, '\\') {
			d.text, d.off = unescapeJSON(d.text)
			return true
		}
	}
	plus := st.mode&decodePlus != 0
	if st.mode&(decodePercent|decodePlus) == 0 || st.rounds >= maxDecodeRounds || !needsPercentDecoding(d.text, plus) {
		st.done = true
		return false
	}
	st.rounds++
	text, off, changed := percentDecode(d.text, plus)
	if !changed {
		st.done = true
		return false
	}
	d.off = composeOffsets(d.off, off)
	d.text = text
	return true
}

// identity reports whether the decoded text is the source itself.
func (d *canonicalText) identity() bool { return d.off == nil }

// span maps the decoded span [a, b) to the span of the source it was
// decoded from, widened to whole escapes.
func (d *canonicalText) span(a, b int) (int, int) {
	if d.off == nil {
		return a, b
	}
	start := d.off[a]
	if b <= a {
		return start, start
	}
	k := b
	for k < len(d.text) && d.off[k] == d.off[b-1] {
		k++
	}
	return start, d.off[k]
}

func hasByte(p []byte, c byte) bool {
	for _, b := range p {
		if b == c {
			return true
		}
	}
	return false
}

// needsPercentDecoding reports whether p holds a '%' followed by two hex
// digits, or a '+' when plus is set.
func needsPercentDecoding(p []byte, plus bool) bool {
	for i, c := range p {
		if c == '+' && plus {
			return true
		}
		if c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// percentDecode decodes one round of %XX (and '+' when plus) escapes.
func percentDecode(p []byte, plus bool) (text []byte, off []int, changed bool) {
	text = make([]byte, 0, len(p))
	off = make([]int, 0, len(p)+1)
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			text = append(text, unhex(p[i+1])<<4|unhex(p[i+2]))
			off = append(off, i)
			i += 3
			changed = true
		case c == '+' && plus:
			text = append(text, ' ')
			off = append(off, i)
			i++
			changed = true
		default:
			text = append(text, c)
			off = append(off, i)
			i++
		}
	}
	return text, append(off, len(p)), changed
}

// composeOffsets maps offsets into an intermediate text (inner) through
// the map of that text to the source (outer, nil for identity).
func composeOffsets(outer, inner []int) []int {
	if outer == nil {
		return inner
	}
	for i, o := range inner {
		inner[i] = outer[o]
	}
	return inner
}

// unescapeJSON decodes the escapes of the inside of a JSON string. Bytes
// that are not a valid escape are kept as they are (a body cut at the
// capture cap may end inside one).
func unescapeJSON(p []byte) ([]byte, []int) {
	text := make([]byte, 0, len(p))
	off := make([]int, 0, len(p)+1)
	for i := 0; i < len(p); {
		if p[i] != '\\' || i+1 >= len(p) {
			text, off = append(text, p[i]), append(off, i)
			i++
			continue
		}
		r, n := jsonEscape(p[i:])
		if n == 0 {
			text, off = append(text, p[i]), append(off, i)
			i++
			continue
		}
		before := len(text)
		text = utf8.AppendRune(text, r)
		for range len(text) - before {
			off = append(off, i)
		}
		i += n
	}
	return text, append(off, len(p))
}

// jsonEscape decodes the escape at the start of p (p[0] == '\\'): the rune
// and the escape's length, or 0 when it is not a valid escape. An unpaired
// surrogate decodes to U+FFFD, as encoding/json does.
func jsonEscape(p []byte) (rune, int) {
	switch p[1] {
	case '"', '\\', '/':
		return rune(p[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r, ok := hex4(p[2:])
		if !ok {
			return 0, 0
		}
		if !utf16.IsSurrogate(r) {
			return r, 6
		}
		if len(p) >= 12 && p[6] == '\\' && p[7] == 'u' {
			if r2, ok := hex4(p[8:]); ok {
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					return dec, 12
				}
			}
		}
		return utf8.RuneError, 6
	}
	return 0, 0
}

func hex4(p []byte) (rune, bool) {
	if len(p) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p[:4] {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

// numberDigits returns the decimal digits of the integer a JSON number
// token denotes ("4111111111111111.0", "4.111111111111111e15",
// "41111111111111110e-1" all give "4111111111111111"), without sign. It
// returns false for a number that is not an integer or has more than
// maxDigits digits, and for tokens that are not numbers.
func numberDigits(tok []byte, maxDigits int) (string, bool) {
	i := 0
	if i < len(tok) && tok[i] == '-' {
		i++
	}
	intStart := i
	for i < len(tok) && isDigit(tok[i]) {
		i++
	}
	intPart := tok[intStart:i]
	var frac []byte
	if i < len(tok) && tok[i] == '.' {
		i++
		s := i
		for i < len(tok) && isDigit(tok[i]) {
			i++
		}
		frac = tok[s:i]
	}
	exp, ok := numberExponent(tok[i:])
	if !ok || len(intPart) == 0 {
		return "", false
	}
	return integerDigits(intPart, frac, exp, maxDigits)
}

// numberExponent parses an optional exponent ("e15", "E-1", "e+3"), which
// must be all that is left of the token. Huge exponents are capped: they
// only make a number too long or not an integer.
func numberExponent(p []byte) (int, bool) {
	if len(p) == 0 {
		return 0, true
	}
	if p[0] != 'e' && p[0] != 'E' {
		return 0, false
	}
	p = p[1:]
	neg := false
	if len(p) > 0 && (p[0] == '+' || p[0] == '-') {
		neg = p[0] == '-'
		p = p[1:]
	}
	if len(p) == 0 {
		return 0, false
	}
	e := 0
	for _, c := range p {
		if !isDigit(c) {
			return 0, false
		}
		if e < 1<<20 {
			e = e*10 + int(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

// integerDigits builds the integer (intPart.frac) × 10^exp, when it is one.
func integerDigits(intPart, frac []byte, exp, maxDigits int) (string, bool) {
	mant := make([]byte, 0, len(intPart)+len(frac))
	mant = append(append(mant, intPart...), frac...)
	exp -= len(frac)
	// Trailing zeros of the mantissa absorb a negative exponent.
	for exp < 0 && len(mant) > 0 && mant[len(mant)-1] == '0' {
		mant = mant[:len(mant)-1]
		exp++
	}
	if exp < 0 {
		return "", false
	}
	for len(mant) > 1 && mant[0] == '0' {
		mant = mant[1:]
	}
	if len(mant)+exp > maxDigits {
		return "", false
	}
	if len(mant) == 0 {
		return "0", true
	}
	if mant[0] == '0' {
		return "0", true
	}
	for range exp {
		mant = append(mant, '0')
	}
	return string(mant), true
}
