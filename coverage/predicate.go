package coverage

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
)

// refRoot is the part of a call a reference reads.
type refRoot uint8

const (
	refReqBody refRoot = iota
	refRespBody
	refQuery
	refReqHeader
	refRespHeader
	refPath
	refHost
	refMethod
	refURLPath
	refStatus
	refSynthetic
	refErrorKind
	refErrorMessage
)

// callRef names one part of a call: "response.body.items[].cardId",
// "request.query.offset", "path.cardId", "response.status", ….
type callRef struct {
	root refRoot
	name string   // parameter or header name
	path []string // JSON path below a body
	src  string
	slot int // a body reference's slot in the per-record cache (body.go), or 0
}

// fixedRef returns the root of the references that read no body, header
// or parameter.
func fixedRef(s string) (refRoot, bool) {
	switch s {
	case "request.host":
		return refHost, true
	case "request.method":
		return refMethod, true
	case "request.path":
		return refURLPath, true
	case "response.status":
		return refStatus, true
	case "response.synthetic":
		return refSynthetic, true
	case "error.kind":
		return refErrorKind, true
	case "error.message":
		return refErrorMessage, true
	}
	return 0, false
}

// parseCallRef parses a reference; params are the path parameters the
// matched templates define.
func parseCallRef(s string, params []string) (callRef, error) {
	r := callRef{src: s}
	if root, ok := fixedRef(s); ok {
		r.root = root
		return r, nil
	}
	for _, p := range []struct {
		prefix string
		root   refRoot
	}{{"request.body", refReqBody}, {"response.body", refRespBody}} {
		if rest, ok := strings.CutPrefix(s, p.prefix); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			r.root = p.root
			path, err := parseJSONPath(rest)
			r.path = path
			return r, err
		}
	}
	for _, p := range []struct {
		prefix string
		root   refRoot
	}{{"request.query.", refQuery}, {"request.header.", refReqHeader}, {"response.header.", refRespHeader}, {"path.", refPath}} {
		if name, ok := strings.CutPrefix(s, p.prefix); ok && name != "" {
			r.root, r.name = p.root, name
			if p.root == refReqHeader || p.root == refRespHeader {
				r.name = http.CanonicalHeaderKey(name)
			}
			if p.root == refPath && !slices.Contains(params, name) {
				return r, fmt.Errorf("%q: the matched templates have no path parameter {%s}", s, name)
			}
			return r, nil
		}
	}
	return r, fmt.Errorf("%q: unknown reference (want request.body…, response.body…, request.query.NAME, request.header.NAME, response.header.NAME, path.NAME, request.host, request.method, request.path, response.status, response.synthetic, error.kind or error.message)", s)
}

// parseJSONPath parses ".a.b[].c" into ["a", "b", "[]", "c"].
func parseJSONPath(s string) ([]string, error) {
	var out []string
	for s != "" {
		switch {
		case strings.HasPrefix(s, eachSeg):
			out, s = append(out, eachSeg), s[len(eachSeg):]
		case s[0] == '.':
			end := strings.IndexAny(s[1:], ".[")
			if end < 0 {
				end = len(s) - 1
			}
			seg := s[1 : end+1]
			if seg == "" {
				return nil, fmt.Errorf("empty segment in JSON path %q", s)
			}
			out, s = append(out, seg), s[end+1:]
		default:
			return nil, fmt.Errorf("bad JSON path at %q (segments are .name or [])", s)
		}
	}
	return out, nil
}

// each calls fn with every value the reference finds in the call, until fn
// returns true. It reports whether fn did, and whether the answer is
// unknown because the body was truncated before the value could be seen.
func (r *callRef) each(rt *routes, v *callView, fn func(value) bool) (stopped, unknown bool) {
	switch r.root {
	case refReqBody, refRespBody:
		b := &v.req
		if r.root == refRespBody {
			b = &v.resp
		}
		if len(r.path) == 0 {
			if b.doc == "" {
				return false, b.trunc
			}
			return fn(textValue(b.doc)), false
		}
		raws := v.bodyRaws(r, b)
		for _, raw := range raws {
			if fn(rawValue(raw)) {
				return true, false
			}
		}
		return false, b.trunc && len(raws) == 0
	case refQuery:
		if s, ok := v.queryParam(r.name); ok {
			return fn(textValue(s)), false
		}
	case refReqHeader, refRespHeader:
		if s, ok := r.header(v); ok {
			return fn(textValue(s)), false
		}
	case refPath:
		if s, ok := v.param(rt, r.name); ok {
			return fn(textValue(s)), false
		}
	case refHost:
		return fn(textValue(v.host)), false
	case refMethod:
		return fn(textValue(v.method)), false
	case refURLPath:
		return fn(textValue(v.path)), false
	case refStatus:
		if v.hasResp {
			return fn(numValue(float64(v.status))), false
		}
	case refSynthetic:
		return fn(boolValue(v.synthetic)), false
	case refErrorKind:
		if v.errKind != "" {
			return fn(textValue(v.errKind)), false
		}
	case refErrorMessage:
		if v.rec.Error != nil {
			return fn(textValue(v.rec.Error.Message)), false
		}
	}
	return false, false
}

