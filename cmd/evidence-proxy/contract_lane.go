package main

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// contractLane holds the committed calls against the API description
// behind the traffic. Holding a call against a JSON schema costs tens of
// microseconds, more than recording it: on the live feed it would take
// CPU from the calls themselves. The lane instead takes the committed
// records behind a cursor (from the feed while it keeps up, else read
// back from the store, a short read transaction per batch) and paces
// itself: while calls keep being committed it
// uses at most laneShare of one core and falls behind; once the traffic
// pauses for laneIdle, or someone asks for the report, it catches up at
// full speed. Nothing is skipped or
// sampled: every call is checked once, in sequence order, and the live
// report says how many records are still to be checked. Verdicts do not
// wait for it: the coverage gate does its own request check on the feed.
type contractLane struct {
	src      laneSource
	log      *slog.Logger
	spec     *contract.Spec
	sections *liveSections
	// countAfter is the head when the sidecar started: the records up to it
	// were counted by an earlier run, so the counters skip them.
	countAfter uint64
	next       atomic.Uint64 // the next sequence number to check
	lastCommit atomic.Int64  // unix nanoseconds of the latest commit
	hurry      atomic.Int32  // readers waiting for the lane: no pauses
	// queue holds committed records handed over by the feed, in sequence
	// order, while the lane keeps up: they need not be read back. When it
	// is full, later records are left to the store.
	qmu   sync.Mutex
	queue []*evidence.Record
	qnext uint64 // the sequence number after the last record queued
	wake  chan struct{}
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration)
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// laneSource is the store the lane reads back (laneStore).
type laneSource interface {
	Head() (uint64, string)
	// Read calls fn for the records from through to, in order: only
	// those are read and decoded (a read-back decodes one batch, not a
	// whole chunk of the store, so its cost stays paced).
	Read(ctx context.Context, from, to uint64, fn func(*evidence.Record) error) error
}

// laneStore is a recorder.Store as the lane's source.
type laneStore struct{ s *recorder.Store }

func (r laneStore) Head() (uint64, string) { return r.s.Head() }

func (r laneStore) Read(ctx context.Context, from, to uint64, fn func(*evidence.Record) error) error {
	return r.s.Stream().From(from).To(to).Each(ctx, fn)
}

const (
	// laneShare is the most of one core the lane uses while calls flow.
	laneShare = 0.05
	// laneIdle is how long without a commit counts as a pause.
	laneIdle = 100 * time.Millisecond
	// laneBatch is the most records one read transaction hands over: a
	// batch is a burst of CPU (tens of microseconds a call), kept short so
	// that it never delays the calls for long.
	laneBatch = 32
	// laneQueue is the most committed records the lane keeps in memory
	// (a few MiB); beyond it, it reads them back from the store.
	laneQueue = 4096
	// laneMaxPause bounds one pause, so the lane never stalls for long.
	laneMaxPause = time.Second
)

// startContractLane starts the lane from the first record; the records up
// to countAfter are checked but not counted in the metrics.
func startContractLane(src laneSource, sections *liveSections, countAfter uint64, log *slog.Logger) *contractLane {
	ctx, cancel := context.WithCancel(context.Background())
	l := &contractLane{src: src, log: log, spec: sections.extras.Spec(), sections: sections, countAfter: countAfter,
		wake: make(chan struct{}, 1), now: time.Now, sleep: sleepCtx, stop: cancel}
	l.next.Store(1)
	sections.mu.Lock()
	sections.lane = l
	sections.mu.Unlock()
	l.wg.Add(1)
	go l.run(ctx)
	l.notify()
	return l
}

// offer hands the lane a batch of committed records (the live feed's),
// kept when they follow what it holds and there is room, and tells it.
// The records are never modified after commit, so sharing them is safe.
func (l *contractLane) offer(recs []*evidence.Record) {
	l.qmu.Lock()
	// The records queued or taken and being checked come before the
	// cursor moves past them: the next batch must follow them.
	want := max(l.qnext, l.next.Load())
	if len(recs) > 0 && recs[0].Seq == want && len(l.queue)+len(recs) <= laneQueue {
		l.queue = append(l.queue, recs...)
		l.qnext = recs[len(recs)-1].Seq + 1
	}
	l.qmu.Unlock()
	l.notify()
}

