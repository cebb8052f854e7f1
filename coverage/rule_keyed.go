package coverage

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The parts of an "all" are about one entity: a card's alias updated and
// some other card's limit updated is not "a card's alias and limit
// updated". The engine follows every part per entity and reports the
// whole met only when one entity met every part. The entity is the one
// the parts name (a sequence's by, the parameter every call's path
// carries, or a key); "by: card" says it outright, and "by: none" declares
// the parts independent, which matrix check flags.
//
//	all:                          all:
//	  - PUT /cards/{cardId}/… 2xx   by: none
//	  - PUT /cards/{cardId}/… 2xx   parts: [ … ]
//
// A keyed part is a call (naming the entity in its path, with key, or with
// where … == $key), a sequence following the entity, or an all or any of
// such parts.

// keyedEvaluator is an evaluator that can also judge one entity.
type keyedEvaluator interface {
	evaluator
	// forKey judges the part for the entity key, explanation included.
	forKey(w *world, key string) verdict
	// keyStatus is forKey's status and the span of its evidence, without
	// building anything: the search for the best entity runs it for
	// every entity at every report.
	keyStatus(key string) keyResult
	// notify makes the part call fn with each entity whose verdict its
	// observations change; what an entity shows only ever improves.
	notify(fn func(key string))
}

// keyResult is a part's status for one entity and the first and last
// calls of its evidence (0 when it has none).
type keyResult struct {
	status      Status
	first, last uint64
}

// spanOf returns the result for an ascending list of evidence.
func spanOf(st Status, seqs []uint64) keyResult {
	if len(seqs) == 0 {
		return keyResult{status: st}
	}
	return keyResult{st, seqs[0], seqs[len(seqs)-1]}
}

var (
	_ keyedEvaluator = (*callEval)(nil)
	_ keyedEvaluator = (*sequenceEval)(nil)
	_ keyedEvaluator = (*combineEval)(nil)
)

// byNone is the by of an all whose parts were declared independent.
const byNone = -2

// compileCombine compiles all and any: a list of parts, or for all a
// mapping {by, parts}. entity ≥ 0 when the composite is itself a part of
// one keyed to that entity.
func (c *compiler) compileCombine(n *yaml.Node, what string, all bool, entity int) (ruleSpec, error) {
	list, by, err := c.combineForm(n, what, all)
	if err != nil {
		return nil, err
	}
	s := &combineSpec{all: all, by: -1}
	switch {
	case entity >= 0 && by != -1 && by != entity:
		return nil, nodeErr(n, "%s: a part of a composite keyed to one %s follows that %s (by: %s)", what, c.entities[entity].name, c.entities[entity].name, c.entities[entity].name)
	case entity >= 0:
		s.by = entity
	case by == byNone:
		c.note(mapGet(n, "by"), lintUnkeyed, "%s: by: none: parts about different entities meet it together", what)
	case by >= 0:
		s.by, s.outer = by, all
	case all:
		if s.by, err = c.inferEntity(list, what); err != nil {
			return nil, err
		}
		s.outer = true
	}
	for i, item := range list.Content {
		p, err := c.compileRuleFor(item, fmt.Sprintf("%s[%d]", what, i), s.by)
		if err != nil {
			return nil, err
		}
		if p.kind() == "requires" {
			return nil, nodeErr(item, "%s[%d]: requires stands only at the top of a rule", what, i)
		}
		s.parts = append(s.parts, p)
	}
	return s, nil
}

// combineForm reads the parts and, for all given as a mapping, its by: an
// entity, byNone, or -1 when not given.
func (c *compiler) combineForm(n *yaml.Node, what string, all bool) (*yaml.Node, int, error) {
	by, list := -1, n
	if n.Kind == yaml.MappingNode && all {
		f, err := fields(n, what, "by", "parts")
		if err != nil {
			return nil, 0, err
		}
		if list, err = need(f, n, what, "parts"); err != nil {
			return nil, 0, err
		}
		if bn := f["by"]; bn != nil && bn.Value == "none" {
			by = byNone
		} else if bn != nil {
			if by, err = c.entityNamed(bn, what+": by"); err != nil {
				return nil, 0, err
			}
		}
	}
	if list.Kind != yaml.SequenceNode || len(list.Content) < 2 {
		return nil, 0, nodeErr(list, "%s: want a list of at least two rules", what)
	}
	return list, by, nil
}

// inferEntity finds the one entity every part of an all can be keyed to.
func (c *compiler) inferEntity(list *yaml.Node, what string) (int, error) {
	var common []int
	named := false
	for i, item := range list.Content {
		ents, free := c.partEntities(item)
		if len(ents) == 0 && !free {
			return -1, nodeErr(item, "%s[%d]: the part names no entity the others could share; say which (by: …, with a key on this part) or declare the parts independent (by: none)", what, i)
		}
		if len(ents) == 0 {
			continue
		}
		if !named {
			common, named = ents, true
			continue
		}
		common = slices.DeleteFunc(common, func(e int) bool { return !slices.Contains(ents, e) })
	}
	switch {
	case len(common) == 1:
		return common[0], nil
	case len(common) == 0:
		return -1, nodeErr(list, "%s: the parts name no one entity; say which (by: …) or declare them independent (by: none)", what)
	}
	names := make([]string, len(common))
	for i, e := range common {
		names[i] = c.entities[e].name
	}
	return -1, nodeErr(list, "%s: the parts could all be about a %s; say which (by: …)", what, strings.Join(names, " or a "))
}

