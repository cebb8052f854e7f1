package proxy

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

const (
	metricPrefix = "evidence_proxy_proxy_"
	labelOther   = "other"
)

// errorKinds are the values of the kind label (all but ErrNone).
var errorKinds = []evidence.ErrorKind{
	evidence.ErrGuardRefused, evidence.ErrConnectRefused, evidence.ErrDNS, evidence.ErrTLS,
	evidence.ErrReset, evidence.ErrTimeout, evidence.ErrCanceled, evidence.ErrBadRequest,
	evidence.ErrStoreUnavailable, evidence.ErrUpstream, evidence.ErrInternal,
}

// metrics are the proxy's Prometheus metrics; the package doc lists them.
type metrics struct {
	calls          *prometheus.CounterVec
	upstream       *prometheus.HistogramVec
	inFlight       prometheus.Gauge
	guardRefusals  *prometheus.CounterVec
	errors         *prometheus.CounterVec
	passthrough    prometheus.Counter
	recordFailures prometheus.Counter
	panics         prometheus.Counter
	leavesIssued   prometheus.Counter
	accessDropped  prometheus.Counter
	label          func(method, path string) string
}

func newMetrics(reg prometheus.Registerer, label func(method, path string) string) (*metrics, error) {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricPrefix + "calls_total",
			Help: "Calls handled, by mode, method, endpoint template and the status class the app received (none: no answer).",
		}, []string{"mode", "method", "endpoint", "code_class"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:                            metricPrefix + "upstream_duration_seconds",
			Help:                            "Time from sending a call upstream until its response was received in full (or failed).",
			Buckets:                         prometheus.ExponentialBuckets(0.001, 2, 15),
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  160,
			NativeHistogramMinResetDuration: 3600e9,
		}, []string{"mode"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: metricPrefix + "calls_in_flight",
			Help: "Calls received and not yet answered in full.",
		}),
		guardRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricPrefix + "guard_refusals_total",
			Help: "Calls and CONNECTs refused by the host guard, by reason.",
		}, []string{"reason"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricPrefix + "errors_total",
			Help: "Calls that did not get a complete upstream response, by error kind.",
		}, []string{"kind"}),
		passthrough: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricPrefix + "passthrough_tunnels_total",
			Help: "CONNECT tunnels to passthrough hosts (relayed blind, not recorded).",
		}),
		recordFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricPrefix + "record_failures_total",
			Help: "Calls whose record the recorder did not accept.",
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricPrefix + "panics_total",
			Help: "Panics recovered while serving a call.",
		}),
		leavesIssued: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricPrefix + "mitm_certificates_issued_total",
			Help: "Interception certificates issued by the local CA.",
		}),
		accessDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricPrefix + "access_log_dropped_total",
			Help: "Access log lines dropped because the writer was behind, failed, or the proxy was shut down.",
		}),
		label: label,
	}
	for _, r := range []refusal{refuseProduction, refuseNotAllowed, refuseBadHost, refuseOwnListener} {
		m.guardRefusals.WithLabelValues(string(r))
	}
	for _, k := range errorKinds {
		m.errors.WithLabelValues(string(k))
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.calls, m.upstream, m.inFlight, m.guardRefusals,
		m.errors, m.passthrough, m.recordFailures, m.panics, m.leavesIssued, m.accessDropped} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register proxy metrics: %w", err)
		}
	}
	return m, nil
}

// observe counts a finished call.
func (m *metrics) observe(c *call) {
	r := &c.rec
	m.calls.WithLabelValues(string(r.Mode), methodLabel(r.Request.Method), c.endpoint,
		evidence.StatusClass(appStatus(r))).Inc()
	if r.Error != nil && r.Error.Kind != evidence.ErrNone {
		m.errors.WithLabelValues(string(r.Error.Kind)).Inc()
	}
	if !c.upBegan.IsZero() {
		m.upstream.WithLabelValues(string(r.Mode)).Observe(c.upDur.Seconds())
	}
}

// appStatus is the status the app received: none for canceled calls.
func appStatus(r *evidence.Record) int {
	if r.Error != nil && r.Error.Kind == evidence.ErrCanceled && (r.Response == nil || r.Response.Synthetic) {
		return 0
	}
	return r.Status()
}

// endpointLabel maps a call to its bounded endpoint label.
func (m *metrics) endpointLabel(method, path string) (label string) {
	if m.label == nil {
		return labelOther
	}
	defer func() {
		if recover() != nil {
			label = labelOther
		}
	}()
	if l := m.label(method, path); l != "" {
		return l
	}
	return labelOther
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}
