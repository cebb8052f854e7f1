package recorder

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// waitFor polls cond until it holds or a generous deadline passes; it
// waits for an event, it does not measure speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConcurrentProducersGetGapFreeOrderedSeqs(t *testing.T) {
	const producers, perProducer = 64, 30
	var mu sync.Mutex
	var committed []uint64
	s := openTestStore(t, Options{OnCommit: func(recs []*evidence.Record) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			committed = append(committed, r.Seq)
		}
	}})
	seqs := make([][]uint64, producers)
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range perProducer {
				rec := sampleRecord(p*1000+i, time.Now(), 300)
				if err := s.Record(context.Background(), rec); err != nil {
					t.Errorf("Record: %v", err)
					return
				}
				seqs[p] = append(seqs[p], rec.Seq)
			}
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for p, ps := range seqs {
		for i, seq := range ps {
			if seen[seq] {
				t.Fatalf("seq %d given twice", seq)
			}
			seen[seq] = true
			// A sync producer's next record is committed after its
			// previous one returned, so its seqs increase.
			if i > 0 && seq <= ps[i-1] {
				t.Errorf("producer %d: seq %d after %d", p, seq, ps[i-1])
			}
		}
	}
	total := uint64(producers * perProducer)
	for seq := uint64(1); seq <= total; seq++ {
		if !seen[seq] {
			t.Fatalf("seq %d missing", seq)
		}
	}
	if head, _ := s.Head(); head != total {
		t.Errorf("head %d, want %d", head, total)
	}
	// OnCommit runs after the waiting callers are released: wait for the
	// last batch to reach it.
	waitFor(t, "OnCommit to see every record", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(committed) == int(total)
	})
	mu.Lock()
	defer mu.Unlock()
	for i, seq := range committed {
		if seq != uint64(i+1) {
			t.Fatalf("OnCommit saw seq %d at position %d", seq, i)
		}
	}
	if err := s.VerifyChain(context.Background()); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
}

// gate is a CommitHook that blocks commits until released; entered is
// closed when the first commit reaches it.
type gate struct {
	open, entered       chan struct{}
	openOnce, enterOnce sync.Once
}

func newGate() *gate { return &gate{open: make(chan struct{}), entered: make(chan struct{})} }

func (g *gate) hook(int) error {
	g.enterOnce.Do(func() { close(g.entered) })
	<-g.open
	return nil
}

func (g *gate) release() { g.openOnce.Do(func() { close(g.open) }) }

func TestAsyncOverflowWritesGapRecord(t *testing.T) {
	g := newGate()
	reg := prometheus.NewPedanticRegistry()
	s := openTestStore(t, Options{Durability: Async, QueueSize: 4, CommitHook: g.hook, Registerer: reg})
	defer g.release()
	ctx := context.Background()
	// The first record goes to the writer, which blocks in its commit;
	// the next four fill the queue; the rest overflow.
	var full int
	for i := range 20 {
		err := s.Record(ctx, sampleRecord(i, time.Now(), 100))
		switch {
		case errors.Is(err, ErrQueueFull):
			full++
		case err != nil:
			t.Fatalf("Record %d: %v", i, err)
		}
		if i == 0 {
			<-g.entered // the writer holds record 0 alone in a blocked commit
		}
	}
	if full != 15 {
		t.Fatalf("%d records refused, want 15 (1 committing + 4 queued)", full)
	}
	g.release()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	recs := readAllReadOnly(t, s.Path())
	var calls int
	var lost uint64
	for i, r := range recs {
		if r.Seq != uint64(i+1) {
			t.Fatalf("seq %d at position %d", r.Seq, i)
		}
		switch r.Kind {
		case evidence.KindCall:
			calls++
		case evidence.KindGap:
			lost += r.Gap.Lost
		}
	}
	if calls != 5 || lost != 15 {
		t.Errorf("store holds %d calls and gaps for %d lost, want 5 and 15", calls, lost)
	}
	if got := testutil.ToFloat64(s.metrics.lost); got != 15 {
		t.Errorf("lost_records_total = %v, want 15", got)
	}
	if got := testutil.ToFloat64(s.metrics.gaps.WithLabelValues(evidence.GapQueueFull)); got < 1 {
		t.Errorf("gaps_total{cause=queue_full} = %v, want ≥ 1", got)
	}
}

