package events

import (
	"log/slog"
	"sync"
	"time"
)

// logEvery is the shortest interval between two log lines of one kind.
const logEvery = 10 * time.Second

// limitedLog writes at most one line per kind every logEvery, adding how
// many lines of that kind it left out since the last one. Failures that
// repeat per request (a store outage, a flood) therefore cost a line
// every ten seconds, not one per request.
type limitedLog struct {
	log *slog.Logger
	now func() time.Time
	mu  sync.Mutex
	// last and skipped are guarded by mu.
	last    map[string]time.Time
	skipped map[string]int
}

func newLimitedLog(log *slog.Logger, now func() time.Time) *limitedLog {
	return &limitedLog{log: log, now: now, last: map[string]time.Time{}, skipped: map[string]int{}}
}

// warn logs msg (a constant: it is also the kind) unless one was logged
// less than logEvery ago.
func (l *limitedLog) warn(msg string, args ...any) {
	l.mu.Lock()
	now := l.now()
	if t, ok := l.last[msg]; ok && now.Sub(t) < logEvery {
		l.skipped[msg]++
		l.mu.Unlock()
		return
	}
	skipped := l.skipped[msg]
	l.last[msg], l.skipped[msg] = now, 0
	l.mu.Unlock()
	if skipped > 0 {
		args = append(args, "suppressed", skipped)
	}
	l.log.Warn(msg, args...)
}
