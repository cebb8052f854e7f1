package recorder

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TestAsyncRecordsShareCommits checks that async records queued within one
// CommitInterval are committed together, and that sync records never wait
// for the interval.
func TestAsyncRecordsShareCommits(t *testing.T) {
	cases := []struct {
		name        string
		durability  Durability
		interval    time.Duration
		maxCommits  int
		wantWithin  time.Duration // how long Record may take, sync only
		recordCount int
	}{
		{name: "async gathers", durability: Async, interval: 300 * time.Millisecond, maxCommits: 2, recordCount: 40},
		{name: "async without interval", durability: Async, interval: -1, recordCount: 40},
		{name: "sync ignores interval", durability: Sync, interval: time.Hour, wantWithin: 10 * time.Second, recordCount: 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var commits, committed int
			s := openTestStore(t, Options{Durability: tc.durability, CommitInterval: tc.interval,
				OnCommit: func(recs []*evidence.Record) {
					mu.Lock()
					commits++
					committed += len(recs)
					mu.Unlock()
				}})
			ctx, cancel := context.WithTimeout(context.Background(), max(tc.wantWithin, time.Second))
			defer cancel()
			now := time.Now()
			for i := range tc.recordCount {
				if err := s.Record(ctx, sampleRecord(i, now, 200)); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
			}
			waitFor(t, "every record committed", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return committed == tc.recordCount
			})
			mu.Lock()
			defer mu.Unlock()
			if tc.maxCommits > 0 && commits > tc.maxCommits {
				t.Errorf("%d records took %d commits, want at most %d", tc.recordCount, commits, tc.maxCommits)
			}
		})
	}
}

// intervalTimer is an Options.After for CommitInterval waits that the
// test fires; it counts the waits asked for.
type intervalTimer struct {
	mu    sync.Mutex
	asked int
	fire  chan time.Time
}

func (it *intervalTimer) after(time.Duration) <-chan time.Time {
	it.mu.Lock()
	defer it.mu.Unlock()
	it.asked++
	return it.fire
}

func (it *intervalTimer) count() int {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.asked
}

// TestAsyncFullBatchDoesNotWait: records queued while a commit runs fill
// whole batches, and the writer commits them without waiting for the
// interval (the wait would only cap async throughput at maxBatch records
// per interval); only the short remainder waits.
func TestAsyncFullBatchDoesNotWait(t *testing.T) {
	g := newGate()
	defer g.release()
	timer := &intervalTimer{fire: make(chan time.Time)}
	s := openTestStore(t, Options{Durability: Async, CommitInterval: time.Hour, After: timer.after,
		CommitHook: g.hook, QueueSize: 4 * maxBatch})
	t.Cleanup(func() { close(timer.fire) }) // before the store's Close: no wait outlives the test
	ctx := context.Background()
	now := time.Now()
	if err := s.Record(ctx, sampleRecord(0, now, 50)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first wait", func() bool { return timer.count() == 1 })
	timer.fire <- now
	<-g.entered // the first commit holds; the next records queue up
	const queued = 2*maxBatch + 10
	for i := range queued {
		if err := s.Record(ctx, sampleRecord(1+i, now, 50)); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	g.release()
	// Two full batches commit at once; the ten left over wait.
	waitFor(t, "two full batches", func() bool { seq, _ := s.Head(); return seq == 1+2*maxBatch })
	waitFor(t, "the remainder's wait", func() bool { return timer.count() == 2 })
	timer.fire <- now
	waitFor(t, "the remainder", func() bool { seq, _ := s.Head(); return seq == 1+queued })
	if n := timer.count(); n != 2 {
		t.Errorf("%d interval waits, want 2 (the first record, the remainder)", n)
	}
}
