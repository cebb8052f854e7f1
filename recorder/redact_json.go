package recorder

import (
	"bytes"
	"encoding/json"
	"strings"
)

// JSON documents (bodies, event attributes) are redacted by a tolerant
// lexer rather than by decoding and re-encoding: every byte that is not a
// replaced span is kept as it was (key order, spacing, number formatting,
// escapes), a replaced value is always a JSON string, so valid JSON stays
// valid, and a body cut at the capture cap (invalid JSON) is still
// redacted up to its last byte. Keys and strings are looked at in their
// canonical form: JSON escapes decoded, then percent-encoding.

// jsonFrame is one open object or array.
type jsonFrame struct {
	object bool
	// sensitive is set when the container is itself the value of a
	// sensitive field: every scalar inside it is redacted.
	sensitive bool
	// expectKey is set in an object between '{' or ',' and the next key.
	expectKey bool
	// keySensitive says whether the current key names a secret.
	keySensitive bool
	// key is the inside of the current key token (objects) and index the
	// position of the current value (arrays), for JSON paths.
	key   []byte
	index int
}

// shallowFrames is how many open containers are held in place; deeper
// ones go to a slice (the frames are not a slice of the struct itself,
// which would move every redaction's state to the heap).
const shallowFrames = 16

type jsonRedaction struct {
	r       *Redactor
	w       rewriter
	shallow [shallowFrames]jsonFrame
	deep    []jsonFrame
	depth   int
	ctx     nameContext
	// attrs says the document is event attributes, whose keys are
	// attribute names (http.request.header.x-api-key names a header).
	attrs bool
	keys  keyCache
}

// keyCache remembers the verdicts on the raw keys seen in the document:
// the same few keys repeat in every element of a JSON list. It is direct
// mapped by a cheap hash of the key; a collision only costs a new verdict.
type keyCache struct {
	entries [64]keyVerdict
}

type keyVerdict struct {
	raw       []byte // a slice of the document being redacted
	sensitive bool
	// clean says the key itself holds no card number or pattern match.
	clean bool
}

func keySlot(raw []byte) int {
	h := uint(len(raw))
	if len(raw) > 0 {
		h = h*31 + uint(raw[0])
		h = h*31 + uint(raw[len(raw)-1])
		h = h*31 + uint(raw[len(raw)/2])
	}
	return int(h % 64)
}

func (c *keyCache) lookup(raw []byte) (*keyVerdict, bool) {
	e := &c.entries[keySlot(raw)]
	return e, e.raw != nil && bytes.Equal(e.raw, raw)
}

// jsonStringMode is how the inside of a JSON string is decoded.
const jsonStringMode = decodeJSON | decodePercent

// redactJSON redacts a JSON (or JSON-looking) document. ctx adds the
// path-field rules of the record's URL; attrs says the keys are event
// attribute names.
func (r *Redactor) redactJSON(src []byte, ctx nameContext, attrs bool) ([]byte, int) {
	j := jsonRedaction{r: r, w: rewriter{src: src}, ctx: ctx, attrs: attrs}
	j.run()
	return j.w.result(), j.w.n
}

// frame returns the open container at depth i (0 is the outermost).
func (j *jsonRedaction) frame(i int) *jsonFrame {
	if i < shallowFrames {
		return &j.shallow[i]
	}
	return &j.deep[i-shallowFrames]
}

func (j *jsonRedaction) top() *jsonFrame {
	if j.depth == 0 {
		return nil
	}
	return j.frame(j.depth - 1)
}

func (j *jsonRedaction) push(f jsonFrame) {
	if j.depth < shallowFrames {
		j.shallow[j.depth] = f
	} else {
		j.deep = append(j.deep[:j.depth-shallowFrames], f)
	}
	j.depth++
}

func (j *jsonRedaction) pop() {
	if j.depth > 0 {
		j.depth--
	}
}

// valueSensitive reports whether a value starting now is a secret.
func (j *jsonRedaction) valueSensitive() bool {
	t := j.top()
	if t == nil {
		return false
	}
	if t.sensitive || (t.object && t.keySensitive) {
		return true
	}
	for _, p := range j.r.paths {
		if p.matches(j) {
			return true
		}
	}
	return false
}

