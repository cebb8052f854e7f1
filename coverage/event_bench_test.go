package coverage

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// BenchmarkLiveObserveTraced is BenchmarkLiveObserveBenchMix/mix with
// every call carrying a W3C trace context, a new trace every four calls,
// as an instrumented app sends them: the cost of remembering what each
// trace's calls are about (trace.go).
func BenchmarkLiveObserveTraced(b *testing.B) {
	mix := benchMix()
	live := NewLive(DefaultMatrix(), prometheus.NewRegistry())
	next := benchFeed(mix)
	traces := make([]*evidence.Trace, 1024)
	for i := range traces {
		traces[i] = &evidence.Trace{TraceID: fmt.Sprintf("%032x", i+1), SpanID: "00f067aa0ba902b7"}
	}
	batch := make([]*evidence.Record, 1)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		r := next(i)
		r.Trace = traces[(i/4)%len(traces)]
		batch[0] = r
		live.Observe(batch)
		i++
	}
}

// BenchmarkLiveObserveEvent is the live cost of one event record of the
// app, among the calls that make it evidence: an approval read, then the
// card screen unlocked, for a new cardholder each time.
func BenchmarkLiveObserveEvent(b *testing.B) {
	live := NewLive(DefaultMatrix(), prometheus.NewRegistry())
	batch := make([]*evidence.Record, 1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		tr := newTrace()
		tr.holder(10000+i, 1)
		id := fmt.Sprint(10000 + i)
		attrs, _ := json.Marshal(map[string]string{evidence.AttrCardholderID: id})
		ev := &evidence.Record{V: evidence.Version, Kind: evidence.KindEvent, Event: &evidence.Event{Name: evidence.EventCardScreenUnlocked, Attributes: attrs}}
		read := tr.recs[0]
		read.Seq, read.Time = uint64(2*i+1), traceStart.Add(timeStep(2*i))
		ev.Seq, ev.Time = uint64(2*i+2), traceStart.Add(timeStep(2*i+1))
		batch[0] = read
		live.Observe(batch)
		b.StartTimer()
		batch[0] = ev
		live.Observe(batch)
	}
}

// timeStep is the time of the i-th record of a benchmark stream.
func timeStep(i int) time.Duration { return time.Duration(i) * 25 * time.Millisecond }