func readAllReadOnly(t *testing.T, path string) []*evidence.Record {
	t.Helper()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ro.Close(context.Background()) }()
	if err := ro.VerifyChain(context.Background()); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
	return readAll(t, ro)
}

// faults is a CommitHook failing like a full disk while set.
type faults struct{ failing atomic.Bool }

func (f *faults) hook(int) error {
	if f.failing.Load() {
		return syscall.ENOSPC
	}
	return nil
}

func TestCommitFailureAndRecovery(t *testing.T) {
	f := &faults{}
	reg := prometheus.NewPedanticRegistry()
	var committed atomic.Int64
	s := openTestStore(t, Options{CommitHook: f.hook, Registerer: reg, RetryInterval: 10 * time.Millisecond,
		OnCommit: func(recs []*evidence.Record) { committed.Add(int64(len(recs))) }})
	ctx := context.Background()
	recordN(t, s, 0, 2, &testClock{t: time.Now()})

	f.failing.Store(true)
	err := s.Record(ctx, sampleRecord(2, time.Now(), 100))
	if !errors.Is(err, ErrStoreUnavailable) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Record during failure: %v, want ErrStoreUnavailable wrapping ENOSPC", err)
	}
	if h := s.Healthy(); !errors.Is(h, ErrStoreUnavailable) {
		t.Fatalf("Healthy = %v, want ErrStoreUnavailable", h)
	}
	if testutil.ToFloat64(s.metrics.healthy) != 0 {
		t.Error("healthy gauge still 1")
	}
	// Calls recorded while the store is down are refused at once and held.
	if err := s.Record(ctx, sampleRecord(3, time.Now(), 100)); !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("second Record during failure: %v", err)
	}

	f.failing.Store(false)
	waitFor(t, "recovery", func() bool { return s.Healthy() == nil })
	if testutil.ToFloat64(s.metrics.healthy) != 1 {
		t.Error("healthy gauge not back to 1")
	}
	// The outage's gap record, then the two held calls.
	waitFor(t, "held records to commit", func() bool { return committed.Load() == 5 })
	recordN(t, s, 4, 1, &testClock{t: time.Now()})
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	recs := readAllReadOnly(t, s.Path())
	if got, want := kinds(recs), []string{"call", "call", "gap/store_outage", "call", "call", "call"}; !slices.Equal(got, want) {
		t.Fatalf("store holds %v, want %v (none lost)", got, want)
	}
	if g := recs[2].Gap; g.Lost != 0 || g.Refused != 0 || !g.From.Before(g.Until) || !strings.Contains(g.Error, "no space left") {
		t.Errorf("outage gap record %+v", *g)
	}
	if got := testutil.ToFloat64(s.metrics.errors.WithLabelValues("commit")); got < 1 {
		t.Errorf("errors_total{op=commit} = %v", got)
	}
}

func TestHeldOverflowBecomesGap(t *testing.T) {
	f := &faults{}
	f.failing.Store(true)
	s := openTestStore(t, Options{CommitHook: f.hook, QueueSize: 3, RetryInterval: 10 * time.Millisecond})
	ctx := context.Background()
	for i := range 5 {
		if err := s.Record(ctx, sampleRecord(i, time.Now(), 100)); !errors.Is(err, ErrStoreUnavailable) {
			t.Fatalf("Record %d: %v", i, err)
		}
	}
	f.failing.Store(false)
	waitFor(t, "recovery", func() bool { return s.Healthy() == nil })
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	recs := readAllReadOnly(t, s.Path())
	if got, want := kinds(recs), []string{"gap/store_outage", "call", "call", "call"}; !slices.Equal(got, want) {
		t.Fatalf("store holds %v, want %v", got, want)
	}
	if lost := recs[0].Gap.Lost; lost != 2 {
		t.Errorf("outage gap counts %d lost, want 2 (3 held and committed)", lost)
	}
}

