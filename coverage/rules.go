package coverage

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ruleSpec is a compiled rule of the matrix; it is immutable and makes a
// fresh evaluator for each engine.
type ruleSpec interface {
	kind() string
	newEval() evaluator
	// interest says which calls the rule's evaluator must see; the engine
	// shows it no others.
	interest() interest
}

// interest is the set of calls a rule reacts to: calls to the endpoints in
// mask, calls to any endpoint of the catalogue (all), calls outside it
// (other), and calls that carry entity state (events), of the entities
// in shows.
type interest struct {
	mask   uint64
	all    bool
	other  bool
	events bool
	shows  uint64
}

func (i interest) union(j interest) interest {
	return interest{mask: i.mask | j.mask, all: i.all || j.all, other: i.other || j.other, events: i.events || j.events, shows: i.shows | j.shows}
}

// entityBit is the bit of entity e in a set of entities; past the 64th,
// an entity is every one.
func entityBit(e int) uint64 {
	if e >= 64 {
		return ^uint64(0)
	}
	return 1 << e
}

// wants reports whether a call to catalogue endpoint ep (-1: outside it)
// interests the rule, leaving state events aside.
func (i interest) wants(ep int) bool {
	if ep < 0 {
		return i.other
	}
	return i.all || i.mask&(1<<ep) != 0
}

// evaluator follows one rule over the record stream. observe sees every call
// in order, with the entity state as it was before the call; verdict judges
// the calls seen so far without changing anything, so a report can be taken
// at any point and observation go on.
type evaluator interface {
	observe(w *world, v *callView)
	verdict(w *world) verdict
	// held is how many items of state the evaluator keeps (entities in
	// progress, failures in their window, …): it must not grow with the
	// number of records.
	held() int
}

// verdict is one rule's judgement.
type verdict struct {
	status   Status
	why      string
	evidence []uint64
}

// maxEvidence bounds the sequence numbers kept per list of evidence: the
// first ones prove the point, and memory must not grow with the records.
const maxEvidence = 24

// seqList is a bounded list of evidence.
type seqList []uint64

func (l *seqList) add(seqs ...uint64) {
	for _, s := range seqs {
		if len(*l) >= maxEvidence {
			return
		}
		*l = append(*l, s)
	}
}

// evidenceOf merges lists into the ascending, duplicate-free, bounded form
// a report carries; never nil.
func evidenceOf(lists ...[]uint64) []uint64 {
	out := []uint64{}
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > maxEvidence {
		out = out[:maxEvidence]
	}
	return out
}

func seqsText(seqs []uint64) string {
	parts := make([]string, 0, 4)
	for i, s := range seqs {
		if i == 3 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("#%d", s))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ruleKinds are the keys that start a rule other than a call.
func ruleKinds() []string {
	return []string{"sequence", "retry", "poll", "paged", "all", "any", "requires"}
}

// compileRule compiles a rule mapping: a call matcher, or exactly one of
// the rule kinds.
func (c *compiler) compileRule(n *yaml.Node, what string) (ruleSpec, error) {
	return c.compileRuleFor(n, what, -1)
}

// compileRuleFor compiles a rule; with entity ≥ 0 it is a part of a
// composite keyed to that entity, judged for one entity at a time.
func (c *compiler) compileRuleFor(n *yaml.Node, what string, entity int) (ruleSpec, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, nodeErr(n, "%s: want a rule: a call, or one of %s", what, strings.Join(ruleKinds(), ", "))
	}
	if mapGet(n, "call") != nil {
		return c.compileCallRule(n, what, entity)
	}
	if len(n.Content) != 2 {
		return nil, nodeErr(n, "%s: a rule has exactly one kind (%s), or is a call", what, strings.Join(ruleKinds(), ", "))
	}
	k, body := n.Content[0], n.Content[1]
	what += ": " + k.Value
	switch k.Value {
	case "sequence":
		return c.compileSequenceFor(body, what, entity)
	case "all", "any":
		return c.compileCombine(body, what, k.Value == "all", entity)
	}
	if entity >= 0 {
		return nil, nodeErr(k, "%s: a part keyed to one %s is a call, a sequence, all or any; declare the parts independent (by: none) to use %s", what, c.entities[entity].name, k.Value)
	}
	switch k.Value {
	case "retry":
		return c.compileRetry(body, what)
	case "poll":
		return c.compilePoll(body, what)
	case "paged":
		return c.compilePaged(body, what)
	case "requires":
		return c.compileRequires(body, what)
	}
	return nil, nodeErr(k, "%s: unknown rule kind (want call, %s)", what, strings.Join(ruleKinds(), ", "))
}

