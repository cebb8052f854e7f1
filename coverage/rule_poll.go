package coverage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// pollSpec judges polling: repeated reads of one entity while the watched
// fields stay the same form a run, which ends when a read shows a change.
// Reading an unchanged entity more than maxFast times in a row less than
// minInterval apart is a violation. A run proves the requirement when it
// has enough reads, lasts long enough, backs off (the largest gap at least
// twice the first, and no gap under half the largest before it), saw the
// change if that is asked for, and was not cut short by a forced outcome.
type pollSpec struct {
	read        *callMatcher
	entity      int
	entName     string
	watch       []int
	while       []predicate
	minInterval time.Duration
	maxFast     int
	backoff     bool
	span        time.Duration
	reads       int
	untilChange bool
	without     []*callMatcher
	// readsText and spanText say what a run missing reads or span
	// lacks, written once rather than at every run judged.
	readsText, spanText string
}

func (s *pollSpec) kind() string { return "poll" }

func (s *pollSpec) interest() interest {
	out := s.read.interest()
	for _, m := range s.without {
		out = out.union(m.interest())
	}
	return out
}

func (s *pollSpec) newEval() evaluator {
	return &pollEval{spec: s, entName: s.entName, runs: map[string]*pollRun{}, polled: map[string]*pollRun{}}
}

func (c *compiler) compilePoll(n *yaml.Node, what string) (ruleSpec, error) {
	f, err := fields(n, what, "read", "watch", "while", "min_interval", "max_fast", "backoff", "span", "reads", "until_change", "without")
	if err != nil {
		return nil, err
	}
	s := &pollSpec{maxFast: 3, reads: 2}
	if err := c.pollWatch(s, f, n, what); err != nil {
		return nil, err
	}
	rn, err := need(f, n, what, "read")
	if err != nil {
		return nil, err
	}
	if s.read, _, err = c.compileMatcher(rn, matcherOpts{what: what + ": read", entity: s.entity}); err != nil {
		return nil, err
	}
	if !s.read.key.set {
		return nil, nodeErr(rn, "%s: read: the call does not name the %s; give a key", what, c.entities[s.entity].name)
	}
	gateOn(s.read, nil)
	if err := c.pollOptions(s, f, what); err != nil {
		return nil, err
	}
	s.readsText = fmt.Sprintf("at least %d reads", s.reads)
	s.spanText = "polling over at least " + fmtDur(s.span)
	if wn := f["without"]; wn != nil {
		for _, item := range items(wn) {
			m, _, err := c.compileMatcher(item, matcherOpts{what: what + ": without", entity: s.entity})
			if err != nil {
				return nil, err
			}
			if !m.key.set {
				return nil, nodeErr(item, "%s: without: the call does not name the %s; give a key", what, c.entities[s.entity].name)
			}
			s.without = append(s.without, m)
		}
	}
	return s, nil
}

func (c *compiler) pollWatch(s *pollSpec, f map[string]*yaml.Node, n *yaml.Node, what string) error {
	wn, err := need(f, n, what, "watch")
	if err != nil {
		return err
	}
	srcs, err := strList(wn, what+": watch")
	if err != nil {
		return err
	}
	s.entity = -1
	for _, src := range srcs {
		p, err := c.statePredicate(src+" exists", false)
		if err != nil {
			return nodeErr(wn, "%s: watch: %v", what, err)
		}
		if s.entity >= 0 && p.state.entity != s.entity {
			return nodeErr(wn, "%s: watch: fields of one entity only", what)
		}
		s.entity, s.entName = p.state.entity, c.entities[p.state.entity].name
		s.watch = append(s.watch, p.state.field)
	}
	if ln := f["while"]; ln != nil {
		srcs, err := strList(ln, what+": while")
		if err != nil {
			return err
		}
		for _, src := range srcs {
			p, err := c.statePredicate(src, false)
			if err != nil {
				return nodeErr(ln, "%s: while: %v", what, err)
			}
			if p.state.entity != s.entity || !slices.Contains(s.watch, p.state.field) {
				return nodeErr(ln, "%s: while: %q must test a watched field", what, src)
			}
			s.while = append(s.while, p)
		}
	}
	return nil
}

func (c *compiler) pollOptions(s *pollSpec, f map[string]*yaml.Node, what string) error {
	var err error
	if x := f["min_interval"]; x != nil {
		if s.minInterval, err = durationOf(x, what+": min_interval"); err != nil {
			return err
		}
	}
	if x := f["span"]; x != nil {
		if s.span, err = durationOf(x, what+": span"); err != nil {
			return err
		}
	}
	if x := f["max_fast"]; x != nil {
		if s.maxFast, err = intValueOf(x, what+": max_fast", 0); err != nil {
			return err
		}
	}
	if x := f["reads"]; x != nil {
		if s.reads, err = intValueOf(x, what+": reads", 2); err != nil {
			return err
		}
	}
	if x := f["backoff"]; x != nil {
		if s.backoff, err = boolValueOf(x, what+": backoff"); err != nil {
			return err
		}
	}
	if x := f["until_change"]; x != nil {
		if s.untilChange, err = boolValueOf(x, what+": until_change"); err != nil {
			return err
		}
	}
	return nil
}

