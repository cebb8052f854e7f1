package demoapp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// runScript plays the script against a fresh emulator and returns the
// result with the coverage of the calls it made.
func runScript(t *testing.T, seed int64, mishandle bool) (*Result, map[string]coverage.RequirementResult) {
	t.Helper()
	w := startWorld(t, seed)
	o := w.opts
	o.Mishandle = mishandle
	var progress strings.Builder
	o.Progress = &progress
	if testing.Verbose() {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, err := Run(ctx, o)
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	recs := w.log.all()
	if len(recs) != res.Calls {
		t.Errorf("captured %d calls, the app counted %d", len(recs), res.Calls)
	}
	return res, computeCoverage(t, recs)
}

// TestRunMeetsWhatItCovers runs the demo script against the emulator, as
// the demo does, and checks that every scenario ran and that every
// requirement a scenario claims is met in the coverage computed from the
// captured calls, while the honest gaps stay gaps and nothing is violated.
func TestRunMeetsWhatItCovers(t *testing.T) {
	t.Parallel()
	res, cov := runScript(t, 7, false)
	for _, sc := range res.Scenarios {
		want := OutcomeOK
		if sc.Name == "production-guard" {
			want = OutcomeSkipped // no sidecar in between: the probe must not run
		}
		if sc.Outcome != want {
			t.Errorf("scenario %s: %s (%s), want %s", sc.Name, sc.Outcome, sc.Detail, want)
		}
		for _, id := range sc.Covers {
			if got := cov[id]; got.Status != coverage.StatusMet {
				t.Errorf("scenario %s covers %s, which is %s: %s", sc.Name, id, got.Status, got.Explanation)
			}
		}
	}
	for id, r := range cov {
		if r.Status == coverage.StatusViolated {
			t.Errorf("%s violated by the well-behaved script: %s", id, r.Explanation)
		}
	}
	// What a minute cannot honestly produce stays a gap.
	for _, id := range []string{"row-7", "C12", "G1", "G2"} {
		if cov[id].Status == coverage.StatusMet {
			t.Errorf("%s met, but the script cannot produce it: %s", id, cov[id].Explanation)
		}
	}
	// The app's own view of the crypto deposit agrees with the classifier.
	crypto := res.Scenario("fund-crypto")
	claimed := crypto != nil && strings.Contains(strings.Join(crypto.Covers, ","), "C7")
	if met := cov["C7"].Status == coverage.StatusMet; met != claimed {
		t.Errorf("C7 %s (%s) but the app %s the ledger rise before the available one", cov["C7"].Status, cov["C7"].Explanation, map[bool]string{true: "saw", false: "did not see"}[claimed])
	}
	if len(res.Notes) == 0 {
		t.Error("no notes: the run should say what it could not produce")
	}
}

// TestRunMishandledIsViolated adds the deliberately wrong scenarios and
// checks the coverage report calls each targeted requirement violated.
func TestRunMishandledIsViolated(t *testing.T) {
	t.Parallel()
	res, cov := runScript(t, 11, true)
	n := 0
	for _, sc := range res.Scenarios {
		if !strings.HasPrefix(sc.Name, "mishandle-") {
			continue
		}
		n++
		if sc.Outcome != OutcomeOK {
			t.Errorf("scenario %s: %s (%s)", sc.Name, sc.Outcome, sc.Detail)
		}
		for _, id := range sc.Covers {
			if got := cov[id]; got.Status != coverage.StatusViolated {
				t.Errorf("scenario %s mishandles %s, which is %s: %s", sc.Name, id, got.Status, got.Explanation)
			}
		}
	}
	if n != len((&script{}).mishandled()) {
		t.Errorf("ran %d mishandling scenarios, want %d", n, len((&script{}).mishandled()))
	}
}

// TestRunSurvivesChaos lets the emulator fail 5 % of the calls at random
// and checks that the app still gets through every scenario, retrying.
func TestRunSurvivesChaos(t *testing.T) {
	t.Parallel()
	w := startChaoticWorld(t, 4, axysemu.Chaos{ErrorRate: 0.05, Latency: 2 * time.Millisecond})
	var progress strings.Builder
	o := w.opts
	o.Progress = &progress
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, err := Run(ctx, o)
	t.Logf("progress:\n%s", progress.String())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Count(OutcomeFailed) != 0 {
		t.Errorf("%d scenarios failed under chaos", res.Count(OutcomeFailed))
	}
	if res.ServerFaults <= 3 || res.Retries == 0 {
		t.Errorf("server faults %d, retries %d: the chaos did not reach the app", res.ServerFaults, res.Retries)
	}
}

func TestRunRejectsIncompleteOptions(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{"no base URL", Options{APIKey: "k"}},
		{"no API key", Options{BaseURL: "http://127.0.0.1:1/v2"}},
		{"MITM client without its base URL", Options{BaseURL: "http://127.0.0.1:1/v2", APIKey: "k", MITMClient: &http.Client{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), tt.o)
			if err == nil || res != nil {
				t.Fatalf("Run = %v, %v; want an error and no result", res, err)
			}
		})
	}
}

func TestRunStopsWhenContextEnds(t *testing.T) {
	w := startWorld(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	res, err := Run(ctx, w.opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run error %v, want context.Canceled", err)
	}
	if res == nil {
		t.Fatal("no result")
	}
	if len(res.Scenarios) != 0 {
		t.Errorf("ran %d scenarios after cancellation", len(res.Scenarios))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to stop", d)
	}
}

// TestRunReportsFailures points the app at an API that refuses everything
// and checks that scenarios fail or are skipped, never pass.
func TestRunReportsFailures(t *testing.T) {
	h := &scripted{statuses: []int{http.StatusForbidden}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := Run(context.Background(), Options{BaseURL: srv.URL + "/v2", APIKey: "k", TimeScale: demoScale})
	if !errors.Is(err, ErrScenariosFailed) {
		t.Fatalf("Run error %v, want ErrScenariosFailed", err)
	}
	if res.Count(OutcomeOK) != 0 {
		t.Errorf("%d scenarios passed against an API that refuses everything", res.Count(OutcomeOK))
	}
	if res.Count(OutcomeFailed) == 0 || res.Count(OutcomeSkipped) == 0 {
		t.Errorf("failed %d, skipped %d; want both", res.Count(OutcomeFailed), res.Count(OutcomeSkipped))
	}
}
