package evidence

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseWindow(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	tests := []struct {
		name, since, until string
		want               Window
	}{
		{name: "both open"},
		{name: "RFC 3339 both", since: "2026-03-14T08:00:00Z", until: "2026-03-14T10:00:00+01:00",
			want: Window{Since: at("2026-03-14T08:00:00Z"), Until: at("2026-03-14T09:00:00Z")}},
		{name: "fractional seconds", since: "2026-03-14T09:00:00.25Z", want: Window{Since: at("2026-03-14T09:00:00.25Z")}},
		{name: "a date", since: "2026-03-13", want: Window{Since: at("2026-03-13T00:00:00Z")}},
		{name: "hours back", since: "2h", want: Window{Since: at("2026-03-14T09:00:00Z")}},
		{name: "minutes back", since: "90m", want: Window{Since: at("2026-03-14T09:30:00Z")}},
		{name: "days back", since: "7d", until: "1d", want: Window{Since: at("2026-03-07T11:00:00Z"), Until: at("2026-03-13T11:00:00Z")}},
		{name: "weeks back", since: "2w", want: Window{Since: at("2026-02-28T11:00:00Z")}},
		{name: "Go duration", since: "1h30m", want: Window{Since: at("2026-03-14T09:30:00Z")}},
		{name: "until now", since: "2h", until: "now", want: Window{Since: at("2026-03-14T09:00:00Z"), Until: at("2026-03-14T11:00:00Z")}},
		{name: "spaces around", since: " 2h ", want: Window{Since: at("2026-03-14T09:00:00Z")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWindow(tt.since, tt.until, now)
			if err != nil {
				t.Fatalf("ParseWindow: %v", err)
			}
			if !got.Since.Equal(tt.want.Since) || !got.Until.Equal(tt.want.Until) {
				t.Errorf("ParseWindow(%q, %q) = %v, want %v", tt.since, tt.until, got, tt.want)
			}
			if !got.Since.IsZero() && got.Since.Location() != time.UTC {
				t.Errorf("since %v is not in UTC", got.Since)
			}
		})
	}
}

func TestParseWindowRefusesBadInput(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, since, until string
		want               string
	}{
		{name: "since after until", since: "2026-03-14T10:00:00Z", until: "2026-03-14T09:00:00Z", want: "is not before until"},
		{name: "since equals until", since: "1h", until: "60m", want: "the window would be empty"},
		{name: "relative since after until", since: "1h", until: "2h", want: "is not before until"},
		{name: "words", since: "yesterday", want: `since "yesterday": want RFC 3339`},
		{name: "bad until", until: "2026-13-40", want: `until "2026-13-40"`},
		{name: "no unit", since: "5", want: "want RFC 3339"},
		{name: "negative", since: "-2h", want: "without a sign"},
		{name: "plus sign", until: "+2h", want: "without a sign"},
		{name: "unknown unit", since: "3y", want: "want RFC 3339"},
		{name: "days without a number", since: "d", want: "want RFC 3339"},
		{name: "too far back", since: "50000d", want: "more than 36500 days back"},
		{name: "RFC 3339 without a zone", since: "2026-03-14T09:00:00", want: "want RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWindow(tt.since, tt.until, now)
			if !errors.Is(err, ErrBadWindow) {
				t.Fatalf("ParseWindow error = %v, want ErrBadWindow", err)
			}
			var we *WindowError
			if !errors.As(err, &we) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseWindow error = %q, want a WindowError containing %q", err, tt.want)
			}
		})
	}
}

func TestWindowContainsAndString(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	w := Window{Since: t0, Until: t0.Add(time.Hour)}
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{t0.Add(-time.Nanosecond), false}, {t0, true}, {t0.Add(59 * time.Minute), true}, {t0.Add(time.Hour), false},
	} {
		if got := w.Contains(tt.at); got != tt.want {
			t.Errorf("Contains(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
	if !(Window{}).Contains(t0) || (Window{}).String() != "all records" {
		t.Errorf("an open window must contain everything and say so")
	}
	if got, want := (Window{Since: t0}).String(), "2026-03-14T09:00:00Z – open"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := w.String(), "2026-03-14T09:00:00Z – 2026-03-14T10:00:00Z"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
