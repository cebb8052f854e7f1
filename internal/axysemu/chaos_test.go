package axysemu

import (
	"strconv"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	h := newHarness(t, Options{Chaos: Chaos{RateLimit: 2}})
	h.call("GET", "/v2/cardholders", nil).must(t, 200)
	h.call("GET", "/v2/cardholders", nil).must(t, 200)
	r := h.call("GET", "/v2/cardholders", nil)
	r.wantError(t, 429, "rate limit exceeded")
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After = %q, want 1", got)
	}
	h.call("POST", "/v2/staging/faults", map[string]any{"status": 500, "count": 1}).must(t, 200) // staging is spared
	h.clock.Advance(500 * time.Millisecond)
	h.call("GET", "/v2/cardholders", nil).wantError(t, 500, "internal error") // a forced fault comes first
	h.call("GET", "/v2/cardholders", nil).must(t, 200)                        // one token refilled
	h.call("GET", "/v2/cardholders", nil).wantError(t, 429, "rate limit")
}

func TestRandomFaults(t *testing.T) {
	t.Run("errors", func(t *testing.T) {
		h := newHarness(t, Options{Chaos: Chaos{ErrorRate: 1}})
		seen := map[int]bool{}
		for range 60 {
			r := h.call("POST", "/v2/cardholders", validCardholder())
			if r.status != 500 && r.status != 502 && r.status != 503 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			seen[r.status] = true
		}
		if len(seen) != 3 {
			t.Fatalf("statuses seen %v, want 500, 502 and 503", seen)
		}
		h.emu.mu.Lock()
		n := len(h.emu.world.holders)
		h.emu.mu.Unlock()
		if n != 0 {
			t.Fatalf("failed calls created %d cardholders", n)
		}
		h.call("GET", "/v2/staging/deposits/7001", nil).wantError(t, 404, "deposit 7001 not found")
	})
	t.Run("throttling", func(t *testing.T) {
		h := newHarness(t, Options{Chaos: Chaos{ThrottleRate: 1}})
		for range 20 {
			r := h.call("GET", "/v2/cards", nil)
			r.wantError(t, 429, "rate limit exceeded")
			if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 5 {
				t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
			}
		}
	})
	t.Run("some of the time", func(t *testing.T) {
		h := newHarness(t, Options{Chaos: Chaos{ErrorRate: 0.3, Latency: time.Millisecond}})
		failed := 0
		for range 200 {
			if h.call("GET", "/v2/cards", nil).status != 200 {
				failed++
			}
		}
		if failed < 30 || failed > 90 {
			t.Fatalf("%d of 200 calls failed at error rate 0.3", failed)
		}
	})
}

func TestForcedFaults(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		status     int
		msg        string
		retryAfter string
	}{
		{403, "No Authorised IPs configured", ""},
		{429, "rate limit exceeded", "1"},
		{500, "internal error", ""},
		{502, "bad gateway", ""},
		{503, "service temporarily unavailable", ""},
		{504, "gateway timeout", ""},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			h.call("POST", "/v2/staging/faults", map[string]any{"status": tt.status, "count": 2}).must(t, 200)
			for range 2 {
				r := h.call("POST", "/v2/wallets", map[string]any{"name": "w"})
				r.wantError(t, tt.status, tt.msg)
				if got := r.header.Get("Retry-After"); got != tt.retryAfter {
					t.Fatalf("Retry-After = %q, want %q", got, tt.retryAfter)
				}
			}
			h.call("GET", "/v2/wallets", nil).must(t, 200)
		})
	}
	if n := h.call("GET", "/v2/wallets", nil).num("total"); n != 0 {
		t.Fatalf("faulted creates made %d wallets", n)
	}
}

func TestChaosValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Chaos
		ok   bool
	}{
		{"zero", Chaos{}, true},
		{"all set", Chaos{Latency: time.Millisecond, ErrorRate: 0.1, ThrottleRate: 0.1, RateLimit: 50, RateBurst: 10}, true},
		{"negative latency", Chaos{Latency: -1}, false},
		{"error rate above 1", Chaos{ErrorRate: 1.5}, false},
		{"negative throttle", Chaos{ThrottleRate: -0.1}, false},
		{"negative rate", Chaos{RateLimit: -1}, false},
		{"negative burst", Chaos{RateBurst: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.c.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	// New clamps what Validate rejects instead of failing.
	h := newHarness(t, Options{Chaos: Chaos{ErrorRate: -3, ThrottleRate: 7, RateLimit: -1}})
	if h.call("GET", "/v2/cards", nil).status != 429 {
		t.Fatal("throttle rate 7 was not clamped to 1")
	}
}
