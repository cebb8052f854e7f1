package demoapp

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/recorder/evidence"
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

func TestCoverageScratch(t *testing.T) {
	w := startWorld(t, 7)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := Run(ctx, w.opts); err != nil {
		t.Fatal(err)
	}
	rep := computeCoverage(t, w.log.all())
	for _, r := range coverage.DefaultMatrix().Requirements() {
		got := rep[r.ID]
		t.Logf("%-10s %-9s %s", got.ID, got.Status, got.Explanation)
	}
}