func (j *jsonRedaction) run() {
	src := j.w.src
	for i := 0; i < len(src); {
		switch c := src[i]; c {
		case ' ', '\t', '\n', '\r', ':':
			if t := j.top(); c == ':' && t != nil && t.object {
				t.expectKey = false
			}
			i++
		case '{', '[':
			j.push(jsonFrame{object: c == '{', sensitive: j.valueSensitive(), expectKey: c == '{'})
			i++
		case '}', ']':
			j.pop()
			i++
		case ',':
			j.onComma()
			i++
		case '"':
			end := jsonStringEnd(src, i)
			j.onString(i, end)
			i = end
		default:
			if c == '-' || isDigit(c) {
				end := jsonNumberEnd(src, i)
				j.onNumber(i, end)
				i = end
				continue
			}
			// true, false, null and bytes that are not JSON at all: a
			// literal is never a secret worth hiding, and stray text is
			// scanned by the number and string rules as it comes.
			i++
		}
	}
}

func (j *jsonRedaction) onComma() {
	t := j.top()
	switch {
	case t == nil:
	case t.object:
		t.expectKey, t.keySensitive = true, false
	default:
		t.index++
	}
}

// jsonStringEnd returns the index just past the string token starting at
// the quote src[i], or len(src) when it is not terminated.
func jsonStringEnd(src []byte, i int) int {
	for k := i + 1; k < len(src); k++ {
		switch src[k] {
		case '\\':
			k++
		case '"':
			return min(k+1, len(src))
		}
	}
	return len(src)
}

// jsonNumberEnd returns the index just past the number token at src[i].
func jsonNumberEnd(src []byte, i int) int {
	k := i + 1
	for k < len(src) {
		c := src[k]
		if isDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			k++
			continue
		}
		break
	}
	return k
}

// stringInner returns the inside of the string token src[start:end]
// (without its quotes; a token cut short has no closing quote).
func stringInner(src []byte, start, end int) []byte {
	if end-start >= 2 && src[end-1] == '"' && !escapedQuote(src[start+1:end-1]) {
		return src[start+1 : end-1]
	}
	return src[start+1 : end]
}

