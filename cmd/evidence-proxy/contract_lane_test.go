package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// laneRecords is a store held in memory for the lane: seq i at index i-1;
// records can be added while the lane reads.
type laneRecords struct {
	mu   sync.Mutex
	recs []*evidence.Record
	// widest is the most records one read asked for.
	widest uint64
}

func (f *laneRecords) Head() (uint64, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(len(f.recs)), ""
}

func (f *laneRecords) Read(ctx context.Context, from, to uint64, fn func(*evidence.Record) error) error {
	f.mu.Lock()
	if to-from+1 > f.widest {
		f.widest = to - from + 1
	}
	recs := f.recs[min(max(from, 1)-1, uint64(len(f.recs))):min(to, uint64(len(f.recs)))]
	f.mu.Unlock()
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// add appends n calls: a creation breaking the contract (no body) and
// reads outside it, alternately.
func (f *laneRecords) add(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		seq := uint64(len(f.recs) + 1)
		rec := &evidence.Record{V: evidence.Version, Seq: seq, Kind: evidence.KindCall, Time: time.Unix(int64(seq), 0).UTC(),
			Request:  evidence.Request{Method: "POST", URL: "https://staging.api.axyscards.com/v2/cardholders", Header: http.Header{}},
			Response: &evidence.Response{Status: 422, Header: http.Header{"Content-Type": {"application/json"}}}}
		if seq%2 == 0 {
			rec.Request.Method, rec.Request.URL = "GET", "https://staging.api.axyscards.com/v2/nowhere"
		}
		f.recs = append(f.recs, rec)
	}
}

// TestContractLaneChecksEveryCallOnce: the lane checks every committed
// call once, in order, across batches and records added while it runs;
// the counters skip the records an earlier run counted; a report waits
// for it and then has nothing pending.
func TestContractLaneChecksEveryCallOnce(t *testing.T) {
	src := &laneRecords{}
	src.add(laneBatch + 10)
	reg := prometheus.NewRegistry()
	sections, err := newLiveSections(bundlecov.ExtrasOptions{}, reg)
	if err != nil {
		t.Fatal(err)
	}
	live := coverage.NewLive(coverage.DefaultMatrix(), prometheus.NewRegistry())
	lane := startContractLane(src, sections, 4, slog.New(slog.DiscardHandler))
	defer lane.close()
	// Later commits reach it through the feed: some it keeps queued, some
	// it reads back, none twice.
	for range 6 {
		src.add(1)
		src.mu.Lock()
		last := src.recs[len(src.recs)-1]
		src.mu.Unlock()
		sections.observe(live, []*evidence.Record{last})
	}
	var out strings.Builder
	if err := sections.write(context.Background(), &out, live, "md"); err != nil {
		t.Fatal(err)
	}
	total := laneBatch + 16
	if p := lane.pending(); p != 0 {
		t.Fatalf("%d records pending after a report waited", p)
	}
	if got := testutil.ToFloat64(sections.checked); got != float64(total-4) {
		t.Errorf("counted %v calls, want %d (the first 4 were counted before)", got, total-4)
	}
	s, err := sections.extras.Sections(live.Report())
	if err != nil {
		t.Fatal(err)
	}
	if s.Contract.Calls != total || s.Contract.RequestViolations != total/2 {
		t.Errorf("summary: %d calls, %d breaking requests; want %d and %d", s.Contract.Calls, s.Contract.RequestViolations, total, total/2)
	}
	if strings.Contains(out.String(), "Not yet checked") {
		t.Error("the report says records are pending")
	}
	src.mu.Lock()
	widest := src.widest
	src.mu.Unlock()
	if widest == 0 || widest > laneBatch {
		t.Errorf("the widest read-back asked for %d records, want 1 to %d (one batch)", widest, laneBatch)
	}
}

// TestContractLanePaces: while calls flow the lane pauses so that it uses
// laneShare of a core; not when the traffic paused, nor for a reader.
func TestContractLanePaces(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	var slept []time.Duration
	l := &contractLane{now: func() time.Time { return now }, sleep: func(_ context.Context, d time.Duration) { slept = append(slept, d) }}
	l.lastCommit.Store(now.Add(-10 * time.Millisecond).UnixNano())
	l.pace(context.Background(), time.Millisecond)
	l.pace(context.Background(), time.Second)
	l.hurry.Add(1)
	l.pace(context.Background(), time.Millisecond)
	l.hurry.Add(-1)
	l.lastCommit.Store(now.Add(-laneIdle - time.Millisecond).UnixNano())
	l.pace(context.Background(), time.Millisecond)
	want := []time.Duration{19 * time.Millisecond, laneMaxPause}
	if len(slept) != len(want) || slept[0] != want[0] || slept[1] != want[1] {
		t.Errorf("paused %v, want %v", slept, want)
	}
}

