package demoapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Outcome is how a scenario ended.
type Outcome string

const (
	// OutcomeOK: the scenario ran and the app handled every answer as
	// intended.
	OutcomeOK Outcome = "ok"
	// OutcomeFailed: an answer the app did not expect, or a transport
	// failure it could not recover from.
	OutcomeFailed Outcome = "failed"
	// OutcomeSkipped: not run, because a scenario it needs failed or the
	// environment cannot produce it honestly (Detail says which).
	OutcomeSkipped Outcome = "skipped"
)

// ScenarioResult is what one scenario did.
type ScenarioResult struct {
	Name string
	// Covers lists the matrix requirement ids the scenario produced
	// evidence for: its aim, less what this run could not produce, plus
	// what it met by chance (an organic status 6 or 7). Empty unless OK.
	Covers   []string
	Outcome  Outcome
	Detail   string
	Calls    int
	Duration time.Duration
}

// Result lists the scenarios in the order they ran.
type Result struct {
	Scenarios []ScenarioResult
	// Calls counts every HTTP attempt the app made; Retries the attempts
	// that repeated a failed one; Throttled and ServerFaults the 429 and
	// 5xx answers met.
	Calls, Retries, Throttled, ServerFaults int
	// Notes say what the run could not produce honestly and why.
	Notes []string
}

// Count returns the number of scenarios that ended with o.
func (r *Result) Count(o Outcome) int {
	n := 0
	for _, s := range r.Scenarios {
		if s.Outcome == o {
			n++
		}
	}
	return n
}

// Scenario returns the result of the named scenario, or nil.
func (r *Result) Scenario(name string) *ScenarioResult {
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i]
		}
	}
	return nil
}

// Run plays the integration script: every scenario in order, through
// BaseURL (and MITMClient for the HTTPS_PROXY part), the way a careful
// integrator's app would. A scenario that fails does not stop the others;
// those that need what it would have made are skipped. Run returns an error
// wrapping ErrScenariosFailed when any scenario failed, ctx's error when it
// ended early, and a setup error when the app could not start; the Result
// is non-nil in the first two cases.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.BaseURL == "" || o.APIKey == "" {
		return nil, errors.New("run demo app: BaseURL and APIKey are required")
	}
	if o.MITMClient != nil && o.MITMBaseURL == "" {
		return nil, errors.New("run demo app: MITMBaseURL is required with MITMClient")
	}
	o = o.withDefaults()
	tel, err := newTelemetry(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("run demo app: %w", err)
	}
	s := newScript(o)
	s.useTelemetry(tel)
	wh, err := startWebhooks(o.WebhookListen, s.log.With("part", "webhooks"))
	if err != nil {
		_ = tel.shutdown(ctx)
		return nil, fmt.Errorf("run demo app: %w", err)
	}
	defer wh.close()
	s.wh = wh

	res := &Result{}
	for _, sc := range s.scenarios() {
		if ctx.Err() != nil {
			break
		}
		res.Scenarios = append(res.Scenarios, s.play(ctx, sc))
	}
	res.Calls, res.Retries = s.stats.Calls, s.stats.Retries
	res.Throttled, res.ServerFaults = s.stats.Throttled, s.stats.ServerFaults
	if err := tel.shutdown(context.WithoutCancel(ctx)); err != nil {
		s.note("events not delivered to %s: %v", o.EventsEndpoint, err)
	}
	res.Notes = s.notes
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("run demo app: %w", err)
	}
	if n := res.Count(OutcomeFailed); n > 0 {
		return res, fmt.Errorf("run demo app: %d of %d %w", n, len(res.Scenarios), ErrScenariosFailed)
	}
	return res, nil
}

// scenario is one step of the script.
type scenario struct {
	name   string
	covers []string
	run    func(ctx context.Context) (string, error)
}

// skipError marks a scenario that did not run.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

func skipf(format string, args ...any) error {
	return &skipError{reason: fmt.Sprintf(format, args...)}
}

