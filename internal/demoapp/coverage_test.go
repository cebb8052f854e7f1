package demoapp

import (
	"io"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// computeCoverage classifies captured records against the built-in matrix.
func computeCoverage(t *testing.T, recs []evidence.Record) map[string]coverage.RequirementResult {
	t.Helper()
	i := 0
	rep, err := coverage.Compute(coverage.DefaultMatrix(), func() (*evidence.Record, error) {
		if i == len(recs) {
			return nil, io.EOF
		}
		i++
		return &recs[i-1], nil
	})
	if err != nil {
		t.Fatalf("compute coverage: %v", err)
	}
	out := map[string]coverage.RequirementResult{}
	for _, r := range rep.Requirements {
		out[r.ID] = r
	}
	return out
}
