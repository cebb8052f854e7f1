package proxy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestMetrics checks the call counter's labels, the latency histogram and
// the lint cleanliness of every proxy metric.
func TestMetrics(t *testing.T) {
	e := newEnv(t, envConfig{opts: func(o *proxy.Options) {
		o.EndpointLabel = func(method, path string) string {
			if strings.HasPrefix(path, "/cardholders") {
				return "cardholders"
			}
			return ""
		}
	}})
	for _, m := range modes {
		do(t, m.client(e), newRequest(t, http.MethodPost, m.url(e, "/v2/cardholders"), []byte(`{}`)))
		do(t, m.client(e), newRequest(t, "PROPFIND", m.url(e, "/v2/cards"), nil))
	}
	req := newRequest(t, http.MethodGet, "http://"+e.addr+"/v2/cards", nil)
	req.Host = proxy.ProductionHost
	do(t, e.baseClient(), req)

	tests := []struct {
		labels []string
		want   float64
	}{
		{[]string{"mode", "base-url", "method", "POST", "endpoint", "cardholders", "code_class", "2xx"}, 1},
		{[]string{"mode", "mitm", "method", "POST", "endpoint", "cardholders", "code_class", "2xx"}, 1},
		{[]string{"mode", "mitm", "method", "OTHER", "endpoint", "other", "code_class", "2xx"}, 1},
		{[]string{"mode", "base-url", "method", "GET", "endpoint", "other", "code_class", "4xx"}, 1},
	}
	for _, tt := range tests {
		if got := metricValue(t, e, "evidence_proxy_proxy_calls_total", tt.labels...); got != tt.want {
			t.Errorf("calls_total%v = %v, want %v", tt.labels, got, tt.want)
		}
	}
	// The proxy releases a call just after the app has its answer.
	waitFor(t, "no call in flight", func() bool { return metricValue(t, e, "evidence_proxy_proxy_calls_in_flight") == 0 })
	if n := testutil.CollectAndCount(gathererCollector{e.reg}, "evidence_proxy_proxy_upstream_duration_seconds"); n != 2 {
		t.Errorf("upstream histogram has %d series, want one per mode", n)
	}
	problems, err := testutil.GatherAndLint(e.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}
	if _, err := proxy.New(proxy.Options{Recorder: e.rec, Registerer: e.reg}); err == nil {
		t.Error("registering the metrics twice succeeded")
	}
}

// gathererCollector exposes a registry's metrics as a Collector.
type gathererCollector struct{ reg *prometheus.Registry }

func (g gathererCollector) Describe(chan<- *prometheus.Desc) {}

func (g gathererCollector) Collect(ch chan<- prometheus.Metric) {
	mfs, _ := g.reg.Gather()
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				ch <- prometheus.MustNewConstHistogram(prometheus.NewDesc(mf.GetName(), "h", nil, labels),
					h.GetSampleCount(), h.GetSampleSum(), nil)
			}
		}
	}
}
