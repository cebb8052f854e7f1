package recorder

import (
	"bytes"
	"strings"
)

// This file holds the format-free scanners: card numbers found by the Luhn
// check and PEM private-key blocks. They run over any text the recorder
// keeps (bodies, URL paths and query values, header values, error messages)
// and over the string values of JSON bodies.

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
// nothing.
type rewriter struct {
	src  []byte
	out  []byte
	last int
	n    int
}

func (w *rewriter) replace(start, end int, repl string) {
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

// scanPANs replaces every card-number-shaped, Luhn-valid digit run of
// w.src. A run longer than 19 digits is not a card number and is kept, so
// long ids and hashes survive; so are amounts, timestamps and ids that fail
// the Luhn check.
func (r *Redactor) scanPANs(w *rewriter) {
	src := w.src
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
			r.replaceWindows(w, g)
		}
		i = j
	}
}

// replaceWindows replaces, left to right and longest first, the windows of
// consecutive groups that form a card number.
func (r *Redactor) replaceWindows(w *rewriter, g [][2]int) {
	for k := 0; k < len(g); {
		matched := false
		for e := len(g); e > k; e-- {
			if panCandidate(w.src, g[k:e]) {
				start, end := g[k][0], g[e-1][1]
				w.replace(start, end, r.fingerprint(digitsOnly(string(w.src[start:end]))))
				k, matched = e, true
				break
			}
		}
		if !matched {
			k++
		}
	}
}

var (
	pemBegin = []byte("-----BEGIN ")
	pemEnd   = []byte("-----END ")
	pemDash  = []byte("-----")
)

// scanPEM replaces PEM blocks whose label names a private key ("PRIVATE
// KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY"…)
// from BEGIN to the matching END line. A block without its END line (a
// truncated body) is replaced up to the end of the text.
func (r *Redactor) scanPEM(w *rewriter) {
	src := w.src
	for i := 0; i < len(src); {
		k := bytes.Index(src[i:], pemBegin)
		if k < 0 {
			return
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
		endMarker := append(append(append([]byte{}, pemEnd...), label...), pemDash...)
		if m := bytes.Index(src[labelStart:], endMarker); m >= 0 {
			end = labelStart + m + len(endMarker)
		}
		w.replace(start, end, r.fingerprint(string(src[start:end])))
		i = end
	}
}

// scanText replaces private keys and card numbers in p. It returns p itself
// when nothing was found.
func (r *Redactor) scanText(p []byte) ([]byte, int) {
	n := 0
	if bytes.Contains(p, pemBegin) {
		w := rewriter{src: p}
		r.scanPEM(&w)
		p, n = w.result(), w.n
	}
	if r.opts.DisableLuhn || !hasDigits(p, minPANDigits) {
		return p, n
	}
	w := rewriter{src: p}
	r.scanPANs(&w)
	return w.result(), n + w.n
}

// scanString is scanText for strings.
func (r *Redactor) scanString(s string) (string, int) {
	if !mayHoldSecret(s) {
		return s, 0
	}
	out, n := r.scanText([]byte(s))
	if n == 0 {
		return s, 0
	}
	return string(out), n
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

// mayHoldSecret is a cheap pre-check for scanString: a card number needs
// 13 digits, a PEM block its BEGIN line.
func mayHoldSecret(s string) bool {
	if strings.Contains(s, "-----BEGIN ") {
		return true
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			digits++
			if digits >= minPANDigits {
				return true
			}
		}
	}
	return false
}
