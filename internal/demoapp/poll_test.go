package demoapp

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is a clock that sleeping advances.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

func TestPollerBacksOff(t *testing.T) {
	tests := []struct {
		name      string
		doneAt    int // read number that reports done; 0 never
		budget    time.Duration
		wantReads int
		wantWaits []time.Duration
		wantErr   error
	}{
		{"done at once", 1, time.Hour, 1, nil, nil},
		{"done on the fourth read", 4, time.Hour, 4,
			[]time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second}, nil},
		{"budget spent", 0, 2 * time.Minute, 4,
			[]time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second}, errPollTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			var waits []time.Duration
			const scale = 0.001
			p := poller{now: clk.now, scale: scale, budget: tt.budget, wait: func(ctx context.Context, d time.Duration) error {
				waits = append(waits, d)
				return clk.sleep(ctx, time.Duration(float64(d)*scale))
			}}
			n := 0
			reads, err := p.until(context.Background(), "thing", func(context.Context) (bool, error) {
				n++
				return n == tt.doneAt, nil
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if reads != tt.wantReads {
				t.Errorf("reads %d, want %d", reads, tt.wantReads)
			}
			if diff := cmp.Diff(waits, tt.wantWaits); diff != "" {
				t.Errorf("waits (-got +want):\n%s", diff)
			}
		})
	}
}

func TestPollerScheduleGrows(t *testing.T) {
	for i := 1; i < len(pollIntervals); i++ {
		if pollIntervals[i] < pollIntervals[i-1] {
			t.Errorf("interval %d (%s) shorter than the one before (%s)", i, pollIntervals[i], pollIntervals[i-1])
		}
	}
	if pollIntervals[len(pollIntervals)-1] < 2*pollIntervals[0] {
		t.Errorf("schedule does not back off: %v", pollIntervals)
	}
}

// TestPacer checks the read etiquette: at most three quick re-reads of an
// unchanged resource, then a wait of the floor after the last answer; a
// change or a slow gap starts afresh.
func TestPacer(t *testing.T) {
	ms := time.Millisecond
	type read struct {
		gap   time.Duration // client-side pause before asking the pacer
		value string
	}
	tests := []struct {
		name      string
		reads     []read
		wantWaits []time.Duration // what the pacer slept before each read
	}{
		{"burst then floor", []read{{0, "3"}, {5 * ms, "3"}, {5 * ms, "3"}, {5 * ms, "3"}, {5 * ms, "3"}, {5 * ms, "3"}},
			[]time.Duration{0, 0, 0, 0, 1005 * ms, 0}},
		{"a change starts afresh", []read{{0, "3"}, {5 * ms, "3"}, {5 * ms, "3"}, {5 * ms, "3"}, {5 * ms, "1"}, {5 * ms, "1"}, {5 * ms, "1"}, {5 * ms, "1"}},
			[]time.Duration{0, 0, 0, 0, 1005 * ms, 0, 0, 0}},
		{"slow gaps never wait", []read{{0, "a"}, {2 * time.Second, "a"}, {2 * time.Second, "a"}, {2 * time.Second, "a"}, {2 * time.Second, "a"}},
			[]time.Duration{0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			var slept time.Duration
			p := &pacer{floor: time.Second, burst: 3, now: clk.now, reads: map[string]*pacedRead{},
				sleep: func(ctx context.Context, d time.Duration) error { slept += d; return clk.sleep(ctx, d) }}
			var got []time.Duration
			for _, r := range tt.reads {
				clk.t = clk.t.Add(r.gap)
				slept = 0
				if err := p.wait(context.Background(), "/cards/1/balance"); err != nil {
					t.Fatal(err)
				}
				got = append(got, slept)
				start := clk.t
				clk.t = clk.t.Add(time.Millisecond) // the call takes 1 ms
				p.seen("/cards/1/balance", r.value, start, clk.t)
			}
			if diff := cmp.Diff(got, tt.wantWaits); diff != "" {
				t.Errorf("waits (-got +want):\n%s", diff)
			}
		})
	}
}
