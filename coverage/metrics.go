package coverage

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Live is an Engine shared by the recorder, which feeds it each committed
// batch, and the admin listener, which reads reports and metrics. It is
// safe for concurrent use. Built from the store's records on start-up and
// fed after every commit, it reports exactly what Compute would over the
// same records.
//
// Metrics (all labels bounded: requirement ids come from the matrix,
// endpoints from the catalogue with "other" for the rest):
//
//	evidence_proxy_coverage_requirement_status{requirement,area,status}  1 for the current status, 0 for the others (n/a included)
//	evidence_proxy_coverage_area_ratio{area}                            met / total per evidence area
//	evidence_proxy_coverage_requirements{status}                        requirements per status
//	evidence_proxy_coverage_records_observed_total                      records fed
//	evidence_proxy_coverage_calls_total{endpoint,method,code_class}     calls per endpoint template and status class
//
// The gauges are computed when scraped, from the same verdicts a report
// gives.
type Live struct {
	m *Matrix

	// mu guards eng and calls.
	mu    sync.Mutex
	eng   *Engine
	calls callCounters

	records prometheus.Counter
}

// NewLive returns a Live engine over m whose metrics are registered on reg
// (nil: not registered), with no description of the API.
func NewLive(m *Matrix, reg prometheus.Registerer) *Live { return NewLiveWith(m, reg, Options{}) }

// NewLiveWith is NewLive with an engine configured by o.
func NewLiveWith(m *Matrix, reg prometheus.Registerer, o Options) *Live {
	l := &Live{
		m:   m,
		eng: NewEngineWith(m, o),
		records: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "evidence_proxy_coverage_records_observed_total",
			Help: "Evidence records fed to the coverage engine.",
		}),
		calls: newCallCounters(),
	}
	if reg != nil {
		reg.MustRegister(l.records, l.calls.vec, newLiveCollector(l))
	}
	return l
}

// Observe feeds committed records, in sequence order.
func (l *Live) Observe(recs []*evidence.Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range recs {
		l.eng.Observe(r)
		if r.Kind == evidence.KindCall {
			l.calls.inc(&l.eng.cv)
		}
	}
	l.records.Add(float64(len(recs)))
}

// Report judges the records fed so far.
func (l *Live) Report() *Report {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.eng.Report()
}

// Matrix returns the matrix the engine judges against.
func (l *Live) Matrix() *Matrix { return l.m }

// metricStatuses are the status label values: every verdict, then n/a.
func metricStatuses() []Status {
	return append(Statuses[:len(Statuses):len(Statuses)], StatusNotApplicable)
}

// callCounters caches the calls_total children, so a call costs an array
// index rather than a label hash.
type callCounters struct {
	vec *prometheus.CounterVec
	// known[ep][class] for catalogue endpoints; other[method][class] for
	// the rest.
	known [len(catalogue)][6]prometheus.Counter
	other [numMetricMethods][6]prometheus.Counter
}

// metricMethods are the method label values for calls outside the
// catalogue; anything else counts as OTHER, the last.
func metricMethods() [numMetricMethods]string {
	return [...]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "OTHER"}
}

const numMetricMethods = 9

func newCallCounters() callCounters {
	return callCounters{vec: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "evidence_proxy_coverage_calls_total",
		Help: "Calls seen by the coverage engine, by endpoint template (other outside the catalogue), method and status class.",
	}, []string{"endpoint", "method", "code_class"})}
}

func (c *callCounters) inc(v *callView) {
	ci := statusClassIndex(v.status)
	class := classNames()[ci]
	if v.ep >= 0 {
		ctr := &c.known[v.ep][ci]
		if *ctr == nil {
			*ctr = c.vec.WithLabelValues(catalogue[v.ep].Template, catalogue[v.ep].Method, class)
		}
		(*ctr).Inc()
		return
	}
	methods := metricMethods()
	mi := numMetricMethods - 1
	for i, m := range methods[:mi] {
		if m == v.method {
			mi = i
			break
		}
	}
	ctr := &c.other[mi][ci]
	if *ctr == nil {
		*ctr = c.vec.WithLabelValues(OtherEndpoint, methods[mi], class)
	}
	(*ctr).Inc()
}

// liveCollector exports the verdicts as gauges, computed at scrape time.
type liveCollector struct {
	l                                 *Live
	reqStatus, areaRatio, reqsByState *prometheus.Desc
}

func newLiveCollector(l *Live) *liveCollector {
	return &liveCollector{
		l: l,
		reqStatus: prometheus.NewDesc("evidence_proxy_coverage_requirement_status",
			"1 for the requirement's current verdict, 0 for the others (met, partial, missing, violated, n/a).", []string{"requirement", "area", "status"}, nil),
		areaRatio: prometheus.NewDesc("evidence_proxy_coverage_area_ratio",
			"Share of the area's requirements that are met (0 to 1).", []string{"area"}, nil),
		reqsByState: prometheus.NewDesc("evidence_proxy_coverage_requirements",
			"Requirements per verdict.", []string{"status"}, nil),
	}
}

func (c *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.reqStatus
	ch <- c.areaRatio
	ch <- c.reqsByState
}

func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	c.l.mu.Lock()
	verdicts := c.l.eng.verdicts()
	c.l.mu.Unlock()
	results := make([]RequirementResult, len(verdicts))
	for i, req := range c.l.m.reqs {
		results[i] = RequirementResult{ID: req.ID, Area: req.Area, Status: verdicts[i].status}
		for _, st := range metricStatuses() {
			ch <- prometheus.MustNewConstMetric(c.reqStatus, prometheus.GaugeValue, b2f(st == verdicts[i].status), req.ID, req.Area, string(st))
		}
	}
	sum := summarize(results)
	for _, a := range sum.Areas {
		ch <- prometheus.MustNewConstMetric(c.areaRatio, prometheus.GaugeValue, a.Ratio, a.Area)
	}
	for _, st := range metricStatuses() {
		ch <- prometheus.MustNewConstMetric(c.reqsByState, prometheus.GaugeValue, float64(sum.ByStatus[st]), string(st))
	}
}
