package recorder

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"unsafe"
)

// This file holds the format-free scanners: card numbers found by the Luhn
// check, PEM private-key blocks and the rules' patterns. They run over the
// canonical form (see canonical_decode.go) of any text the recorder keeps:
// bodies, URL paths, query names and values, header names and values,
// error messages, and the keys and string values of JSON documents.

const (
	minPANDigits = 13
	maxPANDigits = 19
	// minSecretText is the shortest text that can hold a card number or a
	// PEM BEGIN line.
	minSecretText = 11
	// maxPANGroups bounds how many separated digit groups are considered as
	// one candidate ("4111 1111 1111 1111" has four, 19-digit cards five).
	maxPANGroups = 8
)

// rewriter builds a copy of src with some spans replaced. It copies nothing
// until the first replacement, so scanning text without secrets allocates
// nothing. Replacements come in order; one that overlaps the previous is
// cut to what is left of it.
type rewriter struct {
	src  []byte
	out  []byte
	last int
	n    int
}

func (w *rewriter) replace(start, end int, repl string) {
	start = max(start, w.last)
	if end <= start {
		return
	}
	if w.out == nil {
		w.out = make([]byte, 0, len(w.src)+len(repl))
	}
	w.out = append(w.out, w.src[w.last:start]...)
	w.out = append(w.out, repl...)
	w.last = end
	w.n++
}

func (w *rewriter) result() []byte {
	if w.out == nil {
		return w.src
	}
	return append(w.out, w.src[w.last:]...)
}

// hit is a secret found in a decoded text: text[start:end].
type hit struct {
	start, end int
	// digits says the fingerprint is of the digits only, so that a card
	// number grouped by spaces or dashes correlates with the bare one.
	digits bool
}

// scanInto finds the secrets of src, a text of encoding mode, and
// replaces them in w, whose source holds src at base. It returns how many
// it replaced. An encoded text is scanned as it is and at every stage of
// its decoding (a digit run may show only once some of it is decoded,
// or only while the rest is not).
func (r *Redactor) scanInto(w *rewriter, base int, src []byte, mode decodeMode) int {
	if !needsDecoding(src, mode) {
		d := canonicalText{src: src, text: src}
		return r.scanDecoded(w, base, &d)
	}
	var buf [8]srcHit
	spans := buf[:0]
	d := canonicalText{src: src, text: src}
	for st, stage := (decodeStep{mode: mode}), 0; ; stage++ {
		spans = r.stageHits(&d, stage, spans)
		if !st.next(&d) {
			break
		}
	}
	before := w.n
	for _, h := range mergeSpans(spans) {
		w.replace(base+h.start, base+h.end, h.repl)
	}
	return w.n - before
}

// srcHit is a secret's span in the source text and its replacement,
// found at a stage of decoding.
type srcHit struct {
	start, end, stage int
	repl              string
}

// stageHits appends the secrets of the decoded text d, as spans of its
// source.
func (r *Redactor) stageHits(d *canonicalText, stage int, spans []srcHit) []srcHit {
	if len(r.patterns) == 0 && !mayHoldSecret(d.text) {
		return spans
	}
	var buf [8]hit
	for _, h := range r.findSecrets(d.text, buf[:0]) {
		start, end := d.span(h.start, h.end)
		spans = append(spans, srcHit{start: start, end: end, stage: stage, repl: r.hitFingerprint(d.text[h.start:h.end], h.digits)})
	}
	return spans
}

// mergeSpans orders the spans and joins those that overlap; a joined span
// is replaced by the fingerprint found at the latest stage (the most
// decoded, so that it correlates with the same secret sent plain).
func mergeSpans(spans []srcHit) []srcHit {
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b srcHit) int { return cmp.Compare(a.start, b.start) })
	out := spans[:1]
	for _, h := range spans[1:] {
		last := &out[len(out)-1]
		if h.start >= last.end {
			out = append(out, h)
			continue
		}
		last.end = max(last.end, h.end)
		if h.stage > last.stage {
			last.repl, last.stage = h.repl, h.stage
		}
	}
	return out
}

// scanDecoded replaces the secrets of a text already in canonical form.
func (r *Redactor) scanDecoded(w *rewriter, base int, d *canonicalText) int {
	if len(r.patterns) == 0 && !mayHoldSecret(d.text) {
		return 0
	}
	var buf [8]hit
	hits := r.findSecrets(d.text, buf[:0])
	before := w.n
	for _, h := range hits {
		start, end := d.span(h.start, h.end)
		w.replace(base+start, base+end, r.hitFingerprint(d.text[h.start:h.end], h.digits))
	}
	return w.n - before
}

