package recorder

import (
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// metrics are the store's Prometheus collectors (listed in the package
// documentation). They exist even without a Registerer, unregistered.
type metrics struct {
	reg        prometheus.Registerer
	collectors []prometheus.Collector

	committed  prometheus.Counter
	commitDur  prometheus.Histogram
	batchSize  prometheus.Histogram
	gaps       *prometheus.CounterVec
	lost       prometheus.Counter
	redactions prometheus.Counter
	errors     *prometheus.CounterVec
	healthy    prometheus.Gauge
	lastSeq    prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, s *Store) (*metrics, error) {
	const ns, sub = "evidence_proxy", "recorder"
	m := &metrics{
		reg: reg,
		committed: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "records_committed_total", Help: "Records committed and fsynced (gap records included)."}),
		commitDur: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "commit_duration_seconds", Help: "Duration of one group commit, fsync included.",
			Buckets:                         prometheus.ExponentialBuckets(0.00025, 2, 15),
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  100,
			NativeHistogramMinResetDuration: time.Hour}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "commit_batch_records", Help: "Records per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9)}),
		gaps: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "gaps_total", Help: "Gap records written, by cause (queue_full, store_outage, unclean_shutdown, other)."},
			[]string{"cause"}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "lost_records_total", Help: "Calls that could not be recorded (each is counted in a gap record)."}),
		redactions: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "redactions_total", Help: "Secret values replaced by fingerprints before storage."}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "errors_total", Help: "Store errors by operation (commit, encode, read, snapshot, release)."}, []string{"op"}),
		healthy: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "healthy", Help: "1 while the store commits, 0 after a failed commit until one succeeds."}),
		lastSeq: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "last_sequence", Help: "Sequence number of the last committed record."}),
	}
	m.healthy.Set(1)
	for _, op := range []string{"commit", "encode", "read", "snapshot", "release"} {
		m.errors.WithLabelValues(op)
	}
	for _, cause := range gapCauses {
		m.gaps.WithLabelValues(cause)
	}
	queue := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
		Name: "queue_records", Help: "Records waiting for the writer, including those held after a failed commit."},
		func() float64 { return float64(len(s.in)) + float64(s.held.Load()) })
	size := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
		Name: "store_size_bytes", Help: "Size of the store file."},
		func() float64 {
			fi, err := os.Stat(s.path)
			if err != nil {
				return 0
			}
			return float64(fi.Size())
		})
	m.collectors = []prometheus.Collector{m.committed, m.commitDur, m.batchSize, m.gaps, m.lost,
		m.redactions, m.errors, m.healthy, m.lastSeq, queue, size}
	if reg == nil {
		return m, nil
	}
	for i, c := range m.collectors {
		if err := reg.Register(c); err != nil {
			for _, done := range m.collectors[:i] {
				reg.Unregister(done)
			}
			return nil, fmt.Errorf("register recorder metrics: %w", err)
		}
	}
	return m, nil
}

// unregister removes the collectors, so a store reopened on the same
// registry can register again.
func (m *metrics) unregister() {
	if m.reg == nil {
		return
	}
	for _, c := range m.collectors {
		m.reg.Unregister(c)
	}
}

func (m *metrics) observeCommit(batch []*job, elapsed time.Duration, last uint64) {
	m.committed.Add(float64(len(batch)))
	m.commitDur.Observe(elapsed.Seconds())
	m.batchSize.Observe(float64(len(batch)))
	for _, j := range batch {
		if g := j.rec.Gap; g != nil {
			m.gaps.WithLabelValues(gapCauseLabel(g.Cause)).Inc()
		}
	}
	m.lastSeq.Set(float64(last))
}

// gapCauses are the values of the gaps_total cause label.
var gapCauses = [...]string{evidence.GapQueueFull, evidence.GapStoreOutage, evidence.GapUncleanShutdown, "other"}

// gapCauseLabel bounds a gap's cause to gapCauses.
func gapCauseLabel(cause string) string {
	for _, c := range gapCauses[:3] {
		if cause == c {
			return c
		}
	}
	return "other"
}
