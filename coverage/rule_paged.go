package coverage

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// pagedSpec judges reconciliation completeness: every list fetched to its
// end over the same window. A window is the set of values of the window
// query parameters (after, before, and any scoping filter). A list is
// complete when its pages ran from offset 0, each starting where the one
// before ended, until offset + items >= total; a list answered without a
// total is complete when a page shorter than its limit ends it. Pages that
// skip ahead, or stop before the total, leave it partial.
//
// Only the window may narrow a list: a call with any other query
// parameter than the window's and the paging ones (pagingParams) fetched
// a subset, such as the fees of one authRefNum, and its total is that
// subset's, so it is not a page of the dataset and counts for nothing.
type pagedSpec struct {
	lists  []*callMatcher
	window []string
}

func (s *pagedSpec) kind() string { return "paged" }

func (s *pagedSpec) interest() interest {
	var out interest
	for _, m := range s.lists {
		out = out.union(m.interest())
	}
	return out
}

func (s *pagedSpec) newEval() evaluator {
	return &pagedEval{spec: s, windows: map[string]*pagedWindow{}}
}

func (c *compiler) compilePaged(n *yaml.Node, what string) (ruleSpec, error) {
	f, err := fields(n, what, "lists", "window")
	if err != nil {
		return nil, err
	}
	s := &pagedSpec{}
	ln, err := need(f, n, what, "lists")
	if err != nil {
		return nil, err
	}
	if ln.Kind != yaml.SequenceNode || len(ln.Content) == 0 {
		return nil, nodeErr(ln, "%s: lists: want a list of list calls", what)
	}
	for _, item := range ln.Content {
		m, _, err := c.compileMatcher(item, matcherOpts{what: what + ": lists", entity: -1})
		if err != nil {
			return nil, err
		}
		if len(m.when) > 0 || m.needsBinds() {
			return nil, nodeErr(item, "%s: lists: when and $key do not apply", what)
		}
		s.lists = append(s.lists, m)
	}
	wn, err := need(f, n, what, "window")
	if err != nil {
		return nil, err
	}
	if s.window, err = strList(wn, what+": window"); err != nil {
		return nil, err
	}
	return s, nil
}

// pagingParams are the query parameters that neither narrow nor widen a
// list: they page it and order it.
var pagingParams = [...]string{"limit", "offset", "sort", "orderBy"}

// narrowedBy returns the first query parameter of v that is neither a
// window parameter nor a paging one: the filter that makes the call fetch
// less than the window's dataset.
func (s *pagedSpec) narrowedBy(v *callView) (string, bool) {
	for _, p := range v.queryPairs() {
		name := p.name
		if name == "" || slices.Contains(s.window, name) || slices.Contains(pagingParams[:], name) {
			continue
		}
		return name, true
	}
	return "", false
}

// maxWindows bounds the windows followed at once.
const maxWindows = 1024

// listProgress is one list of one window.
type listProgress struct {
	started bool
	gap     bool
	next    int
	total   int
	pages   []uint64
	done    bool
	proof   []uint64
}

type pagedWindow struct {
	key   string
	lists []listProgress
}

type pagedEval struct {
	spec    *pagedSpec
	windows map[string]*pagedWindow
	order   []string
	proof   *pagedWindow
	evicted *pagedWindow
	// narrowed counts the list calls set aside for a filter outside the
	// window; narrowedBy is the first such filter, narrowedSeq its call.
	narrowed    int
	narrowedBy  string
	narrowedSeq uint64
	// keyBuf is reused to build window keys.
	keyBuf []byte
}

func (e *pagedEval) observe(w *world, v *callView) {
	if e.proof != nil {
		return // proven once is proven: nothing more to follow
	}
	for i, m := range e.spec.lists {
		if !m.match(w, v) {
			continue
		}
		if name, ok := e.spec.narrowedBy(v); ok {
			e.noteNarrowed(name, v.seq)
			continue
		}
		offset, n, total, ok := page(v)
		if !ok {
			continue
		}
		win := e.window(v)
		e.page(&win.lists[i], v.seq, offset, n, total)
		if allDone(win) {
			e.proof = snapshot(win)
			e.windows, e.order, e.evicted = nil, nil, nil
			return
		}
	}
}

