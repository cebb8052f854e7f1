package golive

import (
	"errors"
	"slices"

	"github.com/evidence-proxy/evidence-proxy/coverage"
)

// ReadinessSchema names the readiness view's JSON schema.
const ReadinessSchema = "evidence-proxy/readiness/v1"

// Readiness is the audit-readiness view of a coverage report: the
// auditor's four kinds of evidence with their requirements and where
// their evidence came from, the production set-up the integrator
// confirmed, the behaviours staging does not test and whether they were
// acknowledged, and what remains. It is a pure function of the report,
// the script index, the checklist and the content: equal inputs give
// equal JSON. It passes no verdict: the review is the auditor's.
type Readiness struct {
	Schema  string             `json:"schema"`
	Content ContentRef         `json:"content"`
	Matrix  coverage.MatrixRef `json:"matrix"`
	Summary ReadinessSummary   `json:"summary"`
	Kinds   []KindView         `json:"kinds"`
	// Setup and NotTested follow the content's order.
	Setup     []SetupView     `json:"setup"`
	NotTested []NotTestedView `json:"not_tested"`
	// Checklist is the SHA-256 of the checklist file; empty when none was
	// given.
	Checklist string `json:"checklist_sha256,omitempty"`
	// Remaining are the requirement ids not met, in matrix order.
	Remaining []string `json:"remaining"`
}

// ReadinessSummary counts what the view shows.
type ReadinessSummary struct {
	Requirements int `json:"requirements"`
	Met          int `json:"met"`
	// MetByScripts counts met requirements whose evidence calls all came
	// from test scripts; MetMixed those with calls from both.
	MetByScripts int `json:"met_by_scripts"`
	MetMixed     int `json:"met_mixed"`
	Partial      int `json:"partial"`
	Missing      int `json:"missing"`
	Violated     int `json:"violated"`
	// NotApplicable counts conditional requirements not judged (app-events
	// before the app sends any event): neither met nor missing.
	NotApplicable int `json:"not_applicable,omitempty"`
	// Sources says how complete the evidence sources are: "indexed",
	// "incomplete" (the script index reached its cap) or "unknown" (no
	// index was given).
	Sources               string `json:"sources"`
	SetupConfirmed        int    `json:"setup_confirmed"`
	SetupTotal            int    `json:"setup_total"`
	NotTestedAcknowledged int    `json:"not_tested_acknowledged"`
	NotTestedTotal        int    `json:"not_tested_total"`
}

// KindView is one kind of evidence and its requirements.
type KindView struct {
	Kind
	Total         int               `json:"total"`
	Met           int               `json:"met"`
	Partial       int               `json:"partial"`
	Missing       int               `json:"missing"`
	Violated      int               `json:"violated"`
	NotApplicable int               `json:"not_applicable,omitempty"`
	Requirements  []RequirementView `json:"requirements"`
}

// Source says where a requirement's evidence calls came from.
type Source string

const (
	// SourceApp: no evidence call carries the script header.
	SourceApp Source = "app"
	// SourceScript: every evidence call carries it.
	SourceScript Source = "script"
	// SourceMixed: some do.
	SourceMixed Source = "mixed"
	// SourceNone: the requirement has no evidence.
	SourceNone Source = "none"
	// SourceUnknown: the script index does not cover every evidence call.
	SourceUnknown Source = "unknown"
)

// RequirementView is one requirement in the view.
type RequirementView struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Basis       string          `json:"basis"`
	Conditional string          `json:"conditional,omitempty"`
	Status      coverage.Status `json:"status"`
	// Evidence is the number of evidence calls the report lists.
	Evidence int    `json:"evidence"`
	Source   Source `json:"source"`
	// Scripts are the script tags the evidence calls carry, sorted.
	Scripts []string `json:"scripts,omitempty"`
}

// SetupView is one production set-up item and the integrator's answer.
type SetupView struct {
	Item
	// Answered is whether the checklist file has the item.
	Answered  bool   `json:"answered"`
	Confirmed bool   `json:"confirmed"`
	Note      string `json:"note,omitempty"`
}

// NotTestedView is one behaviour staging does not test and the
// integrator's answer.
type NotTestedView struct {
	Item
	Answered     bool   `json:"answered"`
	Acknowledged bool   `json:"acknowledged"`
	Note         string `json:"note,omitempty"`
}

// ReadinessOptions configure BuildReadiness; the zero value is the
// built-in content, no checklist file and unknown evidence sources.
type ReadinessOptions struct {
	// Content is the readiness content; nil means BuiltinContent.
	Content *Content
	// Checklist is the integrator's checklist file; nil means none given
	// (every item not answered).
	Checklist *Checklist
	// Scripts is the index of script calls over the same records as the
	// report; nil leaves every source unknown.
	Scripts *ScriptCalls
}

