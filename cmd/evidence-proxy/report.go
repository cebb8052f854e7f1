package main

import (
	"context"
	"fmt"
	"io"

	"github.com/evidence-proxy/evidence-proxy/coverage"
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

// storeReport computes the coverage report of every record in a store.
func storeReport(ctx context.Context, store *recorder.Store, m *coverage.Matrix) (*coverage.Report, error) {
	e := coverage.NewEngine(m)
	if err := eachRecord(ctx, store.Stream(), e.Observe); err != nil {
		return nil, err
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
