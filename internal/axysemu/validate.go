package axysemu

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// check validates request fields one after another and keeps the first
// failure: a 422 whose message starts with the field's JSON name. Fields
// are pointers so an absent field (nil) can be told from an empty one.
//
// These hand-written checks keep the emulator's status codes and messages;
// the API's one description is contract.Default (contract/openapi). The
// tests in validate_test.go prove the two agree on a corpus of valid and
// invalid requests for every endpoint, naming each deliberate difference
// (the emulator tolerates callingCode "1" and http webhooks, as staging
// may; it enforces its own limits where the docs give none), and that
// every response the emulator gives matches the description.
type check struct {
	err error
}

func (c *check) fail(name, format string, args ...any) {
	if c.err == nil {
		c.err = invalid(name+": "+format, args...)
	}
}

// present reports whether a field is there, failing when it is required
// and absent.
func (c *check) present(name string, set, required bool) bool {
	if !set && required {
		c.fail(name, "is required")
	}
	return set && c.err == nil
}

// text checks a string's length in characters.
func (c *check) text(name string, v *string, required bool, lo, hi int) {
	if !c.present(name, v != nil, required) {
		return
	}
	if n := utf8.RuneCountInString(*v); n < lo || n > hi {
		if lo == hi {
			c.fail(name, "must be %d characters", lo)
		} else {
			c.fail(name, "must be %d to %d characters", lo, hi)
		}
		return
	}
	if strings.TrimSpace(*v) == "" && lo > 0 {
		c.fail(name, "must not be blank")
	}
}

// digits checks a string of ASCII digits with a length in [lo, hi].
func (c *check) digits(name string, v *string, required bool, lo, hi int) {
	c.text(name, v, required, lo, hi)
	if v == nil || c.err != nil {
		return
	}
	if !allDigits(*v) {
		c.fail(name, "must contain digits only")
	}
}

// upper checks a string of n ASCII capital letters (ISO 3166 codes).
func (c *check) upper(name string, v *string, required bool, n int, what string) {
	if !c.present(name, v != nil, required) {
		return
	}
	if len(*v) != n || strings.IndexFunc(*v, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		c.fail(name, "must be %s (%d capital letters)", what, n)
	}
}

// email checks the documented length and the presence of an @.
func (c *check) email(name string, v *string, required bool) {
	c.text(name, v, required, 6, 50)
	if v == nil || c.err != nil {
		return
	}
	if at := strings.IndexByte(*v, '@'); at < 1 || at == len(*v)-1 {
		c.fail(name, "must be an email address")
	}
}

// date checks a YYYY-MM-DD date not after now.
func (c *check) date(name string, v *string, required bool, now time.Time) {
	if !c.present(name, v != nil, required) {
		return
	}
	d, err := time.Parse(time.DateOnly, *v)
	if err != nil {
		c.fail(name, "must be a date as YYYY-MM-DD")
		return
	}
	if d.After(now) {
		c.fail(name, "must not be in the future")
	}
}

// between checks an integer in [lo, hi].
func (c *check) between(name string, v *int64, required bool, lo, hi int64) {
	if !c.present(name, v != nil, required) {
		return
	}
	if *v < lo || *v > hi {
		c.fail(name, "must be between %d and %d", lo, hi)
	}
}

// oneOf checks an integer enum.
func (c *check) oneOf(name string, v *int64, required bool, allowed ...int64) {
	if !c.present(name, v != nil, required) {
		return
	}
	for _, a := range allowed {
		if *v == a {
			return
		}
	}
	c.fail(name, "must be one of %s", joinInts(allowed))
}

// webURL checks an absolute http or https URL with a host.
func (c *check) webURL(name string, v *string) {
	if !c.present(name, v != nil, false) {
		return
	}
	u, err := url.Parse(*v)
	if err != nil || len(*v) > 2048 || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.fail(name, "must be an absolute http or https URL")
	}
}

// decimal checks a /staging/* amount: a decimal string with at most two
// decimals, e.g. "10.00", from 0.01 to 10,000,000.00. It returns the amount
// in minor units.
func (c *check) decimal(name string, v *string, required bool) int64 {
	if !c.present(name, v != nil, required) {
		return 0
	}
	n, ok := parseDecimal(*v)
	if !ok {
		c.fail(name, `must be a decimal string with at most 2 decimals, such as "10.00", from 0.01 to 10000000.00`)
	}
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func joinInts(v []int64) string {
	var b strings.Builder
	for i, n := range v {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(itoa(n))
	}
	return b.String()
}

// deref returns *p, or zero when p is nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// setIf assigns *src to *dst when src is present.
func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
