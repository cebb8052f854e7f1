package bundlecov

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

// ExtrasOptions say what a report holds besides the coverage verdicts.
// The zero value is the built-in API description and readiness content
// and no checklist file.
type ExtrasOptions struct {
	// Spec is the API description calls are held against; nil means
	// contract.Default().
	Spec *contract.Spec
	// Content is the audit-readiness content; nil means the built-in one.
	Content *golive.Content
	// Checklist is the integrator's go-live checklist; nil means none
	// given (every item not answered).
	Checklist *golive.Checklist
	// EmbedCalls keeps a compact summary of every call and event (about
	// 32 bytes each, coverage.CallList), so the HTML and Markdown reports
	// list the calls their evidence names and the HTML's evidence numbers
	// link to them. For one pass over a store or a bundle (export, verify,
	// the coverage command), never the live sidecar, whose memory would
	// grow with its store.
	EmbedCalls bool
}

// Extras computes what a report holds besides the coverage verdicts, fed
// the same records in the same order as the coverage engine: the index of
// test-script calls behind the readiness view, and the contract summary.
// It is not safe for concurrent use.
type Extras struct {
	spec      *contract.Spec
	content   *golive.Content
	checklist *golive.Checklist
	summary   *contract.Summary
	scripts   golive.ScriptCalls
	// instance is the first source observed; multi is set once records of
	// a second one arrive (a merge), whose sequence numbers the script
	// index cannot tell apart: evidence sources are then unknown.
	instance string
	multi    bool
	// calls, when EmbedCalls, are the first source's calls.
	calls *coverage.CallList
}

// NewExtras returns an empty computation.
func NewExtras(o ExtrasOptions) *Extras {
	if o.Spec == nil {
		o.Spec = contract.Default()
	}
	if o.Content == nil {
		o.Content = golive.BuiltinContent()
	}
	x := &Extras{spec: o.Spec, content: o.Content, checklist: o.Checklist, summary: contract.NewSummary(o.Spec)}
	if o.EmbedCalls {
		x.calls = &coverage.CallList{}
	}
	return x
}

// Observe feeds the next record and returns what the contract check found
// in it (skipped for records that are not calls). It is Index, then
// AddContract of Spec().Check.
func (x *Extras) Observe(rec *evidence.Record) contract.Result { return x.observe(rec, true) }

func (x *Extras) observe(rec *evidence.Record, embed bool) contract.Result {
	x.index(rec, embed)
	res := x.spec.Check(rec)
	x.summary.Add(res)
	return res
}

// Index feeds the next record to everything but the contract check: the
// embedded calls and the index of test-script calls. A caller that holds
// calls against the description elsewhere (the live sidecar, behind the
// traffic) adds each result with AddContract.
func (x *Extras) Index(rec *evidence.Record) { x.index(rec, true) }

func (x *Extras) index(rec *evidence.Record, embed bool) {
	if embed && x.calls != nil {
		x.calls.Add(rec)
	}
	x.scripts.Observe(rec)
}

// AddContract adds the contract check of one record (Spec().Check) to the
// summary.
func (x *Extras) AddContract(res contract.Result) { x.summary.Add(res) }

// Spec is the description calls are held against.
func (x *Extras) Spec() *contract.Spec { return x.spec }

// observeFrom feeds a record of a source instance (see Extras.multi). A
// report's evidence numbers are the first source's, so only its calls are
// embedded, in whatever order the sources' records come.
func (x *Extras) observeFrom(instance string, rec *evidence.Record) {
	if x.instance == "" {
		x.instance = instance
	}
	x.multi = x.multi || instance != x.instance
	x.observe(rec, instance == x.instance)
}

// Sections returns the readiness view of rep, which must be the coverage
// of the records observed, and a copy of the contract summary.
func (x *Extras) Sections(rep *coverage.Report) (*Sections, error) {
	o := golive.ReadinessOptions{Content: x.content, Checklist: x.checklist, Scripts: &x.scripts}
	if x.multi {
		o.Scripts = nil
	}
	v, err := golive.BuildReadiness(rep, o)
	if err != nil {
		return nil, err
	}
	sum := contract.NewSummary(x.spec)
	sum.Merge(x.summary)
	out := &Sections{Readiness: v, Contract: sum, Spec: contractInfo(x.spec)}
	if x.calls != nil {
		out.Calls = x.calls.Evidence(rep)
	}
	return out, nil
}

// Sections are the parts of a report beside the coverage verdicts: the
// audit-readiness view and the contract findings.
type Sections struct {
	Readiness *golive.Readiness
	Contract  *contract.Summary
	// Spec names the API description the findings hold calls against.
	Spec export.ContractInfo
	// Calls are the calls the report's evidence names, embedded at the
	// end of its HTML and Markdown (ExtrasOptions.EmbedCalls; nil without).
	Calls []coverage.CallSummary
	// ContractPending counts recorded calls not yet held against the
	// description: a live report whose checks run behind the traffic says
	// so. Zero in every report computed in one pass.
	ContractPending uint64
}

// contractInfo names a description for the manifest and the reports.
func contractInfo(s *contract.Spec) export.ContractInfo {
	sum := sha256.Sum256(s.Bytes())
	return export.ContractInfo{Title: s.Title(), Version: s.Version(), SHA256: hex.EncodeToString(sum[:])}
}

// Pass computes a whole report in one pass over a record stream: the
// coverage verdicts and the Extras.
type Pass struct {
	engine *coverage.Engine
	extras *Extras
}

// NewPass returns an empty pass over m.
func NewPass(m *coverage.Matrix, o ExtrasOptions) *Pass {
	return &Pass{engine: coverage.NewEngine(m), extras: NewExtras(o)}
}

// Observe feeds the next record, in sequence order.
func (p *Pass) Observe(rec *evidence.Record) {
	p.engine.Observe(rec)
	p.extras.Observe(rec)
}

// Report returns the coverage report of the records observed and its
// sections.
func (p *Pass) Report() (*coverage.Report, *Sections, error) {
	rep := p.engine.Report()
	s, err := p.extras.Sections(rep)
	if err != nil {
		return nil, nil, fmt.Errorf("build report sections: %w", err)
	}
	return rep, s, nil
}