// take returns up to laneBatch queued records starting at the cursor,
// dropping those the cursor has passed (read back from the store); none
// when the cursor has not reached the queue (the gap is read back).
func (l *contractLane) take() []*evidence.Record {
	l.qmu.Lock()
	defer l.qmu.Unlock()
	next := l.next.Load()
	i := 0
	for i < len(l.queue) && l.queue[i].Seq < next {
		i++
	}
	l.queue = append(l.queue[:0], l.queue[i:]...)
	if len(l.queue) == 0 || l.queue[0].Seq != next {
		return nil
	}
	n := min(len(l.queue), laneBatch)
	out := append([]*evidence.Record(nil), l.queue[:n]...)
	l.queue = append(l.queue[:0], l.queue[n:]...)
	return out
}

// notify tells the lane that records were committed. It never blocks.
func (l *contractLane) notify() {
	l.lastCommit.Store(l.now().UnixNano())
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// catchUp has the lane check what is left without pausing, for a reader
// of the report, and waits for it up to wait.
func (l *contractLane) catchUp(ctx context.Context, wait time.Duration) {
	l.hurry.Add(1)
	defer l.hurry.Add(-1)
	select {
	case l.wake <- struct{}{}:
	default:
	}
	deadline := l.now().Add(wait)
	for l.pending() > 0 && l.now().Before(deadline) && ctx.Err() == nil {
		sleepCtx(ctx, 2*time.Millisecond)
	}
}

// pending is how many committed records are not yet checked.
func (l *contractLane) pending() uint64 {
	head, _ := l.src.Head()
	if next := l.next.Load(); head >= next {
		return head - next + 1
	}
	return 0
}

// close stops the lane and waits for it.
func (l *contractLane) close() {
	l.stop()
	l.wg.Wait()
}

func (l *contractLane) run(ctx context.Context) {
	defer l.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		}
		failing := false
		for l.pending() > 0 && ctx.Err() == nil {
			start := l.now()
			if err := l.batch(ctx); err != nil {
				// The store could not be read back: say so once, keep the
				// cursor and try again; the report keeps saying how many
				// records are not yet checked.
				if !failing && ctx.Err() == nil {
					l.log.Warn("contract checks cannot read the store; retrying", "seq", l.next.Load(), "err", err)
				}
				failing = true
				l.sleep(ctx, laneMaxPause)
				continue
			}
			failing = false
			l.pace(ctx, l.now().Sub(start))
		}
	}
}

// batch checks up to laneBatch records from the cursor: the queued ones,
// else read back from the store.
func (l *contractLane) batch(ctx context.Context) error {
	if recs := l.take(); len(recs) > 0 {
		for _, rec := range recs {
			l.check(rec)
		}
		return nil
	}
	from := l.next.Load()
	return l.src.Read(ctx, from, from+laneBatch-1, func(rec *evidence.Record) error {
		l.check(rec)
		return nil
	})
}

// check holds one record against the description and moves the cursor.
func (l *contractLane) check(rec *evidence.Record) {
	res := l.spec.Check(rec)
	l.sections.addContract(res, rec.Seq > l.countAfter)
	l.next.Store(rec.Seq + 1)
	// A check is tens of microseconds: yield after each, so a call that
	// became runnable never waits for the rest of the batch.
	runtime.Gosched()
}

// pace pauses after a batch that took busy, while calls are flowing, so
// the lane's share of one core stays at laneShare.
func (l *contractLane) pace(ctx context.Context, busy time.Duration) {
	if l.hurry.Load() > 0 || l.now().Sub(time.Unix(0, l.lastCommit.Load())) > laneIdle {
		return
	}
	pause := time.Duration(float64(busy) * (1 - laneShare) / laneShare)
	l.sleep(ctx, min(pause, laneMaxPause))
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
