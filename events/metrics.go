package events

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// metrics are the receiver's series. Every label has a fixed set of
// values.
type metrics struct {
	accepted    *prometheus.CounterVec // source
	rejected    *prometheus.CounterVec // reason
	truncated   prometheus.Counter
	uncommitted prometheus.Counter
	requests    *prometheus.CounterVec // endpoint, code
	duration    *prometheus.HistogramVec
	inFlight    prometheus.Gauge
}

// Endpoint label values.
const (
	endpointOTLP   = "v1_logs"
	endpointEvents = "events"
	endpointOther  = "other"
)

// knownCodes are the statuses the receiver answers with; any other is
// counted as "other".
func knownCodes() []int {
	return []int{200, 400, 401, 404, 405, 413, 415, 421, 429, 503}
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "evidence_proxy_events_accepted_total", Help: "Events handed to the store, by source.",
		}, []string{"source"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "evidence_proxy_events_rejected_total", Help: "Entries rejected (partial success), by reason.",
		}, []string{"reason"}),
		truncated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "evidence_proxy_events_truncated_total", Help: "Events stored with attributes or body cut to the size caps.",
		}),
		uncommitted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "evidence_proxy_events_store_failures_total", Help: "Events the store did not take (the request got 503).",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "evidence_proxy_events_requests_total", Help: "Requests answered, by endpoint and status code.",
		}, []string{"endpoint", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "evidence_proxy_events_request_duration_seconds", Help: "Time to answer a request, commit included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"endpoint"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "evidence_proxy_events_requests_in_flight", Help: "Requests admitted and not yet answered.",
		}),
	}
	for _, s := range []string{evidence.EventSourceOTLP, evidence.EventSourceEvents, evidence.EventSourceCLI} {
		m.accepted.WithLabelValues(s)
	}
	for _, r := range []string{reasonNoName, reasonOversized, reasonInvalid} {
		m.rejected.WithLabelValues(r)
	}
	for _, e := range []string{endpointOTLP, endpointEvents} {
		m.duration.WithLabelValues(e)
		for _, c := range knownCodes() {
			m.requests.WithLabelValues(e, strconv.Itoa(c))
		}
	}
	if reg != nil {
		reg.MustRegister(m.accepted, m.rejected, m.truncated, m.uncommitted, m.requests, m.duration, m.inFlight)
	}
	return m
}

// codeLabel bounds the code label to knownCodes.
func codeLabel(code int) string {
	for _, c := range knownCodes() {
		if c == code {
			return strconv.Itoa(code)
		}
	}
	return "other"
}
