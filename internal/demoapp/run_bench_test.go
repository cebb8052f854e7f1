package demoapp

import (
	"context"
	"testing"
)

// BenchmarkRun plays the whole script against a fresh emulator at the
// demo's time scale: the part of the demo's minute the app takes.
func BenchmarkRun(b *testing.B) {
	calls := 0
	for b.Loop() {
		b.StopTimer()
		w := startWorld(b, 7)
		b.StartTimer()
		res, err := Run(context.Background(), w.opts)
		if err != nil {
			b.Fatal(err)
		}
		calls += res.Calls
	}
	b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
}
