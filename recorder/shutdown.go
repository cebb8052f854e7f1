package recorder

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The clean-shutdown marker is the meta key run_state. Open (for writing)
// sets it to "open sync" or "open async", in the same transaction as the
// gap record of an unclean stop if the previous run did not close; Close
// sets it to "closed" once everything queued is committed. Finding
// "open …" at Open means the previous run stopped without Close (SIGKILL,
// power loss, a Close that gave up on a failing store): the first record
// written is then a gap record with cause evidence.GapUncleanShutdown.
//
// A store written before the marker existed has no run_state; its first
// open writes no such record (nothing is known about how it stopped).
const (
	stateClosed    = "closed"
	stateOpenSync  = "open sync"
	stateOpenAsync = "open async"
)

func putRunState(meta *bolt.Bucket, state string) error {
	if err := meta.Put(metaRunState, []byte(state)); err != nil {
		return fmt.Errorf("write run state: %w", err)
	}
	return nil
}

func openState(d Durability) string {
	if d == Async {
		return stateOpenAsync
	}
	return stateOpenSync
}

// lastRun is what the store says about how its previous run ended.
type lastRun struct {
	state string
	// headTime is the time of the last committed record (zero if none).
	headTime time.Time
}

func readLastRun(tx *bolt.Tx) lastRun {
	r := lastRun{state: string(tx.Bucket(bucketMeta).Get(metaRunState))}
	if _, v := tx.Bucket(bucketRecords).Cursor().Last(); v != nil {
		r.headTime, _ = envelopeTime(v)
	}
	return r
}

// markOpen commits, in one transaction, the gap record of an unclean stop
// of the previous run (when it was one) and this run's open state. It runs
// in Open, before the writer goroutine starts.
func (w *writer) markOpen() error {
	var last lastRun
	if err := w.s.db.View(func(tx *bolt.Tx) error { last = readLastRun(tx); return nil }); err != nil {
		return fmt.Errorf("read run state: %w", err)
	}
	var batch []*job
	if last.state == stateOpenSync || last.state == stateOpenAsync {
		g, err := w.uncleanGapJob(last, w.s.opts.Now())
		if err != nil {
			return err
		}
		batch = append(batch, g)
	}
	start, after := time.Now(), w.head.seq
	if err := w.tx(batch, openState(w.s.opts.Durability), nil); err != nil {
		return fmt.Errorf("mark store open: %w", err)
	}
	if len(batch) > 0 {
		w.s.log.Warn("evidence store was not closed by its last run: gap record written",
			"after_seq", after, "previous_run", last.state)
		w.succeed(batch, time.Since(start))
	}
	return nil
}

// uncleanGapJob encodes the gap record of an unclean stop found at open.
func (w *writer) uncleanGapJob(last lastRun, now time.Time) (*job, error) {
	g := &evidence.Gap{
		Cause:    evidence.GapUncleanShutdown,
		AfterSeq: w.head.seq,
		From:     last.headTime,
		Until:    now,
	}
	if last.state == stateOpenAsync {
		g.Reason = fmt.Sprintf("the previous run (async durability) stopped without closing the store: "+
			"calls answered after record %d, up to this record's time, may be missing", w.head.seq)
	} else {
		g.Reason = fmt.Sprintf("the previous run (sync durability) stopped without closing the store "+
			"after record %d: every call answered after its record was committed is recorded; calls in "+
			"flight at the stop (perhaps forwarded, never answered) and calls refused during a store "+
			"outage then may be missing", w.head.seq)
	}
	return w.newGapJob(g, now)
}

// markClosed writes the clean-shutdown marker once the writer has stopped
// with nothing left behind; otherwise it says what was not committed and
// leaves the store marked open, so the next Open records the loss.
func (w *writer) markClosed() error {
	records, refused := w.uncommitted()
	if w.out.active() || records > 0 || refused > 0 {
		err := fmt.Errorf("close store: %d records not committed, %d refused calls not counted in a gap record", records, refused)
		if h := w.s.Healthy(); h != nil {
			err = fmt.Errorf("%w: %w", err, h)
		}
		return err
	}
	if err := w.tx(nil, stateClosed, nil); err != nil {
		return fmt.Errorf("close store: mark closed: %w", err)
	}
	return nil
}
