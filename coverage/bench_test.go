package coverage

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkCompute classifies a synthetic integration offline; the target
// is at least 200,000 records/s.
func BenchmarkCompute(b *testing.B) {
	m := DefaultMatrix()
	recs := story(100000, 500, 11)
	b.ResetTimer()
	for b.Loop() {
		e := NewEngine(m)
		for _, r := range recs {
			e.Observe(r)
		}
		e.Report()
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkLiveObserve is the live cost of one committed call (a batch of
// one, the worst case), metrics included; the target is at most 20 µs.
func BenchmarkLiveObserve(b *testing.B) {
	live := NewLive(DefaultMatrix(), prometheus.NewRegistry())
	recs := story(200000, 500, 13)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		live.Observe(recs[i : i+1])
		if i++; i == len(recs) {
			b.StopTimer()
			live = NewLive(DefaultMatrix(), prometheus.NewRegistry())
			i = 0
			b.StartTimer()
		}
	}
}

// BenchmarkReport is the cost of judging everything, as a scrape or a
// /coverage request does.
func BenchmarkReport(b *testing.B) {
	e := NewEngine(DefaultMatrix())
	for _, r := range story(50000, 500, 17) {
		e.Observe(r)
	}
	b.ResetTimer()
	for b.Loop() {
		e.Report()
	}
}
