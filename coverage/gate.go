package coverage

import (
	"fmt"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The contract gate: with the API's description (Options.Contract), a call
// the API accepted (a 2xx answer) whose request breaks the contract in a
// field a requirement relies on never meets that requirement nor advances
// it: staging let it through, production may not. A call the API refused
// is not gated: refusing a malformed request is the API's part of the
// error-handling requirements (an invalid status change, a transfer from a
// card, a 400 or 422 handled), whose evidence is that very request. A
// requirement relies on
// the request fields its matchers read: the request.* references of their
// where predicates, their key (a path parameter is the request's too) and
// the values a sequence step captures. The matchers gated are those whose
// match is evidence: call rules, the call steps of sequences and the
// reads of poll rules. A forbid, a without, a retry's failure and the
// state a call shows are not gated: a malformed call is still an attempt,
// still moves money, still fails, and the API's answer still shows what
// it shows.
//
// The description is consulted lazily, once per call and only for a call
// some gated matcher would otherwise take, and only its request is
// checked (contract.Spec.RequestFieldViolations): the response, the larger
// body, is not decoded. A field "breaks" as contract.Affects says: the
// field, a part holding it or a part it holds (a body that is not JSON
// breaks every request.body field).

// Options configure an Engine. The zero value judges every call on its
// own, with no description.
type Options struct {
	// Contract is the description of the API calls are held against (the
	// built-in contract.Default() or the --spec file): it gates evidence
	// and is the inventory's list of endpoints. Nil: no gate, and the
	// inventory lists the classifier's catalogue.
	Contract *contract.Spec
	// RequestViolations, when set, gives the request fields of a call that
	// break the description, in place of Contract's request-only check: a
	// caller that holds every call against the description anyway (for
	// the contract findings) passes contract.Result.RequestViolations of
	// the Check it made, so the request is validated once. It is called
	// at most once per call, during Observe, for a call some gated matcher
	// would take. It gates evidence even without Contract.
	RequestViolations func(rec *evidence.Record) []string
}

// maxRefusedFields bounds the fields a requirement's refusals name.
const maxRefusedFields = 3

// refusals are the calls the gate kept from one requirement.
type refusals struct {
	count  int
	seqs   seqList
	fields []string
}

// gate is the engine's contract gate: how to find a call's request fields
// that break the description (nil: no gate), the requirement whose rule is
// looking at the call (set by the engine before each), and what it refused
// for each.
type gate struct {
	violations func(*evidence.Record) []string
	req        int
	refused    []refusals
}

// newGate returns the gate o asks for.
func newGate(o Options, reqs int) gate {
	fn := o.RequestViolations
	if fn == nil && o.Contract != nil {
		fn = o.Contract.RequestFieldViolations
	}
	if fn == nil {
		return gate{}
	}
	return gate{violations: fn, refused: make([]refusals, reqs)}
}

// breaks reports whether the call's request breaks the contract in one of
// the fields m relies on, noting the refusal for the current requirement.
func (g *gate) breaks(v *callView, m *callMatcher) bool {
	if !v.hasResp || v.synthetic || v.status/100 != 2 {
		return false
	}
	if !v.gateRead {
		v.gateRead = true
		v.gateViol = g.violations(v.rec)
	}
	if len(v.gateViol) == 0 {
		return false
	}
	for _, f := range m.gate {
		if contract.Affects(v.gateViol, f) {
			g.refuse(v, f)
			return true
		}
	}
	return false
}

func (g *gate) refuse(v *callView, field string) {
	r := &g.refused[g.req]
	if n := len(r.seqs); n > 0 && r.seqs[n-1] == v.seq {
		return
	}
	r.count++
	r.seqs.add(v.seq)
	for _, viol := range v.gateViol {
		if contract.Affects([]string{field}, viol) && len(r.fields) < maxRefusedFields && indexOf(r.fields, viol) < 0 {
			r.fields = append(r.fields, viol)
		}
	}
}

// note is what a report says of the refusals of requirement i.
func (g *gate) note(i int) (string, []uint64) {
	if g.refused == nil || g.refused[i].count == 0 {
		return "", nil
	}
	r := &g.refused[i]
	return fmt.Sprintf("%s not counted: the request breaks the contract in %s (%s)",
		plural(r.count, "call", "calls"), strings.Join(r.fields, ", "), seqsText(r.seqs)), evidenceOf(r.seqs)
}

// gateField is the contract's name of the request field a reference
// reads ("request.body.items" for request.body.items[].cardId), and false
// for references outside the request's parameters and body.
func gateField(r callRef) (string, bool) {
	switch r.root {
	case refReqBody:
		path := r.path
		for i, seg := range path {
			if seg == eachSeg {
				path = path[:i]
				break
			}
		}
		return "request.body" + pathText(path), true
	case refQuery:
		return "request.query." + r.name, true
	case refPath:
		return "request.path." + r.name, true
	}
	return "", false
}

// gateOn makes m a gated matcher: it relies on the request fields its
// where predicates, its key and the given captures read.
func gateOn(m *callMatcher, captures []capture) {
	add := func(r callRef) {
		if f, ok := gateField(r); ok && indexOf(m.gate, f) < 0 {
			m.gate = append(m.gate, f)
		}
	}
	for _, ps := range [][]predicate{m.where, m.keyWhere} {
		for _, p := range ps {
			add(p.call)
		}
	}
	for _, g := range m.groups {
		add(g.elems)
	}
	if m.key.set {
		add(m.key.ref)
	}
	for _, cp := range captures {
		add(cp.ref)
	}
}
