package proxy

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// gateWriter blocks every write until open is closed.
type gateWriter struct {
	open  chan struct{}
	lines atomic.Int64
}

func (g *gateWriter) Write(p []byte) (int, error) {
	<-g.open
	g.lines.Add(int64(strings.Count(string(p), "\n")))
	return len(p), nil
}

// TestAccessLogDropsWhenFull: a writer that is stuck never blocks a call:
// lines past the queue are dropped and counted (and warned about once),
// and what was queued is written at close.
func TestAccessLogDropsWhenFull(t *testing.T) {
	w := &gateWriter{open: make(chan struct{})}
	var out syncBuf
	logs := newLogLimiter(slog.New(slog.NewJSONHandler(&out, nil)), slog.LevelWarn, time.Hour, time.Now)
	var dropped atomic.Int64
	a := newAccessLog(w, false, logs, func() { dropped.Add(1) })
	const n = accessLogQueue + 500
	start := time.Now()
	for range n {
		a.add(accessEntry{method: "GET", endpoint: "other", status: 200, mode: evidence.ModeBaseURL}, 0)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("adding took %v: callers waited", d)
	}
	// The writer holds a few hundred lines in its buffer before it blocks.
	if dropped.Load() < 100 {
		t.Errorf("dropped %d, want the lines past the queue and the writer's buffer", dropped.Load())
	}
	close(w.open)
	a.close()
	logs.close()
	if got := w.lines.Load() + dropped.Load(); got != n {
		t.Errorf("written %d + dropped %d != %d", w.lines.Load(), dropped.Load(), n)
	}
	if c := strings.Count(out.String(), "access log line dropped"); c != 2 { // the first, then one summary at close
		t.Errorf("%d warnings:\n%s", c, out.String())
	}
	a.add(accessEntry{}, 0) // after close: dropped, no panic
}

func TestAccessLine(t *testing.T) {
	e := accessEntry{time: time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC), method: "POST",
		endpoint: "/cards/{cardId}/\"pin\"", status: 502, duration: 12345, kind: evidence.ErrTLS, mode: evidence.ModeMITM}
	got := string(appendAccessLine(nil, e, 42))
	want := `{"time":"2026-05-06T07:08:09.123Z","seq":42,"method":"POST","endpoint":"/cards/{cardId}/\"pin\"","status":502,"duration_ms":12.345,"error_kind":"tls","mode":"mitm"}` + "\n"
	if got != want {
		t.Errorf("line\n%s\nwant\n%s", got, want)
	}
}

// FuzzAppendJSONString: any string becomes valid JSON that decodes to it
// (invalid UTF-8 to U+FFFD, as encoding/json does).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "other", "/cards/{cardId}", "a\"b\\c\n\x00\x1f", "\xff\xfe", "é☃𝄞"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q gave invalid JSON %s: %v", s, b, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); utf8.ValidString(s) && back != want {
			t.Fatalf("%q came back as %q", s, back)
		}
	})
}

// BenchmarkAccessLogAdd is what the access log costs a call: format its
// line into a recycled buffer and hand it to the writer (io.Discard).
func BenchmarkAccessLogAdd(b *testing.B) {
	logs := newLogLimiter(slog.New(slog.DiscardHandler), slog.LevelWarn, time.Hour, time.Now)
	a := newAccessLog(io.Discard, true, logs, func() {})
	e := accessEntry{time: time.Now(), method: "GET", endpoint: "/cards/{cardId}/balance", status: 200,
		duration: 1234, mode: evidence.ModeBaseURL}
	b.ReportAllocs()
	for i := range b.N {
		a.add(e, uint64(i+1))
	}
	b.StopTimer()
	a.close()
	logs.close()
}
