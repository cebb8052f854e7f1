package coverage

// A call's catalogue endpoint decides most of what can match it, so the
// matchers a record is tried against are chosen by endpoint in advance:
// the engine shows a call only to the rules interested in its endpoint,
// and within a rule (the steps of a sequence) or the world (state sources,
// aliases) each list is indexed the same way. A matcher left out could not
// have matched, so the results are those of trying every one.

// epIndex lists, for each catalogue endpoint and for calls outside the
// catalogue (at -1), the items whose interest wants such a call, in the
// order they were added.
type epIndex[T any] [len(catalogue) + 1][]T

// add files item under every endpoint in wants.
func (x *epIndex[T]) add(in interest, item T) {
	for ep := -1; ep < len(catalogue); ep++ {
		if in.wants(ep) {
			x[ep+1] = append(x[ep+1], item)
		}
	}
}

// at returns the items for a call to catalogue endpoint ep (-1: outside
// it).
func (x *epIndex[T]) at(ep int) []T { return x[ep+1] }

// matcherIndex indexes a list of matchers by position.
func matcherIndex(ms []*callMatcher) *epIndex[int] {
	x := &epIndex[int]{}
	for i, m := range ms {
		x.add(m.interest(), i)
	}
	return x
}

// stepCall is one call matcher of a sequence: steps[step].calls[call].
type stepCall struct{ step, call int }

// indexSequence files the call steps of s, last step first as observe
// tries them, and its without calls.
func (s *sequenceSpec) indexSequence() {
	s.callsAt = &epIndex[stepCall]{}
	for k := len(s.steps) - 1; k >= 0; k-- {
		for j, m := range s.steps[k].calls {
			s.callsAt.add(m.interest(), stepCall{k, j})
		}
	}
	s.withoutAt = matcherIndex(s.without)
}

// indexWorld files the matrix's state sources, transitions and aliases.
func (m *Matrix) indexWorld() {
	m.stateAt, m.transAt, m.aliasesAt = &epIndex[int]{}, &epIndex[int]{}, &epIndex[int]{}
	for i := range m.state {
		m.stateAt.add(m.state[i].match.interest(), i)
	}
	for i := range m.trans {
		m.transAt.add(m.trans[i].match.interest(), i)
	}
	for i := range m.aliases {
		m.aliasesAt.add(m.aliases[i].match.interest(), i)
	}
}
