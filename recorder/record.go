package recorder

import (
	"cmp"
	"context"
	"fmt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Record redacts rec, gives it the next sequence number, seals it into the
// hash chain and commits it.
//
// Sync durability: Record returns nil only once the record is committed
// and fsynced; rec then holds the stored (redacted, sealed) record. On a
// commit failure it returns an error wrapping ErrStoreUnavailable; the
// record is then held (bounded by Options.QueueSize) and committed when the
// store recovers, or counted in a gap record if it cannot be held. ctx
// bounds the wait only: if it ends first, Record returns its error, and
// the record is still committed if it was queued (it always is when the
// queue has room, even with ctx already done), else counted in a gap
// record. Pass a context that outlives the app's request (for example
// context.WithoutCancel plus a deadline), so a call the app abandoned is
// still recorded before the proxy moves on.
//
// Async durability: Record returns once the record is queued. When the
// queue is full it returns ErrQueueFull and the record is counted in the
// next gap record.
//
// While the store is failing, the record of a call the proxy refused
// without forwarding it (Error.Kind evidence.ErrStoreUnavailable and a
// synthetic response) is counted, not queued, and Record returns nil at
// once: the outage's gap record, written when the store commits again,
// stands for it with its count (see the package documentation).
//
// The store takes ownership of rec: the caller must not modify it, and in
// async mode (or after an error) must not read it either. Redaction never
// modifies the header maps or structs rec points to; it replaces them.
func (s *Store) Record(ctx context.Context, rec *evidence.Record) error {
	j, err := s.admit(rec)
	if j == nil {
		return err
	}
	done := s.doneChan(1)
	if wait, err := s.enqueue(ctx, j, done); !wait {
		return err
	}
	return s.await(ctx, done)
}

// RecordAll records recs in order, each as Record does, and returns how
// many were not recorded and the first error. It prepares every record
// before it queues any, and in sync mode queues every record before it
// waits for any, so that they share group commits (the writer would
// otherwise commit the first alone while the rest are still encoded) and
// stay in request order in the chain (records of other producers may sit
// between them); ctx bounds the whole wait.
func (s *Store) RecordAll(ctx context.Context, recs []*evidence.Record) (failed int, first error) {
	note := func(err error) {
		if err != nil {
			failed++
			first = cmp.Or(first, err)
		}
	}
	jobs := make([]*job, 0, len(recs))
	for _, rec := range recs {
		j, err := s.admit(rec)
		note(err)
		if j != nil {
			jobs = append(jobs, j)
		}
	}
	done := s.doneChan(len(jobs))
	waiting := 0
	for _, j := range jobs {
		wait, err := s.enqueue(ctx, j, done)
		if wait {
			waiting++
		}
		note(err)
	}
	for range waiting {
		note(s.await(ctx, done))
	}
	return failed, first
}

// admit does the producer's work before queueing: it returns the job of
// rec, or no job and Record's result (an error, or nil for a refusal
// counted during an outage).
func (s *Store) admit(rec *evidence.Record) (*job, error) {
	if s.readOnly {
		return nil, ErrReadOnly
	}
	if s.health.Load() != nil && isRefusal(rec) && s.refusals.count() {
		return nil, nil
	}
	j, err := s.prepare(rec)
	if err != nil {
		s.countError("encode")
		s.loseRecords(1)
		return nil, fmt.Errorf("record: %w", err)
	}
	return j, nil
}

// enqueue queues j: wait is true when it was queued for a sync commit
// whose outcome will arrive on done (a channel with room for it);
// otherwise err is Record's result.
func (s *Store) enqueue(ctx context.Context, j *job, done chan error) (wait bool, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return false, ErrClosed
	}
	if s.opts.Durability == Async {
		return false, s.enqueueAsync(j)
	}
	j.done = done
	// ctx only bounds waiting: a record with room in the queue is queued
	// even if ctx has ended (a call the app gave up on is still evidence).
	select {
	case s.in <- j:
		return true, nil
	default:
	}
	select {
	case s.in <- j:
		return true, nil
	case <-ctx.Done():
		s.loseRecords(1)
		return false, fmt.Errorf("record: %w", ctx.Err())
	}
}

// doneChan returns a channel for n sync commit outcomes; async records
// have no outcome to wait for, so none is made for them.
func (s *Store) doneChan(n int) chan error {
	if s.opts.Durability == Async {
		return nil
	}
	return make(chan error, n)
}

// await waits for one commit outcome on done, or for ctx to end.
func (s *Store) await(ctx context.Context, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done:
			return err
		default:
			return fmt.Errorf("record: wait for commit: %w", ctx.Err())
		}
	}
}

// enqueueAsync queues j without waiting; a full queue counts as lost.
func (s *Store) enqueueAsync(j *job) error {
	if s.queuedBytes.Add(j.size) > s.opts.QueueBytes && len(s.in) > 0 {
		s.queuedBytes.Add(-j.size)
		s.loseRecords(1)
		return ErrQueueFull
	}
	select {
	case s.in <- j:
		return nil
	default:
		s.queuedBytes.Add(-j.size)
		s.loseRecords(1)
		return ErrQueueFull
	}
}

// loseRecords counts records that could not be queued and wakes the writer
// so that a gap record stands for them.
func (s *Store) loseRecords(n uint64) {
	s.lost.Add(n)
	s.metrics.lost.Add(float64(n))
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// prepare does the producer's share of the work: redaction, normalization,
// canonical template and compression.
func (s *Store) prepare(rec *evidence.Record) (*job, error) {
	if n := s.redactor.Redact(rec); n > 0 {
		s.metrics.redactions.Add(float64(n))
	}
	if err := normalize(rec, s.opts.Now); err != nil {
		return nil, err
	}
	return s.encode(rec)
}

// encode builds the job of a normalized record: its canonical template
// and its envelope, both in recycled buffers (returned by the writer once
// committed).
func (s *Store) encode(rec *evidence.Record) (*job, error) {
	j := &job{rec: rec}
	if err := encodeTemplate(j, s.bufs.get(templateSizeHint(rec))); err != nil {
		return nil, err
	}
	j.value = newEnvelope(s.enc, j.canon, rec.Time, s.bufs.get(envHeaderAt+len(j.canon)+64))
	j.size = int64(len(j.canon) + len(j.value))
	return j, nil
}

// recycle returns a committed job's buffers.
func (s *Store) recycle(j *job) {
	s.bufs.put(j.canon)
	s.bufs.put(j.value)
	j.canon, j.value = nil, nil
}
