package coverage

import (
	"slices"
	"strings"
)

// Predicates of one matcher that read through the same array are about one
// element of it. "response.body.items[].cardId == $key" and
// "response.body.items[].status == 4" ask for a transaction of the card
// that was declined, not for a list holding some transaction of the card
// and some declined transaction of another: two different items never
// satisfy them together. The array is the path up to its first []; deeper
// arrays inside an element keep the usual meaning (one value of them
// suffices).

// itemGroup is the where predicates of one matcher that read through the
// same array.
type itemGroup struct {
	// elems reads the array's elements ("response.body.items[]").
	elems callRef
	// preds read below one element: their references' paths are relative
	// to it.
	preds []predicate
	// bound: some predicate compares with $key or a captured value, so
	// the group is judged with the key (callMatcher.keyed).
	bound bool
}

// groupItems splits where predicates into those judged alone and groups
// of predicates that read through the same array.
func (c *compiler) groupItems(preds []predicate) ([]predicate, []itemGroup, error) {
	var alone []predicate
	var groups []itemGroup
	byPrefix := map[string]int{}
	for _, p := range preds {
		prefix, ok := arrayPrefix(p)
		if !ok {
			alone = append(alone, p)
			continue
		}
		n := 0
		for _, q := range preds {
			if qp, ok := arrayPrefix(q); ok && qp == prefix {
				n++
			}
		}
		if n < 2 {
			alone = append(alone, p)
			continue
		}
		i, seen := byPrefix[prefix]
		if !seen {
			ref, err := c.parseRef(prefix, nil)
			if err != nil {
				return nil, nil, err
			}
			i = len(groups)
			byPrefix[prefix] = i
			groups = append(groups, itemGroup{elems: ref})
		}
		g := &groups[i]
		p.call.path = p.call.path[len(g.elems.path):]
		p.call.slot = 0
		g.preds = append(g.preds, p)
		g.bound = g.bound || p.bound()
	}
	return alone, groups, nil
}

// arrayPrefix returns the reference to the elements of the first array a
// body predicate reads through ("response.body.items[]").
func arrayPrefix(p predicate) (string, bool) {
	if p.call.root != refReqBody && p.call.root != refRespBody {
		return "", false
	}
	i := slices.Index(p.call.path, eachSeg)
	if i < 0 {
		return "", false
	}
	root := "request.body"
	if p.call.root == refRespBody {
		root = "response.body"
	}
	return root + pathText(p.call.path[:i+1]), true
}

// pathText writes a JSON path the way references spell it: .a.b[].c
func pathText(path []string) string {
	var b strings.Builder
	for _, seg := range path {
		if seg != eachSeg {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// elements returns the raw elements of the group's array in the call, and
// whether a truncated body may hide them.
func (g *itemGroup) elements(v *callView) ([]string, bool) {
	b := &v.req
	if g.elems.root == refRespBody {
		b = &v.resp
	}
	raws := v.bodyRaws(&g.elems, b)
	return raws, b.trunc && len(raws) == 0
}

// holds reports whether one element satisfies every predicate of the
// group.
func (g *itemGroup) holds(_ *routes, v *callView, b *binds) bool {
	els, unknown := g.elements(v)
	if unknown {
		return false
	}
	for _, el := range els {
		if g.holdsIn(el, b, -1) {
			return true
		}
	}
	return false
}

// holdsIn reports whether the element satisfies the group's predicates,
// leaving out the one at skip (-1: none).
func (g *itemGroup) holdsIn(el string, b *binds, skip int) bool {
	for i := range g.preds {
		if i != skip && !g.preds[i].inElement(el, b) {
			return false
		}
	}
	return true
}

// keyed reports whether the group holds the "== $key" predicate that
// names the entity.
func (g *itemGroup) keyed() bool { return g.keyPred() >= 0 }

func (g *itemGroup) keyPred() int {
	return slices.IndexFunc(g.preds, func(p predicate) bool { return p.isKey && p.op == opEq })
}

// keyCandidates returns the keys the elements name where the group's
// other unbound predicates hold: the only keys that can match.
func (g *itemGroup) keyCandidates(_ *routes, v *callView, buf []string) []string {
	k := g.keyPred()
	els, _ := g.elements(v)
	for _, el := range els {
		if !g.unboundHoldIn(el, k) {
			continue
		}
		eachAt(el, g.preds[k].call.path, func(raw string) bool {
			buf = addKey(buf, rawValue(raw))
			return false
		})
	}
	return buf
}

// unboundHoldIn reports whether the predicates that need no binding hold
// for the element, leaving out the one at skip.
func (g *itemGroup) unboundHoldIn(el string, skip int) bool {
	for i := range g.preds {
		if i != skip && !g.preds[i].bound() && !g.preds[i].inElement(el, nil) {
			return false
		}
	}
	return true
}

// anyBoundGroup reports whether some group needs a key or captured values.
func (m *callMatcher) anyBoundGroup() bool {
	return slices.ContainsFunc(m.groups, func(g itemGroup) bool { return g.bound })
}

// inElement evaluates a predicate whose reference reads below one array
// element (raw JSON), as onCall does for a whole call.
func (p *predicate) inElement(el string, b *binds) bool {
	found := eachAt(el, p.call.path, func(string) bool { return true })
	switch {
	case p.op == opExists:
		return found
	case p.op == opMissing:
		return !found
	case !found:
		return p.op.negative() && p.operandBound(b)
	}
	return eachAt(el, p.call.path, func(raw string) bool { return p.test(rawValue(raw), b) })
}