// compileCallRule compiles a call rule; keyed to an entity, the call must
// name it.
func (c *compiler) compileCallRule(n *yaml.Node, what string, entity int) (ruleSpec, error) {
	m, _, err := c.compileMatcher(n, matcherOpts{what: what, entity: entity})
	if err != nil {
		return nil, err
	}
	gateOn(m, nil)
	if entity >= 0 && !m.key.set && !m.needsBinds() {
		return nil, nodeErr(n, "%s: the call does not name the %s; give a key (key: request.body.%s) or compare with $key in where", what, c.entities[entity].name, c.entities[entity].id)
	}
	return &callSpec{m: m, keyed: entity >= 0}, nil
}

// callSpec: met when at least one call matches. keyed: it is a part of a
// composite keyed to one entity, and counts its calls per entity.
type callSpec struct {
	m     *callMatcher
	keyed bool
}

func (s *callSpec) kind() string       { return "call" }
func (s *callSpec) interest() interest { return s.m.interest() }
func (s *callSpec) newEval() evaluator {
	e := &callEval{spec: s}
	if s.keyed {
		e.byKey = map[string]*keyHits{}
	}
	return e
}

type callEval struct {
	spec *callSpec
	keyHits
	// byKey counts per entity when the rule is a keyed part; cands is a
	// buffer for the keys a call may name; onKey hears of each entity
	// counted.
	byKey map[string]*keyHits
	cands []string
	onKey func(string)
}

// keyHits are the calls that matched and those tried that did not.
type keyHits struct {
	hits    int
	seqs    seqList
	tried   int
	triedSq seqList
	lastTry int // status of the last call that was tried but did not match
}

func (h *keyHits) hit(seq uint64) {
	h.hits++
	h.seqs.add(seq)
}

func (h *keyHits) try(v *callView) {
	h.tried++
	h.triedSq.add(v.seq)
	h.lastTry = v.status
}

func (e *callEval) observe(w *world, v *callView) {
	if e.byKey != nil {
		e.observeKeyed(w, v)
		return
	}
	if _, ok := e.spec.m.matchFull(w, v); ok {
		e.hit(v.seq)
		return
	}
	if e.spec.m.tried(v) {
		e.try(v)
	}
}

func (e *callEval) held() int { return len(e.byKey) }

func (e *callEval) verdict(*world) verdict { return e.judge(&e.keyHits) }

func (e *callEval) judge(h *keyHits) verdict {
	m := e.spec.m
	switch {
	case h.hits > 0:
		return verdict{StatusMet, fmt.Sprintf("%s: %s (%s)", m.src, plural(h.hits, "matching call", "matching calls"), seqsText(h.seqs)), evidenceOf(h.seqs)}
	case h.tried > 0:
		return verdict{StatusPartial, fmt.Sprintf("the endpoint was called %s but no call matched %s%s (last answer %s)", plural(h.tried, "time", "times"), m.src, conditionsText(m), statusText(h.lastTry)), evidenceOf(h.triedSq)}
	}
	return verdict{StatusMissing, "no call matched " + m.src + conditionsText(m), []uint64{}}
}