// TestReportSaysWhatIsPending: a live report whose lane is behind says how
// many records are not yet checked.
func TestReportSaysWhatIsPending(t *testing.T) {
	sections, err := newLiveSections(bundlecov.ExtrasOptions{}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	s, err := sections.extras.Sections(coverage.NewEngine(coverage.DefaultMatrix()).Report())
	if err != nil {
		t.Fatal(err)
	}
	s.ContractPending = 7
	var out strings.Builder
	if err := writeFullReport(&out, coverage.NewEngine(coverage.DefaultMatrix()).Report(), s, "md"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Not yet checked: the last 7 records") {
		t.Errorf("the report does not say what is pending:\n%s", out.String())
	}
}

// TestContractLaneQueue: the lane keeps the feed's records that follow its
// cursor, while there is room, and leaves the rest to the store.
func TestContractLaneQueue(t *testing.T) {
	l := &contractLane{wake: make(chan struct{}, 1), now: time.Now}
	l.next.Store(5)
	recs := func(from, n int) []*evidence.Record {
		var out []*evidence.Record
		for i := range n {
			out = append(out, &evidence.Record{Seq: uint64(from + i)})
		}
		return out
	}
	seqs := func(rs []*evidence.Record) []uint64 {
		var out []uint64
		for _, r := range rs {
			out = append(out, r.Seq)
		}
		return out
	}
	l.offer(recs(5, 2))
	l.offer(recs(9, 1)) // a gap: left to the store
	if got := seqs(l.take()); len(got) != 2 || got[0] != 5 || got[1] != 6 {
		t.Fatalf("took %v, want [5 6]", got)
	}
	l.next.Store(7)
	l.offer(recs(7, laneQueue+1)) // no room
	if got := l.take(); got != nil {
		t.Errorf("took %v from a batch larger than the queue", seqs(got))
	}
	l.offer(recs(7, laneBatch+3))
	if got := seqs(l.take()); len(got) != laneBatch || got[0] != 7 {
		t.Errorf("took %d records from %v, want %d from 7", len(got), got[:1], laneBatch)
	}
	l.next.Store(9) // a gap before the queue: read back, the queue kept
	if got := l.take(); got != nil || len(l.queue) != 3 {
		t.Errorf("took %v with the cursor before the queue (%d queued)", seqs(got), len(l.queue))
	}
	l.next.Store(laneBatch + 8) // read back into the queue: the rest taken
	if got := seqs(l.take()); len(got) != 2 || got[0] != laneBatch+8 {
		t.Errorf("took %v with the cursor inside the queue", got)
	}
	l.next.Store(1000) // read back past the queue: it is dropped
	if got := l.take(); got != nil || len(l.queue) != 0 {
		t.Errorf("took %v with the cursor past the queue", seqs(got))
	}
}

// failingRecords fails its first reads, as a store that cannot be read
// for a moment.
type failingRecords struct {
	*laneRecords
	mu    sync.Mutex
	fails int
}

func (f *failingRecords) Read(ctx context.Context, from, to uint64, fn func(*evidence.Record) error) error {
	f.mu.Lock()
	fail := f.fails > 0
	f.fails--
	f.mu.Unlock()
	if fail {
		return errors.New("read transaction: input/output error")
	}
	return f.laneRecords.Read(ctx, from, to, fn)
}

// TestContractLaneRetriesAFailingStore: a read that fails is said once and
// tried again; no record is skipped.
func TestContractLaneRetriesAFailingStore(t *testing.T) {
	src := &failingRecords{laneRecords: &laneRecords{}, fails: 2}
	src.add(5)
	sections, err := newLiveSections(bundlecov.ExtrasOptions{}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	lane := startContractLane(src, sections, 0, slog.New(slog.NewTextHandler(&logs, nil)))
	defer lane.close()
	deadline := time.Now().Add(10 * time.Second)
	for lane.pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if p := lane.pending(); p != 0 {
		t.Fatalf("%d records pending after the store recovered", p)
	}
	if got := testutil.ToFloat64(sections.checked); got != 5 {
		t.Errorf("counted %v calls, want 5", got)
	}
	if n := strings.Count(logs.String(), "contract checks cannot read the store"); n != 1 {
		t.Errorf("logged the failure %d times, want once:\n%s", n, logs.String())
	}
}

// syncBuffer is a strings.Builder safe for the lane's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLaneStoreReadsOneSpan: the lane's read-back of a real store hands
// over exactly the records asked for, and nothing past the head.
func TestLaneStoreReadsOneSpan(t *testing.T) {
	s, err := recorder.Open(filepath.Join(t.TempDir(), storeFile), recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	for i := range 40 {
		rec := &evidence.Record{Kind: evidence.KindCall, Time: time.Unix(int64(1764000000+i), 0).UTC(),
			Request: evidence.Request{Method: "GET", URL: "https://staging.api.axyscards.com/v2/cards/8001"}}
		if err := s.Record(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct{ from, to, first, last uint64 }{{5, 9, 5, 9}, {1, laneBatch, 1, laneBatch}, {38, 38 + laneBatch - 1, 38, 40}} {
		var got []uint64
		err := laneStore{s}.Read(context.Background(), tt.from, tt.to, func(r *evidence.Record) error {
			got = append(got, r.Seq)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != int(tt.last-tt.first+1) || got[0] != tt.first || got[len(got)-1] != tt.last {
			t.Errorf("Read(%d, %d) = %v, want %d through %d", tt.from, tt.to, got, tt.first, tt.last)
		}
	}
}
