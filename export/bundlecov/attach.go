package bundlecov

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

var (
	_ export.Attaching  = Coverage{}
	_ export.Contracted = (*attached)(nil)
)

// WithSpec returns c with a description already parsed (contract.Load of
// --spec): Attach uses it when a bundle's description is its bytes,
// instead of parsing them again.
func (c Coverage) WithSpec(s *contract.Spec) Coverage {
	c.spec = s
	return c
}

// Attach returns the computation over a bundle's attachments: the API
// description (export.MemberSpec; the built-in one when absent), the
// readiness content (export.MemberReadinessContent; the built-in one when
// absent) and the checklist file (export.MemberChecklist; none when
// absent). It uses, and returns, the description and content always (the
// bundle carries both) and the checklist when given. Its runs render,
// besides the three reports, contract.json, readiness.json and
// readiness.md, and coverage.md ends with the readiness and contract
// sections.
func (c Coverage) Attach(given []export.Attachment) (export.Coverage, []export.Attachment, error) {
	byName := map[string][]byte{}
	for _, a := range given {
		byName[a.Name] = a.Data
	}
	spec, err := c.attachedSpec(byName)
	if err != nil {
		return nil, nil, err
	}
	content, err := attachedContent(byName)
	if err != nil {
		return nil, nil, err
	}
	used := []export.Attachment{{Name: export.MemberSpec, Data: spec.Bytes()},
		{Name: export.MemberReadinessContent, Data: byName[export.MemberReadinessContent]}}
	if used[1].Data == nil {
		used[1].Data = golive.BuiltinContentYAML()
	}
	o := ExtrasOptions{Spec: spec, Content: content, EmbedCalls: true}
	if data, ok := byName[export.MemberChecklist]; ok {
		if o.Checklist, err = golive.ParseChecklist(data, content); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", export.MemberChecklist, err)
		}
		used = append(used, export.Attachment{Name: export.MemberChecklist, Data: data})
	}
	return &attached{m: c.m, o: o, hooks: c.hooks}, used, nil
}

// attachedSpec is the description of the attachments: the built-in one
// when there is none, or when it is the built-in one's bytes.
func (c Coverage) attachedSpec(byName map[string][]byte) (*contract.Spec, error) {
	data, ok := byName[export.MemberSpec]
	switch {
	case !ok || bytes.Equal(data, contract.Default().Bytes()):
		return contract.Default(), nil
	case c.spec != nil && bytes.Equal(data, c.spec.Bytes()):
		return c.spec, nil
	}
	s, err := contract.Parse(export.MemberSpec, data)
	if err != nil {
		return nil, fmt.Errorf("load the API description: %w", err)
	}
	return s, nil
}

// attachedContent is the readiness content of the attachments.
func attachedContent(byName map[string][]byte) (*golive.Content, error) {
	data, ok := byName[export.MemberReadinessContent]
	if !ok {
		return golive.BuiltinContent(), nil
	}
	c, err := golive.ParseContent(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", export.MemberReadinessContent, err)
	}
	return c, nil
}

// attached is a Coverage attached to a bundle's attachments.
type attached struct {
	m     *coverage.Matrix
	o     ExtrasOptions
	hooks Loader
}

func (a *attached) New() export.CoverageRun {
	return &attachedRun{a: a, e: coverage.NewEngine(a.m), x: NewExtras(a.o)}
}

// Contract names the description the findings hold calls against.
func (a *attached) Contract() export.ContractInfo { return contractInfo(a.o.Spec) }

type attachedRun struct {
	a *attached
	e *coverage.Engine
	x *Extras
}

// Observe feeds one record to the coverage engine and the extras.
func (r *attachedRun) Observe(instance string, rec *evidence.Record) {
	r.a.hooks.record(instance, rec)
	r.e.Observe(rec)
	r.x.observeFrom(instance, rec)
}

// Files renders the three reports, coverage.md with the sections, and the
// derived members.
func (r *attachedRun) Files() (map[string][]byte, export.MatrixInfo, error) {
	rep := r.e.Report()
	r.a.hooks.report(rep, r.a.m)
	s, err := r.x.Sections(rep)
	if err != nil {
		return nil, export.MatrixInfo{}, err
	}
	files, err := renderFiles(rep, s)
	if err != nil {
		return nil, export.MatrixInfo{}, err
	}
	return files, info(r.a.m.Ref()), nil
}

// renderFiles renders every file of a bundle's reports.
func renderFiles(rep *coverage.Report, s *Sections) (map[string][]byte, error) {
	files := map[string][]byte{}
	for name, write := range map[string]func(io.Writer) error{
		export.CoverageJSON:        func(w io.Writer) error { return WriteReport(w, rep, s, "json") },
		export.CoverageMD:          func(w io.Writer) error { return WriteReport(w, rep, s, "md") },
		export.CoverageHTML:        func(w io.Writer) error { return WriteReport(w, rep, s, "html") },
		export.MemberReadinessJSON: func(w io.Writer) error { return golive.WriteReadinessJSON(w, s.Readiness) },
		export.MemberReadinessMD:   func(w io.Writer) error { return golive.WriteReadinessMarkdown(w, s.Readiness) },
		export.MemberContract:      func(w io.Writer) error { return writeContractJSON(w, s) },
	} {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return nil, fmt.Errorf("render %s: %w", name, err)
		}
		files[name] = buf.Bytes()
	}
	return files, nil
}

// ContractJSON is contract.json: the description's identity and the
// summary.
type ContractJSON struct {
	Description export.ContractInfo `json:"description"`
	Summary     *contract.Summary   `json:"summary"`
	// Pending is Sections.ContractPending: records a live report has not
	// yet held against the description.
	Pending uint64 `json:"pending,omitempty"`
}

// writeContractJSON writes contract.json, indented; equal summaries give
// equal bytes.
func writeContractJSON(w io.Writer, s *Sections) error {
	b, err := json.MarshalIndent(ContractJSON{Description: s.Spec, Summary: s.Contract}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
