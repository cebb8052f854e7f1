package evidence

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Window is a time range [Since, Until) of record times; a zero bound is
// open. It is what --since and --until select.
type Window struct {
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// ErrBadWindow is matched (errors.Is) by every error of ParseWindow and
// ParseTimeBound: the caller's input is wrong (a usage error).
var ErrBadWindow = errors.New("bad time window")

// WindowError says which bound is wrong and why.
type WindowError struct {
	// Bound is "since" or "until".
	Bound  string
	Value  string
	Reason string
}

func (e *WindowError) Error() string {
	if e.Value == "" {
		return e.Bound + ": " + e.Reason
	}
	return fmt.Sprintf("%s %q: %s", e.Bound, e.Value, e.Reason)
}

func (e *WindowError) Is(target error) bool { return target == ErrBadWindow }

// maxRelative bounds a relative time: a hundred years back.
const maxRelative = 100 * 365 * 24 * time.Hour

// timeForms is the help every unparseable bound gets.
const timeForms = "want RFC 3339 (2026-03-14T09:00:00Z), a date (2026-03-14, UTC midnight), " +
	"\"now\", or a duration back from now (90m, 2h, 7d, 2w, 1h30m)"

// ParseWindow parses the --since and --until values against now; an empty
// value leaves its bound open. Since must be before Until.
func ParseWindow(since, until string, now time.Time) (Window, error) {
	var w Window
	var err error
	if w.Since, err = ParseTimeBound("since", since, now); err != nil {
		return Window{}, err
	}
	if w.Until, err = ParseTimeBound("until", until, now); err != nil {
		return Window{}, err
	}
	if !w.Since.IsZero() && !w.Until.IsZero() && !w.Since.Before(w.Until) {
		return Window{}, &WindowError{Bound: "since", Reason: fmt.Sprintf(
			"%s is not before until %s: the window would be empty",
			w.Since.Format(time.RFC3339Nano), w.Until.Format(time.RFC3339Nano))}
	}
	return w, nil
}

// ParseTimeBound parses one bound: RFC 3339, a date (midnight UTC), "now",
// or a duration back from now ("90m", "2h", "7d", "2w", or any Go duration
// such as "1h30m"). bound names it in errors; an empty value is the zero
// time (open). The result is in UTC.
func ParseTimeBound(bound, value string, now time.Time) (time.Time, error) {
	v := strings.TrimSpace(value)
	switch {
	case v == "":
		return time.Time{}, nil
	case v == "now":
		return now.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	d, err := parseRelative(v)
	if err != nil {
		return time.Time{}, &WindowError{Bound: bound, Value: value, Reason: err.Error()}
	}
	return now.Add(-d).UTC(), nil
}

// parseRelative parses a duration back from now: a whole number of
// seconds, minutes, hours, days or weeks, or a Go duration.
func parseRelative(v string) (time.Duration, error) {
	if strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+") {
		return 0, errors.New("a relative time counts back from now: write it without a sign (2h, not -2h)")
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[v[len(v)-1]]
	if unit != 0 {
		n, err := strconv.ParseUint(v[:len(v)-1], 10, 32)
		if err != nil {
			return 0, errors.New(timeForms)
		}
		if time.Duration(n) > maxRelative/unit {
			return 0, fmt.Errorf("more than %d days back", maxRelative/(24*time.Hour))
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || v[0] < '0' || v[0] > '9' {
		return 0, errors.New(timeForms)
	}
	if d > maxRelative {
		return 0, fmt.Errorf("more than %d days back", maxRelative/(24*time.Hour))
	}
	return d, nil
}

// IsZero reports whether both bounds are open.
func (w Window) IsZero() bool { return w.Since.IsZero() && w.Until.IsZero() }

// Contains reports whether t is in [Since, Until).
func (w Window) Contains(t time.Time) bool {
	return (w.Since.IsZero() || !t.Before(w.Since)) && (w.Until.IsZero() || t.Before(w.Until))
}

// String renders the window as "since – until" in RFC 3339 UTC, "open" for
// an open bound, and "all records" when both are open.
func (w Window) String() string {
	if w.IsZero() {
		return "all records"
	}
	bound := func(t time.Time) string {
		if t.IsZero() {
			return "open"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return bound(w.Since) + " – " + bound(w.Until)
}
