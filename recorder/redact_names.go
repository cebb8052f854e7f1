package recorder

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// Secret names are matched by tokens, not spellings. A name (a JSON key, a
// query or form parameter, a header, an event attribute key) is split into
// tokens at '_', '-', '.', '[', ']', spaces and every other ASCII
// punctuation, and at case changes ("userPin" → user pin, "PINNumber" →
// pin number, "3dsCode" → 3ds code), lowercased; digits that follow
// letters are split off ("adrLine1" → adr line 1), and tokens that are
// only digits (indexes: "card[0][cvv]", "line1") are dropped. The name is a secret
// when it ends with one of a family's names, optionally followed by one
// qualifier ("pinNumber", "otpValue", "cvvCode"), and none of the family's
// exceptions comes before it ("maskedCardNumber" is not a card number).
// So "pin", "userPin", "card[pin]", "pin[]", "X-Card-Pin" and
// "confirm_pin" are PINs while "pinned", "spinner", "opinion" and
// "pinLength" are not: the head of a name says what it holds.
//
// A token without separators ("newpin", "cardnumber", "xapikey") is also
// tried as a modifier ("new", "card", "x"…) followed by a family name
// written without separators, followed by a qualifier.

// maxNameTokens bounds the tokens looked at: only the end of a name
// decides, and the exceptions before it.
const maxNameTokens = 16

// nameTokens is a tokenized name, held in a fixed buffer so that looking
// up the keys of a JSON body allocates nothing. (No field points into the
// struct itself: that would move it to the heap.)
type nameTokens struct {
	buf  [maxFieldName]byte
	nbuf int
	long []byte // used instead of buf for names longer than it
	tok  [maxNameTokens][2]int
	n    int
}

// maxFieldName is the longest name tokenized without allocating; longer
// names are still matched.
const maxFieldName = 64

// spc returns the lowercased name, tokens back to back.
func (t *nameTokens) spc() []byte {
	if t.long != nil {
		return t.long
	}
	return t.buf[:t.nbuf]
}

func (t *nameTokens) push(c byte) {
	if t.long != nil {
		t.long = append(t.long, c)
		return
	}
	t.buf[t.nbuf] = c
	t.nbuf++
}

func (t *nameTokens) size() int {
	if t.long != nil {
		return len(t.long)
	}
	return t.nbuf
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// isNameByte reports whether c belongs to a token: ASCII letters and
// digits, and any non-ASCII byte.
func isNameByte(c byte) bool {
	return isUpper(c) || isLower(c) || isDigit(c) || c >= 0x80
}

// split tokenizes name into t.
func (t *nameTokens) split(name []byte) {
	t.nbuf, t.n, t.long = 0, 0, nil
	if len(name) > len(t.buf) {
		t.long = make([]byte, 0, len(name))
	}
	start, from := -1, 0 // the open token in spc, and where it began in name
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isNameByte(c) {
			t.end(start)
			start = -1
			continue
		}
		if start >= 0 && tokenBoundary(name, from, i) {
			t.end(start)
			start = -1
		}
		if start < 0 {
			start, from = t.size(), i
		}
		if isUpper(c) {
			c += 'a' - 'A'
		}
		t.push(c)
	}
	t.end(start)
}

func isLetter(c byte) bool { return isUpper(c) || isLower(c) }

// tokenBoundary reports whether the token that began at name[from] ends
// before name[i]: at a digit after a letter ("adrLine1", "cvv2": the
// digits are then an index, dropped), at an upper-case letter after a
// lower-case one ("userPin"), starting a word after an acronym
// ("PINNumber"), or after digits that followed letters ("cvv2Code", but
// "3DS" is one token).
func tokenBoundary(name []byte, from, i int) bool {
	c, prev := name[i], name[i-1]
	switch {
	case isDigit(c):
		return isLetter(prev)
	case !isUpper(c):
		return false
	case isLower(prev):
		return true
	case isDigit(prev):
		return from > 0 && isLetter(name[from-1])
	default:
		return i+1 < len(name) && isLower(name[i+1])
	}
}

// end closes the token that started at start. A token of digits only
// stays in the joined form but is not a token.
func (t *nameTokens) end(start int) {
	if start < 0 || start == t.size() {
		return
	}
	for _, c := range t.spc()[start:] {
		if !isDigit(c) {
			t.add(start)
			return
		}
	}
}

func (t *nameTokens) add(start int) {
	if t.n < maxNameTokens {
		t.tok[t.n] = [2]int{start, t.size()}
		t.n++
		return
	}
	// Keep the last tokens: shift the oldest out.
	copy(t.tok[:], t.tok[1:])
	t.tok[maxNameTokens-1] = [2]int{start, t.size()}
}

func (t *nameTokens) token(i int) []byte { return t.spc()[t.tok[i][0]:t.tok[i][1]] }

// joined returns the name lowercased without separators, digits kept:
// the form exact names are compared in.
func (t *nameTokens) joined() []byte { return t.spc() }

// family is one kind of secret name, compiled.
type family struct {
	name   string
	except map[string]bool
}

// phrase is a family name as tokens.
type phrase struct {
	tokens []string
	fam    *family
}

// nameMatcher decides whether a name is a secret.
type nameMatcher struct {
	// byLast indexes the phrases by their last token.
	byLast map[string][]phrase
	// joined maps a phrase written without separators to its family.
	joined     map[string]*family
	qualifiers map[string]bool
	// modifiers are indexed by their first byte; joinedFirst and
	// qualifierFirst say which bytes start a joined family name or a
	// qualifier, to skip most map lookups.
	modifiers      [256][]string
	joinedFirst    [256]bool
	qualifierFirst [256]bool
	// exact holds names matched whole (joined tokens).
	exact map[string]bool
}

