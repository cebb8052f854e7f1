package coverage

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Engine classifies an ordered record stream against a matrix. Feed it
// every record in sequence order with Observe; Report judges what it has
// seen so far and may be called at any point. The result depends only on
// the records and the matrix: no wall clock is read (the engine's "now" is
// the latest record time), so the same records give the same report,
// whether fed live in batches or offline in one go.
//
// Memory grows with the number of entities (cardholders, cards, tokens,
// windows) and failures still within their window, not with the number of
// records: evidence lists are bounded.
//
// An Engine is not safe for concurrent use; Live wraps one for that.
type Engine struct {
	m      *Matrix
	w      *world
	evals  []evaluator
	forbid []forbidState
	met    metWatch
	cv     callView
	inv    inventory
	// byEP[ep+1] lists the requirements a call to catalogue endpoint ep
	// (-1: outside it) concerns; byEvent[ep+1] those it concerns only
	// through the entity state it carries; byShown[ep+1] those of byEvent
	// that read the state of an entity such a call can carry, the only
	// ones shown the call.
	byEP, byEvent, byShown [][]int
	// byName lists the requirements whose rules wait for an app event of
	// the name; evObs[i] is requirement i's evaluator when it does; ev is
	// the view reused for each event record; apps counts the events.
	byName map[string][]int
	evObs  []eventObserver
	ev     eventView
	apps   appEvents

	records  int
	firstSeq uint64
	lastSeq  uint64
	from, to time.Time
}

// forbidState collects the calls a requirement forbids: how many, the
// first ones, what they were, when the latest was made and how many times
// the rule had occurred then (violation.go).
type forbidState struct {
	count int
	seqs  seqList
	what  string
	last  time.Time
	base  int
}

// NewEngine returns an engine with nothing observed and no description
// of the API (NewEngineWith(m, Options{})).
func NewEngine(m *Matrix) *Engine { return NewEngineWith(m, Options{}) }

// NewEngineWith returns an engine with nothing observed, configured by o.
func NewEngineWith(m *Matrix, o Options) *Engine {
	e := &Engine{m: m, w: newWorld(m), inv: newInventory(o.Contract)}
	e.w.gate = newGate(o, len(m.reqs))
	for _, r := range m.reqs {
		e.evals = append(e.evals, r.rule.newEval())
	}
	e.forbid = make([]forbidState, len(m.reqs))
	e.met = newMetWatch(m)
	e.cv.cache = newRefCache(m.refSlots)
	e.dispatch()
	e.dispatchEvents()
	return e
}

// dispatch builds byEP, byEvent and byShown from the rules' interests.
func (e *Engine) dispatch() {
	n := len(catalogue) + 1
	e.byEP, e.byEvent, e.byShown = make([][]int, n), make([][]int, n), make([][]int, n)
	shown := e.m.shownAt()
	for i, r := range e.m.reqs {
		in := r.rule.interest()
		for _, f := range r.forbid {
			in = in.union(f.interest())
		}
		for ep := -1; ep < len(catalogue); ep++ {
			switch {
			case in.wants(ep):
				e.byEP[ep+1] = append(e.byEP[ep+1], i)
			case in.events:
				e.byEvent[ep+1] = append(e.byEvent[ep+1], i)
				if in.shows&shown[ep+1] != 0 {
					e.byShown[ep+1] = append(e.byShown[ep+1], i)
				}
			}
		}
	}
}

// shownAt returns, for each catalogue endpoint ep (-1: outside it), at
// ep+1 the entities whose state a call to it can carry: those of the
// state sources that may match it (state.go).
func (m *Matrix) shownAt() []uint64 {
	out := make([]uint64, len(catalogue)+1)
	for ep := -1; ep < len(catalogue); ep++ {
		for _, i := range m.stateAt.at(ep) {
			out[ep+1] |= entityBit(m.state[i].entity)
		}
	}
	return out
}

// Observe feeds the next record. Records must come in sequence order; gap
// records are counted but classify nothing; event records do the event
// steps of sequences (rule_sequence_event.go).
func (e *Engine) Observe(rec *evidence.Record) {
	e.met.observe(e, rec)
	if e.records == 0 {
		e.firstSeq, e.from = rec.Seq, rec.Time
	}
	e.records++
	e.lastSeq, e.to = rec.Seq, rec.Time
	if rec.Kind == evidence.KindEvent {
		e.observeEvent(rec)
		return
	}
	if rec.Kind != evidence.KindCall {
		return
	}
	if rec.Time.After(e.w.now) {
		e.w.now = rec.Time
	}
	v := &e.cv
	v.reset(e.w.rt, rec)
	e.inv.add(v)
	e.w.collect(v)
	for _, i := range e.byEP[v.ep+1] {
		e.w.gate.req = i
		e.evals[i].observe(e.w, v)
		e.checkForbid(i, v)
	}
	if len(v.events) > 0 {
		for _, i := range e.byShown[v.ep+1] {
			e.w.gate.req = i
			e.evals[i].observe(e.w, v)
		}
	}
	e.w.apply(v)
	e.w.traces.note(e.w, v)
}

func (e *Engine) checkForbid(i int, v *callView) {
	for _, m := range e.m.reqs[i].forbid {
		if _, ok := m.matchFull(e.w, v); ok {
			f := &e.forbid[i]
			f.count++
			f.seqs.add(v.seq)
			if !v.start.Before(f.last) {
				f.last, f.base = v.start, occurrencesOf(e.w, e.evals[i])
			}
			if f.what == "" {
				f.what = m.src + conditionsText(m)
			}
		}
	}
}