// maxRunSeqs bounds the reads a run keeps as evidence (its last read is
// always kept besides).
const maxRunSeqs = 16

// pollRun is one entity read again and again while unchanged.
type pollRun struct {
	key         string
	vals        []value
	start, last time.Time
	reads       int
	firstGap    time.Duration
	maxGap      time.Duration
	broken      bool
	fast        int
	changed     bool
	forced      bool
	violated    bool
	seqs        []uint64
	lastSeq     uint64
}

type pollEval struct {
	spec    *pollSpec
	entName string
	buf     []value
	runs    map[string]*pollRun
	// polled holds the runs of runs with two reads or more, the only ones
	// a verdict judges: most entities are read once, and judging must not
	// cost a pass over them all.
	polled map[string]*pollRun
	// spare is the run last dropped, whose buffers the next new run
	// reuses.
	spare *pollRun
	// proof is the first finished run that proves the requirement; best
	// the best finished run that does not.
	proof      *runSummary
	best       *runSummary
	violations int
	violSeqs   seqList
	violWhy    string
	// proven counts the finished runs that prove the requirement;
	// provenAfter those of them that started after lastViol, the latest
	// too-fast read (violation.go).
	proven, provenAfter int
	lastViol            time.Time
}

// runSummary is a judged run.
type runSummary struct {
	score    int
	missing  []string
	span     time.Duration
	first    uint64
	reads    int
	key      string
	firstGap time.Duration
	maxGap   time.Duration
	seqs     []uint64
}

func (s *runSummary) why(ent string) string {
	return fmt.Sprintf("%d reads of %s %s over %s (first gap %s, largest %s)", s.reads, ent, s.key, fmtDur(s.span), fmtDur(s.firstGap), fmtDur(s.maxGap))
}

func (e *pollEval) observe(w *world, v *callView) {
	for _, m := range e.spec.without {
		if key, ok := m.matchFull(w, v); ok {
			if r := e.runs[key]; r != nil {
				r.forced = true
			}
		}
	}
	key, ok := e.spec.read.matchFull(w, v)
	if !ok {
		return
	}
	ev, ok := v.eventFor(e.spec.entity, key)
	if !ok {
		return
	}
	vals, ok := e.watched(v, ev)
	if !ok {
		return
	}
	r := e.runs[key]
	if r != nil && !sameKinds(r.vals, vals) {
		// A number turned into text ("pending") is no reading of the
		// field: the read shows neither the same value nor a change.
		return
	}
	if r != nil {
		if e.extend(r, v, vals) {
			return
		}
		e.finish(r)
		delete(e.polled, key)
	}
	if !observed(v, ev, e.spec.while, nil) {
		if r != nil {
			delete(e.runs, key)
			e.spare = r
		}
		return
	}
	if r == nil {
		r = e.newRun(key)
	}
	r.restart(v, vals)
}

// newRun adds a run for key, reusing the buffers of the run last
// dropped: most reads that start no run follow one that did.
func (e *pollEval) newRun(key string) *pollRun {
	r := e.spare
	if r == nil {
		r = &pollRun{vals: make([]value, len(e.spec.watch)), seqs: make([]uint64, 0, maxRunSeqs)}
	}
	e.spare = nil
	r.key = strings.Clone(key)
	e.runs[r.key] = r
	return r
}

// sameKinds reports whether two readings of the watched fields hold
// values of the same kinds.
func sameKinds(a, b []value) bool {
	return slices.EqualFunc(a, b, func(x, y value) bool { return x.kind == y.kind })
}

// restart makes r a new run starting with read v, reusing its buffers.
func (r *pollRun) restart(v *callView, vals []value) {
	for i, x := range vals {
		if !r.vals[i].equal(x) || r.vals[i].kind != x.kind {
			r.vals[i] = x.clone()
		}
	}
	*r = pollRun{key: r.key, vals: r.vals, start: v.start, last: v.start, reads: 1, seqs: append(r.seqs[:0], v.seq), lastSeq: v.seq}
}

// watched returns the watched fields as the read shows them, in a buffer
// reused from call to call.
func (e *pollEval) watched(v *callView, ev stateEvent) ([]value, bool) {
	if e.buf == nil {
		e.buf = make([]value, len(e.spec.watch))
	}
	out := e.buf
	for i, f := range e.spec.watch {
		c, ok := v.change(ev, f)
		if !ok {
			return nil, false
		}
		out[i] = c.new
	}
	return out, true
}

