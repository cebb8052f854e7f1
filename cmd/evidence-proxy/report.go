package main

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// reportWriter returns the writer of a report format of "coverage
// --format" and /coverage.
func reportWriter(format string) (func(io.Writer, *coverage.Report) error, bool) {
	switch format {
	case "json":
		return coverage.WriteJSON, true
	case "md":
		return coverage.WriteMarkdown, true
	case "html":
		return coverage.WriteHTML, true
	case "table":
		return coverage.WriteTable, true
	}
	return nil, false
}

func writeReport(w io.Writer, r *coverage.Report, format string) error {
	write, ok := reportWriter(format)
	if !ok {
		return newUsageError("unknown report format %q: json, md, html or table", format)
	}
	return write(w, r)
}

// storeReport computes the coverage report of every record in a store.
func storeReport(ctx context.Context, store *recorder.Store, m *coverage.Matrix) (*coverage.Report, error) {
	e := coverage.NewEngine(m)
	if err := store.Iterate(ctx, 1, func(r *evidence.Record) error {
		e.Observe(r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read store: %w", err)
	}
	return e.Report(), nil
}

func loadMatrix(path string) (*coverage.Matrix, error) {
	m, err := coverage.LoadMatrix(path)
	if err != nil {
		return nil, fmt.Errorf("load matrix: %w", err)
	}
	return m, nil
}

// bundleCoverage adapts the coverage engine to what export needs: a fresh
// engine per bundle, rendered to the three report files.
type bundleCoverage struct{ m *coverage.Matrix }

func (c bundleCoverage) New() export.CoverageRun {
	return &bundleCoverageRun{m: c.m, e: coverage.NewEngine(c.m)}
}

type bundleCoverageRun struct {
	m *coverage.Matrix
	e *coverage.Engine
}

// Observe feeds one record. The instance is not needed: a report's
// evidence numbers refer to the records of the bundle's first source, and
// merged bundles list each source's records under its own instance.
func (r *bundleCoverageRun) Observe(_ string, rec *evidence.Record) { r.e.Observe(rec) }

func (r *bundleCoverageRun) Files() (map[string][]byte, export.MatrixInfo, error) {
	rep := r.e.Report()
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
	ref := r.m.Ref()
	return files, export.MatrixInfo{ID: ref.ID, Version: ref.Version, SHA256: ref.SHA256}, nil
}
