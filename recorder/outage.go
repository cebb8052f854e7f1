package recorder

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// A store outage runs from the first failed commit to the next successful
// one. During it the proxy forwards nothing and answers each new call with
// a synthetic 503 whose record carries evidence.ErrStoreUnavailable. Those
// refusals are counted, not queued: queued one record each, they would be
// written first when space comes back, fill the disk again and keep the
// store failing for good. The outage is written once, when it ends, as
// one gap record (cause evidence.GapStoreOutage) at the head of the first
// successful commit, so it comes before anything else written after
// recovery. Records of calls that were forwarded before the store failed
// are held for retry as before (their side effect happened upstream), and
// those that cannot be held are counted in the same gap record.
//
// While the store is healthy none of this costs anything: Record reads
// one atomic pointer (the health) and moves on.

// refusals counts the refused calls of the current outage on the callers'
// goroutines, so that a refusal costs neither redaction nor encoding nor a
// place in the queue.
type refusals struct {
	// mu is held for writing by the writer while it commits the outage's
	// gap record, and for reading by callers counting a refusal: a count
	// is either in that gap record or made after the outage ended (then
	// the call is recorded in full).
	mu sync.RWMutex
	// active is set while an outage is in progress (guarded by mu).
	active bool
	n      atomic.Uint64
}

// count counts one refusal if an outage is in progress and the writer is
// not sealing it right now; false means the record goes the normal way.
func (r *refusals) count() bool {
	if !r.mu.TryRLock() {
		return false
	}
	defer r.mu.RUnlock()
	if !r.active {
		return false
	}
	r.n.Add(1)
	return true
}

// isRefusal reports whether rec is the proxy's own answer to a call it did
// not forward because the store was failing.
func isRefusal(rec *evidence.Record) bool {
	return rec.Error != nil && rec.Error.Kind == evidence.ErrStoreUnavailable &&
		rec.Response != nil && rec.Response.Synthetic && rec.Gap == nil
}

// outage is the writer's view of the outage in progress (zero when the
// store is healthy).
type outage struct {
	since   time.Time // first failed commit
	cause   error     // the error of that commit
	last    error     // the error of the latest failed commit
	refused uint64    // refusals that reached the writer through the queue
	lost    uint64    // records that could not be held (and gap counts folded in)
	lastLog time.Time
}

func (o *outage) active() bool { return !o.since.IsZero() }

// outageLogInterval is the least time between two summary lines of an
// outage in progress.
const outageLogInterval = 30 * time.Second

// beginOutage starts an outage at a failed commit of n records:
// refusals are counted from now on.
func (w *writer) beginOutage(cause error, n int, now time.Time) {
	w.out = outage{since: now, cause: cause, last: cause, lastLog: now}
	w.s.refusals.mu.Lock()
	w.s.refusals.active = true
	w.s.refusals.mu.Unlock()
	w.s.log.Error("evidence store cannot commit: refusing new calls until it recovers",
		"err", cause.Error(), "records", n)
}

// summarize logs a line about the outage in progress, at most once per
// outageLogInterval.
func (w *writer) summarize(cause error, now time.Time) {
	w.out.last = cause
	if now.Sub(w.out.lastLog) < outageLogInterval {
		return
	}
	w.out.lastLog = now
	w.s.log.Warn("evidence store still cannot commit",
		"err", cause.Error(), "failing_for", now.Sub(w.out.since).Round(time.Second).String(),
		"refused_calls", w.out.refused+w.s.refusals.n.Load(), "held_records", len(w.held),
		"lost_records", w.out.lost+w.s.lost.Load())
}

// commitOutage tries to end the outage: one commit holding its gap record
// and the first held records. It reports whether the commit succeeded.
func (w *writer) commitOutage() bool {
	r := &w.s.refusals
	r.mu.Lock()
	defer r.mu.Unlock()
	now := w.s.opts.Now()
	w.out.lost += w.s.lost.Swap(0) // producers' losses go in the gap record too
	refused, lost := w.out.refused+r.n.Load(), w.out.lost
	g, err := w.outageGapJob(refused, lost, now)
	if err != nil {
		w.s.countError("encode") // cannot happen for a record built here
		return false
	}
	n := min(len(w.held), maxBatch-1)
	batch := append(append(w.batch[:0], g), w.held[:n]...)
	start := time.Now()
	if err := w.commitTx(batch); err != nil {
		w.s.recycle(g)
		w.markFailed(err, 0)
		return false
	}
	r.active = false
	r.n.Store(0)
	w.endOutage(refused, lost, now)
	w.release(n)
	w.succeed(batch, time.Since(start))
	return true
}

// endOutage logs the end of the outage and forgets it.
func (w *writer) endOutage(refused, lost uint64, now time.Time) {
	w.s.log.Info("evidence store recovered: commits succeed again",
		"unavailable_for", now.Sub(w.out.since).Round(time.Millisecond).String(),
		"refused_calls", refused, "lost_records", lost, "held_records", len(w.held))
	w.out = outage{}
	w.backoff = 0
}

// outageGapJob encodes the gap record standing for the outage so far.
func (w *writer) outageGapJob(refused, lost uint64, now time.Time) (*job, error) {
	return w.newGapJob(&evidence.Gap{
		Cause: evidence.GapStoreOutage,
		Lost:  lost,
		Reason: fmt.Sprintf("evidence store unavailable: %d calls refused without being forwarded, "+
			"%d records of forwarded calls lost", refused, lost),
		From:    w.out.since,
		Until:   now,
		Refused: refused,
		Error:   w.out.cause.Error(),
	}, now)
}