// partEntities returns the entities a part could be keyed to, and free
// when the part names its entity in a way any entity can use (a key, or
// where … == $key).
func (c *compiler) partEntities(n *yaml.Node) (ents []int, free bool) {
	if n.Kind != yaml.MappingNode {
		return nil, false
	}
	if mapGet(n, "call") != nil {
		return c.callEntities(n)
	}
	if len(n.Content) != 2 {
		return nil, false
	}
	switch k, body := n.Content[0].Value, n.Content[1]; k {
	case "sequence":
		if bn := mapGet(body, "by"); bn != nil {
			if e := c.entityIndex(bn.Value); e >= 0 {
				return []int{e}, false
			}
		}
	case "all", "any":
		return c.nestedEntities(body)
	}
	return nil, false
}

// callEntities: the entities whose identifier every pattern's path has.
func (c *compiler) callEntities(n *yaml.Node) ([]int, bool) {
	f, err := fields(n, "call", "call", "where", "when", "key", "origin", "undocumented")
	if err != nil {
		return nil, false
	}
	m := &callMatcher{}
	if c.matcherPatterns(m, f["call"], "call") != nil {
		return nil, false
	}
	params := m.params(c.rt)
	var ents []int
	for e := range c.entities {
		if slices.Contains(params, c.entities[e].id) {
			ents = append(ents, e)
		}
	}
	free := f["key"] != nil
	if wn := f["where"]; wn != nil {
		srcs, _ := strList(wn, "where")
		free = free || slices.ContainsFunc(srcs, func(s string) bool { return strings.HasSuffix(strings.TrimSpace(s), "$key") })
	}
	return ents, free
}

// nestedEntities: the entities every part of a nested composite shares.
func (c *compiler) nestedEntities(body *yaml.Node) ([]int, bool) {
	list := body
	if body.Kind == yaml.MappingNode {
		if list = mapGet(body, "parts"); list == nil {
			return nil, false
		}
	}
	var common []int
	named, free := false, true
	for _, item := range list.Content {
		ents, f := c.partEntities(item)
		if len(ents) == 0 && !f {
			return nil, false
		}
		if len(ents) == 0 {
			continue
		}
		free = false
		if !named {
			common, named = ents, true
			continue
		}
		common = slices.DeleteFunc(common, func(e int) bool { return !slices.Contains(ents, e) })
	}
	return common, free && !named
}

// observeKeyed counts a keyed call part per entity: the key the call
// names, or the keys its where … == $key can match.
func (e *callEval) observeKeyed(w *world, v *callView) {
	m := e.spec.m
	if m.match(w, v) && e.hitKeys(w, v) {
		e.hit(v.seq)
		return
	}
	if m.tried(v) {
		if key, ok := m.keyOf(w, v); ok {
			e.hitsFor(key).try(v)
		}
	}
}

// hitKeys counts the call for every entity it matches; it reports whether
// there was one.
func (e *callEval) hitKeys(w *world, v *callView) bool {
	m := e.spec.m
	if m.key.set {
		key, ok := m.keyOf(w, v)
		if b := (binds{key: key}); ok && m.keyed(w, v, &b) {
			e.hitsFor(key).hit(v.seq)
			return true
		}
		return false
	}
	e.cands = m.keyCandidates(w, v, e.cands[:0])
	hit := false
	for _, key := range e.cands {
		if b := (binds{key: key}); m.keyed(w, v, &b) {
			e.hitsFor(key).hit(v.seq)
			hit = true
		}
	}
	return hit
}

func (e *callEval) hitsFor(key string) *keyHits {
	h := e.byKey[key]
	if h == nil {
		h = &keyHits{}
		e.byKey[strings.Clone(key)] = h
	}
	if e.onKey != nil {
		e.onKey(key)
	}
	return h
}

func (e *callEval) notify(fn func(string)) { e.onKey = fn }

func (e *callEval) forKey(_ *world, key string) verdict {
	if h := e.byKey[key]; h != nil {
		return e.judge(h)
	}
	return e.judge(&keyHits{})
}

func (e *callEval) keyStatus(key string) keyResult {
	h := e.byKey[key]
	switch {
	case h == nil:
		return keyResult{status: StatusMissing}
	case h.hits > 0:
		return spanOf(StatusMet, h.seqs)
	case h.tried > 0:
		return spanOf(StatusPartial, h.triedSq)
	}
	return keyResult{status: StatusMissing}
}