func (r *Redactor) hitFingerprint(secret []byte, digits bool) string {
	if digits {
		return r.fingerprint(digitsOnly(string(secret)))
	}
	return r.fingerprint(string(secret))
}

// needsDecoding reports whether src may differ from its canonical form.
func needsDecoding(src []byte, mode decodeMode) bool {
	return (mode&decodeJSON != 0 && bytes.IndexByte(src, '\\') >= 0) ||
		(mode&(decodePercent|decodePlus) != 0 && bytes.IndexByte(src, '%') >= 0) ||
		(mode&decodePlus != 0 && bytes.IndexByte(src, '+') >= 0)
}

// findSecrets appends to hits the secrets of the canonical text, in
// order and not overlapping.
func (r *Redactor) findSecrets(text []byte, hits []hit) []hit {
	first := len(hits)
	if bytes.Contains(text, pemBegin) {
		hits = scanPEM(text, hits)
	}
	pems := len(hits)
	if !r.opts.DisableLuhn && hasDigits(text, minPANDigits) {
		hits = scanPANs(text, hits)
	}
	before := len(hits)
	if len(r.patterns) > 0 {
		hits = r.scanPatterns(text, hits)
	}
	// Each scanner finds its hits in order; sort when two found some.
	if sources := btoi(pems > first) + btoi(before > pems) + btoi(len(hits) > before); sources > 1 {
		hits = append(hits[:first], sortHits(hits[first:])...)
	}
	return hits
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortHits orders hits by start and drops those overlapping an earlier
// one.
func sortHits(hits []hit) []hit {
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(b.end, a.end)) })
	out := hits[:1]
	for _, h := range hits[1:] {
		if h.start >= out[len(out)-1].end {
			out = append(out, h)
		}
	}
	return out
}

// scanPatterns appends the matches of the rules' patterns, except those
// touching a fingerprint already in the text (so redacting twice changes
// nothing).
func (r *Redactor) scanPatterns(text []byte, hits []hit) []hit {
	fps := fingerprintSpans(text)
	for _, re := range r.patterns {
		for _, m := range re.FindAllIndex(text, -1) {
			if m[1] > m[0] && !overlapsAny(fps, m[0], m[1]) {
				hits = append(hits, hit{start: m[0], end: m[1]})
			}
		}
	}
	if len(r.patterns) > 1 && len(hits) > 1 {
		hits = sortHits(hits)
	}
	return hits
}

var fingerprintPrefix = []byte("[redacted:")

// fingerprintSpans returns where text holds fingerprints.
func fingerprintSpans(text []byte) [][2]int {
	var spans [][2]int
	for i := 0; ; {
		k := bytes.Index(text[i:], fingerprintPrefix)
		if k < 0 {
			return spans
		}
		start := i + k
		end := start + len(fingerprintPrefix) + FingerprintHexLen + 1
		if end <= len(text) && isFingerprint(string(text[start:end])) {
			spans = append(spans, [2]int{start, end})
			i = end
			continue
		}
		i = start + 1
	}
}