func TestCloseGivesUpOnFailingStore(t *testing.T) {
	f := &faults{}
	f.failing.Store(true)
	s := openTestStore(t, Options{CommitHook: f.hook, RetryInterval: 5 * time.Millisecond})
	if err := s.Record(context.Background(), sampleRecord(0, time.Now(), 10)); err == nil {
		t.Fatal("Record succeeded on a failing store")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.Close(ctx)
	if !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("Close = %v, want ErrStoreUnavailable", err)
	}
	if want := "1 records not committed"; !strings.Contains(err.Error(), want) {
		t.Errorf("Close error %q should say %q", err, want)
	}
}

func TestMaxSizeFailsLikeAFullDisk(t *testing.T) {
	s := openTestStore(t, Options{MaxSize: 1 << 20, RetryInterval: time.Hour})
	ctx := context.Background()
	var err error
	for i := 0; i < 2000 && err == nil; i++ {
		rec := sampleRecord(i, time.Now(), 100)
		rec.Response.Body = evidence.NewBody(randomBytes(i, 8<<10), 8<<10, false)
		err = s.Record(ctx, rec)
	}
	if !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("filling a 1 MiB store: %v, want ErrStoreUnavailable", err)
	}
	if s.Healthy() == nil {
		t.Error("Healthy is nil after a failed commit")
	}
	ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); !errors.Is(err, ErrStoreUnavailable) {
		t.Errorf("Close of a full store = %v, want ErrStoreUnavailable", err)
	}
}

func TestRecordHonoursContext(t *testing.T) {
	g := newGate()
	s := openTestStore(t, Options{CommitHook: g.hook})
	defer g.release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := s.Record(ctx, sampleRecord(0, time.Now(), 10))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Record with a stuck commit: %v, want DeadlineExceeded", err)
	}
	g.release()
	// The queued record is still committed.
	waitFor(t, "the record to commit", func() bool { seq, _ := s.Head(); return seq == 1 })
}

func TestRecordWithEndedContextStillRecords(t *testing.T) {
	s := openTestStore(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 20 {
		_ = s.Record(ctx, sampleRecord(i, time.Now(), 10))
	}
	waitFor(t, "all 20 records", func() bool { seq, _ := s.Head(); return seq == 20 })
	for _, r := range readAll(t, s) {
		if r.Kind != evidence.KindCall {
			t.Errorf("record %d is a %s", r.Seq, r.Kind)
		}
	}
}

func TestMetricsAreRegisteredAndLint(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	s := openTestStore(t, Options{Registerer: reg})
	recordN(t, s, 0, 3, &testClock{t: time.Now()})
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	for name, want := range map[string]float64{
		"evidence_proxy_recorder_records_committed_total": 3,
		"evidence_proxy_recorder_last_sequence":           3,
		"evidence_proxy_recorder_healthy":                 1,
		"evidence_proxy_recorder_redactions_total":        3, // one X-API-Key per record
	} {
		if got := gatheredValue(t, reg, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := gatheredValue(t, reg, "evidence_proxy_recorder_store_size_bytes"); got <= 0 {
		t.Errorf("store_size_bytes = %v", got)
	}
	if n, _ := testutil.GatherAndCount(reg); n < 11 {
		t.Errorf("%d series, want at least 11", n)
	}
	// A second store cannot register the same metrics…
	if _, err := Open(filepath.Join(t.TempDir(), "other.db"), Options{Registerer: reg}); err == nil {
		t.Error("a second store registered the same metrics")
	}
	// …but Close unregisters, so the same registry can take a reopened store.
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	openTestStoreAt(t, s.Path(), Options{Registerer: reg})
}

func gatheredValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	t.Fatalf("metric %s not gathered", name)
	return 0
}
