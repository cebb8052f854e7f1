package recorder

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// streamStore holds records received at the given seconds after t0, in
// that (commit) order.
func streamStore(t *testing.T, t0 time.Time, secs []int) *Store {
	t.Helper()
	s := openTestStore(t, Options{})
	for i, sec := range secs {
		if err := s.Record(context.Background(), sampleRecord(i, t0.Add(time.Duration(sec)*time.Second), 200)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// countDecodes makes st report every record it decodes.
func countDecodes(st Stream) (Stream, func() []uint64) {
	var mu sync.Mutex
	var seqs []uint64
	st.decoded = func(seq uint64) {
		mu.Lock()
		seqs = append(seqs, seq)
		mu.Unlock()
	}
	return st, func() []uint64 {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seqs)
	}
}

func streamSeqs(t *testing.T, st Stream) []uint64 {
	t.Helper()
	var got []uint64
	if err := st.Each(context.Background(), func(r *evidence.Record) error {
		got = append(got, r.Seq)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestStreamSelects reads every selection in sequence order, decompressing
// only the records it returns.
func TestStreamSelects(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	// The call received at +5s was a long one and committed after the one
	// received at +10s.
	s := streamStore(t, t0, []int{1, 10, 5, 20, 30, 30, 40})
	tests := []struct {
		name   string
		stream Stream
		want   []uint64
	}{
		{"everything", s.Stream(), []uint64{1, 2, 3, 4, 5, 6, 7}},
		{"from", s.Stream().From(5), []uint64{5, 6, 7}},
		{"to", s.Stream().To(2), []uint64{1, 2}},
		{"from and to", s.Stream().From(3).To(4), []uint64{3, 4}},
		{"to past the head", s.Stream().To(100), []uint64{1, 2, 3, 4, 5, 6, 7}},
		{"from past the head", s.Stream().From(8), nil},
		{"window: a long call committed late", s.Stream().Window(evidence.Window{Since: at(2), Until: at(11)}), []uint64{2, 3}},
		{"window: since inclusive, until exclusive", s.Stream().Window(evidence.Window{Since: at(10), Until: at(30)}), []uint64{2, 4}},
		{"window: open end", s.Stream().Window(evidence.Window{Since: at(30)}), []uint64{5, 6, 7}},
		{"window: open start", s.Stream().Window(evidence.Window{Until: at(6)}), []uint64{1, 3}},
		{"window and from", s.Stream().From(4).Window(evidence.Window{Until: at(31)}), []uint64{4, 5, 6}},
		{"window with nothing in it", s.Stream().Window(evidence.Window{Since: at(50)}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, decodes := countDecodes(tt.stream)
			got := streamSeqs(t, st)
			if !slices.Equal(got, tt.want) {
				t.Errorf("seqs %v, want %v", got, tt.want)
			}
			if d := decodes(); !slices.Equal(d, tt.want) {
				t.Errorf("decoded %v, want only the records returned, %v", d, tt.want)
			}
		})
	}
}

// TestStreamWindowDecodesOnlyTheWindow reads a one-minute window out of
// several read chunks of records: only the window's records are
// decompressed, in order, across chunk and scan boundaries.
func TestStreamWindowDecodesOnlyTheWindow(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const n = scanChunk + 3*readChunk
	secs := make([]int, n)
	for i := range secs {
		secs[i] = i // one record a second
	}
	s := streamStore(t, t0, secs)
	w := evidence.Window{Since: t0.Add(scanChunk * time.Second), Until: t0.Add((scanChunk + 60) * time.Second)}
	st, decodes := countDecodes(s.Stream().Window(w))
	got := streamSeqs(t, st)
	if len(got) != 60 || got[0] != scanChunk+1 || got[59] != scanChunk+60 {
		t.Fatalf("got %d records %v…, want the 60 from %d", len(got), got[:min(3, len(got))], scanChunk+1)
	}
	if d := decodes(); len(d) != 60 {
		t.Errorf("decoded %d records of %d for a window of 60", len(d), n)
	}
	all, allDecodes := countDecodes(s.Stream())
	if got := streamSeqs(t, all); len(got) != n {
		t.Fatalf("whole stream: %d records, want %d", len(got), n)
	}
	if d := allDecodes(); len(d) != n {
		t.Errorf("whole stream decoded %d records, want %d", len(d), n)
	}
}

func TestStreamSpan(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	s := streamStore(t, t0, []int{1, 10, 5, 20, 30, 30, 40})
	tests := []struct {
		name              string
		stream            Stream
		w                 evidence.Window
		through           uint64
		wantFirst, wantLa uint64
	}{
		{"all", s.Stream(), evidence.Window{}, 0, 1, 7},
		{"a run holding a record outside the window", s.Stream(), evidence.Window{Since: at(6), Until: at(21)}, 0, 2, 4},
		{"through", s.Stream(), evidence.Window{Since: at(6)}, 5, 2, 5},
		{"from", s.Stream().From(3), evidence.Window{Since: at(6)}, 0, 4, 7},
		{"the stream's own window does not apply", s.Stream().Window(evidence.Window{Since: at(40)}), evidence.Window{Until: at(2)}, 0, 1, 1},
		{"nothing", s.Stream(), evidence.Window{Since: at(41)}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, decodes := countDecodes(tt.stream)
			first, last, err := st.Span(context.Background(), tt.w, tt.through)
			if err != nil {
				t.Fatal(err)
			}
			if first != tt.wantFirst || last != tt.wantLa {
				t.Errorf("Span = %d, %d, want %d, %d", first, last, tt.wantFirst, tt.wantLa)
			}
			if d := decodes(); len(d) != 0 {
				t.Errorf("Span decoded records %v; it must read envelope times only", d)
			}
		})
	}
}

func TestStreamBatchesAndStops(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := openTestStore(t, Options{Now: clock.Now})
	const n = 2*readChunk + 5
	recordN(t, s, 0, n, clock)
	var sizes []int
	var next uint64 = 1
	err := s.Stream().EachBatch(context.Background(), func(recs []*evidence.Record) error {
		sizes = append(sizes, len(recs))
		for _, r := range recs {
			if r.Seq != next {
				t.Fatalf("seq %d, want %d", r.Seq, next)
			}
			next++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{readChunk, readChunk, 5}) {
		t.Errorf("batch sizes %v, want %d, %d, 5", sizes, readChunk, readChunk)
	}
	stop := errors.New("stop")
	count := 0
	err = s.Stream().Each(context.Background(), func(*evidence.Record) error {
		if count++; count == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || count != 3 {
		t.Errorf("Each = %v after %d records, want fn's error after 3", err, count)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Stream().Each(ctx, func(*evidence.Record) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Each with a canceled context = %v, want context.Canceled", err)
	}
	if _, _, err := s.Stream().Span(ctx, evidence.Window{}, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Span with a canceled context = %v, want context.Canceled", err)
	}
}
