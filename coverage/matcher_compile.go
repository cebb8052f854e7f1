package coverage

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// matcherOpts say what a matcher compiled in a given place may and must do.
type matcherOpts struct {
	what   string
	entity int // the entity the rule correlates by, or -1
	origin origin
	// vars are the values earlier steps of a sequence captured, which
	// where predicates may compare with ($name).
	vars []string
	// undocumented: wildcard patterns match calls outside the catalogue
	// too (forbid: an attempt is an attempt).
	undocumented bool
	// extra are further keys the caller reads from the same mapping.
	extra []string
}

// compileMatcher compiles a matcher from a pattern string, a list of them,
// or a mapping with call, where, when, key and origin. It returns the other
// fields of the mapping for the caller.
func (c *compiler) compileMatcher(n *yaml.Node, o matcherOpts) (*callMatcher, map[string]*yaml.Node, error) {
	f := map[string]*yaml.Node{"call": n}
	if n.Kind == yaml.MappingNode {
		var err error
		if f, err = fields(n, o.what, append([]string{"call", "where", "when", "key", "origin", "undocumented"}, o.extra...)...); err != nil {
			return nil, nil, err
		}
		if _, err := need(f, n, o.what, "call"); err != nil {
			return nil, nil, err
		}
	}
	m := &callMatcher{origin: o.origin, undocumented: o.undocumented}
	if err := c.matcherPatterns(m, f["call"], o.what); err != nil {
		return nil, nil, err
	}
	if err := c.matcherOrigin(m, f["origin"], o.what); err != nil {
		return nil, nil, err
	}
	if err := c.matcherUndocumented(m, f["undocumented"], o.what); err != nil {
		return nil, nil, err
	}
	params := m.params(c.rt)
	if err := c.matcherWhere(m, f["where"], o, params); err != nil {
		return nil, nil, err
	}
	if err := c.matcherKey(m, f, n, o, params); err != nil {
		return nil, nil, err
	}
	return m, f, nil
}

func (c *compiler) matcherPatterns(m *callMatcher, n *yaml.Node, what string) error {
	srcs, err := strList(n, what+": call")
	if err != nil {
		return err
	}
	if len(srcs) == 0 {
		return nodeErr(n, "%s: call: want at least one pattern", what)
	}
	for _, s := range srcs {
		p, err := parsePattern(s)
		if err != nil {
			return nodeErr(n, "%s: call: %v", what, err)
		}
		m.patterns = append(m.patterns, p)
	}
	m.src = strings.Join(srcs, " or ")
	return nil
}

func (c *compiler) matcherOrigin(m *callMatcher, n *yaml.Node, what string) error {
	if n == nil {
		return nil
	}
	s, err := scalar(n, what+": origin")
	if err != nil {
		return err
	}
	o, ok := parseOrigin(s)
	if !ok {
		return nodeErr(n, "%s: origin: want upstream, proxy or any, not %q", what, s)
	}
	m.origin = o
	return nil
}

// matcherUndocumented reads "undocumented: true": the matcher's wildcard
// patterns then match calls outside the catalogue, which matrix check
// flags (lint.go).
func (c *compiler) matcherUndocumented(m *callMatcher, n *yaml.Node, what string) error {
	if n == nil {
		return nil
	}
	u, err := boolValueOf(n, what+": undocumented")
	if err != nil {
		return err
	}
	if u && !m.undocumented {
		c.note(n, lintUndocumented, "%s: undocumented: true lets calls outside the documented API count as evidence", what)
	}
	m.undocumented = m.undocumented || u
	return nil
}

func (c *compiler) matcherWhere(m *callMatcher, n *yaml.Node, o matcherOpts, params []string) error {
	if n == nil {
		return nil
	}
	srcs, err := strList(n, o.what+": where")
	if err != nil {
		return err
	}
	var preds []predicate
	for _, s := range srcs {
		p, err := c.callPredicate(s, params)
		if err == nil && p.varName != "" {
			if p.varIdx = slices.Index(o.vars, p.varName); p.varIdx < 0 {
				err = fmt.Errorf("%q: no earlier step of a sequence captures %s", s, p.varName)
			}
		}
		if err != nil {
			return nodeErr(n, "%s: where: %v", o.what, err)
		}
		preds = append(preds, p)
	}
	ungrouped, groups, err := c.groupItems(preds)
	if err != nil {
		return nodeErr(n, "%s: where: %v", o.what, err)
	}
	m.groups = groups
	for _, p := range ungrouped {
		if p.bound() {
			m.keyWhere = append(m.keyWhere, p)
		} else {
			m.where = append(m.where, p)
		}
	}
	return nil
}

// matcherKey compiles when and key. The key entity is the rule's, or else
// the one the when predicates name; without a key the entity's id path
// parameter is used when every pattern has it.
func (c *compiler) matcherKey(m *callMatcher, f map[string]*yaml.Node, n *yaml.Node, o matcherOpts, params []string) error {
	entity := o.entity
	if wn := f["when"]; wn != nil {
		srcs, err := strList(wn, o.what+": when")
		if err != nil {
			return err
		}
		for _, s := range srcs {
			p, err := c.statePredicate(s, false)
			if err != nil {
				return nodeErr(wn, "%s: when: %v", o.what, err)
			}
			if entity < 0 {
				entity = p.state.entity
			}
			if p.state.entity != entity {
				return nodeErr(wn, "%s: when: %q is about %s; this rule correlates by %s", o.what, s, c.entities[p.state.entity].name, c.entities[entity].name)
			}
			m.when = append(m.when, p)
		}
	}
	if entity < 0 {
		if f["key"] != nil {
			return nodeErr(f["key"], "%s: key: nothing here correlates by an entity", o.what)
		}
		return nil
	}
	src := "path." + c.entities[entity].id
	if kn := f["key"]; kn != nil {
		s, err := scalar(kn, o.what+": key")
		if err != nil {
			return err
		}
		src = s
	} else if !slices.Contains(params, c.entities[entity].id) {
		if len(m.when) > 0 {
			return nodeErr(n, "%s: when needs a key: the call does not name the %s in its path; say where it is (key: request.body.%s)", o.what, c.entities[entity].name, c.entities[entity].id)
		}
		return nil
	}
	ref, err := c.parseRef(src, params)
	if err != nil {
		return nodeErr(f["key"], "%s: key: %v", o.what, err)
	}
	m.key = keyRef{set: true, ref: ref, entity: entity, alias: c.aliasFor(entity, ref)}
	return nil
}
