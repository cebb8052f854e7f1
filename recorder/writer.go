package recorder

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"runtime"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// writer is the one goroutine that commits. It takes whatever is queued
// (up to maxBatch records, no timer) into one transaction, so producers
// share fsyncs under load while a lone call waits for exactly one commit.
//
// After a failed commit, the failed records are held and retried with
// backoff; records arriving meanwhile are held too (their callers get
// ErrStoreUnavailable at once). Whatever cannot be held is counted and
// written as a gap record once the store commits again.
type writer struct {
	s         *Store
	head      head
	hasher    hash.Hash
	batch     []*job
	lastBatch int

	held     []*job
	heldLost uint64 // records dropped while held
	// commits counts successful commits; size is the store's size as of
	// the last one (see releaseMapped).
	commits     uint64
	size        int64
	backoff     time.Duration
	failedSince time.Time
	lastLog     time.Time
}

// releaseEvery is how many commits pass between two releases of the
// store file's mapped pages (see releaseMapped).
const releaseEvery = 512

// failureLogInterval rate-limits the "still failing" log line.
const failureLogInterval = 30 * time.Second

func newWriter(s *Store, h head) *writer {
	return &writer{s: s, head: h, hasher: sha256.New(), batch: make([]*job, 0, maxBatch+1)}
}

func (w *writer) run() {
	defer close(w.s.writerDone)
	for {
		if len(w.held) > 0 {
			if !w.retry() {
				w.abandon()
				return
			}
			continue
		}
		first, open := w.wait()
		if first != nil {
			w.gather()
		}
		batch := w.drain(first)
		if len(batch) > 0 {
			w.commit(batch)
			continue
		}
		if !open {
			return
		}
	}
}

// wait blocks until a record or a lost-record notice arrives; open is
// false once the store is closing and the queue is empty.
func (w *writer) wait() (first *job, open bool) {
	select {
	case j, ok := <-w.s.in:
		if !ok {
			return nil, false
		}
		w.s.queuedBytes.Add(-j.size)
		return j, true
	case <-w.s.kick:
		return nil, true
	}
}

// gather lets records accumulate before a commit. Async records wait for
// Options.CommitInterval (see there; Close is delayed by at most one
// interval). Sync records never wait on a timer: when the last commit
// carried several records, calls are arriving together, and the writer
// only yields once so that producers already running can queue theirs
// and share this commit's fsyncs (on the bench, ~20% more records per
// commit).
func (w *writer) gather() {
	if w.s.opts.Durability != Async {
		if w.lastBatch > 1 {
			runtime.Gosched()
		}
		return
	}
	if w.s.opts.CommitInterval <= 0 {
		return
	}
	time.Sleep(w.s.opts.CommitInterval)
}

// drain returns first and whatever else is queued, plus a gap record for
// lost records.
func (w *writer) drain(first *job) []*job {
	batch := w.batch[:0]
	if first != nil {
		batch = append(batch, first)
	}
	for len(batch) < maxBatch {
		select {
		case j, ok := <-w.s.in:
			if !ok {
				return w.withGap(batch)
			}
			w.s.queuedBytes.Add(-j.size)
			batch = append(batch, j)
		default:
			return w.withGap(batch)
		}
	}
	return w.withGap(batch)
}

// withGap appends a gap record for the records lost since the last one.
func (w *writer) withGap(batch []*job) []*job {
	lost := w.s.lost.Swap(0) + w.heldLost
	w.heldLost = 0
	if lost == 0 {
		return batch
	}
	g, err := w.gapJob(lost)
	if err != nil {
		// Cannot happen for a record built here; keep the count.
		w.s.lost.Add(lost)
		w.s.countError("encode")
		return batch
	}
	return append(batch, g)
}

func (w *writer) gapJob(lost uint64) (*job, error) {
	rec := &evidence.Record{
		Kind: evidence.KindGap,
		Time: w.s.opts.Now(),
		Gap:  &evidence.Gap{Lost: lost, Reason: "calls not recorded: queue full, store failure or canceled"},
	}
	if err := normalize(rec, w.s.opts.Now); err != nil {
		return nil, err
	}
	return w.s.encode(rec)
}

// commit writes batch in one transaction and reports the outcome.
func (w *writer) commit(batch []*job) {
	start := time.Now()
	w.lastBatch = len(batch)
	if err := w.commitTx(batch); err != nil {
		w.fail(batch, err)
		return
	}
	w.succeed(batch, time.Since(start))
}

func (w *writer) commitTx(batch []*job) error {
	tx, err := w.s.db.Begin(true)
	if err != nil {
		return fmt.Errorf("begin commit: %w", err)
	}
	next, err := w.put(tx, batch)
	if err == nil && w.s.opts.CommitHook != nil {
		err = w.s.opts.CommitHook(len(batch))
	}
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	size := tx.Size()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit %d records: %w", len(batch), err)
	}
	w.head, w.size = next, size
	return nil
}

// put seals the batch after the current head and writes it.
func (w *writer) put(tx *bolt.Tx, batch []*job) (head, error) {
	recs := tx.Bucket(bucketRecords)
	recs.FillPercent = 1.0
	h := w.head
	for _, j := range batch {
		seq := h.seq + 1
		j.seq, j.prev = seq, h.hash
		j.hash = chainHash(w.hasher, j, seq, h.hash)
		fillEnvelope(j.value, j.hash, j.prev)
		putSeq(j.key[:], seq)
		if err := recs.Put(j.key[:], j.value); err != nil {
			return h, fmt.Errorf("put record %d: %w", seq, err)
		}
		h = head{seq: seq, hash: j.hash}
	}
	if err := putHead(tx.Bucket(bucketMeta), h); err != nil {
		return h, err
	}
	return h, nil
}

