package main

import (
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// liveFeed hands committed records to live coverage on its own goroutine,
// so classification runs beside the store's writer instead of delaying its
// next commit. Batches are applied in commit order; when the feed falls a
// whole buffer behind, the writer waits (coverage never skips a record).
// The readiness index is fed there too, with live coverage (which tells
// the contract lane), and then the provenance tally of the report's
// header.
type liveFeed struct {
	live     *coverage.Live
	sections *liveSections   // nil: live coverage only
	prov     *liveProvenance // nil: no provenance
	in       chan []*evidence.Record
	done     chan struct{}
}

// feedBuffer is how many committed batches may wait for classification.
const feedBuffer = 1024

func startLiveFeed(live *coverage.Live, sections *liveSections, prov *liveProvenance) *liveFeed {
	f := &liveFeed{live: live, sections: sections, prov: prov, in: make(chan []*evidence.Record, feedBuffer), done: make(chan struct{})}
	go f.run()
	return f
}

func (f *liveFeed) run() {
	defer close(f.done)
	for recs := range f.in {
		if f.sections == nil {
			f.live.Observe(recs)
		} else {
			f.sections.observe(f.live, recs)
		}
		if f.prov != nil {
			f.prov.observe(recs)
		}
	}
}

// onCommit is the store's OnCommit hook. It copies the slice, which the
// store reuses; the records themselves are never modified after commit.
func (f *liveFeed) onCommit(recs []*evidence.Record) {
	f.in <- append([]*evidence.Record(nil), recs...)
}

// close stops the feed once the store no longer commits, and waits until
// every batch is applied.
func (f *liveFeed) close() {
	close(f.in)
	<-f.done
}
