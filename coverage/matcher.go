package coverage

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// callPattern is "METHOD TEMPLATE [STATUS]": GET /cards/{cardId} 2xx,
// "* /staging/* any", PUT /cardholders/{cardholderId} 409.
type callPattern struct {
	src    string
	method string // "" for any method
	eps    []int  // catalogue indexes; nil for a prefix or any path
	mask   uint64 // the same indexes as bits
	prefix string // for TEMPLATE ending in /*, the path prefix with its slash
	status statusSet
}

// The catalogue must fit the 64 bits of callPattern.mask.
var _ [64 - len(catalogue)]struct{}

// statusSet is the STATUS part of a pattern: any (also no response at all),
// none (no response), classes such as 2xx and exact codes, joined by |.
type statusSet struct {
	any     bool
	none    bool
	classes uint8 // bit c set for "cxx"
	codes   []int
}

func (s statusSet) match(hasResp bool, status int) bool {
	switch {
	case s.any:
		return true
	case !hasResp:
		return s.none
	case status >= 100 && status <= 599 && s.classes&(1<<(status/100)) != 0:
		return true
	}
	return slices.Contains(s.codes, status)
}

func parseStatusSet(s string) (statusSet, error) {
	var out statusSet
	for part := range strings.SplitSeq(s, "|") {
		switch {
		case part == "any":
			out.any = true
		case part == "none":
			out.none = true
		case len(part) == 3 && part[1:] == "xx" && part[0] >= '1' && part[0] <= '5':
			out.classes |= 1 << (part[0] - '0')
		default:
			code, err := strconv.Atoi(part)
			if err != nil || code < 100 || code > 599 {
				return out, fmt.Errorf("bad status %q (want a code such as 409, a class such as 4xx, none or any)", part)
			}
			out.codes = append(out.codes, code)
		}
	}
	return out, nil
}

func knownMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return true
	}
	return false
}

// parsePattern parses one pattern string.
func parsePattern(s string) (callPattern, error) {
	p := callPattern{src: s, status: statusSet{any: true}}
	parts := strings.Fields(s)
	if len(parts) < 2 || len(parts) > 3 {
		return p, fmt.Errorf("%q: want \"METHOD TEMPLATE [STATUS]\", e.g. \"GET /cards/{cardId} 2xx\"", s)
	}
	if parts[0] != "*" {
		if !knownMethod(parts[0]) {
			return p, fmt.Errorf("%q: unknown method %q", s, parts[0])
		}
		p.method = parts[0]
	}
	switch tmpl := parts[1]; {
	case tmpl == "*":
	case strings.HasSuffix(tmpl, "/*") && strings.HasPrefix(tmpl, "/"):
		p.prefix = strings.TrimSuffix(tmpl, "*")
	default:
		for _, i := range templateIndexes(tmpl) {
			if p.method == "" || catalogue[i].Method == p.method {
				p.eps = append(p.eps, i)
			}
		}
		if len(p.eps) == 0 {
			return p, fmt.Errorf("%q: no endpoint %s %s in the catalogue", s, parts[0], tmpl)
		}
		for _, i := range p.eps {
			p.mask |= 1 << i
		}
	}
	if len(parts) == 3 {
		st, err := parseStatusSet(parts[2])
		if err != nil {
			return p, fmt.Errorf("%q: %w", s, err)
		}
		p.status = st
	}
	return p, nil
}

func (p *callPattern) match(v *callView) bool {
	if p.method != "" && p.method != v.method {
		return false
	}
	switch {
	case p.eps != nil:
		if v.ep < 0 || p.mask&(1<<v.ep) == 0 {
			return false
		}
	case p.prefix != "":
		if !strings.HasPrefix(v.path, p.prefix) {
			return false
		}
	}
	return p.status.match(v.hasResp, v.status)
}

// params returns the path parameters every endpoint of the pattern has.
func (p *callPattern) params(rt *routes) []string {
	if len(p.eps) == 0 {
		return nil
	}
	out := slices.Clone(rt.params[p.eps[0]])
	for _, i := range p.eps[1:] {
		out = slices.DeleteFunc(out, func(n string) bool { return !slices.Contains(rt.params[i], n) })
	}
	return out
}

// origin says which answers a matcher accepts.
type origin uint8

const (
	// originUpstream: a response from the API itself (the default).
	originUpstream origin = iota
	// originProxy: the proxy's own answer (a refusal or a synthetic error)
	// or no response at all.
	originProxy
	// originAny: whatever happened to the call.
	originAny
)

func parseOrigin(s string) (origin, bool) {
	switch s {
	case "upstream":
		return originUpstream, true
	case "proxy":
		return originProxy, true
	case "any":
		return originAny, true
	}
	return 0, false
}

func (o origin) match(v *callView) bool {
	upstream := v.hasResp && !v.synthetic
	switch o {
	case originUpstream:
		return upstream
	case originProxy:
		return !upstream
	}
	return true
}

// keyRef says how a call names the entity a rule correlates by: a
// reference, resolved through an alias when the reference's name is an
// alias of that entity (path.token stands for a card).
type keyRef struct {
	set    bool
	ref    callRef
	entity int
	alias  int // index into the matrix's aliases, or -1
}

// callMatcher selects calls: any of its patterns, from the right origin,
// where every predicate holds; with a key, when the keyed entity's known
// state satisfies every when predicate.
type callMatcher struct {
	src      string
	patterns []callPattern
	origin   origin
	where    []predicate
	// keyWhere are the where predicates comparing with $key or with a
	// value an earlier step captured ($name).
	keyWhere []predicate
	// groups are the where predicates that read through the same array:
	// they must hold for one element (bind.go).
	groups []itemGroup
	when   []predicate
	key    keyRef
	// undocumented lets the wildcard patterns match calls outside the
	// catalogue; otherwise only documented endpoints match.
	undocumented bool
	// gate lists the request fields (as the contract names them) a call
	// must not break the API's description in to match (gate.go); nil
	// for matchers whose match is no evidence.
	gate []string
}

