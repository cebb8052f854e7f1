package proxy

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultLogEvery is the default interval of Options.LogEvery.
const DefaultLogEvery = 30 * time.Second

// Kinds of rate-limited log lines (bounded: one burst state each).
const (
	logUpstreamConnect = "upstream_connect"
	logUpstreamTLS     = "upstream_tls"
	logUpstreamState   = "upstream_state"
	logGuardRefused    = "guard_refused"
	logMITMHandshake   = "mitm_handshake"
	logCAUnusable      = "ca_unusable"
	logRecordFailed    = "record_failed"
	logAccessDropped   = "access_log_dropped"
)

// logLimiter rate-limits log lines that can repeat per call, per kind: the
// first line of a burst is logged at once; lines in the next interval are
// only counted, and a summary (the last line's attributes plus
// "repeated": how many, "over": how long) is logged when the interval
// ends, then at most once per interval while the burst goes on. A kind
// with nothing counted over a whole interval starts afresh. Close logs the
// summaries still pending.
//
// The clock is injectable; summaries are scheduled with schedule (nil:
// time.AfterFunc), and flushDue logs those that are due, so tests can
// drive both.
type logLimiter struct {
	log      *slog.Logger
	level    slog.Level
	every    time.Duration
	now      func() time.Time
	schedule func(d time.Duration, f func()) (stop func() bool)

	mu     sync.Mutex // guards the fields below
	kinds  map[string]*burst
	closed bool
	wg     sync.WaitGroup // scheduled summaries
}

// burst is the state of one kind.
type burst struct {
	until   time.Time // lines before it are counted, not logged
	counted int       // lines counted since the last line logged
	first   time.Time // when the first counted line came
	msg     string
	args    []any
	stop    func() bool // the scheduled summary, or nil
}

func newLogLimiter(log *slog.Logger, level slog.Level, every time.Duration, now func() time.Time) *logLimiter {
	if every <= 0 {
		every = DefaultLogEvery
	}
	return &logLimiter{log: log, level: level, every: every, now: now, kinds: map[string]*burst{}}
}

// add logs msg now, or counts it for the kind's next summary.
func (l *logLimiter) add(kind, msg string, args ...any) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.kinds[kind]
	if b == nil || (b.counted == 0 && !now.Before(b.until)) {
		l.kinds[kind] = &burst{until: now.Add(l.every)}
		l.emit(kind, msg, args, 0, 0)
		return
	}
	if b.counted == 0 {
		b.first = now
	}
	b.counted++
	b.msg, b.args = msg, args
	if b.stop == nil && !l.closed {
		l.arm(kind, b, b.until.Sub(now))
	}
}

// arm schedules the summary of b; l.mu is held.
func (l *logLimiter) arm(kind string, b *burst, d time.Duration) {
	schedule := l.schedule
	if schedule == nil {
		schedule = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	l.wg.Add(1)
	b.stop = schedule(max(d, 0), func() {
		defer l.wg.Done()
		l.flushDue()
	})
}

// flushDue logs the summaries whose interval has ended and forgets kinds
// that were quiet for a whole interval.
func (l *logLimiter) flushDue() {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for kind, b := range l.kinds {
		if now.Before(b.until) {
			continue
		}
		b.stop = nil
		if b.counted == 0 {
			delete(l.kinds, kind)
			continue
		}
		l.emit(kind, b.msg, b.args, b.counted, now.Sub(b.first))
		b.counted, b.until = 0, now.Add(l.every)
	}
}

// close cancels the scheduled summaries, logs those still pending and
// waits for any that is being logged. Lines added later are logged at
// once (the first of a burst) or dropped.
func (l *logLimiter) close() {
	l.mu.Lock()
	l.closed = true
	for kind, b := range l.kinds {
		if b.stop != nil && b.stop() {
			l.wg.Done()
		}
		b.stop = nil
		if b.counted > 0 {
			l.emit(kind, b.msg, b.args, b.counted, l.now().Sub(b.first))
			b.counted = 0
		}
	}
	l.mu.Unlock()
	l.wg.Wait()
}

// emit writes one line; l.mu is held (slog handlers do not call back).
func (l *logLimiter) emit(kind, msg string, args []any, repeated int, over time.Duration) {
	attrs := make([]any, 0, len(args)+6)
	attrs = append(attrs, "kind", kind)
	if repeated > 0 {
		attrs = append(attrs, "repeated", repeated, "over", over.Round(time.Millisecond).String())
	}
	l.log.Log(context.Background(), l.level, msg, append(attrs, args...)...)
}