// Compute classifies every record next returns until io.EOF, with no
// description of the API.
func Compute(m *Matrix, next func() (*evidence.Record, error)) (*Report, error) {
	return ComputeWith(m, Options{}, next)
}

// ComputeWith is Compute with an engine configured by o.
func ComputeWith(m *Matrix, o Options, next func() (*evidence.Record, error)) (*Report, error) {
	e := NewEngineWith(m, o)
	for {
		rec, err := next()
		if errors.Is(err, io.EOF) {
			return e.Report(), nil
		}
		if err != nil {
			return nil, fmt.Errorf("read records: %w", err)
		}
		e.Observe(rec)
	}
}

// Report judges every requirement over the records seen so far.
func (e *Engine) Report() *Report {
	e.met.flush(e)
	verdicts := e.verdicts()
	lives := e.lives(verdicts)
	r := &Report{
		Schema:       ReportSchema,
		Matrix:       e.m.Ref(),
		Records:      e.records,
		FirstSeq:     e.firstSeq,
		LastSeq:      e.lastSeq,
		From:         e.from,
		To:           e.to,
		Requirements: make([]RequirementResult, len(e.m.reqs)),
	}
	for i, req := range e.m.reqs {
		v := verdicts[i]
		res := RequirementResult{
			ID: req.ID, Title: req.Title, Area: req.Area, Basis: req.Basis, Conditional: req.Conditional,
			Status: v.status, Explanation: v.why, Evidence: v.evidence,
		}
		if l := lives[i]; !l.last.IsZero() {
			res.LastViolated, res.HandledSince = l.last, l.since
			res.Explanation += "; " + l.text(e.to)
		}
		if note, seqs := e.w.gate.note(i); note != "" {
			res.Explanation += "; " + note
			res.ContractRefused = seqs
		}
		if v.status != StatusMet {
			res.Steps = append([]string(nil), req.Steps...)
		}
		res.FirstMet = e.met.mark(i, v.status, e.lastSeq, e.to)
		r.Requirements[i] = res
	}
	e.eventEvidence(r.Requirements)
	r.Events = e.apps.summary(e.byName)
	r.Summary = summarize(r.Requirements)
	r.Endpoints, r.StatusCounts, r.Timeline = e.inv.report()
	r.Undocumented = e.inv.undoc.report()
	return r
}

// verdicts judges every requirement: the rules first, then requires from
// their verdicts; a forbidden call makes a requirement violated whatever
// its rule says.
func (e *Engine) verdicts() []verdict {
	out := make([]verdict, len(e.m.reqs))
	ids := make([]string, len(e.m.reqs))
	for i, req := range e.m.reqs {
		ids[i] = req.ID
		switch _, ok := req.rule.(*requiresSpec); {
		case !e.applies(i):
			out[i] = notApplicable()
		case !ok:
			out[i] = e.withForbid(i, e.evals[i].verdict(e.w))
		}
	}
	for i, req := range e.m.reqs {
		if rs, ok := req.rule.(*requiresSpec); ok && e.applies(i) {
			out[i] = e.withForbid(i, judgeRequires(rs, out, ids))
		}
	}
	return out
}

func (e *Engine) withForbid(i int, v verdict) verdict {
	f := &e.forbid[i]
	if f.count == 0 {
		if v.status == StatusMet && len(e.m.reqs[i].forbid) > 0 {
			v.why += "; no forbidden call seen"
		}
		return v
	}
	return verdict{
		status:   StatusViolated,
		why:      fmt.Sprintf("%s: %s (%s)", plural(f.count, "forbidden call", "forbidden calls"), f.what, seqsText(f.seqs)),
		evidence: evidenceOf(f.seqs),
	}
}

// summarize counts verdicts overall and per area.
func summarize(reqs []RequirementResult) Summary {
	s := Summary{Total: len(reqs), ByStatus: map[Status]int{}}
	for _, st := range Statuses {
		s.ByStatus[st] = 0
	}
	for _, a := range Areas {
		as := AreaSummary{Area: a}
		for _, r := range reqs {
			if r.Area != a {
				continue
			}
			as.Total++
			switch r.Status {
			case StatusMet:
				as.Met++
			case StatusPartial:
				as.Partial++
			case StatusMissing:
				as.Missing++
			case StatusViolated:
				as.Violated++
			case StatusNotApplicable:
				as.NotApplicable++
			}
		}
		if judged := as.Total - as.NotApplicable; judged > 0 {
			as.Ratio = float64(as.Met) / float64(judged)
		}
		s.Areas = append(s.Areas, as)
	}
	for _, r := range reqs {
		s.ByStatus[r.Status]++
	}
	return s
}

// Stats are the engine's sizes, for tests and diagnostics: what it holds in
// memory besides the matrix. Entities and Held grow with the entities seen
// and the failures still within their window, never with Records.
type Stats struct {
	Records int
	// Entities counts the entity states, aliases and traces known.
	Entities int
	// Held counts the rules' own items: entities part way through a
	// sequence, polling runs, failures awaiting a retry, list windows.
	Held int
}

// Stats returns the engine's current sizes.
func (e *Engine) Stats() Stats {
	s := Stats{Records: e.records, Entities: e.w.entityCount() + e.w.traces.size()}
	for _, ev := range e.evals {
		s.Held += ev.held()
	}
	return s
}
