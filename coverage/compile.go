package coverage

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// compiler turns a matrix document into rules. It checks everything a
// matrix can get wrong and names the line.
type compiler struct {
	rt       *routes
	entities []entityDef
	state    []stateSource
	aliases  []aliasDef
	trans    []stateSource
	reqs     []requirement
	reqIndex map[string]int
	// warnings are what matrix check reports (lint.go), about the
	// requirement reqID unless quiet (it is not the matrix author's).
	warnings []LintWarning
	reqID    string
	quiet    bool
	own      func(*yaml.Node) bool
	// slots numbers the body references by their text, from 1: the
	// per-record cache keeps one list of values per slot.
	slots map[string]int
}

// parseRef parses a reference; a body reference with a path gets its
// slot, shared with every other reference to the same place.
func (c *compiler) parseRef(s string, params []string) (callRef, error) {
	r, err := parseCallRef(s, params)
	if err != nil || (r.root != refReqBody && r.root != refRespBody) || len(r.path) == 0 {
		return r, err
	}
	if c.slots == nil {
		c.slots = map[string]int{}
	}
	if r.slot = c.slots[r.src]; r.slot == 0 {
		r.slot = len(c.slots) + 1
		c.slots[r.src] = r.slot
	}
	return r, nil
}

// entityIndex returns the index of a named entity, or -1.
func (c *compiler) entityIndex(name string) int {
	for i := range c.entities {
		if c.entities[i].name == name {
			return i
		}
	}
	return -1
}

// aliasFor returns the alias of entity that ref's name stands for, or -1.
func (c *compiler) aliasFor(entity int, ref callRef) int {
	name := refName(ref)
	for i := range c.aliases {
		if c.aliases[i].entity == entity && c.aliases[i].name == name {
			return i
		}
	}
	return -1
}

// callPredicate parses a where predicate.
func (c *compiler) callPredicate(s string, params []string) (predicate, error) {
	ref, opName, operand, err := splitPredicate(s)
	if err != nil {
		return predicate{}, err
	}
	if e, _, _ := strings.Cut(ref, "."); c.entityIndex(e) >= 0 {
		return predicate{}, fmt.Errorf("%q reads entity state: put it under when (or observe in a sequence)", s)
	}
	p := predicate{src: s}
	p.op, _ = parseOp(opName)
	if p.op.transition() {
		return p, fmt.Errorf("%q: %s compares entity state before and after a call; use it in an observe step", s, opName)
	}
	if p.call, err = c.parseRef(ref, params); err != nil {
		return p, err
	}
	return p, parseOperand(&p, operand)
}

// statePredicate parses a predicate on an entity field; transitions
// (rises, falls, unchanged, changes) only where allowed.
func (c *compiler) statePredicate(s string, transitions bool) (predicate, error) {
	ref, opName, operand, err := splitPredicate(s)
	if err != nil {
		return predicate{}, err
	}
	p := predicate{src: s}
	p.op, _ = parseOp(opName)
	ename, fname, ok := strings.Cut(ref, ".")
	e := c.entityIndex(ename)
	if !ok || e < 0 {
		return p, fmt.Errorf("%q: want <entity>.<field> with an entity among %s", s, strings.Join(c.entityNames(), ", "))
	}
	f := c.entities[e].field(fname)
	if f < 0 {
		return p, fmt.Errorf("%q: no state source sets %s.%s (known: %s)", s, ename, fname, strings.Join(c.entities[e].fields, ", "))
	}
	if p.op.transition() && !transitions {
		return p, fmt.Errorf("%q: %s only works in an observe step", s, opName)
	}
	p.state = &stateRef{entity: e, field: f}
	if err := parseOperand(&p, operand); err != nil {
		return p, err
	}
	switch {
	case p.isKey:
		return p, fmt.Errorf("%q: $key compares call values; entity state already belongs to the key", s)
	case p.varName != "" && !transitions:
		return p, fmt.Errorf("%q: $%s names a value a sequence captured; use it in an observe step", s, p.varName)
	}
	return p, nil
}

