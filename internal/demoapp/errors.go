package demoapp

import (
	"errors"
	"fmt"
	"time"
)

// ErrScenariosFailed is returned (wrapped) by Run when at least one
// scenario failed; the Result says which and why.
var ErrScenariosFailed = errors.New("scenarios failed")

// errPollTimeout is returned by a poll when its budget runs out before the
// awaited change.
var errPollTimeout = errors.New("poll budget exhausted")

// errUnexpectedDecision is returned when the natural review decided, three
// times in a row, before the staging reviewer could.
var errUnexpectedDecision = errors.New("the review ended on its own before the forced outcome")

// APIError is a non-2xx answer of the API (or of the proxy in front of it),
// or a 2xx answer whose envelope says "status":"error". The app treats both
// as failures, as the Axys client recipe does.
type APIError struct {
	Method, Path string
	Status       int
	// Message is the "message" field of the error envelope, or the start of
	// the body when it is not the envelope.
	Message string
	// RetryAfter is the parsed Retry-After header; zero when absent.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// StatusOf returns the HTTP status carried by err, or 0 when err is not an
// *APIError.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}
