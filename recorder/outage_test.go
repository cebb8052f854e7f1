package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// retryTimer is an Options.After that fires only when the test says so,
// and remembers every backoff the writer asked for.
type retryTimer struct {
	mu    sync.Mutex
	waits []time.Duration
	fire  chan time.Time
}

func newRetryTimer() *retryTimer { return &retryTimer{fire: make(chan time.Time)} }

func (r *retryTimer) after(d time.Duration) <-chan time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return r.fire
}

func (r *retryTimer) asked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.waits)
}

// tick lets the writer retry once and waits until the retry is over: the
// writer waits again, or the store is healthy.
func (r *retryTimer) tick(t *testing.T, s *Store) {
	t.Helper()
	n := r.asked()
	r.fire <- time.Now()
	waitFor(t, "the retry to finish", func() bool { return r.asked() > n || s.Healthy() == nil })
}

// manualClock is a clock the test moves.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logLines collects JSON log lines written from any goroutine.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// lines returns the decoded log lines.
func (l *logLines) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// refusalRecord is the record the proxy makes of a call it refused because
// the store was failing: a synthetic 503, nothing forwarded.
func refusalRecord(i int, at time.Time) *evidence.Record {
	rec := sampleRecord(i, at, 10)
	rec.Response = &evidence.Response{Status: http.StatusServiceUnavailable, Synthetic: true,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   evidence.NewBody([]byte(`{"error":"store_unavailable"}`), 29, false)}
	rec.Error = &evidence.CallError{Kind: evidence.ErrStoreUnavailable, Message: "evidence store unavailable: not forwarding"}
	return rec
}