// extend adds read v to run r; it reports false when v shows a change, in
// which case v ends the run.
func (e *pollEval) extend(r *pollRun, v *callView, vals []value) bool {
	gap := max(v.start.Sub(r.last), 0)
	same := slices.EqualFunc(r.vals, vals, value.equal)
	if r.reads == 1 {
		r.firstGap = gap
	} else if gap < r.maxGap/2 {
		r.broken = true
	}
	r.maxGap = max(r.maxGap, gap)
	if r.reads++; r.reads == 2 {
		e.polled[r.key] = r
	}
	r.last = v.start
	if len(r.seqs) < maxRunSeqs {
		r.seqs = append(r.seqs, v.seq)
	}
	prev := r.lastSeq
	r.lastSeq = v.seq
	if !same {
		r.changed = true
		return false
	}
	if e.spec.minInterval > 0 && gap < e.spec.minInterval {
		r.fast++
		if r.fast > e.spec.maxFast && v.start.After(e.lastViol) {
			e.lastViol, e.provenAfter = v.start, 0
		}
		if r.fast > e.spec.maxFast && !r.violated {
			r.violated = true
			e.violations++
			e.violSeqs.add(prev, v.seq)
			if e.violWhy == "" {
				e.violWhy = fmt.Sprintf("%s read %d times in a row less than %s apart while unchanged", r.key, r.fast+1, fmtDur(e.spec.minInterval))
			}
		}
	} else {
		r.fast = 0
	}
	return true
}

// judge scores a run against the spec's checks: the number passed, and
// with explain the ones that failed.
func (e *pollEval) judge(r *pollRun, explain bool) (score int, missing []string) {
	check := func(ok bool, need string) {
		if ok {
			score++
		} else if explain {
			missing = append(missing, need)
		}
	}
	check(r.reads >= e.spec.reads, e.spec.readsText)
	if e.spec.span > 0 {
		check(r.last.Sub(r.start) >= e.spec.span, e.spec.spanText)
	}
	if e.spec.backoff {
		check(r.reads >= 4 && !r.broken && r.maxGap >= 2*r.firstGap, "growing gaps between reads (backoff)")
	}
	if e.spec.untilChange {
		check(r.changed, "a read that shows the change")
	}
	check(!r.forced, "an outcome that was not forced through /staging")
	return score, missing
}

// checks is the number of checks judge makes.
func (e *pollEval) checks() int {
	n := 2
	for _, on := range []bool{e.spec.span > 0, e.spec.backoff, e.spec.untilChange} {
		n += b2i(on)
	}
	return n
}

// summary keeps what a report needs of a judged run.
func (e *pollEval) summary(r *pollRun, score int) *runSummary {
	_, missing := e.judge(r, score < e.checks())
	return &runSummary{score: score, missing: missing, span: r.last.Sub(r.start), first: r.seqs[0], reads: r.reads, key: r.key,
		firstGap: r.firstGap, maxGap: r.maxGap, seqs: append(slices.Clone(r.seqs), r.lastSeq)}
}

// better reports whether a run of the given score, span and first read
// beats the judged run t: higher score, then longer, then earlier.
func better(score int, span time.Duration, first uint64, t *runSummary) bool {
	if t == nil {
		return true
	}
	if score != t.score {
		return score > t.score
	}
	if span != t.span {
		return span > t.span
	}
	return first < t.first
}

// finish judges a run that ended with a change.
func (e *pollEval) finish(r *pollRun) {
	if r.reads < 2 {
		return
	}
	score, _ := e.judge(r, false)
	if score == e.checks() {
		e.proven++
		if r.start.After(e.lastViol) {
			e.provenAfter++
		}
		if e.proof == nil {
			e.proof = e.summary(r, score)
		}
		return
	}
	if better(score, r.last.Sub(r.start), r.seqs[0], e.best) {
		e.best = e.summary(r, score)
	}
}

func (e *pollEval) held() int { return len(e.runs) }

func (e *pollEval) verdict(w *world) verdict {
	ent := w.m.entities[e.spec.entity].name
	if e.violations > 0 {
		return verdict{StatusViolated, fmt.Sprintf("%s %s (%s)", ent, e.violWhy, seqsText(e.violSeqs)), evidenceOf(e.violSeqs)}
	}
	proof, best := e.proof, e.best
	for _, r := range e.polled {
		score, _ := e.judge(r, false)
		if score == e.checks() {
			if proof == nil || r.seqs[0] < proof.first {
				proof = e.summary(r, score)
			}
		} else if better(score, r.last.Sub(r.start), r.seqs[0], best) {
			best = e.summary(r, score)
		}
	}
	switch {
	case proof != nil:
		return verdict{StatusMet, "polled: " + proof.why(e.entName), evidenceOf(proof.seqs)}
	case best != nil:
		return verdict{StatusPartial, "best run: " + best.why(e.entName) + "; still needs " + strings.Join(best.missing, ", "), evidenceOf(best.seqs)}
	}
	return verdict{StatusMissing, "no repeated " + e.spec.read.src + " of one " + ent, []uint64{}}
}
