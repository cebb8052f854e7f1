package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
)

// bindReport registers serve's flags for what /coverage holds besides the
// verdicts: the API description and the go-live checklist.
func (c *serveConfig) bindReport(fs *pflag.FlagSet) {
	fs.StringVar(&c.Spec, "spec", c.Spec, "OpenAPI description `FILE` every recorded call is held against (default: the built-in Axys v2 description)")
	fs.StringVar(&c.GoliveChecklist, "golive-checklist", c.GoliveChecklist, "go-live checklist `FILE` (YAML) the readiness view on /coverage shows answered")
}

// loadReportFiles is the preflight check of --spec and
// --golive-checklist: a file that cannot be used fails the start, naming
// its line.
func (p *preflight) loadReportFiles() (string, error) {
	spec, err := loadSpec(p.cfg.Spec)
	if err != nil {
		return "", err
	}
	checklist, err := loadChecklist(p.cfg.GoliveChecklist)
	if err != nil {
		return "", err
	}
	p.report = bundlecov.ExtrasOptions{Spec: spec, Checklist: checklist}
	detail := fmt.Sprintf("description %q %s", spec.Title(), spec.Version())
	if checklist != nil {
		detail += "; checklist " + p.cfg.GoliveChecklist
	}
	return detail, nil
}

// liveSections are the live report's sections: the readiness index, fed
// on the live coverage feed's goroutine (off the hot path) together with
// live coverage, and the contract summary and counters, fed by the
// contract lane behind the traffic.
type liveSections struct {
	// mu guards extras and lane, and makes a batch reach live coverage and
	// the readiness index together, so that a report sees both at the same
	// record.
	mu       sync.Mutex
	extras   *bundlecov.Extras
	lane     *contractLane // nil until started; then told of every batch
	findings *prometheus.CounterVec
	checked  prometheus.Counter
}

// newLiveSections registers the contract counters on reg. Their labels
// are bounded: the endpoint is a described operation ("POST
// /cardholders") or a standard method with "other", the rule one of
// contract.Rules.
func newLiveSections(o bundlecov.ExtrasOptions, reg prometheus.Registerer) (*liveSections, error) {
	l := &liveSections{
		extras: bundlecov.NewExtras(o),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "evidence_proxy_contract_findings_total",
			Help: "Findings of the contract checks on recorded calls (request and response against the API description), by endpoint template and rule kind.",
		}, []string{"endpoint", "rule"}),
		checked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "evidence_proxy_contract_calls_checked_total",
			Help: "Recorded calls held against the API description.",
		}),
	}
	for _, c := range []prometheus.Collector{l.findings, l.checked} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register contract metrics: %w", err)
		}
	}
	return l, nil
}

// observe feeds a batch of committed records to live coverage and the
// readiness index, and tells the contract lane.
func (l *liveSections) observe(live *coverage.Live, recs []*evidence.Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	live.Observe(recs)
	for _, r := range recs {
		l.extras.Index(r)
	}
	if l.lane != nil {
		l.lane.offer(recs)
	}
}

// addContract adds one record's contract check, from the lane; count says
// whether the counters count it (not for records an earlier run counted).
func (l *liveSections) addContract(res contract.Result, count bool) {
	l.mu.Lock()
	l.extras.AddContract(res)
	l.mu.Unlock()
	if !count || res.Skipped {
		return
	}
	l.checked.Inc()
	for _, f := range res.Findings {
		l.findings.WithLabelValues(f.Method+" "+f.Endpoint, string(f.Rule)).Inc()
	}
}

// laneWait is how long a report waits for the contract lane to check
// what is left.
const laneWait = 2 * time.Second

// write writes the live report with its sections, once the contract lane
// has checked what is left (or laneWait has passed: the report then says
// how many records are not yet checked).
func (l *liveSections) write(ctx context.Context, w io.Writer, live *coverage.Live, format string) error {
	l.mu.Lock()
	lane := l.lane
	l.mu.Unlock()
	if lane != nil {
		lane.catchUp(ctx, laneWait)
	}
	l.mu.Lock()
	rep := live.Report()
	s, err := l.extras.Sections(rep)
	l.mu.Unlock()
	if err != nil {
		return err
	}
	if lane != nil {
		s.ContractPending = lane.pending()
	}
	return writeFullReport(w, rep, s, format)
}
