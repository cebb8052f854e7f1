package demoapp

import (
	"context"
	"fmt"
	"time"
)

// pollIntervals is the app's POLL_INTERVALS_MS: the waits between repeated
// reads of a resource that has not changed yet, in emulated time. It backs
// off and then stays at its last value. The waits actually slept are scaled
// by Options.TimeScale, the same factor the emulator compresses its delays
// with, so the schedule keeps its shape against a compressed world; the
// pacer then keeps every read polite in wall-clock time.
var pollIntervals = [...]time.Duration{
	10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
	160 * time.Second, 5 * time.Minute,
}

// pollCap bounds any one polling loop in wall-clock time, whatever the
// emulated budget and the time scale.
const pollCap = 20 * time.Second

// poller repeats a read with backoff until a condition holds.
type poller struct {
	// wait sleeps an emulated duration (scaled to wall-clock time).
	wait func(context.Context, time.Duration) error
	// now is the wall clock.
	now func() time.Time
	// scale turns emulated time into wall-clock time.
	scale float64
	// budget is the emulated time after which polling gives up; the wall-
	// clock equivalent is capped at pollCap.
	budget time.Duration
	// settle, when set, waits the schedule's first interval before the
	// first read: after an action whose effect cannot be immediate, a read
	// at once would only spend the read burst.
	settle bool
}

// until calls read, then waits and calls it again along pollIntervals until
// read reports done, fails, or the budget is spent. It returns the number
// of reads made.
func (p poller) until(ctx context.Context, what string, read func(context.Context) (bool, error)) (int, error) {
	deadline := p.now().Add(min(time.Duration(float64(p.budget)*p.scale), pollCap))
	if p.settle {
		if err := p.wait(ctx, pollIntervals[0]); err != nil {
			return 0, fmt.Errorf("poll %s: %w", what, err)
		}
	}
	for n := 0; ; n++ {
		done, err := read(ctx)
		if err != nil {
			return n + 1, fmt.Errorf("poll %s: %w", what, err)
		}
		if done {
			return n + 1, nil
		}
		d := pollIntervals[min(n, len(pollIntervals)-1)]
		if p.now().Add(time.Duration(float64(d) * p.scale)).After(deadline) {
			return n + 1, fmt.Errorf("poll %s after %d reads: %w", what, n+1, errPollTimeout)
		}
		if err := p.wait(ctx, d); err != nil {
			return n + 1, fmt.Errorf("poll %s: %w", what, err)
		}
	}
}

// pacer keeps the app's read etiquette in wall-clock time, whatever the
// time scale: one resource that shows no change is read at most burst
// times in a row less than floor apart (a short burst right after an
// action helps notice quick changes); the next read then waits until floor
// has passed since the last one. A change starts afresh. Every read of a
// polled resource goes through it, whichever scenario makes it.
type pacer struct {
	floor time.Duration
	burst int
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	// reads is keyed by resource path. It is owned by the goroutine
	// running the script.
	reads map[string]*pacedRead
}

type pacedRead struct {
	// end is when the last read's answer arrived: its request reached the
	// API no later than that.
	end   time.Time
	value string
	fast  int
}

// pacingMargin pads the floor against clock granularity.
const pacingMargin = 10 * time.Millisecond

// wait holds a read of key back if the burst is spent, until floor after
// the last read's answer: the two requests are then at least floor apart
// however long each took.
func (p *pacer) wait(ctx context.Context, key string) error {
	r := p.reads[key]
	if r == nil || r.fast < p.burst {
		return nil
	}
	d := r.end.Add(p.floor + pacingMargin).Sub(p.now())
	if d <= 0 {
		return nil
	}
	return p.sleep(ctx, d)
}

// seen notes a successful read of key showing value, sent at start and
// answered at end. The gap to the read before counts as slow only when it
// was surely at least floor (from the earlier answer to this request).
func (p *pacer) seen(key, value string, start, end time.Time) {
	r := p.reads[key]
	if r == nil {
		p.reads[key] = &pacedRead{end: end, value: value}
		return
	}
	switch {
	case value != r.value, start.Sub(r.end) >= p.floor:
		r.fast = 0
	default:
		r.fast++
	}
	r.end, r.value = end, value
}
