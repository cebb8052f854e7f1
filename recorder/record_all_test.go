package recorder

import (
	"context"
	"errors"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

func sampleRecords(from, n int, clock *testClock) []*evidence.Record {
	recs := make([]*evidence.Record, n)
	for i := range recs {
		recs[i] = sampleRecord(from+i, clock.Now(), 300)
	}
	return recs
}

// TestRecordAllSharesCommitsInOrder: a sync RecordAll prepares every
// record, then queues them all before it waits, so a hundred records share
// one commit (one by one they would take a hundred; prepared one by one
// and queued as they come, two to seven) and keep their order in the chain.
func TestRecordAllSharesCommitsInOrder(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	var commits atomic.Int64
	s := openTestStore(t, Options{Now: clock.Now, CommitHook: func(int) error { commits.Add(1); return nil }})
	recs := sampleRecords(0, 100, clock)
	if failed, err := s.RecordAll(context.Background(), recs); failed != 0 || err != nil {
		t.Fatalf("RecordAll = %d, %v", failed, err)
	}
	for i, rec := range recs {
		if rec.Seq != uint64(i+1) {
			t.Fatalf("record %d sealed as Seq %d: request order lost", i, rec.Seq)
		}
	}
	if n := commits.Load(); n > 2 {
		t.Errorf("100 records took %d commits; they should share one (two if the writer wakes between sends)", n)
	}
	if err := s.VerifyChain(context.Background()); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
}

func TestRecordAllAsyncQueues(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := openTestStore(t, Options{Now: clock.Now, Durability: Async})
	if failed, err := s.RecordAll(context.Background(), sampleRecords(0, 20, clock)); failed != 0 || err != nil {
		t.Fatalf("RecordAll = %d, %v", failed, err)
	}
	waitFor(t, "the queued records", func() bool { seq, _ := s.Head(); return seq == 20 })
}

// TestRecordAllCountsFailures: every record a store cannot take is
// counted, and the first error names why.
func TestRecordAllCountsFailures(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	t.Run("closed", func(t *testing.T) {
		s := openTestStore(t, Options{Now: clock.Now})
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		failed, err := s.RecordAll(context.Background(), sampleRecords(0, 3, clock))
		if failed != 3 || !errors.Is(err, ErrClosed) {
			t.Errorf("RecordAll on a closed store = %d, %v; want 3, ErrClosed", failed, err)
		}
	})
	t.Run("commits fail", func(t *testing.T) {
		f := &faults{}
		f.failing.Store(true)
		s := openTestStore(t, Options{Now: clock.Now, CommitHook: f.hook, RetryInterval: time.Millisecond})
		failed, err := s.RecordAll(context.Background(), sampleRecords(0, 5, clock))
		if failed != 5 || !errors.Is(err, ErrStoreUnavailable) || !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("RecordAll while commits fail = %d, %v; want 5, store unavailable (ENOSPC)", failed, err)
		}
		f.failing.Store(false)
		// The records were held, not dropped: they follow the outage's
		// gap record once commits succeed.
		waitFor(t, "the held records", func() bool { return len(readAll(t, s)) == 6 })
	})
	t.Run("the wait ends with a full queue", func(t *testing.T) {
		g := newGate()
		defer g.release()
		s := openTestStore(t, Options{Now: clock.Now, CommitHook: g.hook, QueueSize: 2})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		go func() { _ = s.Record(context.Background(), sampleRecord(99, clock.Now(), 10)) }()
		<-g.entered
		failed, err := s.RecordAll(ctx, sampleRecords(0, 10, clock))
		if failed != 10 || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("RecordAll past its deadline = %d, %v; want 10, deadline exceeded", failed, err)
		}
		g.release()
		// Two were queued and are committed; the eight that found no room
		// are counted in a gap record.
		waitFor(t, "the queued records and the gap", func() bool { return len(readAll(t, s)) == 4 })
		recs := readAll(t, s)
		if gap := recs[3].Gap; gap == nil || gap.Lost != 8 {
			t.Errorf("last record = %+v, want a gap of 8", recs[3])
		}
	})
}
