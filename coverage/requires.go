package coverage

import "slices"

// Requires returns the ids that the requirement id's requires rule names,
// in matrix order of the rule, or nil when the requirement's rule is of
// another kind or there is no such requirement. Package golive uses it to
// run the scripts of a requirement's parts.
func (m *Matrix) Requires(id string) []string {
	for _, r := range m.reqs {
		if r.ID != id {
			continue
		}
		if rs, ok := r.rule.(*requiresSpec); ok {
			return slices.Clone(rs.ids)
		}
		return nil
	}
	return nil
}
