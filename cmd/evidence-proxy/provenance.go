package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/provenance"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// startProvenance starts collecting the sidecar's provenance on store:
// what the store kept from earlier runs, this start and the client
// certificate the transport presents upstream. Provenance the store cannot
// read is logged and started afresh (the records are untouched; calls it
// described count as unobserved, class other, until seen again).
func startProvenance(store *recorder.Store, tr *http.Transport, logger *slog.Logger) (*provenance.Collector, *provenanceSaver, error) {
	prev, err := store.Provenance()
	if err != nil {
		logger.Error("the store's provenance cannot be read; collecting it afresh", "err", err)
		prev = nil
	}
	saver := &provenanceSaver{store: store}
	col, err := provenance.NewCollector(provenance.Options{
		InstanceID:  store.InstanceID(),
		ToolVersion: toolVersion(),
		Previous:    prev,
		Saver:       saver,
		Logger:      logger,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("provenance: %w", err)
	}
	if cc := tr.TLSClientConfig; cc != nil && len(cc.Certificates) > 0 && cc.Certificates[0].Leaf != nil {
		if err := col.SetClientCertificate(cc.Certificates[0].Leaf); err != nil {
			return nil, nil, fmt.Errorf("provenance: %w", err)
		}
	}
	return col, saver, nil
}

// upstreamVerifiedBy says how the transport verifies the upstream's
// chain: with --upstream-ca the host name alone proves nothing.
func upstreamVerifiedBy(cfg serveConfig) string {
	if cfg.UpstreamCA != "" {
		return evidence.VerifiedByUpstreamCA
	}
	return evidence.VerifiedBySystem
}

// provenanceSaver is the store as the collector's Saver; it counts the
// changes, so that live coverage knows when its tally is out of date.
type provenanceSaver struct {
	store   *recorder.Store
	changes atomic.Uint64
}

func (s *provenanceSaver) SaveProvenance(p *evidence.Provenance) error {
	s.changes.Add(1)
	return s.store.SaveProvenance(p)
}

// provTally derives the provenance of a run of records, and the header of
// a report over them.
type provTally struct {
	t        *provenance.Tally
	instance string
	totals   export.Totals
}

func newProvTally(known *evidence.Provenance, instance string) *provTally {
	return &provTally{t: provenance.NewTally(known), instance: instance}
}

func (p *provTally) observe(rec *evidence.Record) {
	p.t.Observe(rec)
	p.totals.Count++
	if p.totals.FirstTime.IsZero() || rec.Time.Before(p.totals.FirstTime) {
		p.totals.FirstTime = rec.Time
	}
	if rec.Time.After(p.totals.LastTime) {
		p.totals.LastTime = rec.Time
	}
}

// header is the provenance header of a report over the records observed,
// asked for over win, judged against m.
func (p *provTally) header(win evidence.Window, m *coverage.Matrix) export.Header {
	res := p.t.Result()
	res.InstanceID = p.instance
	var tr *export.TimeRange
	if !win.IsZero() {
		tr = &export.TimeRange{Since: win.Since, Until: win.Until}
	}
	ref := m.Ref()
	return export.NewHeader(export.HeaderInput{
		Sources: []*evidence.Provenance{res}, Class: res.Class, Window: tr, Records: p.totals,
		Matrix: export.MatrixInfo{ID: ref.ID, Version: ref.Version, SHA256: ref.SHA256},
	})
}

// liveProvenance is the provenance of every record of a running sidecar's
// store, for the header of /coverage: the live feed observes each
// committed batch after live coverage does.
//
// A tally counts calls against the origins and chains it knows, so when
// the collector learns a new one (a rare event: the first run, a new
// upstream certificate or origin) the tally is rebuilt from the store with
// what the collector now knows, on a goroutine of its own so the feed (and
// behind it the store's writer) never waits for a replay: it reads the
// records up to the last one observed, then, holding the lock, the few
// committed meanwhile. A header asked for during a rebuild waits for it.
type liveProvenance struct {
	log  *slog.Logger
	ctx  context.Context // canceled by close
	stop context.CancelFunc
	wg   sync.WaitGroup

	// mu guards the fields below. store, col and saver are set once, by
	// begin, before the store commits anything of this run.
	mu      sync.Mutex
	store   *recorder.Store
	col     *provenance.Collector
	saver   *provenanceSaver
	tally   *provTally // nil until begin: observe ignores batches
	seen    uint64     // saver changes the tally knows of
	last    uint64     // last sequence number observed
	rebuilt chan struct{}
	// rebuildErrs counts failed rebuilds, so only the first is logged.
	rebuildErrs int
}

func newLiveProvenance(logger *slog.Logger) *liveProvenance {
	ctx, stop := context.WithCancel(context.Background())
	return &liveProvenance{log: logger, ctx: ctx, stop: stop}
}

// begin starts a tally of store's records from what col knows now; the
// caller replays the store through observe (rebuildCoverage) before
// anything new commits.
func (l *liveProvenance) begin(store *recorder.Store, col *provenance.Collector, saver *provenanceSaver) {
	seen := saver.changes.Load()
	t := newProvTally(col.Provenance(), store.InstanceID())
	l.mu.Lock()
	l.store, l.col, l.saver = store, col, saver
	l.tally, l.seen = t, seen
	l.mu.Unlock()
}

// observe counts a committed batch (on the live feed's goroutine), and
// starts a rebuild when the collector changed.
func (l *liveProvenance) observe(recs []*evidence.Record) {
	if len(recs) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tally == nil {
		return
	}
	for _, r := range recs {
		l.tally.observe(r)
	}
	l.last = recs[len(recs)-1].Seq
	if l.rebuilt == nil && l.saver.changes.Load() != l.seen && l.ctx.Err() == nil {
		l.rebuilt = make(chan struct{})
		l.wg.Go(l.rebuild)
	}
}

// rebuild recounts the store with what the collector knows, until no
// change happened during the recount.
func (l *liveProvenance) rebuild() {
	for {
		l.mu.Lock()
		seen, upTo := l.saver.changes.Load(), l.last
		l.mu.Unlock()
		t := newProvTally(l.col.Provenance(), l.store.InstanceID())
		err := l.replay(t, 1, upTo)
		l.mu.Lock()
		if err == nil {
			err = l.replay(t, upTo+1, l.last)
		}
		if err == nil {
			l.tally, l.seen = t, seen
		} else if l.rebuildErrs++; l.rebuildErrs == 1 && l.ctx.Err() == nil {
			l.log.Error("recount provenance for /coverage; its header counts the new certificates as unobserved", "err", err)
		}
		again := err == nil && l.saver.changes.Load() != seen
		if !again {
			close(l.rebuilt)
			l.rebuilt = nil
		}
		l.mu.Unlock()
		if !again {
			return
		}
	}
}

func (l *liveProvenance) replay(t *provTally, from, to uint64) error {
	if to < from || to == 0 {
		return nil
	}
	return l.store.Stream().From(from).To(to).Each(l.ctx, func(r *evidence.Record) error {
		t.observe(r)
		return nil
	})
}

// header is the header of the live report, after any rebuild in progress.
func (l *liveProvenance) header(ctx context.Context, m *coverage.Matrix) (export.Header, error) {
	l.mu.Lock()
	wait := l.rebuilt
	l.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return export.Header{}, fmt.Errorf("wait for the provenance recount: %w", ctx.Err())
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tally == nil {
		return export.Header{}, fmt.Errorf("provenance not started")
	}
	return l.tally.header(evidence.Window{}, m), nil
}

// close stops a rebuild in progress and waits for it; call it before the
// store closes.
func (l *liveProvenance) close() {
	l.stop()
	l.wg.Wait()
}
