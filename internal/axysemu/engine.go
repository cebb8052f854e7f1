package axysemu

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"time"
)

// The emulation engine keeps no timers. Every asynchronous process (a KYC
// review, a deposit clearing, a card transaction settling) is an event with
// a due time in a queue; before each call is handled, under the state lock,
// every event due at or before the call's time is applied in (due, order of
// scheduling) order. What a caller sees therefore depends only on the seed,
// the sequence of calls and the clock readings — never on goroutine timing —
// and no goroutine is needed to drive the emulated world.

// event is one scheduled change of state.
type event struct {
	due   time.Time
	seq   uint64
	apply func(at time.Time)
}

type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	ev := old[len(old)-1]
	old[len(old)-1] = event{}
	*h = old[:len(old)-1]
	return ev
}

// schedule is the event queue. It is guarded by Emulator.mu.
type schedule struct {
	events eventHeap
	seq    uint64
}

// at schedules apply to run once the clock reaches due; apply receives due,
// so timestamps it writes are the emulated time of the change, not the time
// it was observed.
func (s *schedule) at(due time.Time, apply func(at time.Time)) {
	s.seq++
	heap.Push(&s.events, event{due: due, seq: s.seq, apply: apply})
}

// runUntil applies every event due at or before now. Events scheduled by an
// applied event run in the same pass when they are already due.
func (s *schedule) runUntil(now time.Time) {
	for len(s.events) > 0 && !s.events[0].due.After(now) {
		ev := heap.Pop(&s.events).(event)
		ev.apply(ev.due)
	}
}

// pending is the number of events not yet applied.
func (s *schedule) pending() int { return len(s.events) }

// dice draws the emulated world's randomness. It is guarded by Emulator.mu.
type dice struct {
	r     *rand.Rand
	scale float64
}

func newDice(seed int64, stream uint64, scale float64) *dice {
	return &dice{r: rand.New(rand.NewPCG(uint64(seed), stream)), scale: scale}
}

// scaled turns an emulated duration into the wall-clock delay after which it
// takes effect.
func (d *dice) scaled(v time.Duration) time.Duration {
	return time.Duration(float64(v) * d.scale)
}

// logNormal draws a heavy-tailed duration with the given median and shape,
// clamped to [lo, hi], already scaled.
func (d *dice) logNormal(median time.Duration, sigma float64, lo, hi time.Duration) time.Duration {
	v := time.Duration(float64(median) * math.Exp(sigma*d.r.NormFloat64()))
	return d.scaled(min(max(v, lo), hi))
}

// uniform draws a duration in [lo, hi), already scaled.
func (d *dice) uniform(lo, hi time.Duration) time.Duration {
	return d.scaled(lo + time.Duration(d.r.Int64N(int64(hi-lo))))
}

// chance is true with probability p.
func (d *dice) chance(p float64) bool { return p > 0 && d.r.Float64() < p }

// digits returns n random decimal digits.
func (d *dice) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + d.r.IntN(10))
	}
	return string(b)
}

// from returns n characters drawn from alphabet.
func (d *dice) from(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[d.r.IntN(len(alphabet))]
	}
	return string(b)
}

// weighted returns the index of the outcome drawn with the given weights.
func (d *dice) weighted(weights ...float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	x := d.r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
