package coverage

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// LintWarning is what matrix check warns about in a matrix that compiles:
// a rule that can report met without the evidence its title promises.
// The classes are the ways a careless rule claims evidence that is not
// there:
//
//   - unkeyed-composite: an "all" whose parts were declared independent
//     (by: none), so parts about different entities meet it together;
//   - outcome-any-2xx: a requirement met by a successful call to an
//     endpoint whose answer shows the outcome (a state the matrix reads
//     from it), without testing that answer or observing the state
//     afterwards: an attempt counted as an outcome;
//   - undocumented-paths: a matcher with "undocumented: true", whose
//     wildcard patterns take calls outside the documented API as
//     evidence.
type LintWarning struct {
	// Line is the line of the matrix file the warning is about.
	Line int `json:"line"`
	// Requirement is the id of the requirement concerned.
	Requirement string `json:"requirement"`
	// Kind is the class: one of LintKinds.
	Kind string `json:"kind"`
	Msg  string `json:"msg"`
}

// The lint classes.
const (
	lintUnkeyed      = "unkeyed-composite"
	lintOutcome      = "outcome-any-2xx"
	lintUndocumented = "undocumented-paths"
)

// LintKinds lists the classes of LintWarning.Kind.
func LintKinds() []string { return []string{lintUnkeyed, lintOutcome, lintUndocumented} }

// String formats the warning as "line N: ID: kind: message".
func (w LintWarning) String() string {
	return fmt.Sprintf("line %d: %s: %s: %s", w.Line, w.Requirement, w.Kind, w.Msg)
}

// Lint returns the warnings about the requirements of the matrix's own
// file, in file order; requirements an extending matrix takes unchanged
// from the built-in one are not its author's and are left out. The
// built-in matrix has none.
func (m *Matrix) Lint() []LintWarning { return slices.Clone(m.lint) }

// LintMatrix parses a matrix document and returns its warnings; a matrix
// that does not compile is an error (a *MatrixError), as for ParseMatrix.
func LintMatrix(src []byte) ([]LintWarning, error) {
	m, err := ParseMatrix(src)
	if err != nil {
		return nil, err
	}
	return m.Lint(), nil
}

// note records a warning about the requirement being compiled, unless it
// is one the matrix's author did not write.
func (c *compiler) note(n *yaml.Node, kind, format string, args ...any) {
	if c.quiet || c.reqID == "" {
		return
	}
	line := 0
	if n != nil {
		line = n.Line
	}
	c.warnings = append(c.warnings, LintWarning{Line: line, Requirement: c.reqID, Kind: kind, Msg: fmt.Sprintf(format, args...)})
}

// lintOutcome warns when the evidence that completes a rule is a success
// whose answer carries an outcome the rule never reads.
func (c *compiler) lintOutcome(r ruleSpec, n *yaml.Node) {
	for _, m := range finalCalls(r) {
		if field, ok := c.unreadOutcome(m); ok {
			c.note(n, lintOutcome, "%s is met by any successful answer; test the outcome it shows (%s) or observe it after the call", m.src, field)
		}
	}
}

// finalCalls are the call matchers whose match completes the rule: a call
// rule's, a sequence's last step when it is a call, and those of the parts
// of all and any.
func finalCalls(r ruleSpec) []*callMatcher {
	switch s := r.(type) {
	case *callSpec:
		return []*callMatcher{s.m}
	case *sequenceSpec:
		return s.steps[len(s.steps)-1].calls
	case *combineSpec:
		var out []*callMatcher
		for _, p := range s.parts {
			out = append(out, finalCalls(p)...)
		}
		return out
	}
	return nil
}

// unreadOutcome returns the outcome field a successful call of m shows
// (a state source reads it from the response of one of m's endpoints)
// when m reads nothing of the response body.
func (c *compiler) unreadOutcome(m *callMatcher) (string, bool) {
	if !m.acceptsSuccess() || m.readsResponse() {
		return "", false
	}
	for i := range c.state {
		src := &c.state[i]
		if src.match.interest().mask&m.interest().mask == 0 {
			continue
		}
		for _, fs := range src.set {
			if fs.lit == nil && fs.ref.root == refRespBody {
				return fs.ref.src, true
			}
		}
	}
	return "", false
}

// acceptsSuccess reports whether some pattern takes a 2xx answer.
func (m *callMatcher) acceptsSuccess() bool {
	return slices.ContainsFunc(m.patterns, func(p callPattern) bool {
		st := p.status
		return st.any || st.classes&(1<<2) != 0 || slices.ContainsFunc(st.codes, func(c int) bool { return c/100 == 2 })
	})
}

// readsResponse reports whether a predicate of m reads the response body.
func (m *callMatcher) readsResponse() bool {
	reads := func(ps []predicate) bool {
		return slices.ContainsFunc(ps, func(p predicate) bool { return p.call.root == refRespBody })
	}
	if reads(m.where) || reads(m.keyWhere) {
		return true
	}
	return slices.ContainsFunc(m.groups, func(g itemGroup) bool { return g.elems.root == refRespBody })
}
