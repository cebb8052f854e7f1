package axysemu

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Profile chooses which environment the emulator imitates.
type Profile int

const (
	// Staging serves the whole API plus the /staging/* simulation endpoints.
	Staging Profile = iota
	// Production serves the same API but answers 404 on every /staging/*
	// path, as production does.
	Production
)

// String returns "staging" or "production".
func (p Profile) String() string {
	if p == Production {
		return "production"
	}
	return "staging"
}

// ParseProfile parses "staging" or "production".
func ParseProfile(s string) (Profile, error) {
	switch s {
	case "staging", "":
		return Staging, nil
	case "production":
		return Production, nil
	}
	return Staging, fmt.Errorf("parse profile: %q is neither staging nor production", s)
}

// Options configure an Emulator. The zero value is a staging emulator in real
// time, seed 0, no chaos, with a random API key.
type Options struct {
	// Seed drives every random draw of the emulated world (identifiers,
	// PANs, KYC outcomes and delays, OTP codes) and, through a separate
	// stream, the chaos decisions. The same seed and the same sequence of
	// calls at the same emulated times give the same responses.
	Seed int64
	// TimeScale multiplies every emulated delay (KYC review, deposit
	// confirmation and clearing, card clearing, OTP and bank-OTP lifetimes,
	// webhook retry backoff). 1 is real time; 0.001 turns an hour into 3.6 s.
	// Zero or negative means 1. Timestamps in responses are always Now.
	TimeScale float64
	// Profile is Staging (the zero value) or Production.
	Profile Profile
	// DenyAllowlist makes every authenticated call answer the two-cause 403
	// "No Authorised IPs configured", as when the caller's IP is not on the
	// Program's allowlist or fails FCrDNS. See also SetDenyAllowlist.
	DenyAllowlist bool
	// APIKey is the X-API-Key every call must carry. Empty means a random
	// key is generated; read it back with (*Emulator).APIKey.
	APIKey string
	// Chaos injects latency, 429s and 5xx; the zero value injects nothing.
	Chaos Chaos
	// MaxBodyBytes caps request bodies; larger bodies get 413. Zero means
	// 64 KiB.
	MaxBodyBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives one debug line per call and warnings about webhook
	// deliveries; nil discards.
	Logger *slog.Logger
	// WebhookClient posts 3-D Secure webhooks. Nil means a client with a
	// 5 s timeout that ignores proxy environment variables.
	WebhookClient *http.Client
}

// Chaos describes the faults the emulation engine injects into the main API
// (never into /staging/*, so tests can always force a state). Decisions come
// from a random stream seeded by Options.Seed. The zero value injects nothing.
type Chaos struct {
	// Latency is the upper bound of a uniformly drawn extra delay per call.
	// It is wall-clock time and is not scaled by TimeScale.
	Latency time.Duration
	// ErrorRate is the fraction of calls, in [0,1], answered with a random
	// 500, 502 or 503 before any state changes.
	ErrorRate float64
	// ThrottleRate is the fraction of calls, in [0,1], answered with 429 and
	// Retry-After at random, whatever the call rate.
	ThrottleRate float64
	// RateLimit is the sustained number of calls per second allowed (a
	// token bucket); calls beyond it get 429 with Retry-After. Zero means
	// unlimited.
	RateLimit float64
	// RateBurst is the bucket size; zero means max(1, RateLimit).
	RateBurst int
}

// Validate reports an out-of-range chaos setting.
func (c Chaos) Validate() error {
	switch {
	case c.Latency < 0:
		return fmt.Errorf("chaos latency %s is negative", c.Latency)
	case c.ErrorRate < 0 || c.ErrorRate > 1:
		return fmt.Errorf("chaos error rate %g is outside [0,1]", c.ErrorRate)
	case c.ThrottleRate < 0 || c.ThrottleRate > 1:
		return fmt.Errorf("chaos throttle rate %g is outside [0,1]", c.ThrottleRate)
	case c.RateLimit < 0:
		return fmt.Errorf("chaos rate limit %g is negative", c.RateLimit)
	case c.RateBurst < 0:
		return fmt.Errorf("chaos rate burst %d is negative", c.RateBurst)
	}
	return nil
}

const defaultMaxBodyBytes = 64 << 10

// clamped forces every setting into its range, so New never fails; callers
// that want an error for a bad setting call Validate first.
func (c Chaos) clamped() Chaos {
	c.Latency = max(c.Latency, 0)
	c.ErrorRate = min(max(c.ErrorRate, 0), 1)
	c.ThrottleRate = min(max(c.ThrottleRate, 0), 1)
	c.RateLimit = max(c.RateLimit, 0)
	c.RateBurst = max(c.RateBurst, 0)
	return c
}

func (o Options) withDefaults() Options {
	if o.TimeScale <= 0 {
		o.TimeScale = 1
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = defaultMaxBodyBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Chaos = o.Chaos.clamped()
	if o.WebhookClient == nil {
		o.WebhookClient = &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
		}
	}
	return o
}
