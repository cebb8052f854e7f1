package contract

import (
	"cmp"
	"encoding/json"
	"regexp"
	"slices"
)

// MaxSeqs is how many sequence numbers a Group keeps: the first ones.
const MaxSeqs = 10

// maxFields bounds the distinct fields kept per side, endpoint and rule;
// further fields (unknown field names are the app's to choose) are counted
// under OverflowField.
const maxFields = 32

// OverflowField is the Field of the group counting findings past
// maxFields distinct fields of one endpoint and rule.
const OverflowField = "*"

// Summary aggregates Results: findings grouped per side, endpoint, rule
// and field, with counts and the first sequence numbers. Fed the same
// results in the same order it marshals to the same bytes; Add results in
// record order. The zero value is ready to use; a Summary is not safe for
// concurrent use.
type Summary struct {
	// Spec is the description's version (Spec.Version).
	Spec string `json:"spec"`
	// Calls counts the call records added; Documented those to a described
	// operation.
	Calls      int `json:"calls"`
	Documented int `json:"documented"`
	// RequestViolations counts calls whose request breaks the contract;
	// Accepted those of them the upstream answered 2xx anyway (the calls
	// that break in production); ResponseViolations calls whose response
	// differs from the description.
	RequestViolations  int `json:"request_violations"`
	Accepted           int `json:"accepted"`
	ResponseViolations int `json:"response_violations"`
	// Groups are sorted by side, endpoint, method, rule and field.
	Groups []Group `json:"groups"`

	index map[groupKey]int
}

// Group is the findings of one side, endpoint, rule and field. Array
// indexes in Field are written [] ("response.body.items[].cardId").
type Group struct {
	Side     Side   `json:"side"`
	Method   string `json:"method"`
	Endpoint string `json:"endpoint"`
	Rule     Rule   `json:"rule"`
	Field    string `json:"field"`
	Count    int    `json:"count"`
	// Accepted counts the request findings on calls answered 2xx.
	Accepted int `json:"accepted,omitempty"`
	// Seqs are the first MaxSeqs sequence numbers, ascending.
	Seqs []uint64 `json:"seqs"`
	// Value and Message are those of the first finding.
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

type groupKey struct {
	side             Side
	method, endpoint string
	rule             Rule
	field            string
}

func (g *Group) key() groupKey {
	return groupKey{g.Side, g.Method, g.Endpoint, g.Rule, g.Field}
}

// NewSummary returns an empty Summary for results of spec.
func NewSummary(spec *Spec) *Summary {
	return &Summary{Spec: spec.Version()}
}

// Add counts one result. Skipped results (not calls) are ignored.
func (s *Summary) Add(r Result) {
	if r.Skipped {
		return
	}
	s.Calls++
	if r.Documented {
		s.Documented++
	}
	accepted := r.Accepted()
	if r.HasViolation(SideRequest) {
		s.RequestViolations++
		if accepted {
			s.Accepted++
		}
	}
	if r.HasViolation(SideResponse) {
		s.ResponseViolations++
	}
	for _, f := range r.Findings {
		g := Group{Side: f.Side, Method: f.Method, Endpoint: f.Endpoint, Rule: f.Rule, Field: indexless(f.Field),
			Count: 1, Seqs: []uint64{f.Seq}, Value: f.Value, Message: f.Message}
		if accepted && f.Side == SideRequest && f.Rule.Violation() {
			g.Accepted = 1
		}
		s.merge(g)
	}
}

// Merge adds the counts and groups of o (another Summary of the same
// description) to s.
func (s *Summary) Merge(o *Summary) {
	s.Calls += o.Calls
	s.Documented += o.Documented
	s.RequestViolations += o.RequestViolations
	s.Accepted += o.Accepted
	s.ResponseViolations += o.ResponseViolations
	for _, g := range o.Groups {
		g.Seqs = slices.Clone(g.Seqs)
		s.merge(g)
	}
}

// merge adds one group's worth of findings.
func (s *Summary) merge(g Group) {
	if s.index == nil {
		s.reindex()
	}
	k := g.key()
	i, ok := s.index[k]
	if !ok && s.fields(k) >= maxFields {
		g.Field, g.Value, g.Message = OverflowField, "", "findings on further fields"
		k = g.key()
		i, ok = s.index[k]
	}
	if !ok {
		s.index[k] = len(s.Groups)
		s.Groups = append(s.Groups, g)
		return
	}
	dst := &s.Groups[i]
	dst.Count += g.Count
	dst.Accepted += g.Accepted
	dst.Seqs = firstSeqs(dst.Seqs, g.Seqs)
}

// fields counts the groups of k's side, endpoint and rule.
func (s *Summary) fields(k groupKey) int {
	n := 0
	for _, g := range s.Groups {
		if g.Side == k.side && g.Method == k.method && g.Endpoint == k.endpoint && g.Rule == k.rule {
			n++
		}
	}
	return n
}

func (s *Summary) reindex() {
	s.index = make(map[groupKey]int, len(s.Groups))
	for i := range s.Groups {
		s.index[s.Groups[i].key()] = i
	}
}

// firstSeqs merges two ascending lists and keeps the first MaxSeqs.
func firstSeqs(a, b []uint64) []uint64 {
	out := append(a, b...)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxSeqs {
		out = out[:MaxSeqs]
	}
	return out
}

// MarshalJSON writes the summary with its groups sorted, so that the same
// results give the same bytes whatever order equal groups formed in.
func (s *Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	out := plain(*s)
	out.Groups = slices.Clone(s.Groups)
	if out.Groups == nil {
		out.Groups = []Group{}
	}
	slices.SortFunc(out.Groups, compareGroups)
	return json.Marshal(out)
}

// Sorted returns the groups in the order MarshalJSON writes them.
func (s *Summary) Sorted() []Group {
	gs := slices.Clone(s.Groups)
	slices.SortFunc(gs, compareGroups)
	return gs
}

func compareGroups(a, b Group) int {
	return cmp.Or(cmp.Compare(a.Side, b.Side), cmp.Compare(a.Endpoint, b.Endpoint), cmp.Compare(a.Method, b.Method),
		cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Field, b.Field))
}

var indexRE = regexp.MustCompile(`\[[0-9]+\]`)

// indexless writes every array index of a field path as [].
func indexless(field string) string {
	if !slices.Contains([]byte(field), '[') {
		return field
	}
	return indexRE.ReplaceAllString(field, "[]")
}