func (r *callRef) header(v *callView) (string, bool) {
	h := v.rec.Request.Header
	if r.root == refRespHeader {
		if v.rec.Response == nil {
			return "", false
		}
		h = v.rec.Response.Header
	}
	vals := h[r.name]
	if len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}

// first returns the first value the reference finds.
func (r *callRef) first(rt *routes, v *callView) (value, bool) {
	var out value
	found, _ := r.each(rt, v, func(x value) bool { out = x; return true })
	return out, found
}

// op is a predicate's operator.
type op uint8

const (
	opExists op = iota
	opMissing
	opNonEmpty
	opEmpty
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opIn
	opNotIn
	opContains
	opNotContains
	opRises
	opFalls
	opUnchanged
	opChanges
)

// opNames lists the operators in op order.
func opNames() []string {
	return []string{"exists", "missing", "nonempty", "empty", "==", "!=", "<", "<=", ">", ">=",
		"in", "not in", "contains", "not contains", "rises", "falls", "unchanged", "changes"}
}

func parseOp(s string) (op, bool) {
	i := slices.Index(opNames(), s)
	return op(i), i >= 0
}

// unary operators take no operand; transition operators compare a field's
// value before and after a call and only make sense in observe steps.
func (o op) unary() bool      { return o <= opEmpty || o >= opRises }
func (o op) transition() bool { return o >= opRises }

// predicate is one condition: "<reference> <operator> [operand]". It reads
// either a call (request, response, path, error) or an entity's state
// ("card.issuerCardStatus == 4").
type predicate struct {
	src   string
	call  callRef
	state *stateRef
	op    op
	// lits is the operand: one value, or the list of in / not in.
	lits []value
	// isKey: the operand is $key, the correlation key of the rule.
	isKey bool
	// by: "rises by" or "falls by" an amount, given in lits[0] or, with
	// byName, captured by an earlier step of the sequence (index byVar).
	by     bool
	byName string
	byVar  int
}

// stateRef names an entity field: "cardholder.status".
type stateRef struct {
	entity, field int
}

// splitPredicate splits "<ref> <op> [operand]".
func splitPredicate(s string) (ref, opName, operand string, err error) {
	ref, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	rest = strings.TrimSpace(rest)
	opName, operand, _ = strings.Cut(rest, " ")
	if opName == "not" {
		var second string
		second, operand, _ = strings.Cut(strings.TrimSpace(operand), " ")
		opName += " " + second
	}
	if _, ok := parseOp(opName); !ok || ref == "" {
		return "", "", "", fmt.Errorf("%q: want \"<reference> <operator> [operand]\" with an operator among exists, missing, nonempty, empty, ==, !=, <, <=, >, >=, in, not in, contains, not contains, rises, falls, unchanged, changes", s)
	}
	return ref, opName, strings.TrimSpace(operand), nil
}

// parseOperand parses the operand of o: a JSON literal, a JSON list for in
// and not in, or $key.
func parseOperand(p *predicate, operand string) error {
	switch {
	case p.op == opRises || p.op == opFalls:
		if operand == "" {
			return nil
		}
		amount, ok := strings.CutPrefix(operand, "by ")
		if !ok {
			return fmt.Errorf("%q: %s takes no operand, or \"by <amount>\" (by 1000, by $amount)", p.src, opNames()[p.op])
		}
		return parseAmount(p, strings.TrimSpace(amount))
	case p.op.unary():
		if operand != "" {
			return fmt.Errorf("%q: operator takes no operand", p.src)
		}
		return nil
	case operand == "$key":
		if p.op != opEq && p.op != opNe {
			return fmt.Errorf("%q: $key works with == and != only", p.src)
		}
		p.isKey = true
		return nil
	case operand == "":
		return fmt.Errorf("%q: operator needs an operand", p.src)
	}
	var lit any
	if err := json.Unmarshal([]byte(operand), &lit); err != nil {
		return fmt.Errorf("%q: operand %s is not a JSON literal (quote strings: \"pass\")", p.src, operand)
	}
	list, isList := lit.([]any)
	if (p.op == opIn || p.op == opNotIn) != isList {
		return fmt.Errorf("%q: in and not in take a list such as [1, 2]; other operators a single value", p.src)
	}
	if !isList {
		list = []any{lit}
	}
	for _, x := range list {
		v, ok := literal(x)
		if !ok {
			return fmt.Errorf("%q: operand values must be numbers, strings, booleans or null", p.src)
		}
		p.lits = append(p.lits, v)
	}
	if (p.op == opContains || p.op == opNotContains) && p.lits[0].kind != kindStr {
		return fmt.Errorf("%q: contains takes a string", p.src)
	}
	return nil
}

