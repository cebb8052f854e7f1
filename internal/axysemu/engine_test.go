package axysemu

import (
	"testing"
	"time"
)

func TestScheduleOrder(t *testing.T) {
	var s schedule
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var got []string
	add := func(d time.Duration, name string) {
		s.at(t0.Add(d), func(time.Time) { got = append(got, name) })
	}
	add(3*time.Second, "c")
	add(time.Second, "a1")
	add(time.Second, "a2") // same due time: scheduling order
	s.at(t0.Add(2*time.Second), func(at time.Time) {
		got = append(got, "b")
		s.at(at, func(time.Time) { got = append(got, "b-child") }) // due at once: same pass
	})
	s.runUntil(t0.Add(2 * time.Second))
	if want := "a1,a2,b,b-child"; join(got) != want {
		t.Fatalf("ran %s, want %s", join(got), want)
	}
	if s.pending() != 1 {
		t.Fatalf("pending %d, want 1", s.pending())
	}
	s.runUntil(t0.Add(3 * time.Second))
	if want := "a1,a2,b,b-child,c"; join(got) != want {
		t.Fatalf("ran %s, want %s", join(got), want)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func TestDiceBounds(t *testing.T) {
	d := newDice(9, streamWorld, 0.5)
	for range 10_000 {
		if v := d.logNormal(time.Minute, 2, time.Second, time.Hour); v < time.Second/2 || v > time.Hour/2 {
			t.Fatalf("logNormal %s outside the scaled bounds", v)
		}
		if v := d.uniform(time.Hour, 2*time.Hour); v < time.Hour/2 || v >= time.Hour {
			t.Fatalf("uniform %s outside the scaled bounds", v)
		}
	}
	counts := [3]int{}
	for range 10_000 {
		counts[d.weighted(0.7, 0.2, 0.1)]++
	}
	if counts[0] < 6500 || counts[0] > 7500 || counts[2] < 700 || counts[2] > 1300 {
		t.Fatalf("weighted counts %v for 0.7/0.2/0.1", counts)
	}
}

// TestNaturalKYCReview lets the engine decide 400 submissions: most are
// approved, some declined, a few end in 6 or 7, some pass through 0, some
// take more than an hour, and all are decided within 12 hours.
func TestNaturalKYCReview(t *testing.T) {
	h := newHarness(t, Options{Seed: 11})
	const n = 400
	start := h.clock.Now()
	for range n {
		id := h.createCardholder()
		h.call("PUT", path("/v2/cardholders/%d/kyc-submit", id), nil).must(t, 200)
	}
	count := func(status int) int64 {
		return h.call("GET", path("/v2/cardholders?status=%d&limit=1", status), nil).must(t, 200).num("total")
	}
	immediateErrors := count(chError)
	var sawPending, stillReviewingAfterAnHour bool
	for {
		h.emu.mu.Lock()
		var next time.Time
		if len(h.emu.sched.events) > 0 {
			next = h.emu.sched.events[0].due
		}
		h.emu.mu.Unlock()
		if next.IsZero() {
			break
		}
		if next.After(start.Add(time.Hour)) && !stillReviewingAfterAnHour {
			stillReviewingAfterAnHour = count(chUnderReview) > 0
		}
		h.clock.Advance(next.Sub(h.clock.Now()))
		if count(chPending) > 0 { // a call applies the events now due
			sawPending = true
		}
	}
	if end := h.clock.Now(); end.After(start.Add(kycReviewMax + kycPendingMax)) {
		t.Fatalf("last decision at %s, after the 12 h cap", end.Sub(start))
	}
	got := map[int]int64{}
	for s := chPending; s <= chAdmin; s++ {
		got[s] = count(s)
	}
	t.Logf("outcomes %v (immediate errors %d)", got, immediateErrors)
	switch {
	case got[chPending]+got[chUnderReview] != 0:
		t.Errorf("undecided at the end: %v", got)
	case got[chApproved] < n*70/100:
		t.Errorf("approved %d of %d, want most", got[chApproved], n)
	case got[chDeclined] == 0 || got[chDeclined] > n*20/100:
		t.Errorf("declined %d of %d, want some", got[chDeclined], n)
	case got[chError] == 0 || got[chAdmin] == 0 || got[chError]+got[chAdmin] > n*10/100:
		t.Errorf("errors %d and admin declines %d of %d, want a few of each", got[chError], got[chAdmin], n)
	case immediateErrors == 0:
		t.Errorf("no submission failed at once with status 6")
	case !sawPending:
		t.Errorf("no cardholder was ever seen in status 0")
	case !stillReviewingAfterAnHour:
		t.Errorf("every review finished within an hour; the tail is not heavy")
	}
}

// TestTimeScaleCompressesReview: at 0.001 every review is decided within
// 12 h / 1000 = 43.2 s of emulated clock.
func TestTimeScaleCompressesReview(t *testing.T) {
	h := newHarness(t, Options{TimeScale: 0.001})
	var ids []int64
	for range 50 {
		id := h.createCardholder()
		h.call("PUT", path("/v2/cardholders/%d/kyc-submit", id), nil).must(t, 200)
		ids = append(ids, id)
	}
	h.clock.Advance((kycReviewMax + kycPendingMax) / 1000)
	for _, id := range ids {
		if s := h.holderStatus(id); s == chUnderReview || s == chPending {
			t.Fatalf("cardholder %d still in %d after the compressed maximum", id, s)
		}
	}
}
