package coverage

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// eventView is one event record (evidence.KindEvent) as event steps read
// it. Like callView it is reused from record to record: nothing in it may
// be kept after the record is processed.
type eventView struct {
	rec *evidence.Record
	seq uint64
	// at is when the sidecar received the event (Record.Time): the clock
	// of every window. said is when the app says it happened (Event.Time;
	// zero when it does not say).
	at, said time.Time
	name     string
	trace    string
	// attrs and res are the attributes' and the resource's JSON objects,
	// body the log record's body; trunc says the receiver cut some of them.
	attrs, res, body string
	trunc            bool
}

func (ev *eventView) reset(rec *evidence.Record) {
	e := rec.Event
	*ev = eventView{rec: rec, seq: rec.Seq, at: rec.Time, said: e.Time, name: e.Name, trace: e.TraceID,
		attrs: string(e.Attributes), res: string(e.Resource), body: e.Body, trunc: e.Truncated}
}

// eventRoot is the part of an event a reference reads.
type eventRoot uint8

const (
	evName eventRoot = iota
	evSeverity
	evSource
	evBody
	evAttr
	evResource
)

// eventRef names one part of an event. Attribute names hold dots
// (axys.card_id), so an attribute is named in brackets and quotes, which
// no JSON path segment can be confused with, and a JSON path may follow
// for a structured value:
//
//	event.name  event.severity  event.source
//	event.body                     the body as text
//	event.body.reason              a member of a JSON body
//	event.attributes["axys.card_id"]
//	event.attributes["order"].items[].sku
//	event.resource["service.name"]
type eventRef struct {
	root eventRoot
	// path is the JSON path below the attributes or resource object (its
	// first segment the attribute's name) or below the body.
	path []string
	src  string
}

// parseEventRef parses an event reference.
func parseEventRef(s string) (eventRef, error) {
	r := eventRef{src: s}
	switch s {
	case "event.name":
		r.root = evName
		return r, nil
	case "event.severity":
		r.root = evSeverity
		return r, nil
	case "event.source":
		r.root = evSource
		return r, nil
	}
	if rest, ok := strings.CutPrefix(s, "event.body"); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
		r.root = evBody
		var err error
		r.path, err = parseJSONPath(rest)
		return r, err
	}
	for _, p := range []struct {
		prefix string
		root   eventRoot
	}{{"event.attributes[", evAttr}, {"event.resource[", evResource}} {
		rest, ok := strings.CutPrefix(s, p.prefix)
		if !ok {
			continue
		}
		name, tail, err := bracketName(rest)
		if err != nil {
			return r, fmt.Errorf("%q: %w", s, err)
		}
		path, err := parseJSONPath(tail)
		if err != nil {
			return r, fmt.Errorf("%q: %w", s, err)
		}
		r.root, r.path = p.root, append([]string{name}, path...)
		return r, nil
	}
	return r, fmt.Errorf("%q: unknown event reference (want event.name, event.severity, event.source, event.body…, event.attributes[\"NAME\"]… or event.resource[\"NAME\"]…)", s)
}

// bracketName reads `"NAME"]` at the start of s: a JSON string naming an
// attribute, then the closing bracket. It returns the name and what
// follows.
func bracketName(s string) (string, string, error) {
	if s == "" || s[0] != '"' {
		return "", "", fmt.Errorf("want a quoted attribute name in brackets: [\"axys.card_id\"]")
	}
	end := strings.Index(s, `"]`)
	for end > 0 && s[end-1] == '\\' {
		next := strings.Index(s[end+1:], `"]`)
		if next < 0 {
			end = -1
			break
		}
		end += 1 + next
	}
	if end < 0 {
		return "", "", fmt.Errorf("want a quoted attribute name in brackets: [\"axys.card_id\"]")
	}
	name, err := strconv.Unquote(s[:end+1])
	if err != nil || name == "" {
		return "", "", fmt.Errorf("bad attribute name %s", s[:end+1])
	}
	return name, s[end+2:], nil
}