func newNameMatcher() *nameMatcher {
	return &nameMatcher{byLast: map[string][]phrase{}, joined: map[string]*family{},
		qualifiers: map[string]bool{}, exact: map[string]bool{}}
}

// tokensOf tokenizes a name given in a rule.
func tokensOf(name string) []string {
	var t nameTokens
	t.split([]byte(name))
	out := make([]string, t.n)
	for i := range t.n {
		out[i] = string(t.token(i))
	}
	return out
}

func (m *nameMatcher) addFamily(f NameFamily) {
	fam := &family{name: f.Family, except: map[string]bool{}}
	for _, e := range f.Except {
		for _, tok := range tokensOf(e) {
			fam.except[tok] = true
		}
	}
	for _, n := range f.Names {
		toks := tokensOf(n)
		if len(toks) == 0 {
			continue
		}
		last := toks[len(toks)-1]
		m.byLast[last] = append(m.byLast[last], phrase{tokens: toks, fam: fam})
		j := strings.Join(toks, "")
		m.joined[j] = fam
		m.joinedFirst[j[0]] = true
	}
}

func (m *nameMatcher) addExact(name string) {
	var t nameTokens
	t.split([]byte(name))
	if len(t.joined()) > 0 {
		m.exact[string(t.joined())] = true
	}
}

func (m *nameMatcher) addQualifiers(qs []string) {
	for _, q := range qs {
		for _, tok := range tokensOf(q) {
			m.qualifiers[tok] = true
			m.qualifierFirst[tok[0]] = true
		}
	}
}

func (m *nameMatcher) addModifiers(ms []string) {
	for _, s := range ms {
		if j := strings.Join(tokensOf(s), ""); j != "" {
			m.modifiers[j[0]] = append(m.modifiers[j[0]], j)
		}
	}
}

// match reports whether name is a secret name, by family or exactly.
func (m *nameMatcher) match(name []byte) bool {
	var t nameTokens
	t.split(name)
	return m.matchTokens(&t)
}

func (m *nameMatcher) matchTokens(t *nameTokens) bool {
	if m.exact[string(t.joined())] {
		return true
	}
	if t.n == 0 {
		return false
	}
	if m.headAt(t, t.n-1) {
		return true
	}
	// A qualifier may follow the family name: "pinNumber", "otp_value".
	return t.n >= 2 && m.qualifiers[string(t.token(t.n-1))] && m.headAt(t, t.n-2)
}

// headAt reports whether the tokens up to and including end finish with a
// family name whose exceptions do not precede it.
func (m *nameMatcher) headAt(t *nameTokens, end int) bool {
	last := t.token(end)
	for _, p := range m.byLast[string(last)] {
		start := end - len(p.tokens) + 1
		if start < 0 || !tokensEqual(t, start, p.tokens) {
			continue
		}
		if !excepted(t, start, p.fam) {
			return true
		}
	}
	fam := m.concatenated(last)
	return fam != nil && !excepted(t, end, fam)
}

func tokensEqual(t *nameTokens, start int, want []string) bool {
	for i, w := range want {
		if string(t.token(start+i)) != w {
			return false
		}
	}
	return true
}

// excepted reports whether a token before position before is one of fam's
// exceptions.
func excepted(t *nameTokens, before int, fam *family) bool {
	if len(fam.except) == 0 {
		return false
	}
	for i := range before {
		if fam.except[string(t.token(i))] {
			return true
		}
	}
	return false
}

// concatenated matches a token written without separators: an optional
// modifier, a family name, an optional qualifier ("newpin", "pinnumber",
// "xapikey", "cardnumber").
func (m *nameMatcher) concatenated(tok []byte) *family {
	if f := m.withQualifier(tok); f != nil {
		return f
	}
	for _, mod := range m.modifiers[tok[0]] {
		if len(tok) > len(mod) && string(tok[:len(mod)]) == mod {
			if f := m.withQualifier(tok[len(mod):]); f != nil {
				return f
			}
		}
	}
	return nil
}

func (m *nameMatcher) withQualifier(tok []byte) *family {
	if !m.joinedFirst[tok[0]] {
		return nil
	}
	if f := m.joined[string(tok)]; f != nil {
		return f
	}
	// Qualifiers are short; try each split point from the end.
	for i := len(tok) - 1; i > 0 && len(tok)-i <= 8; i-- {
		if m.qualifierFirst[tok[i]] && m.qualifiers[string(tok[i:])] {
			if f := m.joined[string(tok[:i])]; f != nil {
				return f
			}
		}
	}
	return nil
}

// nameCacheSlots is the size of a Redactor's cache of name verdicts.
const nameCacheSlots = 4096

// nameCache remembers, across records, whether names are secret by
// family or exactly: an API uses the same few hundred keys in every call,
// and a verdict costs more than a lookup. It is direct mapped, lock-free
// and bounded: a slot holds the last name that hashed to it, so names that
// collide, or a flood of new ones, only cost their verdicts again.
type nameCache struct {
	seed  maphash.Seed
	slots [nameCacheSlots]atomic.Pointer[cachedName]
}

type cachedName struct {
	name   string
	secret bool
}

func newNameCache() *nameCache { return &nameCache{seed: maphash.MakeSeed()} }

// match is m.match through the cache.
func (c *nameCache) match(m *nameMatcher, name []byte) bool {
	slot := &c.slots[maphash.Bytes(c.seed, name)%nameCacheSlots]
	if e := slot.Load(); e != nil && e.name == string(name) {
		return e.secret
	}
	secret := m.match(name)
	if len(name) <= maxFieldName {
		slot.Store(&cachedName{name: string(name), secret: secret})
	}
	return secret
}