// parseAmount parses the amount of "rises by" and "falls by": a positive
// number, or $name, a value an earlier step of the sequence captured.
func parseAmount(p *predicate, s string) error {
	p.by = true
	if name, ok := strings.CutPrefix(s, "$"); ok {
		if !identPattern.MatchString(name) || name == "key" {
			return fmt.Errorf("%q: %s is not a captured value's name", p.src, s)
		}
		p.byName = name
		return nil
	}
	var f float64
	if err := json.Unmarshal([]byte(s), &f); err != nil || f <= 0 {
		return fmt.Errorf("%q: the amount %s is not a positive number or a $name", p.src, s)
	}
	p.lits = []value{numValue(f)}
	return nil
}

func literal(x any) (value, bool) {
	switch t := x.(type) {
	case float64:
		return numValue(t), true
	case string:
		return textValue(t), true
	case bool:
		return boolValue(t), true
	case nil:
		return value{kind: kindNull, str: "null"}, true
	}
	return value{}, false
}

// test applies a comparing operator to one present value.
func (p *predicate) test(v value, key string) bool {
	if v.kind == kindNone {
		return false
	}
	switch p.op {
	case opNonEmpty:
		return !v.empty()
	case opEmpty:
		return v.empty()
	case opEq, opNe:
		w := p.operand(key)
		if w.kind == kindNone {
			return false
		}
		return v.equal(w) == (p.op == opEq)
	case opLt, opLe, opGt, opGe:
		return p.compare(v)
	case opIn, opNotIn:
		in := slices.ContainsFunc(p.lits, v.equal)
		return in == (p.op == opIn)
	case opContains, opNotContains:
		if v.kind != kindStr && v.kind != kindComposite {
			return false
		}
		return strings.Contains(v.str, p.lits[0].str) == (p.op == opContains)
	}
	return true
}

func (p *predicate) operand(key string) value {
	if p.isKey {
		if key == "" {
			return value{}
		}
		return textValue(key)
	}
	return p.lits[0]
}

func (p *predicate) compare(v value) bool {
	a, ok1 := v.number()
	b, ok2 := p.lits[0].number()
	if !ok1 || !ok2 {
		return false
	}
	switch p.op {
	case opLt:
		return a < b
	case opLe:
		return a <= b
	case opGt:
		return a > b
	}
	return a >= b
}

// amount is the operand of "rises by" or "falls by"; NaN when the value it
// names was not captured.
func (p *predicate) amount(vars []float64) float64 {
	if p.byName == "" {
		return p.lits[0].num
	}
	if p.byVar < len(vars) {
		return vars[p.byVar]
	}
	return math.NaN()
}

// sameAmount compares a balance movement with an expected amount. Amounts
// are integer minor units once captured (a decimal "19.99" times 100 is
// 1998.9999999999998 in floating point), so they are equal within a
// billionth; NaN is never equal.
func sameAmount(d, want float64) bool {
	return math.Abs(d-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// negative reports whether the operator denies something (!=, not in, not
// contains): such a predicate also holds when the value is missing.
func (o op) negative() bool { return o == opNe || o == opNotIn || o == opNotContains }

// onCall evaluates a call predicate. Through [] a predicate holds when it
// holds for at least one value; exists and missing ask whether any value is
// there; a negative operator also holds when there is no value at all. A
// truncated body that may hide the value makes every predicate false: the
// engine never guesses.
func (p *predicate) onCall(rt *routes, v *callView, key string) bool {
	found, unknown := p.call.each(rt, v, func(value) bool { return true })
	switch {
	case unknown:
		return false
	case p.op == opExists:
		return found
	case p.op == opMissing:
		return !found
	case !found:
		return p.op.negative() && !(p.isKey && key == "")
	}
	ok, _ := p.call.each(rt, v, func(x value) bool { return p.test(x, key) })
	return ok
}

// onState evaluates a state predicate against an entity's known state.
func (p *predicate) onState(st *entState) bool {
	known := st != nil && st.known(p.state.field)
	switch p.op {
	case opExists:
		return known
	case opMissing:
		return !known
	}
	return known && p.test(st.vals[p.state.field], "")
}

// onChange evaluates a state predicate against one field change a call
// shows; vars are the values the sequence captured so far (for "rises by
// $amount"). A rise or fall needs the value before the call known.
func (p *predicate) onChange(c fieldChange, vars []float64) bool {
	switch p.op {
	case opExists:
		return true
	case opMissing:
		return false
	case opRises, opFalls:
		a, ok1 := c.old.number()
		b, ok2 := c.new.number()
		if !c.hadOld || !ok1 || !ok2 {
			return false
		}
		d := b - a
		if p.op == opFalls {
			d = a - b
		}
		if d <= 0 {
			return false
		}
		return !p.by || sameAmount(d, p.amount(vars))
	case opUnchanged:
		return c.hadOld && c.old.equal(c.new)
	case opChanges:
		return c.hadOld && !c.old.equal(c.new)
	}
	return p.test(c.new, "")
}