// cuttable reports whether the reference reads what the receiver may have
// cut: attributes other than the documented entity ones, the resource or
// the body.
func (r *eventRef) cuttable() bool {
	switch r.root {
	case evBody, evResource:
		return true
	case evAttr:
		_, documented := documentedAttr(r.path[0])
		return !documented || len(r.path) > 1
	}
	return false
}

// documentedAttr reports whether name is a documented entity attribute.
func documentedAttr(name string) (string, bool) {
	for _, a := range evidence.EntityAttributes() {
		if a == name {
			return a, true
		}
	}
	return "", false
}

// each calls fn with every value the reference finds in the event until
// fn returns true; it reports whether fn did.
func (r *eventRef) each(ev *eventView, fn func(value) bool) bool {
	switch r.root {
	case evName:
		return fn(textValue(ev.name))
	case evSeverity:
		return ev.rec.Event.Severity != "" && fn(textValue(ev.rec.Event.Severity))
	case evSource:
		return ev.rec.Event.Source != "" && fn(textValue(ev.rec.Event.Source))
	case evBody:
		if len(r.path) == 0 {
			return ev.body != "" && fn(textValue(ev.body))
		}
		return jsonEach(ev.body, r.path, func(raw string) bool { return fn(rawValue(raw)) })
	case evAttr:
		return jsonEach(ev.attrs, r.path, func(raw string) bool { return fn(rawValue(raw)) })
	case evResource:
		return jsonEach(ev.res, r.path, func(raw string) bool { return fn(rawValue(raw)) })
	}
	return false
}

// first returns the first value the reference finds.
func (r *eventRef) first(ev *eventView) (value, bool) {
	var out value
	found := r.each(ev, func(x value) bool { out = x; return true })
	return out, found
}

// onEvent evaluates an event predicate, as onCall does for a call: through
// [] it holds when it holds for one value; a negative operator also holds
// when there is no value. On an event the receiver cut, a predicate on
// what it may have cut is false: the engine never guesses.
func (p *predicate) onEvent(ev *eventView, b *binds) bool {
	if ev.trunc && p.ev.cuttable() {
		return false
	}
	found := p.ev.each(ev, func(value) bool { return true })
	switch {
	case p.op == opExists:
		return found
	case p.op == opMissing:
		return !found
	case !found:
		return p.op.negative() && p.operandBound(b)
	}
	return p.ev.each(ev, func(x value) bool { return p.test(x, b) })
}

// eventPredicate parses a where predicate of an event step; vars are the
// values earlier steps captured.
func eventPredicate(s string, vars []string) (predicate, error) {
	ref, opName, operand, err := splitEventPredicate(s)
	if err != nil {
		return predicate{}, err
	}
	p := predicate{src: s}
	p.op, _ = parseOp(opName)
	if p.op.transition() {
		return p, fmt.Errorf("%q: %s compares entity state; an event shows none", s, opName)
	}
	r, err := parseEventRef(ref)
	if err != nil {
		return p, err
	}
	p.ev = &r
	if err := parseOperand(&p, operand); err != nil {
		return p, err
	}
	if p.varName != "" {
		if p.varIdx = indexOf(vars, p.varName); p.varIdx < 0 {
			return p, fmt.Errorf("%q: no earlier step of the sequence captures %s", s, p.varName)
		}
	}
	return p, nil
}

// splitEventPredicate splits "<ref> <op> [operand]" where the reference
// may name an attribute holding spaces (event.attributes["a b"]).
func splitEventPredicate(s string) (ref, opName, operand string, err error) {
	t := strings.TrimSpace(s)
	i := strings.Index(t, `["`)
	if i < 0 || strings.Contains(t[:i], " ") {
		return splitPredicate(s)
	}
	_, tail, berr := bracketName(t[i+1:])
	if berr != nil {
		return splitPredicate(s)
	}
	end := len(t)
	if j := strings.IndexByte(tail, ' '); j >= 0 {
		end = len(t) - len(tail) + j
	}
	if _, opName, operand, err = splitPredicate("x" + t[end:]); err != nil {
		_, _, _, err = splitPredicate(s)
		if err == nil {
			err = fmt.Errorf("%q: want \"<reference> <operator> [operand]\"", s)
		}
		return "", "", "", err
	}
	return t[:end], opName, operand, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