func (e *pagedEval) noteNarrowed(name string, seq uint64) {
	if e.narrowed++; e.narrowed == 1 {
		e.narrowedBy, e.narrowedSeq = strings.Clone(name), seq
	}
}

// narrowedText explains the list calls that did not count.
func (e *pagedEval) narrowedText() string {
	if e.narrowed == 0 {
		return ""
	}
	return fmt.Sprintf("; %s narrowed by a filter outside the window (%s in #%d) not counted", plural(e.narrowed, "list call", "list calls"), e.narrowedBy, e.narrowedSeq)
}

// listPage is what a list response shows of its page.
type listPage struct {
	offset, n, total int
	ok               bool
}

// page reads offset, item count and total from a list response; without a
// total the list is one page. A truncated body is not read. Every paged
// rule reads the same page, so it is read once per call.
func page(v *callView) (offset, n, total int, ok bool) {
	if !v.pageRead {
		v.pg, v.pageRead = readPage(v), true
	}
	return v.pg.offset, v.pg.n, v.pg.total, v.pg.ok
}

func readPage(v *callView) listPage {
	if v.resp.trunc {
		return listPage{}
	}
	i, found := v.resp.find("items")
	if !found || v.resp.top[i].val[0] != '[' {
		return listPage{}
	}
	n := len(v.resp.elements(i))
	offset := intAt(&v.resp, "offset", -1)
	if offset < 0 {
		if s, found := v.queryParam("offset"); found {
			offset = int(atof(s))
		} else {
			offset = 0
		}
	}
	total := intAt(&v.resp, "total", -1)
	if total < 0 {
		// Without a total only a page shorter than its limit shows the
		// end; after a full one there may be more.
		total = offset + n
		if n >= pageLimit(v) {
			total++
		}
	}
	return listPage{offset: offset, n: n, total: total, ok: true}
}

// defaultLimit is the page size a list call gets without a limit (§4.4).
const defaultLimit = 50

// pageLimit is the page size of a list answer: its limit, else the
// request's, else the default.
func pageLimit(v *callView) int {
	if l := intAt(&v.resp, "limit", -1); l > 0 {
		return l
	}
	if s, found := v.queryParam("limit"); found && atof(s) > 0 {
		return int(atof(s))
	}
	return defaultLimit
}

// intAt reads a top-level member holding a non-negative number.
func intAt(b *bodyView, key string, def int) int {
	if raw, ok := b.member(key); ok {
		if f, ok := jsonNumber(raw); ok && f >= 0 {
			return int(f)
		}
	}
	return def
}

func atof(s string) float64 {
	f, _ := textValue(s).number()
	return f
}

// window returns the window a list call belongs to, creating it. Its key
// is the window parameters the call has, name=value joined by &.
func (e *pagedEval) window(v *callView) *pagedWindow {
	b := e.keyBuf[:0]
	for _, p := range e.spec.window {
		if s, ok := v.queryParam(p); ok {
			if len(b) > 0 {
				b = append(b, '&')
			}
			b = append(append(append(b, p...), '='), s...)
		}
	}
	e.keyBuf = b
	if win := e.windows[string(b)]; win != nil {
		return win
	}
	key := string(b)
	if len(e.order) >= maxWindows {
		e.evict()
	}
	win := &pagedWindow{key: key, lists: make([]listProgress, len(e.spec.lists))}
	e.windows[key] = win
	e.order = append(e.order, key)
	return win
}

// evict forgets the oldest window, keeping it if it is the best partial.
func (e *pagedEval) evict() {
	old := e.windows[e.order[0]]
	delete(e.windows, e.order[0])
	e.order = e.order[1:]
	if e.evicted == nil || betterWindow(old, e.evicted) {
		e.evicted = snapshot(old)
	}
}

