package proxy

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// testLimiter is a limiter on a fake clock whose summaries are only
// recorded as scheduled: the test calls flushDue itself.
func testLimiter(t *testing.T) (*logLimiter, *fakeClock, *bytes.Buffer, *[]time.Duration) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	l := newLogLimiter(slog.New(slog.NewJSONHandler(&out, nil)), slog.LevelWarn, 10*time.Second, clock.now)
	var scheduled []time.Duration
	l.schedule = func(d time.Duration, f func()) func() bool {
		scheduled = append(scheduled, d)
		l.wg.Done() // never runs: the test flushes by hand
		return func() bool { return false }
	}
	return l, clock, &out, &scheduled
}

type logLine struct {
	Msg      string `json:"msg"`
	Kind     string `json:"kind"`
	Repeated int    `json:"repeated"`
	Over     string `json:"over"`
	N        int    `json:"n"`
}

func lines(t *testing.T, out *bytes.Buffer) []logLine {
	t.Helper()
	var got []logLine
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var ll logLine
		if err := json.Unmarshal([]byte(l), &ll); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		got = append(got, ll)
	}
	out.Reset()
	return got
}

// TestLogLimiter: the first line of a burst at once, then a summary per
// interval with the count and the last line's attributes, a fresh start
// after a quiet interval, kinds independent, and pending summaries
// logged on close.
func TestLogLimiter(t *testing.T) {
	l, clock, out, scheduled := testLimiter(t)
	l.add("a", "upstream call failed", "n", 1)
	if got := lines(t, out); len(got) != 1 || got[0].N != 1 || got[0].Kind != "a" || got[0].Repeated != 0 {
		t.Fatalf("first line: %+v", got)
	}
	for i := 2; i <= 5; i++ {
		clock.advance(time.Second)
		l.add("a", "upstream call failed", "n", i)
	}
	l.add("b", "other kind", "n", 100)
	if got := lines(t, out); len(got) != 1 || got[0].Kind != "b" {
		t.Fatalf("during the burst: %+v", got)
	}
	if len(*scheduled) != 1 || (*scheduled)[0] != 9*time.Second {
		t.Errorf("scheduled %v, want one summary in 9s", *scheduled)
	}
	clock.advance(6 * time.Second) // 10s after the first line
	l.flushDue()
	got := lines(t, out)
	if len(got) != 1 || got[0].Repeated != 4 || got[0].N != 5 || got[0].Over != "9s" {
		t.Fatalf("summary: %+v", got)
	}
	clock.advance(3 * time.Second)
	l.add("a", "upstream call failed", "n", 6) // still within the next interval: counted
	if got := lines(t, out); len(got) != 0 {
		t.Fatalf("a line within the interval after a summary: %+v", got)
	}
	l.close()
	if got := lines(t, out); len(got) != 1 || got[0].Repeated != 1 || got[0].N != 6 {
		t.Fatalf("summary on close: %+v", got)
	}

	l, clock, out, _ = testLimiter(t)
	l.add("a", "m", "n", 1)
	clock.advance(10 * time.Second)
	l.flushDue() // nothing counted: the kind is forgotten
	clock.advance(time.Second)
	l.add("a", "m", "n", 2)
	if got := lines(t, out); len(got) != 2 || got[1].N != 2 || got[1].Repeated != 0 {
		t.Fatalf("after a quiet interval: %+v", got)
	}
}

// TestLogLimiterTimers runs the real scheduler: a burst's summary is
// logged without another line arriving.
func TestLogLimiterTimers(t *testing.T) {
	var out syncBuf
	l := newLogLimiter(slog.New(slog.NewJSONHandler(&out, nil)), slog.LevelWarn, 20*time.Millisecond, time.Now)
	l.add("a", "m")
	l.add("a", "m")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), `"repeated":1`) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	l.close()
	if !strings.Contains(out.String(), `"repeated":1`) {
		t.Errorf("no summary: %s", out.String())
	}
}

// TestUpstreamHealth: one failure among successes changes nothing, three
// in a row make it unhealthy, a TLS failure at once, one success heals.
func TestUpstreamHealth(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var changes []bool
	h := newUpstreamHealth(0, clock.now, func(ok bool, _ string) { changes = append(changes, ok) })
	check := func(wantOK bool, wantReason string) {
		t.Helper()
		ok, reason, _ := h.state()
		if ok != wantOK || !strings.Contains(reason, wantReason) {
			t.Fatalf("state = %v %q, want %v %q", ok, reason, wantOK, wantReason)
		}
	}
	check(true, "no upstream call yet")
	h.failure(evidence.ErrConnectRefused, "refused")
	h.success()
	h.failure(evidence.ErrReset, "reset")
	h.failure(evidence.ErrTimeout, "timeout")
	check(true, "")
	clock.advance(time.Minute)
	h.failure(evidence.ErrConnectRefused, "refused")
	check(false, "3 consecutive upstream failures, the last: refused")
	if _, _, since := h.state(); !since.Equal(clock.t) {
		t.Errorf("since = %v", since)
	}
	h.failure(evidence.ErrDNS, "dns")
	check(false, "dns")
	h.success()
	check(true, "the upstream answered")
	h.failure(evidence.ErrTLS, "bad certificate")
	check(false, "bad certificate")
	h.success()
	if want := []bool{false, true, false, true}; !equalBools(changes, want) {
		t.Errorf("transitions %v, want %v", changes, want)
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
