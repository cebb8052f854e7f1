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
