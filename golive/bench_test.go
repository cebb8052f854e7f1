package golive_test

import (
	"testing"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

// BenchmarkScriptCallsObserve is the index's cost per record on the pass
// that feeds coverage: one record in eight a script's call.
func BenchmarkScriptCallsObserve(b *testing.B) {
	recs := make([]*evidence.Record, 1024)
	for i := range recs {
		tag := ""
		if i%8 == 0 {
			tag = "row-1"
		}
		recs[i] = call(0, tag)
	}
	var s golive.ScriptCalls
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := recs[i%len(recs)]
		r.Seq = uint64(i + 1)
		s.Observe(r)
		if s.Truncated() {
			s = golive.ScriptCalls{}
		}
	}
}

// BenchmarkBuildReadiness builds the view of a report of the built-in
// matrix with a checklist, once per export or report.
func BenchmarkBuildReadiness(b *testing.B) {
	m := coverage.DefaultMatrix()
	r := fixtureReport(m)
	idx := fixtureScripts()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := golive.BuildReadiness(r, golive.ReadinessOptions{Scripts: idx}); err != nil {
			b.Fatal(err)
		}
	}
}
