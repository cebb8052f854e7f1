package events

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// With async durability Record only queues, and a burst of events faster
// than the store commits would fill the queue: the overflow becomes gap
// records and 503s, and the exporter's retries duplicate what was queued.
// So in Options.Async mode the receiver paces itself on the store's head
// (a store with a Head method, as *recorder.Store has): it counts the
// events it queued, and before each chunk of a request's events, and
// before answering, waits until the store has committed all but paceAhead
// of them. A flood then slows the app's exporter instead of losing
// events. (The head counts every record, calls included, so the count of
// what is still queued can only be underestimated: this bounds the
// events' share of the queue; it does not prove these very events
// committed, which is what sync durability is for.)

// headReader is the optional part of a Store that pacing needs.
type headReader interface {
	Head() (seq uint64, hash string)
}

const (
	// paceChunk is how many events are queued between two looks at the
	// head; paceAhead how many may be queued beyond what committed.
	paceChunk = 256
	paceAhead = 1024
	// pollEvery is how often a paced request looks at the head.
	pollEvery = time.Millisecond
)

// pacer counts the events queued by the receiver that the store's head
// has not yet passed.
type pacer struct {
	mu sync.Mutex
	// base and queued are guarded by mu: queued events were handed over
	// since the head was at base.
	base, queued uint64
}

// add counts n events queued.
func (p *pacer) add(n uint64) {
	p.mu.Lock()
	p.queued += n
	p.mu.Unlock()
}

// backlog is how many counted events the head has not passed; once it
// has passed them all, counting restarts from the head.
func (p *pacer) backlog(head uint64) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := head - min(head, p.base)
	if done >= p.queued {
		p.base, p.queued = head, 0
		return 0
	}
	return p.queued - done
}

// commitPaced hands recs over in order, paceChunk at a time, pacing on
// the head; it returns how many the store did not take and the first
// error.
func (r *Receiver) commitPaced(ctx context.Context, recs []*evidence.Record) (failed int, first error) {
	hr, ok := r.store.(headReader)
	for chunk := range slices.Chunk(recs, paceChunk) {
		if ok {
			r.awaitBacklog(ctx, hr)
		}
		n, err := r.store.RecordAll(ctx, chunk)
		r.pace.add(uint64(len(chunk) - n))
		failed += n
		first = cmp.Or(first, err)
	}
	if ok {
		r.awaitBacklog(ctx, hr)
	}
	return failed, first
}

// awaitBacklog waits until at most paceAhead queued events are not yet
// committed, the store turns unhealthy or ctx ends.
func (r *Receiver) awaitBacklog(ctx context.Context, hr headReader) {
	for {
		seq, _ := hr.Head()
		if r.pace.backlog(seq) <= paceAhead || ctx.Err() != nil || r.store.Healthy() != nil {
			return
		}
		time.Sleep(pollEvery)
	}
}