func (w *writer) succeed(batch []*job, elapsed time.Duration) {
	s := w.s
	for _, j := range batch {
		j.rec.Seq, j.rec.PrevHash, j.rec.Hash = j.seq, j.prev, j.hash
	}
	h := w.head
	s.head.Store(&h)
	s.metrics.observeCommit(batch, elapsed, h.seq)
	if w.commits++; w.commits%releaseEvery == 0 {
		s.releaseMapped(w.size)
	}
	if !w.failedSince.IsZero() {
		s.log.Info("evidence store recovered: commits succeed again",
			"unavailable_for", s.opts.Now().Sub(w.failedSince).Round(time.Millisecond).String())
		w.failedSince = time.Time{}
		w.backoff = 0
		s.health.Store(nil)
		s.metrics.healthy.Set(1)
	}
	// Waiting callers first: their records are durable, and the live
	// feed must not add to the latency every synchronous call pays.
	for _, j := range batch {
		if j.done != nil {
			j.done <- nil
			j.done = nil
		}
		s.recycle(j)
	}
	if s.opts.OnCommit != nil {
		recs := make([]*evidence.Record, len(batch))
		for i, j := range batch {
			recs[i] = j.rec
		}
		s.opts.OnCommit(recs)
	}
}

// fail marks the store unavailable, answers the waiting callers and holds
// the batch for retry.
func (w *writer) fail(batch []*job, cause error) {
	err := w.markFailed(cause, len(batch))
	for _, j := range batch {
		w.hold(j, err)
	}
}

// markFailed records a failed commit: health, metrics, a rate-limited log
// line and the retry backoff. It returns the error for waiting callers.
func (w *writer) markFailed(cause error, n int) error {
	s := w.s
	s.countError("commit")
	err := fmt.Errorf("%w: %w", ErrStoreUnavailable, cause)
	now := s.opts.Now()
	switch {
	case w.failedSince.IsZero():
		w.failedSince, w.lastLog = now, now
		w.backoff = s.opts.RetryInterval
		s.health.Store(&err)
		s.metrics.healthy.Set(0)
		s.log.Error("evidence store cannot commit: refusing new calls until it recovers",
			"err", cause.Error(), "held_records", len(w.held)+n)
	default:
		w.backoff = min(2*w.backoff, maxRetryInterval)
		s.health.Store(&err)
		if now.Sub(w.lastLog) >= failureLogInterval {
			w.lastLog = now
			s.log.Error("evidence store still cannot commit", "err", cause.Error(), "held_records", len(w.held)+n,
				"failing_for", now.Sub(w.failedSince).Round(time.Second).String())
		}
	}
	return err
}

// retry waits for the backoff, then commits the held records in order. It
// returns false when Close gave up waiting.
func (w *writer) retry() bool {
	if !w.waitBackoff() {
		return false
	}
	for len(w.held) > 0 {
		n := min(len(w.held), maxBatch)
		batch := append(w.batch[:0], w.held[:n]...)
		hasGap := false
		if n == len(w.held) {
			batch = w.withGap(batch)
			hasGap = len(batch) > n
		}
		start := time.Now()
		if err := w.commitTx(batch); err != nil {
			err = w.markFailed(err, 0)
			if hasGap {
				w.hold(batch[n], err)
			}
			return true
		}
		clear(w.held[:n])
		w.held = w.held[n:]
		w.s.held.Store(int64(len(w.held)))
		w.succeed(batch, time.Since(start))
	}
	w.held = nil
	return true
}

// waitBackoff sleeps for the current backoff while holding new arrivals.
func (w *writer) waitBackoff() bool {
	timer := time.NewTimer(w.backoff)
	defer timer.Stop()
	in := w.s.in
	for {
		select {
		case j, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			w.s.queuedBytes.Add(-j.size)
			w.hold(j, w.s.Healthy())
		case <-w.s.kick:
		case <-w.s.abandon:
			return false
		case <-timer.C:
			return true
		}
	}
}

// abandon answers every record still queued when Close gives up on a
// failing store.
func (w *writer) abandon() {
	err := w.s.Healthy()
	for j := range w.s.in {
		w.s.queuedBytes.Add(-j.size)
		w.hold(j, err)
	}
}

// uncommitted is the number of records given up by an abandoned writer.
// Only valid once the writer has stopped.
func (w *writer) uncommitted() uint64 {
	n := w.heldLost + w.s.lost.Load()
	for _, j := range w.held {
		if j.rec.Gap != nil {
			n += j.rec.Gap.Lost
		} else {
			n++
		}
	}
	return n
}

// hold keeps j for retry (answering a waiting caller with err), or counts
// it as lost when too many records are held already.
func (w *writer) hold(j *job, err error) {
	if j.done != nil {
		j.done <- err
		j.done = nil
	}
	if len(w.held) >= w.s.opts.QueueSize {
		if j.rec.Gap != nil {
			w.heldLost += j.rec.Gap.Lost
		} else {
			w.heldLost++
			w.s.metrics.lost.Inc()
		}
		return
	}
	w.held = append(w.held, j)
	w.s.held.Store(int64(len(w.held)))
}
