package coverage

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// compileRequirement compiles one requirement:
//
//	id, title, area, basis, [conditional], rule, [forbid], steps
func (c *compiler) compileRequirement(n *yaml.Node) error {
	f, err := fields(n, "requirement", "id", "title", "area", "basis", "conditional", "rule", "forbid", "steps")
	if err != nil {
		return err
	}
	var r requirement
	for _, p := range []struct {
		key string
		dst *string
	}{{"id", &r.ID}, {"title", &r.Title}, {"area", &r.Area}, {"basis", &r.Basis}} {
		vn, err := need(f, n, "requirement", p.key)
		if err != nil {
			return err
		}
		if *p.dst, err = scalar(vn, "requirement: "+p.key); err != nil {
			return err
		}
		if *p.dst == "" {
			return nodeErr(vn, "requirement: %s is empty", p.key)
		}
	}
	what := "requirement " + r.ID
	if err := c.checkRequirementFields(&r, f, n, what); err != nil {
		return err
	}
	c.reqID = r.ID
	rn, err := need(f, n, what, "rule")
	if err != nil {
		return err
	}
	if r.rule, err = c.compileRule(rn, what+": rule"); err != nil {
		return err
	}
	c.lintOutcome(r.rule, rn)
	if err := c.checkAppEvents(&r, n); err != nil {
		return err
	}
	r.Kind = r.rule.kind()
	if fn := f["forbid"]; fn != nil {
		for _, item := range items(fn) {
			m, _, err := c.compileMatcher(item, matcherOpts{what: what + ": forbid", entity: -1, origin: originAny, undocumented: true})
			if err != nil {
				return err
			}
			r.forbid = append(r.forbid, m)
		}
	}
	c.reqIndex[r.ID] = len(c.reqs)
	c.reqs = append(c.reqs, r)
	return nil
}

func (c *compiler) checkRequirementFields(r *requirement, f map[string]*yaml.Node, n *yaml.Node, what string) error {
	switch {
	case !identPattern.MatchString(r.ID):
		return nodeErr(f["id"], "requirement: id %q must start with a letter and hold only letters, digits, '.', '_' and '-'", r.ID)
	case c.hasReq(r.ID):
		return nodeErr(f["id"], "requirement: id %q appears twice", r.ID)
	case !slices.Contains(Areas[:], r.Area):
		return nodeErr(f["area"], "%s: unknown area %q (want one of %s)", what, r.Area, strings.Join(Areas[:], ", "))
	}
	if cn := f["conditional"]; cn != nil {
		s, err := scalar(cn, what+": conditional")
		if err != nil {
			return err
		}
		if s != "" && !slices.Contains(Conditions[:], s) {
			return nodeErr(cn, "%s: unknown condition %q (want one of %s)", what, s, strings.Join(Conditions[:], ", "))
		}
		r.Conditional = s
	}
	sn, err := need(f, n, what, "steps")
	if err != nil {
		return err
	}
	if r.Steps, err = strList(sn, what+": steps"); err != nil {
		return err
	}
	if len(r.Steps) == 0 || slices.Contains(r.Steps, "") {
		return nodeErr(sn, "%s: steps: want at least one command that produces the evidence", what)
	}
	return nil
}

// linkRequires resolves the ids a requires rule names. A required requirement may not itself use requires, so the
// engine can judge them in two passes.
func (c *compiler) linkRequires(list *yaml.Node) error {
	for i := range c.reqs {
		for _, rs := range requiresIn(c.reqs[i].rule) {
			for _, id := range rs.ids {
				j, ok := c.reqIndex[id]
				switch {
				case !ok:
					return nodeErr(list.Content[i], "requirement %s: requires: no requirement %q", c.reqs[i].ID, id)
				case len(requiresIn(c.reqs[j].rule)) > 0:
					return nodeErr(list.Content[i], "requirement %s: requires: %q itself uses requires; name its parts instead", c.reqs[i].ID, id)
				}
				if err := c.checkRequiresGroup(i, j, list); err != nil {
					return err
				}
				rs.idx = append(rs.idx, j)
			}
		}
	}
	return nil
}

func (c *compiler) hasReq(id string) bool {
	_, ok := c.reqIndex[id]
	return ok
}

// requiresIn returns the rule if it is a requires rule (they only stand at
// the top of a requirement).
func requiresIn(r ruleSpec) []*requiresSpec {
	if t, ok := r.(*requiresSpec); ok {
		return []*requiresSpec{t}
	}
	return nil
}
