package main

import (
	"errors"
	"net/url"
	"time"

	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// windowFlags are --since and --until: the time window of the records a
// command reads (coverage, export).
type windowFlags struct {
	since, until string
}

func (f *windowFlags) bind(fs *pflag.FlagSet, what string) {
	fs.StringVar(&f.since, "since", "", "only "+what+" at or after `TIME`: RFC 3339, a date (UTC midnight), now, or a duration back from now (90m, 2h, 7d, 2w)")
	fs.StringVar(&f.until, "until", "", "only "+what+" before `TIME` (the same forms)")
}

// window parses the flags against now; a bad value or an empty window is a
// usage error.
func (f *windowFlags) window(now time.Time) (evidence.Window, error) {
	w, err := evidence.ParseWindow(f.since, f.until, now)
	if errors.Is(err, evidence.ErrBadWindow) {
		return evidence.Window{}, newUsageError("--%v", err)
	}
	return w, err
}

// windowQuery is the window as the admin listener's ?since=&until=, in
// RFC 3339 (resolved here, so both sides mean the same instants).
func windowQuery(w evidence.Window) url.Values {
	q := url.Values{}
	if !w.Since.IsZero() {
		q.Set("since", w.Since.UTC().Format(time.RFC3339Nano))
	}
	if !w.Until.IsZero() {
		q.Set("until", w.Until.UTC().Format(time.RFC3339Nano))
	}
	return q
}
