package coverage

import (
	"html/template"
	"strconv"
	"time"
)

// The HTML report's next steps, evidence links, the caller's sections and
// the embedded calls, as the template shows them.

// nextView is the next-steps panel.
type nextView struct {
	Summary string
	Vars    []stepVar
	Note    string
	Items   []nextItemView
	// Empty is the panel's text when there is nothing to do.
	Empty string
}

// nextItemView is one requirement of the next steps.
type nextItemView struct {
	reqView
	Advice        string
	ReqHref       string // the requirement's entry further down
	EvidenceLabel string
}

func newNextView(d *Document, areas []areaView, links evidenceLinker) *nextView {
	r := d.Report
	v := &nextView{Vars: stepVars(d.Options), Note: placeholderNote}
	items := nextItems(r)
	switch {
	case len(r.Requirements) == 0:
		v.Empty = "No requirements in the matrix."
	case len(items) == 0:
		v.Empty = "None: every requirement is met."
	}
	v.Summary = nextSummary(items)
	anchors := requirementAnchors(r)
	ids := uniqueAnchors{}
	for _, it := range items {
		rv := newReqView(it.RequirementResult, links)
		rv.Anchor = ids.make("step", it.ID)
		rv.Steps = rv.Steps[:0]
		for _, s := range it.Steps {
			rv.Steps = append(rv.Steps, stepView{Text: s, Command: stepIsCommand(s)})
		}
		v.Items = append(v.Items, nextItemView{
			reqView: rv, Advice: it.Advice, ReqHref: "#" + anchors[it.index], EvidenceLabel: evidenceLabel(it.Status),
		})
	}
	return v
}

// RequirementAnchor is the element id of the entry of the requirement id
// in the HTML report (the first, when ids repeat): /coverage#req-row-1.
func RequirementAnchor(id string) string { return htmlAnchor("req", id) }

// requirementAnchors are the element ids of the requirements' entries, in
// report order, as areaViews assigns them.
func requirementAnchors(r *Report) []string {
	ids := uniqueAnchors{}
	out := make([]string, len(r.Requirements))
	for i, q := range r.Requirements {
		out[i] = ids.make("req", q.ID)
	}
	return out
}

// evidenceLink is one evidence number and where it links (empty: nowhere).
type evidenceLink struct {
	Seq  uint64
	Href string
}

// evidenceLinker says where evidence numbers link: to the calls URL, or
// to the embedded calls.
type evidenceLinker struct {
	url      string
	embedded map[uint64]bool
}

func (d *Document) linker() evidenceLinker {
	l := evidenceLinker{url: d.Options.CallsURL}
	if l.url == "" && len(d.Calls) > 0 {
		l.embedded = make(map[uint64]bool, len(d.Calls))
		for _, c := range d.Calls {
			l.embedded[c.Seq] = true
		}
	}
	return l
}

func (l evidenceLinker) href(seq uint64) string {
	switch {
	case l.url != "":
		return l.url + strconv.FormatUint(seq, 10)
	case l.embedded[seq]:
		return "#" + callAnchor(seq)
	}
	return ""
}

func (l evidenceLinker) list(seqs []uint64) []evidenceLink {
	out := make([]evidenceLink, len(seqs))
	for i, s := range seqs {
		out[i] = evidenceLink{Seq: s, Href: l.href(s)}
	}
	return out
}

func callAnchor(seq uint64) string { return "call-" + strconv.FormatUint(seq, 10) }

// sectionView is a caller's section with an HTML body.
type sectionView struct {
	ID    string
	Title string
	HTML  template.HTML
}

func sectionViews(secs []Section) []sectionView {
	var out []sectionView
	for _, s := range secs {
		if s.HTML != "" {
			out = append(out, sectionView{ID: s.ID, Title: s.Title, HTML: s.HTML})
		}
	}
	return out
}

// sectionCSS collects the sections' style rules; Document.check refused
// any that could end the style element.
func sectionCSS(secs []Section) []template.CSS {
	var out []template.CSS
	for _, s := range secs {
		if s.CSS != "" {
			out = append(out, template.CSS(s.CSS)) //nolint:gosec // checked: no '<'
		}
	}
	return out
}

// refreshSeconds is the meta refresh interval: whole seconds, at least 1.
func refreshSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return max(1, int((d+time.Second-1)/time.Second))
}

// callRow is one embedded call.
type callRow struct {
	CallSummary
	Anchor string
	When   string
	Class  string // the status class's colour
	Answer string
	For    []reqLink
}

// reqLink links to a requirement's entry.
type reqLink struct {
	ID   string
	Href string
}

func callRows(d *Document) []callRow {
	if len(d.Calls) == 0 {
		return nil
	}
	anchors := requirementAnchors(d.Report)
	byCall := map[uint64][]reqLink{}
	for i, q := range d.Report.Requirements {
		for _, s := range q.Evidence {
			byCall[s] = append(byCall[s], reqLink{ID: q.ID, Href: "#" + anchors[i]})
		}
	}
	out := make([]callRow, 0, len(d.Calls))
	for _, c := range sortedCalls(d.Calls) {
		out = append(out, callRow{
			CallSummary: c, Anchor: callAnchor(c.Seq), When: chartTime(c.Time),
			Class: classCSS(evidenceStatusClass(c.Status)), Answer: callStatusText(c), For: byCall[c.Seq],
		})
	}
	return out
}

func evidenceStatusClass(status int) string {
	if status == 0 {
		return "none"
	}
	return statusCodeClass(strconv.Itoa(status))
}
