package coverage

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestLiveMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	live := NewLive(DefaultMatrix(), reg)
	tr := newTrace()
	tr.submit(10001, 200)
	tr.validate(10001, "pass")
	tr.holder(10001, 1)
	tr.issueVirtual(10001, 8001, 200)
	tr.call("GET", "/cards/8001/balance", 429, "", `{"status":"error"}`, withHeader("Retry-After", "1"))
	tr.call("GET", "/v9/nowhere", 0, "", "")
	tr.call("BREW", "/coffee", 418, "", "")
	tr.gapRecord(2)
	live.Observe(tr.recs[:3])
	live.Observe(tr.recs[3:])

	want := `
# HELP evidence_proxy_coverage_calls_total Calls seen by the coverage engine, by endpoint template (other outside the catalogue), method and status class.
# TYPE evidence_proxy_coverage_calls_total counter
evidence_proxy_coverage_calls_total{code_class="2xx",endpoint="/cardholders/{cardholderId}",method="GET"} 1
evidence_proxy_coverage_calls_total{code_class="2xx",endpoint="/cardholders/{cardholderId}/kyc-submit",method="PUT"} 1
evidence_proxy_coverage_calls_total{code_class="2xx",endpoint="/cards/virtual/{cardholderId}",method="POST"} 1
evidence_proxy_coverage_calls_total{code_class="2xx",endpoint="/staging/kyc/validate",method="POST"} 1
evidence_proxy_coverage_calls_total{code_class="4xx",endpoint="/cards/{cardId}/balance",method="GET"} 1
evidence_proxy_coverage_calls_total{code_class="4xx",endpoint="other",method="OTHER"} 1
evidence_proxy_coverage_calls_total{code_class="none",endpoint="other",method="GET"} 1
# HELP evidence_proxy_coverage_records_observed_total Evidence records fed to the coverage engine.
# TYPE evidence_proxy_coverage_records_observed_total counter
evidence_proxy_coverage_records_observed_total 8
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "evidence_proxy_coverage_calls_total", "evidence_proxy_coverage_records_observed_total"); err != nil {
		t.Error(err)
	}
	rep := live.Report()
	var b strings.Builder
	b.WriteString("# HELP evidence_proxy_coverage_requirements Requirements per verdict.\n# TYPE evidence_proxy_coverage_requirements gauge\n")
	for _, st := range metricStatuses() {
		b.WriteString(`evidence_proxy_coverage_requirements{status="` + string(st) + `"} ` + itoa(rep.Summary.ByStatus[st]) + "\n")
	}
	b.WriteString("# HELP evidence_proxy_coverage_area_ratio Share of the area's requirements that are met (0 to 1).\n# TYPE evidence_proxy_coverage_area_ratio gauge\n")
	for _, a := range rep.Summary.Areas {
		b.WriteString(`evidence_proxy_coverage_area_ratio{area="` + a.Area + `"} ` + formatFloat(a.Ratio) + "\n")
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(b.String()), "evidence_proxy_coverage_requirements", "evidence_proxy_coverage_area_ratio"); err != nil {
		t.Error(err)
	}
	if rep.Summary.ByStatus[StatusMet] == 0 {
		t.Errorf("nothing met: %+v", rep.Summary)
	}
	// One series per requirement and status, 1 on the current status.
	if n := testutil.CollectAndCount(newLiveCollector(live), "evidence_proxy_coverage_requirement_status"); n != 5*len(rep.Requirements) {
		t.Errorf("%d requirement_status series, want %d", n, 5*len(rep.Requirements))
	}
	want = `
# HELP evidence_proxy_coverage_requirement_status 1 for the requirement's current verdict, 0 for the others (met, partial, missing, violated, n/a).
# TYPE evidence_proxy_coverage_requirement_status gauge
evidence_proxy_coverage_requirement_status{area="state-transitions",requirement="row-1",status="met"} 1
evidence_proxy_coverage_requirement_status{area="state-transitions",requirement="row-1",status="missing"} 0
evidence_proxy_coverage_requirement_status{area="state-transitions",requirement="row-1",status="n/a"} 0
evidence_proxy_coverage_requirement_status{area="state-transitions",requirement="row-1",status="partial"} 0
evidence_proxy_coverage_requirement_status{area="state-transitions",requirement="row-1",status="violated"} 0
`
	got, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var row1 strings.Builder
	for _, mf := range got {
		if mf.GetName() != "evidence_proxy_coverage_requirement_status" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["requirement"] == "row-1" {
				row1.WriteString(`evidence_proxy_coverage_requirement_status{area="` + labels["area"] + `",requirement="row-1",status="` + labels["status"] + `"} ` + formatFloat(m.GetGauge().GetValue()) + "\n")
			}
		}
	}
	if !strings.HasSuffix(want, row1.String()) {
		t.Errorf("row-1 series:\n%s", row1.String())
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}
}

// formatFloat writes a float as the text exposition format does.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// TestLiveConcurrent: one feeder, several readers; run with -race.
func TestLiveConcurrent(t *testing.T) {
	reg := prometheus.NewRegistry()
	live := NewLive(DefaultMatrix(), reg)
	recs := story(3000, 30, 9)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
					live.Report()
					if _, err := reg.Gather(); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	for i := 0; i < len(recs); i += 50 {
		live.Observe(recs[i:min(i+50, len(recs))])
	}
	close(done)
	wg.Wait()
	if got := testutil.ToFloat64(live.records); got != float64(len(recs)) {
		t.Errorf("records observed = %v", got)
	}
}
