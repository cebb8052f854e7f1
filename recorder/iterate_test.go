package recorder

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

func seqsOf(recs []*evidence.Record) []uint64 {
	out := make([]uint64, len(recs))
	for i, r := range recs {
		out[i] = r.Seq
	}
	return out
}

func TestIterateBySeq(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := openTestStore(t, Options{Now: clock.Now})
	// More than one read chunk, to cross transaction boundaries.
	const n = readChunk*2 + 17
	for range n {
		if err := s.Record(context.Background(), &evidence.Record{Time: clock.Now(),
			Request: evidence.Request{Method: "GET", URL: "/v2/cards"}}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		from      uint64
		stopAfter int
		wantFirst uint64
		wantCount int
	}{
		{"from zero means from one", 0, 0, 1, n},
		{"from one", 1, 0, 1, n},
		{"from the middle of a chunk", 300, 0, 300, n - 299},
		{"from the last", n, 0, n, 1},
		{"past the head", n + 1, 0, 0, 0},
		{"stopped by fn", 1, 10, 1, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []uint64
			err := s.Iterate(context.Background(), tt.from, func(r *evidence.Record) error {
				got = append(got, r.Seq)
				if tt.stopAfter > 0 && len(got) == tt.stopAfter {
					return errStop
				}
				return nil
			})
			if tt.stopAfter > 0 {
				if !errors.Is(err, errStop) {
					t.Errorf("Iterate = %v, want fn's error", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.wantCount {
				t.Fatalf("got %d records, want %d", len(got), tt.wantCount)
			}
			for i, seq := range got {
				if seq != tt.wantFirst+uint64(i) {
					t.Fatalf("position %d: seq %d, want %d", i, seq, tt.wantFirst+uint64(i))
				}
			}
		})
	}
	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Iterate(ctx, 1, func(*evidence.Record) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("Iterate = %v, want context.Canceled", err)
		}
	})
}

func TestIteratedRecordsAreDetached(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := openTestStore(t, Options{Now: clock.Now})
	recordN(t, s, 0, 3, clock)
	first := readAll(t, s)
	// Records outlive the read transaction and the store.
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range first {
		if err := r.Check(r.Seq-1, r.PrevHash); err != nil {
			t.Errorf("record %d after Close: %v", r.Seq, err)
		}
		r.Request.Body.Text = "changed"
	}
	again := readAllReadOnly(t, s.Path())
	if again[0].Request.Body.Text == "changed" {
		t.Error("changing a returned record changed the store's copy")
	}
}

func TestIterateTime(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	s := openTestStore(t, Options{})
	// Commit order is not time order: the call received at +5s was a long
	// one and committed after the one received at +10s.
	for i, sec := range []int{1, 10, 5, 20, 30, 30} {
		rec := sampleRecord(i, at(sec), 50)
		if err := s.Record(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name         string
		since, until time.Time
		want         []uint64
	}{
		{"everything", time.Time{}, time.Time{}, []uint64{1, 2, 3, 4, 5, 6}},
		{"long call inside the window, committed late", at(2), at(11), []uint64{2, 3}},
		{"since is inclusive", at(10), at(21), []uint64{2, 4}},
		{"until is exclusive", at(1), at(10), []uint64{1, 3}},
		{"open end", at(20), time.Time{}, []uint64{4, 5, 6}},
		{"open start", time.Time{}, at(6), []uint64{1, 3}},
		{"nothing in range", at(40), at(50), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []*evidence.Record
			err := s.IterateTime(context.Background(), tt.since, tt.until, func(r *evidence.Record) error {
				got = append(got, r)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if gs := seqsOf(got); len(gs) != len(tt.want) || (len(gs) > 0 && !equalSeqs(gs, tt.want)) {
				t.Errorf("seqs %v, want %v", gs, tt.want)
			}
		})
	}
}

func equalSeqs(a, b []uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
