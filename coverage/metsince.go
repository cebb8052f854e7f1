package coverage

import (
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// MetMark is the record at which the engine first saw a requirement met.
type MetMark struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
}

// metCheckEvery bounds how many records that concern a requirement pass
// between two checks of whether it is met. Checks start after every such
// record and back off, doubling, up to this: a requirement that stays
// unmet costs a verdict only every metCheckEvery of its records.
const metCheckEvery = 128

// metWatch notes when each requirement was first met, as a pure function
// of the record stream: after each record, the requirements the record
// concerns are checked (with back-off), so the mark is the record at which
// the engine saw the requirement met, at most metCheckEvery of its records
// after the one that completed the proof. The check for a record runs when
// the next record arrives or a report is made, whichever is first, which
// gives the same marks however the records are batched. Its memory is a
// few words per requirement.
type metWatch struct {
	reqs []metReq
	// pending is the record whose checks have not run yet.
	pending bool
	seq     uint64
	at      time.Time
	call    bool
}

// metReq is what the watch keeps of one requirement, together since a
// record's checks read it all.
type metReq struct {
	first MetMark // zero Seq: not seen met yet
	seen  int     // records concerning the requirement since its last check
	gap   int     // records to wait for before the next check
	parts []int   // the parts of a requires rule (nil for others)
}

func newMetWatch(m *Matrix) metWatch {
	w := metWatch{reqs: make([]metReq, len(m.reqs))}
	for i, r := range m.reqs {
		w.reqs[i].gap = 1
		if rs, ok := r.rule.(*requiresSpec); ok {
			w.reqs[i].parts = rs.idx
		}
	}
	return w
}

// observe runs the checks of the previous record, then makes rec the
// pending one.
func (w *metWatch) observe(e *Engine, rec *evidence.Record) {
	w.flush(e)
	if rec.Kind == evidence.KindGap {
		return
	}
	w.pending, w.seq, w.at, w.call = true, rec.Seq, rec.Time, rec.Kind == evidence.KindCall
}

// flush runs the pending record's checks: for a call, the requirements of
// its endpoint (and those reading the entity state it carries); for any
// other record, every requirement not yet met.
func (w *metWatch) flush(e *Engine) {
	if !w.pending {
		return
	}
	w.pending = false
	newly := false
	if w.call {
		v := &e.cv
		newly = w.checkAll(e, e.byEP[v.ep+1])
		if len(v.events) > 0 && w.checkAll(e, e.byEvent[v.ep+1]) {
			newly = true
		}
	} else {
		for i := range w.reqs {
			if w.check(e, i) {
				newly = true
			}
		}
	}
	if newly {
		w.checkRequires()
	}
}

func (w *metWatch) checkAll(e *Engine, reqs []int) bool {
	newly := false
	for _, i := range reqs {
		if w.check(e, i) {
			newly = true
		}
	}
	return newly
}

// check judges requirement i if it is due, and marks it when it is met.
func (w *metWatch) check(e *Engine, i int) bool {
	r := &w.reqs[i]
	if r.first.Seq != 0 || r.parts != nil {
		return false
	}
	if r.seen++; r.seen < r.gap {
		return false
	}
	r.seen = 0
	if e.forbid[i].count == 0 && e.evals[i].verdict(e.w).status == StatusMet {
		r.first = MetMark{Seq: w.seq, Time: w.at}
		return true
	}
	r.gap = min(2*r.gap, metCheckEvery)
	return false
}

// checkRequires marks the requires rules whose parts have all been met,
// at the pending record, until no more can be (a requires rule may name
// another).
func (w *metWatch) checkRequires() {
	for more := true; more; {
		more = false
		for i := range w.reqs {
			r := &w.reqs[i]
			if r.parts == nil || r.first.Seq != 0 {
				continue
			}
			all := true
			for _, j := range r.parts {
				all = all && w.reqs[j].first.Seq != 0
			}
			if all {
				r.first = MetMark{Seq: w.seq, Time: w.at}
				more = true
			}
		}
	}
}

// mark is the FirstMet of requirement i in a report whose verdict on it
// is status: its mark, or, for a requirement met but not seen met at a
// check yet, the report's last record (seq and t).
func (w *metWatch) mark(i int, status Status, seq uint64, t time.Time) *MetMark {
	if m := w.reqs[i].first; m.Seq != 0 {
		return &m
	}
	if status == StatusMet && seq != 0 {
		return &MetMark{Seq: seq, Time: t}
	}
	return nil
}