// conditionsText lists a matcher's where and when predicates.
func conditionsText(m *callMatcher) string {
	var parts []string
	lists := [][]predicate{m.where, m.keyWhere}
	for _, g := range m.groups {
		lists = append(lists, g.preds)
	}
	for _, ps := range append(lists, m.when) {
		for _, p := range ps {
			parts = append(parts, p.src)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " where " + strings.Join(parts, " and ")
}

func statusText(status int) string {
	if status == 0 {
		return "none"
	}
	return fmt.Sprint(status)
}

// combineSpec: all (every part met) or any (one part met). With by ≥ 0
// the parts are keyed to one entity: all is met only when one entity met
// every part (rule_keyed.go); outer marks the outermost such composite,
// the one that looks for that entity.
type combineSpec struct {
	all   bool
	parts []ruleSpec
	by    int
	outer bool
}

func (s *combineSpec) kind() string {
	if s.all {
		return "all"
	}
	return "any"
}

func (s *combineSpec) interest() interest {
	var out interest
	for _, p := range s.parts {
		out = out.union(p.interest())
	}
	return out
}

func (s *combineSpec) newEval() evaluator {
	e := &combineEval{spec: s}
	for _, p := range s.parts {
		e.parts = append(e.parts, p.newEval())
		e.ins = append(e.ins, p.interest())
	}
	if s.outer {
		e.watchKeys()
	}
	return e
}

type combineEval struct {
	spec  *combineSpec
	parts []evaluator
	// ins are the parts' interests: a part is shown the calls it wants,
	// as the engine shows a rule (dispatch.go), not every call another
	// part wants.
	ins []interest
	// For the outermost keyed all (rule_keyed.go): the entities changed
	// since the last verdict, and the best entity so far.
	dirty     map[string]struct{}
	best      keyResult
	bestKey   string
	bestScore int
}

func (e *combineEval) observe(w *world, v *callView) {
	for i, p := range e.parts {
		if in := e.ins[i]; in.wants(v.ep) || (in.events && len(v.events) > 0) {
			p.observe(w, v)
		}
	}
}

func (e *combineEval) held() int {
	n := 0
	for _, p := range e.parts {
		n += p.held()
	}
	return n
}

func (e *combineEval) verdict(w *world) verdict {
	vs := make([]verdict, len(e.parts))
	for i, p := range e.parts {
		vs[i] = p.verdict(w)
	}
	if e.spec.outer {
		return e.keyedVerdict(w, vs)
	}
	return combine(vs, e.spec.all)
}

// combine judges a list of verdicts: violated when any part is; for all,
// met when every part is and missing when every part is; for any, met when
// one part is. Otherwise partial. The explanation is the first part that
// keeps the whole from being met (or the violated one).
func combine(vs []verdict, all bool) verdict {
	count := map[Status]int{}
	for _, v := range vs {
		count[v.status]++
	}
	pick := func(statuses ...Status) verdict {
		for _, st := range statuses {
			for i, v := range vs {
				if v.status == st {
					return verdict{why: fmt.Sprintf("part %d of %d: %s", i+1, len(vs), v.why), evidence: v.evidence}
				}
			}
		}
		return verdict{}
	}
	var out verdict
	switch {
	case count[StatusViolated] > 0:
		out = pick(StatusViolated)
		out.status = StatusViolated
		return out
	case all && count[StatusMet] == len(vs), !all && count[StatusMet] > 0:
		out.status = StatusMet
		out.why = fmt.Sprintf("all %d parts met", len(vs))
		if !all {
			out = pick(StatusMet)
			out.status = StatusMet
		}
	case count[StatusMissing] == len(vs):
		out = pick(StatusMissing)
		out.status = StatusMissing
	default:
		out = pick(StatusPartial, StatusMissing)
		out.status = StatusPartial
	}
	if out.status != StatusMissing {
		lists := make([][]uint64, 0, len(vs))
		for _, v := range vs {
			if v.status == StatusMet || v.status == StatusPartial {
				lists = append(lists, v.evidence)
			}
		}
		out.evidence = evidenceOf(lists...)
	} else {
		out.evidence = []uint64{}
	}
	return out
}

// requiresSpec: met when every named requirement is; the engine judges it
// after the others, from their verdicts.
type requiresSpec struct {
	ids []string
	idx []int
}

func (s *requiresSpec) kind() string       { return "requires" }
func (s *requiresSpec) interest() interest { return interest{} }
func (s *requiresSpec) newEval() evaluator { return nopEval{} }

type nopEval struct{}

func (nopEval) observe(*world, *callView) {}
func (nopEval) verdict(*world) verdict    { return verdict{} }
func (nopEval) held() int                 { return 0 }

func (c *compiler) compileRequires(n *yaml.Node, what string) (ruleSpec, error) {
	ids, err := strList(n, what)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nodeErr(n, "%s: want at least one requirement id", what)
	}
	return &requiresSpec{ids: ids}, nil
}

// judgeRequires combines the verdicts of the required requirements,
// naming them.
func judgeRequires(s *requiresSpec, results []verdict, ids []string) verdict {
	vs := make([]verdict, len(s.idx))
	byStatus := map[Status][]string{}
	for i, j := range s.idx {
		vs[i] = results[j]
		byStatus[results[j].status] = append(byStatus[results[j].status], ids[j])
	}
	out := combine(vs, true)
	var parts []string
	for _, st := range []Status{StatusViolated, StatusPartial, StatusMissing, StatusMet} {
		if names := byStatus[st]; len(names) > 0 {
			parts = append(parts, string(st)+": "+strings.Join(names, ", "))
		}
	}
	out.why = strings.Join(parts, "; ")
	return out
}