// match reports whether the call fits patterns, origin and the where
// predicates that do not need a key. A call outside the catalogue (an
// unknown path, a known path with extra segments, a method the endpoint
// does not document) matches only a matcher that says undocumented.
func (m *callMatcher) match(w *world, v *callView) bool {
	if v.ep < 0 && !m.undocumented {
		return false
	}
	hit := false
	for i := range m.patterns {
		if m.patterns[i].match(v) {
			hit = true
			break
		}
	}
	if !hit || !m.origin.match(v) {
		return false
	}
	for i := range m.where {
		if !m.where[i].onCall(w.rt, v, nil) {
			return false
		}
	}
	for i := range m.groups {
		if !m.groups[i].bound && !m.groups[i].holds(w.rt, v, nil) {
			return false
		}
	}
	return m.gate == nil || w.gate.violations == nil || !w.gate.breaks(v, m)
}

// tried reports whether the call was an attempt at what the matcher wants
// that did not come off: a call, other than a read, to one of its
// endpoints, where the matcher wants a success. Reads that do not show the
// wanted state are not attempts.
func (m *callMatcher) tried(v *callView) bool {
	if v.method == "GET" {
		return false
	}
	for _, p := range m.patterns {
		wantsSuccess := p.status.any || p.status.classes&(1<<2) != 0 || slices.ContainsFunc(p.status.codes, func(c int) bool { return c/100 == 2 })
		if wantsSuccess && (p.method == "" || p.method == v.method) && slices.Contains(p.eps, v.ep) {
			return true
		}
	}
	return false
}

// successOnly reports whether every pattern accepts only 2xx answers.
func (m *callMatcher) successOnly() bool {
	for _, p := range m.patterns {
		st := p.status
		if st.any || st.none || st.classes&^(1<<2) != 0 || slices.ContainsFunc(st.codes, func(c int) bool { return c/100 != 2 }) {
			return false
		}
		if st.classes == 0 && len(st.codes) == 0 {
			return false
		}
	}
	return true
}

// needsBinds reports whether a where predicate compares with $key or a
// captured value.
func (m *callMatcher) needsBinds() bool { return len(m.keyWhere) > 0 || m.anyBoundGroup() }

// keyOf returns the entity key the call names.
func (m *callMatcher) keyOf(w *world, v *callView) (string, bool) {
	if !m.key.set {
		return "", false
	}
	return w.resolve(&m.key, v)
}

// keyed applies the predicates that need the key or captured values
// (where … $key, where … $name) and when, for the entity b.key.
func (m *callMatcher) keyed(w *world, v *callView, b *binds) bool {
	for i := range m.keyWhere {
		if !m.keyWhere[i].onCall(w.rt, v, b) {
			return false
		}
	}
	for i := range m.groups {
		if m.groups[i].bound && !m.groups[i].holds(w.rt, v, b) {
			return false
		}
	}
	if len(m.when) == 0 {
		return true
	}
	st := w.lookup(m.when[0].state.entity, b.key)
	for i := range m.when {
		if !m.when[i].onState(st) {
			return false
		}
	}
	return true
}

// interest is the set of calls the matcher can match.
func (m *callMatcher) interest() interest {
	var out interest
	for _, p := range m.patterns {
		out.mask |= p.mask
		out.all = out.all || p.eps == nil
	}
	out.other = out.all && m.undocumented
	return out
}

// keyCandidates returns, when a where predicate reads "<ref> == $key", the
// distinct values the call holds there: the only keys that can match. It
// returns nil when no predicate narrows the keys.
func (m *callMatcher) keyCandidates(w *world, v *callView, buf []string) []string {
	for i := range m.keyWhere {
		p := &m.keyWhere[i]
		if p.op != opEq || !p.isKey {
			continue
		}
		buf = buf[:0]
		p.call.each(w.rt, v, func(x value) bool {
			buf = addKey(buf, x)
			return false
		})
		if buf == nil {
			buf = []string{}
		}
		return buf
	}
	for i := range m.groups {
		if g := &m.groups[i]; g.keyed() {
			if buf = g.keyCandidates(w.rt, v, buf[:0]); buf == nil {
				buf = []string{}
			}
			return buf
		}
	}
	return nil
}

// addKey adds the key form of x to keys unless it is there or has none.
func addKey(keys []string, x value) []string {
	if k := x.key(); k != "" && !slices.Contains(keys, k) {
		keys = append(keys, k)
	}
	return keys
}

// matchFull matches a call including key and when; it returns the key.
func (m *callMatcher) matchFull(w *world, v *callView) (string, bool) {
	if !m.match(w, v) {
		return "", false
	}
	if !m.key.set {
		return "", len(m.when) == 0 && !m.needsBinds()
	}
	key, ok := m.keyOf(w, v)
	if !ok {
		return "", false
	}
	b := binds{key: key}
	if !m.keyed(w, v, &b) {
		return "", false
	}
	return key, true
}

func (m *callMatcher) params(rt *routes) []string {
	var out []string
	for i := range m.patterns {
		p := m.patterns[i].params(rt)
		if i == 0 {
			out = p
			continue
		}
		out = slices.DeleteFunc(out, func(n string) bool { return !slices.Contains(p, n) })
	}
	return out
}

// refName is the last name of a reference: the parameter, header or JSON
// member it reads.
func refName(r callRef) string {
	if len(r.path) > 0 {
		return r.path[len(r.path)-1]
	}
	return r.name
}