// TestOutageCountsRefusalsAndEndsWithOneGapRecord is the regression test for
// a full disk that never ended: refusals were queued one record each and,
// written first once space came back, filled the disk again. Now they are
// counted; the outage becomes one gap record heading the first commit that
// succeeds, and the records of forwarded calls held meanwhile follow it.
func TestOutageCountsRefusalsAndEndsWithOneGapRecord(t *testing.T) {
	for _, d := range []Durability{Sync, Async} {
		t.Run(d.String(), func(t *testing.T) {
			f := &faults{}
			timer := newRetryTimer()
			clock := &manualClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			s := openTestStore(t, Options{Durability: d, CommitHook: f.hook, After: timer.after, Now: clock.Now,
				CommitInterval: -1}) // the timer is for retries only
			ctx := context.Background()
			if err := s.Record(ctx, sampleRecord(0, clock.Now(), 100)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the first record", func() bool { seq, _ := s.Head(); return seq == 1 })

			f.failing.Store(true)
			failedAt := clock.Now()
			// A call forwarded while the store fails: held for retry.
			err := s.Record(ctx, sampleRecord(1, clock.Now(), 100))
			if d == Sync && !errors.Is(err, ErrStoreUnavailable) {
				t.Fatalf("Record of a forwarded call during the outage: %v, want ErrStoreUnavailable", err)
			}
			waitFor(t, "the store to fail", func() bool { return s.Healthy() != nil })
			const refused = 500
			for i := range refused {
				if err := s.Record(ctx, refusalRecord(100+i, clock.Now())); err != nil {
					t.Fatalf("Record of refusal %d: %v, want nil (counted)", i, err)
				}
			}
			if got := s.held.Load(); got != 1 {
				t.Errorf("%d records held during the outage, want 1 (refusals are counted, not held)", got)
			}
			clock.advance(time.Minute)
			timer.tick(t, s) // still failing
			if s.Healthy() == nil {
				t.Fatal("healthy while commits fail")
			}
			f.failing.Store(false)
			clock.advance(time.Minute)
			recoveredAt := clock.Now()
			timer.tick(t, s)
			if err := s.Healthy(); err != nil {
				t.Fatalf("Healthy after a successful commit = %v", err)
			}
			if err := s.Record(ctx, sampleRecord(2, clock.Now(), 100)); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			recs := readAllReadOnly(t, s.Path())
			if len(recs) != 4 {
				t.Fatalf("store holds %d records, want 4: call, outage gap, held call, call after", len(recs))
			}
			want := evidence.Gap{Cause: evidence.GapStoreOutage, Refused: refused, From: failedAt, Until: recoveredAt}
			g := recs[1].Gap
			if recs[1].Kind != evidence.KindGap || g == nil {
				t.Fatalf("record 2 is a %s, want the outage gap record", recs[1].Kind)
			}
			if g.Cause != want.Cause || g.Refused != want.Refused || g.Lost != 0 ||
				!g.From.Equal(want.From) || !g.Until.Equal(want.Until) {
				t.Errorf("outage gap = %+v, want cause %s, %d refused, 0 lost, from %v until %v",
					*g, want.Cause, want.Refused, want.From, want.Until)
			}
			if !strings.Contains(g.Error, "no space left on device") {
				t.Errorf("gap error %q should name the store error", g.Error)
			}
			if recs[2].Request.URL != sampleRecord(1, time.Time{}, 0).Request.URL {
				t.Errorf("record 3 is %s, want the call held during the outage", recs[2].Request.URL)
			}
			for _, r := range recs {
				if r.Error != nil && r.Error.Kind == evidence.ErrStoreUnavailable {
					t.Errorf("record %d is a refusal written in full", r.Seq)
				}
			}
		})
	}
}

// refusalGate is a CommitHook that can hold one commit at its door, then
// fail or pass it.
type refusalGate struct {
	faults
	block            atomic.Bool
	entered, release chan struct{}
}

func (g *refusalGate) hook(n int) error {
	if g.block.CompareAndSwap(true, false) {
		close(g.entered)
		<-g.release
	}
	return g.faults.hook(n)
}

// TestRefusalsQueuedDuringARetryAreCounted: a refusal that arrives while the
// writer seals the outage goes through the queue; if that commit fails, the
// writer counts it like the others.
func TestRefusalsQueuedDuringARetryAreCounted(t *testing.T) {
	g := &refusalGate{entered: make(chan struct{}), release: make(chan struct{})}
	timer := newRetryTimer()
	s := openTestStore(t, Options{CommitHook: g.hook, After: timer.after})
	ctx := context.Background()
	g.failing.Store(true)
	_ = s.Record(ctx, sampleRecord(0, time.Now(), 10))
	g.block.Store(true)
	go func() { timer.fire <- time.Now() }()
	<-g.entered // the writer holds the outage's lock in its retry commit
	const queued = 3
	var wg sync.WaitGroup
	for i := range queued {
		wg.Go(func() {
			if err := s.Record(ctx, refusalRecord(i, time.Now())); err != nil {
				t.Errorf("Record of a queued refusal: %v, want nil", err)
			}
		})
	}
	waitFor(t, "the refusals to queue", func() bool { return len(s.in) == queued })
	close(g.release) // the retry fails; the writer takes the queue
	wg.Wait()
	g.failing.Store(false)
	timer.tick(t, s)
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	recs := readAllReadOnly(t, s.Path())
	if len(recs) != 2 || recs[0].Gap == nil || recs[0].Gap.Refused != queued {
		t.Fatalf("records %v, want the outage gap with %d refused, then the held call", kinds(recs), queued)
	}
}

func kinds(recs []*evidence.Record) []string {
	var out []string
	for _, r := range recs {
		s := string(r.Kind)
		if r.Gap != nil {
			s += "/" + r.Gap.Cause
		}
		out = append(out, s)
	}
	return out
}

// TestOutageBackoffAndLogging: retries back off up to 5s, and a storm of
// refusals over ten minutes logs one line when the outage starts, a
// summary at most every 30 seconds, and one when it ends.
func TestOutageBackoffAndLogging(t *testing.T) {
	f := &faults{}
	f.failing.Store(true)
	timer := newRetryTimer()
	clock := &manualClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	var logs logLines
	s := openTestStore(t, Options{CommitHook: f.hook, After: timer.after, Now: clock.Now, Logger: logs.logger()})
	ctx := context.Background()
	_ = s.Record(ctx, sampleRecord(0, clock.Now(), 10))
	const retries = 40 // 15s each: ten minutes
	for i := range retries {
		for k := range 50 {
			if err := s.Record(ctx, refusalRecord(i*100+k, clock.Now())); err != nil {
				t.Fatal(err)
			}
		}
		clock.advance(15 * time.Second)
		timer.tick(t, s)
	}
	f.failing.Store(false)
	timer.tick(t, s)
	if s.Healthy() != nil {
		t.Fatal("store did not recover")
	}

	timer.mu.Lock()
	waits := append([]time.Duration(nil), timer.waits...)
	timer.mu.Unlock()
	wantWaits := []time.Duration{100, 200, 400, 800, 1600, 3200, 5000, 5000}
	for i, w := range wantWaits {
		if waits[i] != w*time.Millisecond {
			t.Fatalf("backoffs %v, want them to start %v ms", waits[:len(wantWaits)], wantWaits)
		}
	}
	for _, w := range waits {
		if w > maxRetryInterval {
			t.Errorf("backoff %v past the %v cap", w, maxRetryInterval)
		}
	}

	var starts, summaries, ends int
	for _, l := range logs.lines(t) {
		switch l["msg"] {
		case "evidence store cannot commit: refusing new calls until it recovers":
			starts++
		case "evidence store still cannot commit":
			summaries++
			if l["refused_calls"] == nil || l["err"] == nil {
				t.Errorf("summary line %v should give the refused count and the error", l)
			}
		case "evidence store recovered: commits succeed again":
			ends++
			if got := l["refused_calls"]; got != float64(retries*50) {
				t.Errorf("end line says %v refused, want %d", got, retries*50)
			}
		default:
			t.Errorf("unexpected log line %v", l)
		}
	}
	// 600s of failing retries: a summary every 30s at most.
	if starts != 1 || ends != 1 || summaries < 1 || summaries > 20 {
		t.Errorf("%d start, %d summary and %d end lines, want 1, 1..20 and 1", starts, summaries, ends)
	}
}

// TestOutageGapCountsHeldOverflowAndCloseReportsUncounted: records that
// cannot be held are lost and counted in the outage gap record; a Close
// that gives up on the outage says what no gap record counts, and leaves
// the store marked open so the next run records the loss.
func TestOutageGapCountsHeldOverflowAndCloseReportsUncounted(t *testing.T) {
	f := &faults{}
	f.failing.Store(true)
	timer := newRetryTimer()
	s := openTestStore(t, Options{CommitHook: f.hook, After: timer.after, QueueSize: 2})
	ctx := context.Background()
	for i := range 4 {
		_ = s.Record(ctx, sampleRecord(i, time.Now(), 10))
	}
	for i := range 7 {
		_ = s.Record(ctx, refusalRecord(10+i, time.Now()))
	}
	if got := testutil.ToFloat64(s.metrics.lost); got != 2 {
		t.Errorf("lost_records_total = %v, want 2", got)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err := s.Close(cctx)
	if !errors.Is(err, ErrStoreUnavailable) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close during an outage = %v, want ErrStoreUnavailable wrapping ENOSPC", err)
	}
	if want := "4 records not committed, 7 refused calls not counted"; !strings.Contains(err.Error(), want) {
		t.Errorf("Close error %q should say %q", err, want)
	}
	// The next run records the unclean stop.
	s2 := openTestStoreAt(t, s.Path(), Options{})
	recs := readAll(t, s2)
	if len(recs) != 1 || recs[0].Gap == nil || recs[0].Gap.Cause != evidence.GapUncleanShutdown {
		t.Fatalf("records after reopening %v, want one unclean-shutdown gap", kinds(recs))
	}
}

// BenchmarkRefusalDuringOutage is what the proxy's refusal of one call
// costs the recorder while the store is failing: a count, no redaction,
// encoding or queueing.
func BenchmarkRefusalDuringOutage(b *testing.B) {
	f := &faults{}
	f.failing.Store(true)
	fire := make(chan time.Time)
	s := openTestStore(b, Options{CommitHook: f.hook, After: func(time.Duration) <-chan time.Time { return fire }})
	ctx := context.Background()
	_ = s.Record(ctx, sampleRecord(0, time.Now(), 10))
	rec := refusalRecord(1, time.Now())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Record(ctx, rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.StopTimer()
	f.failing.Store(false)
	close(fire) // the store recovers, so that Close ends
}