// play runs one scenario and reports it.
func (s *script) play(ctx context.Context, sc scenario) ScenarioResult {
	start, calls := time.Now(), s.stats.Calls
	log := s.log.With("scenario", sc.name)
	s.added, s.dropped = nil, nil
	ctx, end := s.tel.startScenario(ctx, sc.name)
	detail, err := sc.run(ctx)
	end()
	r := ScenarioResult{Name: sc.name, Covers: s.covers(sc.covers), Outcome: OutcomeOK, Detail: detail,
		Calls: s.stats.Calls - calls, Duration: time.Since(start)}
	var skip *skipError
	switch {
	case errors.As(err, &skip):
		r.Outcome, r.Detail, r.Covers = OutcomeSkipped, skip.reason, nil
		log.Info("scenario skipped", "reason", skip.reason)
	case err != nil:
		r.Outcome, r.Detail, r.Covers = OutcomeFailed, err.Error(), nil
		log.Error("scenario failed", "err", err)
	default:
		log.Info("scenario done", "detail", detail, "calls", r.Calls)
	}
	fmt.Fprintf(s.o.Progress, "%-7s %-28s %8s  %s\n", r.Outcome, r.Name, roundDuration(r.Duration), oneLine(r.Detail))
	return r
}

// roundDuration keeps three significant digits or so.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// script is the app's state across scenarios: what earlier steps created
// and later ones use. It is owned by the goroutine running Run.
type script struct {
	o     Options
	log   *slog.Logger
	api   *client
	mitm  *client
	wh    *webhooks
	stats callStats
	tel   *telemetry
	poll  poller
	pace  *pacer
	// start opens the reconciliation window.
	start time.Time

	holder   holderRef // approved cardholder every card belongs to
	declined int64     // a cardholder left in status 2 (Mishandle only)
	virtual  cardRef
	physical cardRef
	wallets  [2]int64
	// cards holds the ids of the cards the app knows it issued.
	cards map[int64]bool
	notes []string
	// added and dropped amend the running scenario's covers with what it
	// did or did not manage to produce.
	added, dropped []string
}

type holderRef struct {
	id    int64
	limit int64
}

type cardRef struct {
	id     int64
	masked string
	pin    string
}

func newScript(o Options) *script {
	s := &script{o: o, log: o.Logger.With("component", "demoapp"), start: time.Now(), cards: map[int64]bool{}}
	s.api = s.newClient(o.BaseURL, o.HTTPClient)
	if o.MITMClient != nil {
		s.mitm = s.newClient(o.MITMBaseURL, o.MITMClient)
	}
	s.poll = poller{wait: s.emulatedSleep, now: time.Now, scale: o.TimeScale, budget: 2 * time.Hour}
	s.pace = &pacer{floor: o.MinPollInterval, burst: pollBurst, now: time.Now, sleep: o.Sleep, reads: map[string]*pacedRead{}}
	return s
}

func (s *script) newClient(base string, hc *http.Client) *client {
	return &client{
		base: strings.TrimSuffix(base, "/"), key: s.o.APIKey, http: hc, log: s.log,
		sleep: s.o.Sleep, attempts: 5, timeout: s.o.CallTimeout, stats: &s.stats,
	}
}

// emulatedSleep waits an emulated duration, compressed by TimeScale.
func (s *script) emulatedSleep(ctx context.Context, d time.Duration) error {
	return s.o.Sleep(ctx, time.Duration(float64(d)*s.o.TimeScale))
}

// pollBurst is how many quick re-reads of an unchanged resource the pacer
// allows before it waits MinPollInterval.
const pollBurst = 3

// readPaced GETs path through cl into out, keeping the read etiquette;
// value says what the app watches in the answer.
func (s *script) readPaced(ctx context.Context, cl *client, path string, out any, value func() string) error {
	if err := s.pace.wait(ctx, path); err != nil {
		return fmt.Errorf("pace reads of %s: %w", path, err)
	}
	start := time.Now()
	if err := cl.do(ctx, call{method: http.MethodGet, path: path}, out); err != nil {
		return err
	}
	s.pace.seen(path, value(), start, time.Now())
	return nil
}

// cover says the running scenario also produced evidence for ids.
func (s *script) cover(ids ...string) { s.added = append(s.added, ids...) }

// uncover says the running scenario did not produce the evidence it aims
// at for id, and why.
func (s *script) uncover(id, format string, args ...any) {
	s.dropped = append(s.dropped, id)
	s.note(id+": "+format, args...)
}

// covers is the running scenario's static covers, amended.
func (s *script) covers(static []string) []string {
	var out []string
	for _, id := range append(slices.Clone(static), s.added...) {
		if !slices.Contains(s.dropped, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// note records something the run could not produce honestly.
func (s *script) note(format string, args ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}
