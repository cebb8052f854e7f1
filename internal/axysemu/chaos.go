package axysemu

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// chaos decides, per call to the main API, whether to answer with a fault
// instead of the endpoint, and how long to wait first. A fault is decided
// before the handler runs, so a failed call never has a side effect.
type chaos struct {
	cfg Chaos
	now func() time.Time

	// mu guards rng, tokens, last and forced.
	mu     sync.Mutex
	rng    *rand.Rand
	tokens float64
	last   time.Time
	forced []int // statuses forced by /staging/faults, answered first
}

func newChaos(cfg Chaos, seed int64, now func() time.Time) *chaos {
	if cfg.RateLimit > 0 && cfg.RateBurst == 0 {
		cfg.RateBurst = max(1, int(math.Ceil(cfg.RateLimit)))
	}
	return &chaos{
		cfg:    cfg,
		now:    now,
		rng:    rand.New(rand.NewPCG(uint64(seed), streamChaos)),
		tokens: float64(cfg.RateBurst),
	}
}

// force queues count calls to be answered with status.
func (c *chaos) force(status, count int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range count {
		c.forced = append(c.forced, status)
	}
}

// apply waits the drawn latency and returns the fault to answer with, if
// any. It sets Retry-After on w for 429s.
func (c *chaos) apply(ctx context.Context, w http.ResponseWriter) error {
	delay, fault, retryAfter := c.decide()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if fault != nil {
		return fault
	}
	return nil
}

func (c *chaos) decide() (delay time.Duration, fault *apiError, retryAfter int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.Latency > 0 {
		delay = time.Duration(c.rng.Int64N(int64(c.cfg.Latency)))
	}
	if len(c.forced) > 0 {
		status := c.forced[0]
		c.forced = c.forced[1:]
		fault, retryAfter = faultFor(status)
		return delay, fault, retryAfter
	}
	if wait := c.take(); wait > 0 {
		return delay, apiErrorf(http.StatusTooManyRequests, "rate limit exceeded; retry after %d s", wait), wait
	}
	if c.cfg.ThrottleRate > 0 && c.rng.Float64() < c.cfg.ThrottleRate {
		wait := 1 + c.rng.IntN(5)
		return delay, apiErrorf(http.StatusTooManyRequests, "rate limit exceeded; retry after %d s", wait), wait
	}
	if c.cfg.ErrorRate > 0 && c.rng.Float64() < c.cfg.ErrorRate {
		fault, _ = faultFor([]int{500, 502, 503}[c.rng.IntN(3)])
		return delay, fault, 0
	}
	return delay, nil, 0
}

// take draws a token from the rate-limit bucket, returning 0 on success or
// the whole seconds to wait for the next token.
func (c *chaos) take() int {
	if c.cfg.RateLimit <= 0 {
		return 0
	}
	now := c.now()
	if !c.last.IsZero() {
		c.tokens = min(float64(c.cfg.RateBurst), c.tokens+now.Sub(c.last).Seconds()*c.cfg.RateLimit)
	}
	c.last = now
	if c.tokens >= 1 {
		c.tokens--
		return 0
	}
	return max(1, int(math.Ceil((1-c.tokens)/c.cfg.RateLimit)))
}

// faultMessage returns the message for a status /staging/faults may force;
// false for any other status.
func faultMessage(status int) (string, bool) {
	switch status {
	case http.StatusForbidden:
		return allowlistMessage, true
	case http.StatusTooManyRequests:
		return "rate limit exceeded; retry after 1 s", true
	case http.StatusInternalServerError:
		return "internal error", true
	case http.StatusBadGateway:
		return "bad gateway: an upstream provider did not answer", true
	case http.StatusServiceUnavailable:
		return "service temporarily unavailable", true
	case http.StatusGatewayTimeout:
		return "gateway timeout: an upstream provider timed out", true
	}
	return "", false
}

func faultFor(status int) (*apiError, int) {
	retryAfter := 0
	if status == http.StatusTooManyRequests {
		retryAfter = 1
	}
	msg, _ := faultMessage(status)
	return &apiError{status: status, message: msg}, retryAfter
}