// BuildReadiness builds the readiness view of a report.
func BuildReadiness(r *coverage.Report, o ReadinessOptions) (*Readiness, error) {
	if r == nil {
		return nil, errors.New("build readiness: no report")
	}
	c := o.Content
	if c == nil {
		c = BuiltinContent()
	}
	v := &Readiness{Schema: ReadinessSchema, Content: c.Ref(), Matrix: r.Matrix, Remaining: []string{}}
	v.Summary.Sources = sourcesState(o.Scripts)
	v.Kinds = make([]KindView, len(c.Kinds))
	for i, k := range c.Kinds {
		v.Kinds[i] = KindView{Kind: k, Requirements: []RequirementView{}}
	}
	for _, q := range r.Requirements {
		v.addRequirement(q, o.Scripts)
	}
	v.setup(c, o.Checklist)
	return v, nil
}

func sourcesState(s *ScriptCalls) string {
	switch {
	case s == nil:
		return "unknown"
	case s.Truncated():
		return "incomplete"
	}
	return "indexed"
}

func (v *Readiness) addRequirement(q coverage.RequirementResult, idx *ScriptCalls) {
	rv := RequirementView{ID: q.ID, Title: q.Title, Basis: q.Basis, Conditional: q.Conditional, Status: q.Status, Evidence: len(q.Evidence)}
	rv.Source, rv.Scripts = sourceOf(q.Evidence, idx)
	k := v.kindFor(q.Area)
	k.Requirements = append(k.Requirements, rv)
	k.Total++
	v.Summary.Requirements++
	switch q.Status {
	case coverage.StatusMet:
		k.Met++
		v.Summary.Met++
		v.Summary.MetByScripts += b2i(rv.Source == SourceScript)
		v.Summary.MetMixed += b2i(rv.Source == SourceMixed)
	case coverage.StatusPartial:
		k.Partial++
		v.Summary.Partial++
	case coverage.StatusViolated:
		k.Violated++
		v.Summary.Violated++
	case coverage.StatusNotApplicable:
		k.NotApplicable++
		v.Summary.NotApplicable++
	default:
		k.Missing++
		v.Summary.Missing++
	}
	if q.Status != coverage.StatusMet && q.Status != coverage.StatusNotApplicable {
		v.Remaining = append(v.Remaining, q.ID)
	}
}

// kindFor returns the kind of an area, adding one named after an area the
// content does not know.
func (v *Readiness) kindFor(area string) *KindView {
	for i := range v.Kinds {
		if v.Kinds[i].Area == area {
			return &v.Kinds[i]
		}
	}
	v.Kinds = append(v.Kinds, KindView{Kind: Kind{Area: area, Title: area}, Requirements: []RequirementView{}})
	return &v.Kinds[len(v.Kinds)-1]
}

// sourceOf says where evidence calls came from.
func sourceOf(seqs []uint64, idx *ScriptCalls) (Source, []string) {
	if len(seqs) == 0 {
		return SourceNone, nil
	}
	if idx == nil {
		return SourceUnknown, nil
	}
	var tags []string
	scripted := 0
	for _, seq := range seqs {
		tag, known := idx.Lookup(seq)
		if !known {
			return SourceUnknown, nil
		}
		if tag != "" {
			scripted++
			if !slices.Contains(tags, tag) {
				tags = append(tags, tag)
			}
		}
	}
	slices.Sort(tags)
	switch scripted {
	case 0:
		return SourceApp, nil
	case len(seqs):
		return SourceScript, tags
	}
	return SourceMixed, tags
}

func (v *Readiness) setup(c *Content, cl *Checklist) {
	v.Setup = make([]SetupView, len(c.Setup))
	for i, it := range c.Setup {
		v.Setup[i] = SetupView{Item: it}
	}
	v.NotTested = make([]NotTestedView, len(c.NotTested))
	for i, it := range c.NotTested {
		v.NotTested[i] = NotTestedView{Item: it}
	}
	if cl != nil {
		v.Checklist = cl.SHA256
		for _, a := range cl.Setup {
			if i := slices.IndexFunc(v.Setup, func(s SetupView) bool { return s.ID == a.ID }); i >= 0 {
				v.Setup[i].Answered, v.Setup[i].Confirmed, v.Setup[i].Note = true, a.Confirmed, a.Note
			}
		}
		for _, a := range cl.NotTested {
			if i := slices.IndexFunc(v.NotTested, func(s NotTestedView) bool { return s.ID == a.ID }); i >= 0 {
				v.NotTested[i].Answered, v.NotTested[i].Acknowledged, v.NotTested[i].Note = true, a.Acknowledged, a.Note
			}
		}
	}
	v.Summary.SetupTotal, v.Summary.NotTestedTotal = len(v.Setup), len(v.NotTested)
	for _, s := range v.Setup {
		v.Summary.SetupConfirmed += b2i(s.Confirmed)
	}
	for _, s := range v.NotTested {
		v.Summary.NotTestedAcknowledged += b2i(s.Acknowledged)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
