package bundlecov

import (
	"testing"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// benchRecords cycles the test records under growing sequence numbers.
func benchRecords(b *testing.B, n int) []*evidence.Record {
	base := testRecords(b)
	out := make([]*evidence.Record, n)
	for i := range out {
		r := *base[i%len(base)]
		r.Seq = uint64(i + 1)
		out[i] = &r
	}
	return out
}

// BenchmarkObserve is the cost per record of what a report computes: the
// coverage engine alone, the extras alone (script index and contract
// check), and both (a Pass, what export, coverage and the live feed run).
func BenchmarkObserve(b *testing.B) {
	recs := benchRecords(b, 3000)
	m := coverage.DefaultMatrix()
	for _, bc := range []struct {
		name string
		new  func() func(*evidence.Record)
	}{
		{"engine", func() func(*evidence.Record) { return coverage.NewEngine(m).Observe }},
		{"extras", func() func(*evidence.Record) {
			x := NewExtras(ExtrasOptions{})
			return func(r *evidence.Record) { x.Observe(r) }
		}},
		{"pass", func() func(*evidence.Record) { return NewPass(m, ExtrasOptions{}).Observe }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			observe := bc.new()
			for i := 0; b.Loop(); i++ {
				if i == len(recs) {
					observe, i = bc.new(), 0
				}
				observe(recs[i])
			}
		})
	}
}
