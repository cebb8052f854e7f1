package coverage

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

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
	// ev is set on the where predicates of an event step (event.go).
	ev *eventRef
	op op
	// lits is the operand: one value, or the list of in / not in.
	lits []value
	// isKey: the operand is $key, the correlation key of the rule.
	isKey bool
	// varName: the operand is $name, a value an earlier step of the
	// sequence captured (index varIdx of its captures).
	varName string
	varIdx  int
	// by: "rises by" or "falls by" an amount, given in lits[0] or, with
	// varName, captured by an earlier step.
	by bool
}

// binds are what a predicate may compare with besides literals: the key
// of the entity the rule correlates by ($key) and the values earlier steps
// of a sequence captured ($name). A nil *binds binds nothing.
type binds struct {
	key  string
	vars []value
}

// bound reports whether the predicate compares with $key or a captured
// value.
func (p *predicate) bound() bool { return p.isKey || (p.varName != "" && !p.by) }

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
	case strings.HasPrefix(operand, "$"):
		name := operand[1:]
		if p.op != opEq && p.op != opNe || !identPattern.MatchString(name) {
			return fmt.Errorf("%q: $name compares with a captured value, with == and != only", p.src)
		}
		p.varName = name
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
		p.varName = name
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
func (p *predicate) test(v value, b *binds) bool {
	if v.kind == kindNone {
		return false
	}
	switch p.op {
	case opNonEmpty:
		return !v.empty()
	case opEmpty:
		return v.empty()
	case opEq, opNe:
		w := p.operand(b)
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

// operand is the value an == or != compares with; none when what it
// names is not bound.
func (p *predicate) operand(b *binds) value {
	switch {
	case p.isKey:
		if b == nil || b.key == "" {
			return value{}
		}
		return textValue(b.key)
	case p.varName != "":
		if b == nil || p.varIdx >= len(b.vars) {
			return value{}
		}
		return b.vars[p.varIdx]
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
// names was not captured as a number.
func (p *predicate) amount(vars []value) float64 {
	if p.varName == "" {
		return p.lits[0].num
	}
	if p.varIdx < len(vars) {
		if f, ok := vars[p.varIdx].number(); ok {
			return f
		}
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
func (p *predicate) onCall(rt *routes, v *callView, b *binds) bool {
	found, unknown := p.call.each(rt, v, func(value) bool { return true })
	switch {
	case unknown:
		return false
	case p.op == opExists:
		return found
	case p.op == opMissing:
		return !found
	case !found:
		return p.op.negative() && p.operandBound(b)
	}
	ok, _ := p.call.each(rt, v, func(x value) bool { return p.test(x, b) })
	return ok
}

// operandBound reports whether what the operand names is known: a
// negative comparison with an unbound $key or $name proves nothing.
func (p *predicate) operandBound(b *binds) bool {
	return !p.bound() || p.operand(b).kind != kindNone
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
	return known && p.test(st.vals[p.state.field], nil)
}

// onChange evaluates a state predicate against one field change a call
// shows; vars are the values the sequence captured so far (for "rises by
// $amount"). A rise or fall needs the value before the call known.
func (p *predicate) onChange(c fieldChange, vars []value) bool {
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
	return p.test(c.new, &binds{vars: vars})
}
