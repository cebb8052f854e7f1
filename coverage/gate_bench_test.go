package coverage

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// BenchmarkLiveObserveContractGate is BenchmarkLiveObserveBenchMix with
// the built-in description gating evidence: its difference is the
// gate's cost per call (a request-only check, for a call some gated
// matcher would take).
func BenchmarkLiveObserveContractGate(b *testing.B) {
	mix := benchMix()
	spec := contract.Default()
	for _, c := range []struct {
		name string
		recs []*evidence.Record
	}{
		{"mix", mix},
		{"cardholders", mix[0:1]},
		{"balance", mix[1:2]},
		{"transactions", mix[2:3]},
		{"create", mix[3:4]},
	} {
		b.Run(c.name, func(b *testing.B) {
			live := NewLiveWith(DefaultMatrix(), prometheus.NewRegistry(), Options{Contract: spec})
			next := benchFeed(c.recs)
			batch := make([]*evidence.Record, 1)
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				batch[0] = next(i)
				live.Observe(batch)
				i++
			}
		})
	}
}

// BenchmarkComputeContractGate is BenchmarkCompute with the built-in
// description gating evidence.
func BenchmarkComputeContractGate(b *testing.B) {
	m := DefaultMatrix()
	spec := contract.Default()
	recs := story(100000, 500, 11)
	b.ResetTimer()
	for b.Loop() {
		e := NewEngineWith(m, Options{Contract: spec})
		for _, r := range recs {
			e.Observe(r)
		}
		e.Report()
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(0, "ns/op")
}
