package recorder

import (
	"bytes"
	"encoding/json"
)

// JSON bodies are redacted by a tolerant lexer rather than by decoding and
// re-encoding: every byte that is not a replaced value is kept as it was
// (key order, spacing, number formatting), a replaced value is always a
// JSON string, so valid JSON stays valid, and a body cut at the capture cap
// (invalid JSON) is still redacted up to its last byte.

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
}

type jsonRedaction struct {
	r     *Redactor
	w     rewriter
	stack []jsonFrame
	otp   bool
	keys  keyCache
}

// keyCache remembers the verdict on the last raw keys seen: the same few
// keys repeat in every element of a JSON list.
type keyCache struct {
	raw       [16][]byte // slices of the document being redacted
	sensitive [16]bool
	n, next   int
}

func (c *keyCache) lookup(raw []byte) (sensitive, ok bool) {
	for i := range c.n {
		if bytes.Equal(c.raw[i], raw) {
			return c.sensitive[i], true
		}
	}
	return false, false
}

func (c *keyCache) add(raw []byte, sensitive bool) {
	c.raw[c.next], c.sensitive[c.next] = raw, sensitive
	c.next = (c.next + 1) % len(c.raw)
	c.n = max(c.n, c.next)
	if c.next == 0 {
		c.n = len(c.raw)
	}
}

// redactJSON redacts a JSON (or JSON-looking) document. otp makes the
// generic "code" field a secret, for the OTP endpoints.
func (r *Redactor) redactJSON(src []byte, otp bool) ([]byte, int) {
	var frames [16]jsonFrame
	j := jsonRedaction{r: r, w: rewriter{src: src}, stack: frames[:0], otp: otp}
	j.run()
	return j.w.result(), j.w.n
}

func (j *jsonRedaction) top() *jsonFrame {
	if len(j.stack) == 0 {
		return nil
	}
	return &j.stack[len(j.stack)-1]
}

// valueSensitive reports whether a value starting now is a secret.
func (j *jsonRedaction) valueSensitive() bool {
	t := j.top()
	return t != nil && (t.sensitive || (t.object && t.keySensitive))
}

func (j *jsonRedaction) run() {
	src := j.w.src
	for i := 0; i < len(src); {
		switch c := src[i]; c {
		case ' ', '\t', '\n', '\r':
			i++
		case '{', '[':
			j.stack = append(j.stack, jsonFrame{object: c == '{', sensitive: j.valueSensitive(), expectKey: c == '{'})
			i++
		case '}', ']':
			if len(j.stack) > 0 {
				j.stack = j.stack[:len(j.stack)-1]
			}
			i++
		case ',':
			if t := j.top(); t != nil && t.object {
				t.expectKey, t.keySensitive = true, false
			}
			i++
		case ':':
			if t := j.top(); t != nil && t.object {
				t.expectKey = false
			}
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

// jsonStringEnd returns the index just past the string token starting at
// the quote src[i], or len(src) when it is not terminated.
func jsonStringEnd(src []byte, i int) int {
	for k := i + 1; k < len(src); k++ {
		switch src[k] {
		case '\\':
			k++
		case '"':
			return k + 1
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

// stringContent returns the text of the string token src[start:end]
// (unescaped when it holds escapes) and whether it had escapes.
func stringContent(src []byte, start, end int) ([]byte, bool) {
	tok := src[start:end]
	inner := tok[1:]
	if len(tok) >= 2 && tok[len(tok)-1] == '"' {
		inner = tok[1 : len(tok)-1]
	}
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, false
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return inner, false
	}
	return []byte(s), true
}

func (j *jsonRedaction) onString(start, end int) {
	src := j.w.src
	t := j.top()
	if t != nil && t.object && t.expectKey {
		raw := src[start:end]
		sensitive, ok := j.keys.lookup(raw)
		if !ok {
			key, _ := stringContent(src, start, end)
			sensitive = j.r.fields.match(key, j.otp)
			j.keys.add(raw, sensitive)
		}
		t.keySensitive = sensitive
		if len(raw) >= minSecretText {
			j.scanValue(start, end) // a card number used as a key
		}
		return
	}
	if j.valueSensitive() {
		if text, _ := stringContent(src, start, end); len(text) > 0 && !isFingerprint(string(text)) {
			j.w.replace(start, end, `"`+j.r.fingerprint(digitsOnly(string(text)))+`"`)
		}
		return
	}
	j.scanValue(start, end)
}

// scanValue replaces card numbers and private keys inside the string token
// src[start:end].
func (j *jsonRedaction) scanValue(start, end int) {
	src := j.w.src
	text, escaped := stringContent(src, start, end)
	if len(text) < minSecretText {
		return
	}
	out, n := j.r.scanText(text)
	if n == 0 {
		return
	}
	if escaped {
		j.w.replace(start, end, string(jsonQuote(out)))
		j.w.n += n - 1
		return
	}
	// Unescaped content: the replacements contain nothing that needs
	// escaping, so the new text goes between the original quotes.
	contentEnd := end
	if end-start >= 2 && src[end-1] == '"' {
		contentEnd = end - 1
	}
	j.w.replace(start+1, contentEnd, string(out))
	j.w.n += n - 1
}

func (j *jsonRedaction) onNumber(start, end int) {
	tok := j.w.src[start:end]
	if j.valueSensitive() {
		j.w.replace(start, end, `"`+j.r.fingerprint(string(tok))+`"`)
		return
	}
	if j.r.opts.DisableLuhn || len(tok) < minPANDigits || len(tok) > maxPANDigits {
		return
	}
	for _, c := range tok {
		if !isDigit(c) {
			return
		}
	}
	if panCandidate(tok, [][2]int{{0, len(tok)}}) {
		j.w.replace(start, end, `"`+j.r.fingerprint(string(tok))+`"`)
	}
}

// jsonQuote encodes s as a JSON string without HTML escaping.
func jsonQuote(s []byte) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Encoding a string cannot fail.
	_ = enc.Encode(string(s))
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