// escapedQuote reports whether inner ends with an odd number of
// backslashes, so that the quote after it is escaped (a token cut short).
func escapedQuote(inner []byte) bool {
	n := 0
	for i := len(inner) - 1; i >= 0 && inner[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func (j *jsonRedaction) onString(start, end int) {
	src := j.w.src
	inner := stringInner(src, start, end)
	if t := j.top(); t != nil && t.object && t.expectKey {
		j.onKey(t, inner, start+1)
		return
	}
	if j.valueSensitive() {
		d := canonical(inner, decodeJSON)
		if len(d.text) > 0 && !isFingerprintBytes(d.text) {
			j.w.replace(start, end, `"`+j.r.fingerprint(digitsOnly(string(d.text)))+`"`)
		}
		return
	}
	j.scanValue(start+1, inner)
}

// onKey judges the key whose inside, inner, starts at base, and scans it
// for card numbers (a card number used as a key).
func (j *jsonRedaction) onKey(t *jsonFrame, inner []byte, base int) {
	t.key = inner
	v, ok := j.keys.lookup(inner)
	if !ok {
		key := canonical(inner, decodeJSON).text
		*v = keyVerdict{raw: inner, sensitive: j.r.secretName(key, j.ctx, false) || (j.attrs && j.r.attrHeaderSecret(key))}
	}
	t.keySensitive = v.sensitive
	if v.clean || (len(inner) < minSecretText && len(j.r.patterns) == 0) {
		return
	}
	v.clean = j.r.scanInto(&j.w, base, inner, jsonStringMode) == 0
}

// attrHeaderSecret reports whether an event attribute key names a secret
// header (OpenTelemetry's http.request.header.<name>).
func (r *Redactor) attrHeaderSecret(key []byte) bool {
	for _, prefix := range []string{"http.request.header.", "http.response.header."} {
		if len(key) > len(prefix) && string(key[:len(prefix)]) == prefix {
			return r.headerSecret(string(key[len(prefix):]))
		}
	}
	return false
}

// scanValue replaces the secrets inside a string value whose inside,
// inner, starts at base. A string holding a URL with a query is redacted
// as a URL, so its secret parameters go too.
func (j *jsonRedaction) scanValue(base int, inner []byte) {
	if len(inner) < minSecretText && len(j.r.patterns) == 0 {
		return
	}
	if bytes.IndexByte(inner, '?') >= 0 && bytes.IndexByte(inner, '/') >= 0 {
		if j.scanURLValue(base, inner) {
			return
		}
	}
	j.r.scanInto(&j.w, base, inner, jsonStringMode)
}

// scanURLValue redacts a string value holding a URL; it reports false
// when the value is not one.
func (j *jsonRedaction) scanURLValue(base int, inner []byte) bool {
	d := canonical(inner, decodeJSON)
	u := string(d.text)
	if !strings.Contains(u, "://") && !strings.HasPrefix(u, "/") || !strings.Contains(u, "?") {
		return false
	}
	out, n := j.r.redactURLParts(u, j.ctx)
	if n == 0 {
		return true
	}
	if !d.identity() {
		out = string(jsonQuoteInner(out))
	}
	j.w.replace(base, base+len(inner), out)
	j.w.n += n - 1
	return true
}

func (j *jsonRedaction) onNumber(start, end int) {
	tok := j.w.src[start:end]
	if j.valueSensitive() {
		v := string(tok)
		if digits, ok := numberDigits(tok, 64); ok {
			v = digits
		}
		j.w.replace(start, end, `"`+j.r.fingerprint(v)+`"`)
		return
	}
	if !j.r.opts.DisableLuhn {
		if digits, ok := panNumber(tok); ok {
			j.w.replace(start, end, `"`+j.r.fingerprint(digits)+`"`)
			return
		}
		// A card number's digits in a fraction or in a token that is not
		// a number at all are still its digits.
		if len(tok) >= minPANDigits && hasDigits(tok, minPANDigits) {
			var buf [2]hit
			if hits := scanPANs(tok, buf[:0]); len(hits) > 0 {
				j.w.replace(start, end, `"`+j.r.hitFingerprint(tok[hits[0].start:hits[0].end], true)+`"`)
				return
			}
		}
	}
	if len(j.r.patterns) > 0 {
		var buf [4]hit
		if hits := j.r.scanPatterns(tok, buf[:0]); len(hits) > 0 {
			j.w.replace(start, end, `"`+j.r.fingerprint(string(tok))+`"`)
		}
	}
}

// panNumber returns the digits of a JSON number token whose value is a
// card number: an integer of 13–19 digits, not starting with 0,
// Luhn-valid, whatever its sign or form (4111111111111111,
// -4111111111111111, 4111111111111111.0, 4.111111111111111e15).
func panNumber(tok []byte) (string, bool) {
	digits := tok
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	plain := true
	for _, c := range digits {
		if !isDigit(c) {
			plain = false
			break
		}
	}
	switch {
	case plain && (len(digits) < minPANDigits || len(digits) > maxPANDigits):
		return "", false
	case !plain && len(tok) < minPANDigits && bytes.IndexAny(tok, "eE") < 0:
		// Without an exponent, 13 integer digits need 13 bytes.
		return "", false
	case !plain:
		s, ok := numberDigits(tok, maxPANDigits)
		if !ok || len(s) < minPANDigits {
			return "", false
		}
		digits = []byte(s)
	}
	if !panCandidate(digits, [][2]int{{0, len(digits)}}) {
		return "", false
	}
	return string(digits), true
}

// jsonQuoteInner encodes s as the inside of a JSON string, without HTML
// escaping.
func jsonQuoteInner(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Encoding a string cannot fail.
	_ = enc.Encode(s)
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return out[1 : len(out)-1]
}
