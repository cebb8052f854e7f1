// Package bundlecov adapts package coverage to what package export needs:
// a Coverage that runs the coverage engine over a matrix and renders the
// JSON, Markdown and HTML reports, and a MatrixLoader that rebuilds it from
// a bundle's embedded matrix and says what that matrix drops, replaces or
// adds compared with the built-in one. It is the one place that knows
// both packages, so that neither knows the other.
//
// It also assembles what a report holds besides the verdicts, computed in
// the same pass over the records (Extras, Pass): the audit-readiness view
// of package golive and the contract findings of package contract. A
// Coverage is export.Attaching: attached to a bundle's API description,
// readiness content and checklist (see attach.go) it renders the
// readiness and contract members as well, which verify recomputes from
// the attachments the bundle carries.
package bundlecov

import (
	"bytes"
	"fmt"
	"io"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
)

// Coverage is export.Coverage over one matrix.
type Coverage struct {
	m *coverage.Matrix
	// spec, when set, is a description already parsed, used by Attach
	// when the bundle's is the same (it saves parsing it again).
	spec  *contract.Spec
	hooks Loader
}

var _ export.Coverage = Coverage{}

// New returns the coverage computation over m.
func New(m *coverage.Matrix) Coverage { return Coverage{m: m} }

// Matrix returns the canonical YAML of the matrix, for export.Options.Matrix.
func (c Coverage) Matrix() []byte { return c.m.Canonical() }

// New starts a fresh computation.
func (c Coverage) New() export.CoverageRun {
	return &run{m: c.m, e: coverage.NewEngine(c.m), hooks: c.hooks}
}

type run struct {
	m     *coverage.Matrix
	e     *coverage.Engine
	hooks Loader
}

// Observe feeds one record. The instance is not needed: a report's
// evidence numbers refer to the records of the bundle's first source, and
// merged bundles list each source's records under its own instance.
func (r *run) Observe(instance string, rec *evidence.Record) {
	r.hooks.record(instance, rec)
	r.e.Observe(rec)
}

// Files renders the three reports.
func (r *run) Files() (map[string][]byte, export.MatrixInfo, error) {
	rep := r.e.Report()
	r.hooks.report(rep, r.m)
	files := map[string][]byte{}
	for name, write := range map[string]func(io.Writer, *coverage.Report) error{
		export.CoverageJSON: coverage.WriteJSON,
		export.CoverageMD:   coverage.WriteMarkdown,
		export.CoverageHTML: coverage.WriteHTML,
	} {
		var buf bytes.Buffer
		if err := write(&buf, rep); err != nil {
			return nil, export.MatrixInfo{}, fmt.Errorf("render %s: %w", name, err)
		}
		files[name] = buf.Bytes()
	}
	return files, info(r.m.Ref()), nil
}

// Loader is export.MatrixLoader over package coverage, comparing with the
// built-in matrix (coverage.DefaultMatrix).
type Loader struct {
	// OnReport, when set, receives every report the loaded computations
	// render, with their matrix (ReadReport).
	OnReport func(*coverage.Report, *coverage.Matrix)
	// OnRecord, when set, receives every record the loaded computations
	// observe, with its source's instance, in the order verify reads them
	// (each already checked against the chain). It must not retain rec.
	OnRecord func(instance string, rec *evidence.Record)
}

func (l Loader) record(instance string, rec *evidence.Record) {
	if l.OnRecord != nil {
		l.OnRecord(instance, rec)
	}
}

func (l Loader) report(rep *coverage.Report, m *coverage.Matrix) {
	if l.OnReport != nil {
		l.OnReport(rep, m)
	}
}

var _ export.MatrixLoader = Loader{}

// LoadMatrix parses an embedded matrix and compares it with the built-in
// one.
func (l Loader) LoadMatrix(canonical []byte) (export.Coverage, export.MatrixDiff, error) {
	m, err := coverage.ParseMatrix(canonical)
	if err != nil {
		return nil, export.MatrixDiff{}, fmt.Errorf("load embedded matrix: %w", err)
	}
	d, err := coverage.DiffFromDefault(m)
	if err != nil {
		return nil, export.MatrixDiff{}, fmt.Errorf("load embedded matrix: %w", err)
	}
	return Coverage{m: m, hooks: l}, export.MatrixDiff{Base: info(d.Base), Kept: len(d.Kept), Dropped: d.Dropped,
		Replaced: d.Replaced, Added: d.Added, Sections: d.Sections}, nil
}

func info(ref coverage.MatrixRef) export.MatrixInfo {
	return export.MatrixInfo{ID: ref.ID, Version: ref.Version, SHA256: ref.SHA256}
}
