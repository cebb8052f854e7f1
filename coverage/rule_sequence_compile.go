package coverage

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// compileSequenceFor compiles a sequence; as a part keyed to an entity it
// must follow that entity.
func (c *compiler) compileSequenceFor(n *yaml.Node, what string, entity int) (ruleSpec, error) {
	r, err := c.compileSequence(n, what)
	if err != nil || entity < 0 {
		return r, err
	}
	s := r.(*sequenceSpec)
	if s.by != entity {
		return nil, nodeErr(n, "%s: the sequence follows a %s; the composite is keyed to one %s", what, c.entities[s.by].name, c.entities[entity].name)
	}
	s.keyed = true
	return s, nil
}

func (c *compiler) compileSequence(n *yaml.Node, what string) (ruleSpec, error) {
	f, err := fields(n, what, "by", "within", "steps", "without")
	if err != nil {
		return nil, err
	}
	s := &sequenceSpec{}
	bn, err := need(f, n, what, "by")
	if err != nil {
		return nil, err
	}
	if s.by, err = c.entityNamed(bn, what+": by"); err != nil {
		return nil, err
	}
	wn, err := need(f, n, what, "within")
	if err != nil {
		return nil, err
	}
	if s.within, err = durationOf(wn, what+": within"); err != nil {
		return nil, err
	}
	sn, err := need(f, n, what, "steps")
	if err != nil {
		return nil, err
	}
	if sn.Kind != yaml.SequenceNode || len(sn.Content) < 2 {
		return nil, nodeErr(sn, "%s: steps: want a list of at least two steps", what)
	}
	for i, item := range sn.Content {
		step, err := c.compileStep(item, fmt.Sprintf("%s: steps[%d]", what, i), s, i == 0)
		if err != nil {
			return nil, err
		}
		s.steps = append(s.steps, step)
	}
	if s.without, err = c.compileWithout(f["without"], what+": without", s.by); err != nil {
		return nil, err
	}
	s.indexSequence()
	return s, nil
}

// compileWithout compiles the calls that break an entity's progress; each
// must name the entity. They match whatever answered (origin any) unless
// they say otherwise: a call that may have moved money is enough.
func (c *compiler) compileWithout(n *yaml.Node, what string, by int) ([]*callMatcher, error) {
	if n == nil {
		return nil, nil
	}
	var out []*callMatcher
	for _, item := range items(n) {
		m, _, err := c.compileMatcher(item, matcherOpts{what: what, entity: by, origin: originAny})
		if err != nil {
			return nil, err
		}
		if !m.key.set {
			return nil, nodeErr(item, "%s: the call does not name the %s; give a key (key: request.body.%s)", what, c.entities[by].name, c.entities[by].id)
		}
		out = append(out, m)
	}
	return out, nil
}

func (c *compiler) compileStep(n *yaml.Node, what string, s *sequenceSpec, first bool) (seqStep, error) {
	if n.Kind == yaml.MappingNode && mapGet(n, "observe") != nil {
		return c.compileObserve(n, what, s)
	}
	if n.Kind == yaml.MappingNode && mapGet(n, "event") != nil {
		return c.compileEventStep(n, what, s, first)
	}
	alts := []*yaml.Node{n}
	if n.Kind == yaml.MappingNode && mapGet(n, "any") != nil {
		f, err := fields(n, what, "any")
		if err != nil {
			return seqStep{}, err
		}
		if alts = items(f["any"]); len(alts) < 2 {
			return seqStep{}, nodeErr(f["any"], "%s: any: want at least two calls", what)
		}
	}
	var step seqStep
	var srcs []string
	for _, a := range alts {
		m, f, err := c.compileMatcher(a, matcherOpts{what: what, entity: s.by, vars: s.vars, extra: []string{"capture"}})
		if err != nil {
			return seqStep{}, err
		}
		switch {
		case !m.key.set && !m.needsBinds():
			return seqStep{}, nodeErr(a, "%s: the call does not name the %s; give a key (key: request.body.%s) or compare with $key in where", what, c.entities[s.by].name, c.entities[s.by].id)
		case !m.key.set && first:
			return seqStep{}, nodeErr(a, "%s: the first step must name the %s with a key", what, c.entities[s.by].name)
		case f["capture"] != nil && len(alts) > 1:
			return seqStep{}, nodeErr(f["capture"], "%s: capture: a step of several calls (any) captures nothing", what)
		case f["capture"] != nil:
			if step.captures, err = c.compileCaptures(f["capture"], what+": capture", s, m.params(c.rt)); err != nil {
				return seqStep{}, err
			}
		}
		gateOn(m, step.captures)
		step.calls = append(step.calls, m)
		srcs = append(srcs, m.src+conditionsText(m))
	}
	step.src = strings.Join(srcs, ", or ")
	return step, nil
}

// compileObserve compiles an observe step: state predicates on the entity
// the sequence follows, transitions allowed, amounts naming values that
// earlier steps captured.
func (c *compiler) compileObserve(n *yaml.Node, what string, s *sequenceSpec) (seqStep, error) {
	f, err := fields(n, what, "observe")
	if err != nil {
		return seqStep{}, err
	}
	srcs, err := strList(f["observe"], what+": observe")
	if err != nil {
		return seqStep{}, err
	}
	step := seqStep{src: "observe " + strings.Join(srcs, " and ")}
	for _, src := range srcs {
		p, err := c.statePredicate(src, true)
		if err != nil {
			return step, nodeErr(f["observe"], "%s: observe: %v", what, err)
		}
		if p.state.entity != s.by {
			return step, nodeErr(f["observe"], "%s: observe: %q is not about the %s the sequence follows", what, src, c.entities[s.by].name)
		}
		if p.varName != "" {
			if p.varIdx = slices.Index(s.vars, p.varName); p.varIdx < 0 {
				return step, nodeErr(f["observe"], "%s: observe: %q: no earlier step captures %s", what, src, p.varName)
			}
		}
		step.observe = append(step.observe, p)
	}
	return step, nil
}

// compileCaptures reads "capture: {name: <reference> [* <number>]}": the
// number the call shows there, times the factor (a decimal "10.00" times
// 100 is the 1000 minor units a balance shows), or without a factor the
// value itself, a number or a string (a transaction's id).
func (c *compiler) compileCaptures(n *yaml.Node, what string, s *sequenceSpec, params []string) ([]capture, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, nodeErr(n, "%s: want a mapping of name to reference (amount: request.body.amount * 100)", what)
	}
	var out []capture
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := n.Content[i].Value
		switch {
		case !identPattern.MatchString(name) || name == "key":
			return nil, nodeErr(n.Content[i], "%s: %q is not a valid name", what, name)
		case slices.Contains(s.vars, name):
			return nil, nodeErr(n.Content[i], "%s: %q is captured twice", what, name)
		}
		src, err := scalar(n.Content[i+1], what+": "+name)
		if err != nil {
			return nil, err
		}
		cp := capture{idx: len(s.vars), factor: 1}
		ref, factor, scaled := strings.Cut(src, "*")
		cp.scaled = scaled
		if scaled {
			if cp.factor, err = strconv.ParseFloat(strings.TrimSpace(factor), 64); err != nil || cp.factor <= 0 {
				return nil, nodeErr(n.Content[i+1], "%s: %s: the factor %q is not a positive number", what, name, strings.TrimSpace(factor))
			}
		}
		if cp.ref, err = c.parseRef(strings.TrimSpace(ref), params); err != nil {
			return nil, nodeErr(n.Content[i+1], "%s: %s: %v", what, name, err)
		}
		s.vars = append(s.vars, name)
		out = append(out, cp)
	}
	return out, nil
}
