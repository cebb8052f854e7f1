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
// After a failed commit, the store is in an outage (see outage.go): the
// failed records are held and retried with backoff; records arriving
// meanwhile are held too (their callers get ErrStoreUnavailable at once),
// refusals are counted, and what cannot be held is counted. The outage's
// gap record heads the first commit that succeeds.
type writer struct {
	s         *Store
	head      head
	hasher    hash.Hash
	batch     []*job
	lastBatch int

	held []*job
	out  outage
	// commits counts successful commits; size is the store's size as of
	// the last one (see releaseMapped).
	commits uint64
	size    int64
	backoff time.Duration
}

// releaseEvery is how many commits pass between two releases of the
// store file's mapped pages (see releaseMapped).
const releaseEvery = 512

func newWriter(s *Store, h head) *writer {
	return &writer{s: s, head: h, hasher: sha256.New(), batch: make([]*job, 0, maxBatch+1)}
}

func (w *writer) run() {
	defer close(w.s.writerDone)
	for {
		if w.out.active() {
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
// interval) unless a full batch is queued already. Sync records never
// wait on a timer: when the last commit carried several records, calls
// are arriving together, and the writer only yields once so that
// producers already running can queue theirs and share this commit's
// fsyncs (on the bench, ~20% more records per commit).
func (w *writer) gather() {
	if w.s.opts.Durability != Async {
		if w.lastBatch > 1 {
			runtime.Gosched()
		}
		return
	}
	// A full batch already queued gains nothing from the wait.
	if w.s.opts.CommitInterval <= 0 || len(w.s.in) >= maxBatch-1 {
		return
	}
	<-w.s.opts.After(w.s.opts.CommitInterval)
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
	lost := w.s.lost.Swap(0)
	if lost == 0 {
		return batch
	}
	now := w.s.opts.Now()
	g, err := w.newGapJob(&evidence.Gap{Cause: evidence.GapQueueFull, Lost: lost,
		Reason: "calls not recorded: the record queue was full, or a record could not be encoded"}, now)
	if err != nil {
		// Cannot happen for a record built here; keep the count.
		w.s.lost.Add(lost)
		w.s.countError("encode")
		return batch
	}
	return append(batch, g)
}

// newGapJob encodes a gap record stamped now.
func (w *writer) newGapJob(g *evidence.Gap, now time.Time) (*job, error) {
	rec := &evidence.Record{Kind: evidence.KindGap, Time: now, Gap: g}
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
	return w.tx(batch, "", w.s.opts.CommitHook)
}

// tx writes batch in one transaction, and the run state when not empty;
// hook, when set, runs just before the commit (see Options.CommitHook).
func (w *writer) tx(batch []*job, state string, hook func(int) error) error {
	tx, err := w.s.db.Begin(true)
	if err != nil {
		return fmt.Errorf("begin commit: %w", err)
	}
	next, err := w.put(tx, batch)
	if err == nil && state != "" {
		err = putRunState(tx.Bucket(bucketMeta), state)
	}
	if err == nil && hook != nil {
		err = hook(len(batch))
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
	if s.health.Load() != nil {
		s.health.Store(nil)
		s.metrics.healthy.Set(1)
	}
	// Waiting callers first: their records are durable, and the live
	// feed must not add to the latency every synchronous call pays.
	for _, j := range batch {
		reply(j, nil)
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

// fail starts or continues the outage, answers the waiting callers and
// holds the batch for retry.
func (w *writer) fail(batch []*job, cause error) {
	err := w.markFailed(cause, len(batch))
	for _, j := range batch {
		w.hold(j, err)
	}
}

// markFailed records a failed commit of n records: health, metrics, the
// outage's log lines and the retry backoff. It returns the error for
// waiting callers.
func (w *writer) markFailed(cause error, n int) error {
	s := w.s
	s.countError("commit")
	err := fmt.Errorf("%w: %w", ErrStoreUnavailable, cause)
	now := s.opts.Now()
	if w.out.active() {
		w.backoff = min(2*w.backoff, maxRetryInterval)
		w.summarize(cause, now)
	} else {
		w.backoff = s.opts.RetryInterval
		w.beginOutage(cause, n, now)
	}
	s.health.Store(&err)
	s.metrics.healthy.Set(0)
	return err
}

// retry waits for the backoff, then commits the outage's gap record and
// the held records in order. It returns false when Close gave up waiting.
func (w *writer) retry() bool {
	if !w.waitBackoff() {
		return false
	}
	if !w.commitOutage() {
		return true
	}
	for len(w.held) > 0 {
		n := min(len(w.held), maxBatch)
		batch := append(w.batch[:0], w.held[:n]...)
		start := time.Now()
		if err := w.commitTx(batch); err != nil {
			w.markFailed(err, 0)
			return true
		}
		w.release(n)
		w.succeed(batch, time.Since(start))
	}
	return true
}

// release forgets the first n held records, just committed.
func (w *writer) release(n int) {
	clear(w.held[:n])
	if w.held = w.held[n:]; len(w.held) == 0 {
		w.held = nil
	}
	w.s.held.Store(int64(len(w.held)))
}

// waitBackoff sleeps for the current backoff while holding new arrivals.
func (w *writer) waitBackoff() bool {
	timer := w.s.opts.After(w.backoff)
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
		case <-timer:
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

// uncommitted is the number of records given up by an abandoned writer,
// and the number of refusals of its outage that no gap record counts.
// Only valid once the writer has stopped.
func (w *writer) uncommitted() (records, refused uint64) {
	return uint64(len(w.held)) + w.out.lost + w.s.lost.Load(), w.out.refused + w.s.refusals.n.Load()
}

// hold keeps j for retry during an outage, answering a waiting caller
// with err. A refusal is counted instead (its caller gets nil: the
// outage's gap record stands for it), a gap record's count is folded into
// the outage's, and a record that finds QueueSize records held already is
// counted as lost.
func (w *writer) hold(j *job, err error) {
	switch {
	case j.rec.Gap != nil:
		w.out.lost += j.rec.Gap.Lost
	case isRefusal(j.rec):
		w.out.refused++
		reply(j, nil)
	case len(w.held) < w.s.opts.QueueSize:
		reply(j, err)
		w.held = append(w.held, j)
		w.s.held.Store(int64(len(w.held)))
		return
	default:
		// Counted before the caller is answered, so that a caller who
		// has its answer sees the loss in the metrics.
		w.out.lost++
		w.s.metrics.lost.Inc()
		reply(j, err)
	}
	w.s.recycle(j)
}

// reply answers the caller waiting on j, if any.
func reply(j *job, err error) {
	if j.done != nil {
		j.done <- err
		j.done = nil
	}
}
