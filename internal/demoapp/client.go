package demoapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// retryPolicy says which failures a call may retry.
type retryPolicy int

const (
	// retrySafe retries throttling, 5xx and transport failures: for reads
	// and for writes whose repetition has no extra effect.
	retrySafe retryPolicy = iota
	// retryThrottle retries only 429, which is refused before any effect.
	// Creations use it: after a 5xx they check what exists before trying
	// again, so a retry never makes a duplicate.
	retryThrottle
	// retryNever makes one attempt; the scenario handles every outcome.
	retryNever
)

// call is one API request.
type call struct {
	method string
	path   string // relative to the base URL, with its query
	body   any    // marshalled as JSON when non-nil
	retry  retryPolicy
	// apiKey overrides the client's key when non-empty.
	apiKey string
}

// client speaks the Axys API: JSON in and out, X-API-Key on every call,
// bounded attempts with backoff for throttling and server faults.
type client struct {
	base     string
	key      string
	http     *http.Client
	log      *slog.Logger
	sleep    func(context.Context, time.Duration) error
	attempts int
	timeout  time.Duration
	// stats counts what the retry loop met, for the Result.
	stats *callStats
	// tel gives each attempt a span and its traceparent header.
	tel *telemetry
}

// callStats counts the calls and the retries the client made. It is owned by
// the single goroutine running the script.
type callStats struct {
	Calls, Throttled, ServerFaults, Retries int
}

// do sends c and decodes a 2xx body into out (when non-nil). It returns an
// *APIError for answers it gives up on.
func (cl *client) do(ctx context.Context, c call, out any) error {
	var payload []byte
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", c.method, c.path, err)
		}
		payload = b
	}
	var err error
	for attempt := 1; ; attempt++ {
		var body []byte
		body, err = cl.once(ctx, c, payload)
		if err == nil {
			return decodeInto(c, body, out)
		}
		wait, retry := cl.backoff(c.retry, err, attempt)
		if !retry || attempt >= cl.attempts || ctx.Err() != nil {
			return err
		}
		cl.stats.Retries++
		cl.log.Info("retrying call", "method", c.method, "path", pathOnly(c.path),
			"status", StatusOf(err), "attempt", attempt, "wait", wait)
		if serr := cl.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("wait to retry %s %s: %w", c.method, c.path, serr)
		}
	}
}

// backoff decides whether err may be retried under p and after how long
// (nominal time, scaled by the sleeper).
func (cl *client) backoff(p retryPolicy, err error, attempt int) (time.Duration, bool) {
	if p == retryNever {
		return 0, false
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		// A transport failure: the request may or may not have reached
		// the API, so only calls without side effects are retried.
		return exponential(attempt), p == retrySafe
	}
	switch {
	case ae.Status == http.StatusTooManyRequests:
		cl.stats.Throttled++
		if ae.RetryAfter > 0 {
			return ae.RetryAfter, true
		}
		return exponential(attempt), true
	case ae.Status >= 500:
		cl.stats.ServerFaults++
		return exponential(attempt), p == retrySafe
	}
	return 0, false
}

// exponential is 200 ms, 400 ms, 800 ms … capped at 5 s.
func exponential(attempt int) time.Duration {
	d := 200 * time.Millisecond << min(attempt-1, 5)
	return min(d, 5*time.Second)
}

// once makes one attempt and returns the body of a 2xx answer.
func (cl *client) once(ctx context.Context, c call, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, cl.timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, cl.base+c.path, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", c.method, c.path, err)
	}
	key := cl.key
	if c.apiKey != "" {
		key = c.apiKey
	}
	ctx, span := cl.tel.startCall(ctx, c.method, c.path, req.Header)
	defer span.End()
	req = req.WithContext(ctx)
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	cl.stats.Calls++
	resp, err := cl.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("send %s %s: %w", c.method, pathOnly(c.path), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", c.method, pathOnly(c.path), err)
	}
	if resp.StatusCode/100 != 2 || envelopeError(body) {
		return nil, &APIError{
			Method: c.method, Path: pathOnly(c.path), Status: resp.StatusCode,
			Message: errorMessage(body), RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	}
	return body, nil
}

func decodeInto(c call, body []byte, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decode %s %s: %w", c.method, pathOnly(c.path), err)
	}
	return nil
}

// envelopeError reports a body whose envelope status is "error".
func envelopeError(body []byte) bool {
	var env struct {
		Status any `json:"status"`
	}
	return json.Unmarshal(body, &env) == nil && env.Status == "error"
}

// errorMessage extracts the message of an error body.
func errorMessage(body []byte) string {
	var env struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &env) == nil && env.Message != "" {
		return env.Message
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// parseRetryAfter reads delay-seconds or an HTTP date; zero when absent or
// unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// pathOnly drops the query, for logs.
func pathOnly(p string) string {
	path, _, _ := strings.Cut(p, "?")
	return path
}

// query builds "?k=v&…" from pairs, in order.
func query(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return "?" + v.Encode()
}