func (e *sequenceEval) forKey(w *world, key string) verdict {
	n := len(e.spec.steps)
	ent := w.m.entities[e.spec.by].name
	if seqs, ok := e.doneBy[key]; ok {
		return verdict{StatusMet, fmt.Sprintf("all %d steps in order for %s %s (%s)", n, ent, key, seqsText(seqs)), evidenceOf(seqs)}
	}
	if seqs, ok := e.bestBy[key]; ok {
		k := len(seqs)
		return verdict{StatusPartial, fmt.Sprintf("%d of %d steps for %s %s within %s; not seen next: %s", k, n, ent, key, fmtDur(e.spec.within), e.spec.steps[k].src), evidenceOf(seqs)}
	}
	return verdict{StatusMissing, "not seen: " + e.spec.steps[0].src, []uint64{}}
}

func (e *sequenceEval) keyStatus(key string) keyResult {
	if seqs, ok := e.doneBy[key]; ok {
		return spanOf(StatusMet, seqs)
	}
	if seqs, ok := e.bestBy[key]; ok {
		return spanOf(StatusPartial, seqs)
	}
	return keyResult{status: StatusMissing}
}

func (e *combineEval) forKey(w *world, key string) verdict {
	vs := make([]verdict, len(e.parts))
	for i, p := range e.parts {
		vs[i] = p.(keyedEvaluator).forKey(w, key)
	}
	return combine(vs, e.spec.all)
}

// keyStatus combines the parts' statuses as combine does, over the span
// of the parts that count.
func (e *combineEval) keyStatus(key string) keyResult {
	met, partial, missing := 0, 0, 0
	var out keyResult
	for _, p := range e.parts {
		r := p.(keyedEvaluator).keyStatus(key)
		switch r.status {
		case StatusMet:
			met++
		case StatusPartial:
			partial++
		default:
			missing++
			continue
		}
		if out.first == 0 || (r.first != 0 && r.first < out.first) {
			out.first = r.first
		}
		out.last = max(out.last, r.last)
	}
	n := len(e.parts)
	switch {
	case e.spec.all && met == n, !e.spec.all && met > 0:
		out.status = StatusMet
	case missing == n:
		return keyResult{status: StatusMissing}
	default:
		out.status = StatusPartial
	}
	return out
}

func (e *combineEval) notify(fn func(string)) {
	for _, p := range e.parts {
		p.(keyedEvaluator).notify(fn)
	}
}

// keyedVerdict judges the outermost keyed all: met when one entity met
// every part (the one whose proof completed first), else the entity that
// came closest. overall are the parts' verdicts over every entity: a
// violated part makes the whole violated, and with no entity in progress
// they say what is missing. Only the chosen entity's verdict is built.
func (e *combineEval) keyedVerdict(w *world, overall []verdict) verdict {
	if slices.ContainsFunc(overall, func(v verdict) bool { return v.status == StatusViolated }) {
		return combine(overall, true)
	}
	// What an entity shows only improves, so the best is the best of the
	// last report or one of the entities changed since.
	for key := range e.dirty {
		r, score := e.scoreKey(key)
		if score > e.bestScore || (score == e.bestScore && closerFirst(r, e.best, key, e.bestKey)) {
			e.best, e.bestKey, e.bestScore = r, key, score
		}
	}
	clear(e.dirty)
	if e.bestScore < 0 {
		return combine(overall, true)
	}
	bestKey := e.bestKey
	v := e.forKey(w, bestKey)
	ent := w.m.entities[e.spec.by].name
	if v.status == StatusMet {
		v.why = fmt.Sprintf("all %d parts met for one %s (%s %s)", len(e.parts), ent, ent, bestKey)
	} else {
		v.why = fmt.Sprintf("no one %s met every part; %s %s: %s", ent, ent, bestKey, v.why)
	}
	return v
}

// scoreKey scores the parts for one entity: met above everything, then
// the number of parts met, then the partial ones.
func (e *combineEval) scoreKey(key string) (keyResult, int) {
	score := 0
	for _, p := range e.parts {
		switch p.(keyedEvaluator).keyStatus(key).status {
		case StatusMet:
			score += 2
		case StatusPartial:
			score++
		}
	}
	r := e.keyStatus(key)
	if r.status == StatusMet {
		score += 4 * len(e.parts)
	}
	return r, score
}

// closerFirst orders two entities of the same score: the evidence that
// starts first, then the key. (An entity's first call never moves later,
// so the order of an entity against the others only improves.)
func closerFirst(a, b keyResult, aKey, bKey string) bool {
	if a.first != b.first {
		return a.first != 0 && (b.first == 0 || a.first < b.first)
	}
	return aKey < bKey
}

// watchKeys makes the outermost keyed all note the entities its parts
// change, for keyedVerdict.
func (e *combineEval) watchKeys() {
	e.dirty, e.bestScore = map[string]struct{}{}, -1
	e.notify(func(key string) {
		if _, ok := e.dirty[key]; !ok {
			e.dirty[strings.Clone(key)] = struct{}{}
		}
	})
}