func (e *pagedEval) page(lp *listProgress, seq uint64, offset, n, total int) {
	switch {
	case offset == 0:
		*lp = listProgress{started: true, next: n, done: lp.done, proof: lp.proof, pages: lp.pages[:0]}
	case lp.started && offset == lp.next:
		lp.next += n
	case offset > lp.next || !lp.started:
		lp.started, lp.gap, lp.next = true, true, offset+n
	default:
		return // an earlier page read again
	}
	lp.total = total
	if len(lp.pages) < maxEvidence {
		lp.pages = append(lp.pages, seq)
	}
	if !lp.gap && lp.next >= total && !lp.done {
		lp.done, lp.proof = true, slices.Clone(lp.pages)
	}
}

func allDone(win *pagedWindow) bool {
	for _, lp := range win.lists {
		if !lp.done {
			return false
		}
	}
	return true
}

func snapshot(win *pagedWindow) *pagedWindow {
	c := &pagedWindow{key: win.key, lists: slices.Clone(win.lists)}
	for i := range c.lists {
		c.lists[i].pages = slices.Clone(c.lists[i].pages)
	}
	return c
}

// betterWindow orders windows by lists done, then pages seen, then age.
func betterWindow(a, b *pagedWindow) bool {
	da, db, pa, pb := 0, 0, 0, 0
	for i := range a.lists {
		da += b2i(a.lists[i].done)
		db += b2i(b.lists[i].done)
		pa += len(a.lists[i].pages)
		pb += len(b.lists[i].pages)
	}
	if da != db {
		return da > db
	}
	if pa != pb {
		return pa > pb
	}
	return firstSeq(a) < firstSeq(b)
}

func firstSeq(w *pagedWindow) uint64 {
	first := ^uint64(0)
	for _, lp := range w.lists {
		for _, s := range lp.pages {
			first = min(first, s)
		}
	}
	return first
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (e *pagedEval) held() int { return len(e.windows) }

func (e *pagedEval) verdict(*world) verdict {
	if e.proof != nil {
		var seqs [][]uint64
		for _, lp := range e.proof.lists {
			seqs = append(seqs, lp.proof)
		}
		return verdict{StatusMet, fmt.Sprintf("every list fetched to its total over the window %s: %s", windowText(e.proof.key), e.listsText(e.proof)), evidenceOf(seqs...)}
	}
	best := e.evicted
	for _, key := range e.order {
		if win := e.windows[key]; best == nil || betterWindow(win, best) {
			best = win
		}
	}
	if best == nil {
		return verdict{StatusMissing, "no list fetched over a window: " + e.srcs() + e.narrowedText(), []uint64{}}
	}
	var seqs [][]uint64
	for _, lp := range best.lists {
		seqs = append(seqs, lp.pages, lp.proof)
	}
	return verdict{StatusPartial, fmt.Sprintf("not every list complete over one window; best window %s: %s%s", windowText(best.key), e.listsText(best), e.narrowedText()), evidenceOf(seqs...)}
}

func windowText(key string) string {
	if key == "" {
		return "(no window parameters)"
	}
	return key
}

func (e *pagedEval) srcs() string {
	out := make([]string, len(e.spec.lists))
	for i, m := range e.spec.lists {
		out[i] = m.src
	}
	return strings.Join(out, "; ")
}

func (e *pagedEval) listsText(win *pagedWindow) string {
	parts := make([]string, len(win.lists))
	for i, lp := range win.lists {
		name := e.spec.lists[i].src
		switch {
		case lp.done:
			parts[i] = fmt.Sprintf("%s complete (%s)", name, plural(len(lp.proof), "page", "pages"))
		case !lp.started:
			parts[i] = name + " not fetched"
		case lp.gap:
			parts[i] = fmt.Sprintf("%s skipped pages (reached %d of %d)", name, lp.next, lp.total)
		default:
			parts[i] = fmt.Sprintf("%s stopped at %d of %d", name, lp.next, lp.total)
		}
	}
	return strings.Join(parts, "; ")
}