func (c *compiler) entityNames() []string {
	out := make([]string, len(c.entities))
	for i := range c.entities {
		out[i] = c.entities[i].name
	}
	return out
}

// identifiers are entity names and ids, alias names, fields and
// requirement ids: safe as metric label values and in references.
var identPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]*$`)

func (c *compiler) compileEntities(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return nodeErr(n, "entities: want a mapping of entity name to its identifier's name (card: cardId)")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		id, err := scalar(v, "entities: "+k.Value)
		if err != nil {
			return err
		}
		switch {
		case !identPattern.MatchString(k.Value) || strings.Contains(k.Value, "."):
			return nodeErr(k, "entities: %q is not a valid entity name", k.Value)
		case slices.Contains([]string{"request", "response", "path", "error"}, k.Value):
			return nodeErr(k, "entities: %q is reserved for call references", k.Value)
		case c.entityIndex(k.Value) >= 0:
			return nodeErr(k, "entities: %q appears twice", k.Value)
		case !identPattern.MatchString(id):
			return nodeErr(v, "entities: %q is not a valid identifier name", id)
		}
		c.entities = append(c.entities, entityDef{name: k.Value, id: id})
	}
	return nil
}

// compileStateFields declares the fields every state source and
// transition (what) sets, so predicates anywhere can name them.
func (c *compiler) compileStateFields(n *yaml.Node, what string) error {
	if n == nil {
		return nil
	}
	for _, item := range items(n) {
		f, err := fields(item, what, "call", "where", "origin", "entity", "key", "set")
		if err != nil {
			return err
		}
		e, err := c.entityOf(f, item, what)
		if err != nil {
			return err
		}
		set, err := need(f, item, what, "set")
		if err != nil {
			return err
		}
		if set.Kind != yaml.MappingNode || len(set.Content) == 0 {
			return nodeErr(set, "%s: set: want a mapping of field to reference (status: response.body.status)", what)
		}
		for i := 0; i < len(set.Content); i += 2 {
			if err := c.declareField(e, set.Content[i], what); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *compiler) declareField(e int, n *yaml.Node, what string) error {
	name := n.Value
	if !identPattern.MatchString(name) || strings.Contains(name, ".") {
		return nodeErr(n, "%s: set: %q is not a valid field name", what, name)
	}
	if c.entities[e].field(name) < 0 {
		if len(c.entities[e].fields) == maxFields {
			return nodeErr(n, "%s: %s has more than %d fields", what, c.entities[e].name, maxFields)
		}
		c.entities[e].fields = append(c.entities[e].fields, name)
	}
	return nil
}

func (c *compiler) entityOf(f map[string]*yaml.Node, parent *yaml.Node, what string) (int, error) {
	en, err := need(f, parent, what, "entity")
	if err != nil {
		return -1, err
	}
	return c.entityNamed(en, what+": entity")
}

// entityNamed reads an entity name.
func (c *compiler) entityNamed(n *yaml.Node, what string) (int, error) {
	name, err := scalar(n, what)
	if err != nil {
		return -1, err
	}
	e := c.entityIndex(name)
	if e < 0 {
		return -1, nodeErr(n, "%s: unknown entity %q (known: %s)", what, name, strings.Join(c.entityNames(), ", "))
	}
	return e, nil
}

// compileState compiles the state sources (what "state": state a response
// shows) or the transitions (what "transitions": state a successful call
// implies, per the documented state machines).
func (c *compiler) compileState(n *yaml.Node, what string) ([]stateSource, error) {
	if n == nil {
		return nil, nil
	}
	var out []stateSource
	for _, item := range items(n) {
		f, _ := fields(item, what, "call", "where", "origin", "entity", "key", "set")
		e, _ := c.entityOf(f, item, what)
		m, _, err := c.compileMatcher(item, matcherOpts{what: what, entity: e, extra: []string{"entity", "set"}})
		if err != nil {
			return nil, err
		}
		switch {
		case !m.key.set:
			return nil, nodeErr(item, "%s: the call does not name the %s in its path; say where it is (key: response.body.%s)", what, c.entities[e].name, c.entities[e].id)
		case len(m.when) > 0 || m.needsBinds():
			return nil, nodeErr(item, "%s: when and $key do not apply to state sources", what)
		case what == "transitions" && !m.successOnly():
			return nil, nodeErr(item, "%s: only a successful call implies a state: give the call a 2xx status", what)
		}
		src := stateSource{match: m, entity: e, key: m.key}
		if src.set, err = c.fieldSources(f["set"], e, m, what); err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}

// fieldSources compiles "set: {field: reference or literal}".
func (c *compiler) fieldSources(set *yaml.Node, e int, m *callMatcher, what string) ([]fieldSource, error) {
	var out []fieldSource
	for i := 0; i+1 < len(set.Content); i += 2 {
		s, err := scalar(set.Content[i+1], what+": set")
		if err != nil {
			return nil, err
		}
		fs := fieldSource{field: c.entities[e].field(set.Content[i].Value)}
		if lit, ok := stateLiteral(set.Content[i+1]); ok {
			fs.lit = &lit
		} else if fs.ref, err = c.parseRef(s, m.params(c.rt)); err != nil {
			return nil, nodeErr(set.Content[i+1], "%s: set: %v (or a number or boolean)", what, err)
		}
		out = append(out, fs)
	}
	return out, nil
}

// stateLiteral reads a number or boolean given as a field's value.
func stateLiteral(n *yaml.Node) (value, bool) {
	switch n.Tag {
	case "!!int", "!!float":
		if f, ok := textValue(n.Value).number(); ok {
			return numValue(f), true
		}
	case "!!bool":
		return boolValue(n.Value == "true"), true
	}
	return value{}, false
}

func (c *compiler) compileAliases(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	for _, item := range items(n) {
		f, err := fields(item, "aliases", "call", "where", "origin", "entity", "name", "value", "means")
		if err != nil {
			return err
		}
		e, err := c.entityOf(f, item, "aliases")
		if err != nil {
			return err
		}
		var a aliasDef
		a.entity = e
		if a.name, err = c.aliasName(f, item); err != nil {
			return err
		}
		m, _, err := c.compileMatcher(item, matcherOpts{what: "aliases", entity: -1, extra: []string{"entity", "name", "value", "means"}})
		if err != nil {
			return err
		}
		a.match = m
		params := m.params(c.rt)
		if a.value, err = c.aliasRef(f, item, "value", params); err != nil {
			return err
		}
		means, err := c.aliasRef(f, item, "means", params)
		if err != nil {
			return err
		}
		a.means = keyRef{set: true, ref: means, entity: e, alias: c.aliasFor(e, means)}
		c.aliases = append(c.aliases, a)
	}
	return nil
}

func (c *compiler) aliasName(f map[string]*yaml.Node, item *yaml.Node) (string, error) {
	nn, err := need(f, item, "aliases", "name")
	if err != nil {
		return "", err
	}
	name, err := scalar(nn, "aliases: name")
	if err != nil {
		return "", err
	}
	if !identPattern.MatchString(name) {
		return "", nodeErr(nn, "aliases: %q is not a valid name", name)
	}
	for i := range c.aliases {
		if c.aliases[i].name == name {
			return "", nodeErr(nn, "aliases: %q appears twice", name)
		}
	}
	return name, nil
}

func (c *compiler) aliasRef(f map[string]*yaml.Node, item *yaml.Node, key string, params []string) (callRef, error) {
	n, err := need(f, item, "aliases", key)
	if err != nil {
		return callRef{}, err
	}
	s, err := scalar(n, "aliases: "+key)
	if err != nil {
		return callRef{}, err
	}
	r, err := c.parseRef(s, params)
	if err != nil {
		return r, nodeErr(n, "aliases: %s: %v", key, err)
	}
	return r, nil
}