func overlapsAny(spans [][2]int, start, end int) bool {
	for _, s := range spans {
		if start < s[1] && s[0] < end {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// luhnValid reports whether the digits in d (separators skipped) pass the
// Luhn check.
func luhnValid(d []byte) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		c := d[i]
		if !isDigit(c) {
			continue
		}
		n := int(c - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// digitsOnly returns s without its separators when s is shaped like a card
// number (digits, spaces and dashes only), so that "4111 1111 1111 1111"
// and "4111111111111111" get the same fingerprint; otherwise it returns s.
func digitsOnly(s string) string {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == ' ' || c == '-':
		default:
			return s
		}
	}
	if digits == len(s) || digits < minPANDigits || digits > maxPANDigits {
		return s
	}
	var b strings.Builder
	b.Grow(digits)
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// panCandidate reports whether the digit groups g (spans of src, separated
// by single spaces or dashes) form a card number: 13–19 digits, no leading
// zero, Luhn-valid. Several groups count only when each has 3–6 digits, the
// way card numbers are printed (4-4-4-4, 4-6-5, 4-4-4-4-3).
func panCandidate(src []byte, g [][2]int) bool {
	total := 0
	for _, s := range g {
		n := s[1] - s[0]
		if len(g) > 1 && (n < 3 || n > 6) {
			return false
		}
		total += n
	}
	if total < minPANDigits || total > maxPANDigits || src[g[0][0]] == '0' {
		return false
	}
	return luhnValid(src[g[0][0]:g[len(g)-1][1]])
}

// scanPANs appends the card-number-shaped, Luhn-valid digit runs of src.
// A run longer than 19 digits is not a card number and is kept, so long ids
// and hashes survive; so are amounts, timestamps and ids that fail the Luhn
// check.
func scanPANs(src []byte, hits []hit) []hit {
	var groups [maxPANGroups][2]int
	for i := 0; i < len(src); {
		if !isDigit(src[i]) {
			i++
			continue
		}
		g := groups[:0]
		j, digits := i, 0
		for {
			s := j
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			g = append(g, [2]int{s, j})
			digits += j - s
			if len(g) < maxPANGroups && j+1 < len(src) && (src[j] == ' ' || src[j] == '-') && isDigit(src[j+1]) {
				j++
				continue
			}
			break
		}
		if digits >= minPANDigits {
			hits = panWindows(src, g, hits)
		}
		i = j
	}
	return hits
}

// panWindows appends, left to right and longest first, the windows of
// consecutive groups that form a card number.
func panWindows(src []byte, g [][2]int, hits []hit) []hit {
	for k := 0; k < len(g); {
		matched := false
		for e := len(g); e > k; e-- {
			if panCandidate(src, g[k:e]) {
				hits = append(hits, hit{start: g[k][0], end: g[e-1][1], digits: true})
				k, matched = e, true
				break
			}
		}
		if !matched {
			k++
		}
	}
	return hits
}

var (
	pemBegin = []byte("-----BEGIN ")
	pemEnd   = []byte("-----END ")
	pemDash  = []byte("-----")
)

// scanPEM appends the PEM blocks whose label names a private key
// ("PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH
// PRIVATE KEY"…), from BEGIN to the matching END line. A block without its
// END line (a truncated body) runs to the end of the text.
func scanPEM(src []byte, hits []hit) []hit {
	for i := 0; i < len(src); {
		k := bytes.Index(src[i:], pemBegin)
		if k < 0 {
			return hits
		}
		start := i + k
		labelStart := start + len(pemBegin)
		l := bytes.Index(src[labelStart:], pemDash)
		if l < 0 || l > 64 {
			i = labelStart
			continue
		}
		label := src[labelStart : labelStart+l]
		if !bytes.HasSuffix(label, []byte("PRIVATE KEY")) {
			i = labelStart
			continue
		}
		end := len(src)
		if m := pemEndOf(src[labelStart:], label); m >= 0 {
			end = labelStart + m
		}
		hits = append(hits, hit{start: start, end: end})
		i = end
	}
	return hits
}

// pemEndOf returns the index just past the END line of label in p, or -1.
func pemEndOf(p, label []byte) int {
	for i := 0; ; {
		m := bytes.Index(p[i:], pemEnd)
		if m < 0 {
			return -1
		}
		rest := p[i+m+len(pemEnd):]
		if bytes.HasPrefix(rest, label) && bytes.HasPrefix(rest[len(label):], pemDash) {
			return i + m + len(pemEnd) + len(label) + len(pemDash)
		}
		i += m + len(pemEnd)
	}
}

// scanText replaces the secrets of a text (a body, a header value, an
// error message), percent-decoded with '+' as a space. It returns p itself
// when nothing was found.
func (r *Redactor) scanText(p []byte) ([]byte, int) {
	// Decoding only shortens a text: one too short for a card number or
	// a PEM line as sent holds neither.
	if len(p) < minSecretText && len(r.patterns) == 0 {
		return p, 0
	}
	w := rewriter{src: p}
	r.scanInto(&w, 0, p, queryMode)
	return w.result(), w.n
}

// scanString is scanText for strings.
func (r *Redactor) scanString(s string) (string, int) {
	if s == "" {
		return s, 0
	}
	out, n := r.scanText(stringBytes(s))
	if n == 0 {
		return s, 0
	}
	return string(out), n
}

// stringBytes views s as bytes for the scanners, which only read their
// input: every rewrite goes to a new buffer (see rewriter). Never write
// to the result.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// hasDigits reports whether p holds at least n ASCII digits.
func hasDigits(p []byte, n int) bool {
	for _, c := range p {
		if isDigit(c) {
			n--
			if n == 0 {
				return true
			}
		}
	}
	return false
}

// mayHoldSecret is a cheap pre-check for the scanners: a card number needs
// 13 digits, a PEM block its BEGIN line.
func mayHoldSecret(p []byte) bool {
	return hasDigits(p, minPANDigits) || bytes.Contains(p, pemBegin)
}
