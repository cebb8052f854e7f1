package coverage

import (
	"bufio"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// templatesFS holds the HTML report's template and stylesheet; both are
// compiled into the binary so the report needs no files at run time.
//
//go:embed templates/*.tmpl
var templatesFS embed.FS

// HTMLContentSecurityPolicy is the Content-Security-Policy header to serve
// the HTML report with: nothing may load from anywhere, inline styles are
// allowed, and the only script allowed is the report's own print helper,
// pinned by its hash. A test checks the hash against the rendered page.
const HTMLContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " +
	"script-src 'sha256-EzEN0zEH32PN08ujjBBQmXJbzcj0GjtR96Z1gynT3HM='; base-uri 'none'; form-action 'none'"

// evidenceListed is how many evidence sequence numbers a requirement's
// expanded view lists before it summarises the rest as a count.
const evidenceListed = 100

// WriteHTML writes r as one self-contained HTML page (Document.WriteHTML
// with no sections and the default options).
func WriteHTML(w io.Writer, r *Report) error {
	return (&Document{Report: r}).WriteHTML(w)
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS,
// the top sections, the next steps (violated first, with their commands),
// the sections after them, inline SVG charts (coverage by area, calls over
// time, status distribution, requirements met over time), the
// requirements grouped by area with their evidence and steps in
// expandable sections, the endpoint inventory, the end sections and the
// embedded calls. The page loads nothing from anywhere: no scripts, fonts,
// images or stylesheets from outside; its one inline script only opens
// every section before printing. Evidence numbers link to
// Options.CallsURL, or to the embedded calls; with Options.Refresh the
// page reloads itself (a meta refresh, which needs no script).
//
// Every string from the matrix or the traffic goes through html/template's
// contextual escaping, so a title or a step containing markup is shown as
// text; a section's HTML is its maker's. The output holds no wall-clock
// time: equal documents give equal bytes. The template is parsed on each
// call (about 0.5 ms), which keeps the package free of shared state.
func (d *Document) WriteHTML(w io.Writer) error {
	if err := d.check(); err != nil {
		return err
	}
	funcs := template.FuncMap{
		"statusClass":     func(key string) string { return classCSS(statusCodeClass(key)) },
		"thousands":       groupThousands,
		"eventsUnknown":   eventsUnknownText,
		"eventsUntracked": eventsUntrackedText,
	}
	t, err := template.New("report.html.tmpl").Funcs(funcs).ParseFS(templatesFS, "templates/*.tmpl")
	if err != nil {
		return fmt.Errorf("parse report template: %w", err)
	}
	bw := bufio.NewWriter(w)
	if err := t.Execute(controlFilter{bw}, newHTMLView(d)); err != nil {
		return fmt.Errorf("render html report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// controlFilter replaces the C0 control characters other than tab and
// line breaks, and DEL, with spaces on their way out: they are invalid in
// HTML and a terminal showing the page's source would act on them. They
// are single bytes in UTF-8, so filtering bytes cannot split a character.
type controlFilter struct{ w io.Writer }

func (f controlFilter) Write(p []byte) (int, error) {
	var clean []byte // a copy, made on the first control character
	for i, c := range p {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			if clean == nil {
				clean = append([]byte(nil), p...)
			}
			clean[i] = ' '
		}
	}
	if clean == nil {
		return f.w.Write(p)
	}
	return f.w.Write(clean)
}

// htmlView is everything the template shows, precomputed so the template
// holds no logic beyond loops and conditions.
type htmlView struct {
	R         *Report
	Refresh   int // seconds; 0: no meta refresh
	CSS       []template.CSS
	Top       []sectionView
	After     []sectionView
	End       []sectionView
	Next      *nextView
	Calls     []callRow
	ShortSHA  string
	Records   string
	SeqRange  string
	TimeRange string
	Overall   string
	Ratio     string // overall met ratio as a percentage
	RatioW    string // the same as a bar width in percent, for the meter
	Cards     []statCard
	AreaChart *svgChart
	MetChart  *svgChart
	Timeline  *svgChart
	Statuses  *svgChart
	Areas     []areaView
	Endpoints []endpointView
	EPSeen    int
}

// statCard is one summary card.
type statCard struct {
	Class string
	Label string
	Value string
}

// areaView is one evidence area and its requirements.
type areaView struct {
	Name   string
	Anchor string
	Line   string
	Reqs   []reqView
}

// reqView is one requirement as shown.
type reqView struct {
	RequirementResult
	Anchor     string
	Badge      string // the status's colour: its name, or "unknown"
	Shown      []evidenceLink
	More       int
	CallsLabel string
	Steps      []stepView
}

// stepView is one step toward missing evidence: a command to run (shown
// as a code block) or an instruction in prose.
type stepView struct {
	Text    string
	Command bool
}

// endpointView is one row of the endpoint inventory.
type endpointView struct {
	EndpointUse
	Seen     bool
	Statuses []codeCount
}

func newHTMLView(d *Document) htmlView {
	r := d.Report
	links := d.linker()
	v := htmlView{
		R:         r,
		Refresh:   refreshSeconds(d.Options.Refresh),
		CSS:       sectionCSS(d.Sections),
		Top:       sectionViews(d.placed(PlaceTop)),
		After:     sectionViews(d.placed(PlaceAfterSteps)),
		End:       sectionViews(d.placed(PlaceEnd)),
		Calls:     callRows(d),
		ShortSHA:  shortDigest(r.Matrix.SHA256),
		Records:   groupThousands(r.Records),
		SeqRange:  seqRangeText(r),
		TimeRange: timeRangeText(r.From, r.To),
		Overall:   overallText(r.Summary),
		Statuses:  statusChart(r.StatusCounts),
		Areas:     areaViews(r, links),
	}
	v.Next = newNextView(d, v.Areas, links)
	areaLinks := make(map[string]string, len(v.Areas))
	for _, a := range v.Areas {
		areaLinks[a.Name] = "#" + a.Anchor
	}
	v.AreaChart = areaChart(r.Summary.Areas, areaLinks)
	v.MetChart = metChart(r)
	paired := 0
	if v.Statuses != nil {
		paired = v.Statuses.Height
	}
	v.Timeline = timelineChart(r.Timeline, paired)
	met := r.Summary.ByStatus[StatusMet]
	ratio := 0.0
	if r.Summary.Total > 0 {
		ratio = float64(met) / float64(r.Summary.Total)
	}
	v.Ratio = percentText(ratio)
	v.RatioW = svgNum(ratio * 100)
	for _, s := range Statuses {
		v.Cards = append(v.Cards, statCard{"s-" + string(s), string(s), groupThousands(r.Summary.ByStatus[s])})
	}
	v.Endpoints, v.EPSeen = endpointViews(r.Endpoints)
	return v
}

// endpointViews lists the inventory's rows and counts the seen ones.
func endpointViews(eps []EndpointUse) ([]endpointView, int) {
	out := make([]endpointView, 0, len(eps))
	seen := 0
	for _, e := range eps {
		ev := endpointView{EndpointUse: e, Seen: e.Calls > 0, Statuses: sortedCodeCounts(e.Statuses)}
		if ev.Seen {
			seen++
		}
		out = append(out, ev)
	}
	return out, seen
}

// areaViews groups the requirements by area: the areas of the summary in
// its order, then any area only the requirements name, in first-seen
// order. Element ids are made unique even when two names differ only in
// case or punctuation.
func areaViews(r *Report, links evidenceLinker) []areaView {
	var out []areaView
	index := map[string]int{}
	ids := uniqueAnchors{}
	add := func(name string) int {
		if i, ok := index[name]; ok {
			return i
		}
		index[name] = len(out)
		out = append(out, areaView{Name: name, Anchor: ids.make("area", name)})
		return len(out) - 1
	}
	for _, a := range r.Summary.Areas {
		i := add(a.Area)
		out[i].Line = fmt.Sprintf("%d of %d met (%s)", a.Met, a.Total, percentText(a.Ratio))
	}
	for _, q := range r.Requirements {
		i := add(q.Area)
		v := newReqView(q, links)
		v.Anchor = ids.make("req", q.ID)
		out[i].Reqs = append(out[i].Reqs, v)
	}
	return out
}

// uniqueAnchors hands out element ids, numbering repeats: req-tm1,
// req-tm1-2, …
type uniqueAnchors map[string]bool

func (u uniqueAnchors) make(prefix, name string) string {
	base := htmlAnchor(prefix, name)
	id := base
	for n := 2; u[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	u[id] = true
	return id
}

func newReqView(q RequirementResult, links evidenceLinker) reqView {
	v := reqView{
		RequirementResult: q,
		Shown:             links.list(q.Evidence[:min(len(q.Evidence), evidenceListed)]),
		More:              max(0, len(q.Evidence)-evidenceListed),
		Badge:             "unknown",
	}
	for _, s := range Statuses {
		if q.Status == s {
			v.Badge = string(s)
		}
	}
	if q.Status == StatusNotApplicable {
		v.Badge = "na"
	}
	for _, s := range q.Steps {
		s = StepCommand(s)
		v.Steps = append(v.Steps, stepView{Text: s, Command: stepIsCommand(s)})
	}
	switch len(q.Evidence) {
	case 0:
		v.CallsLabel = "no calls"
	case 1:
		v.CallsLabel = "1 call"
	default:
		v.CallsLabel = groupThousands(len(q.Evidence)) + " calls"
	}
	return v
}

// htmlAnchor makes an element id from a prefix and a name: lower case letters,
// digits and dashes only, so it is valid and stable in a URL fragment.
func htmlAnchor(prefix, name string) string {
	var b strings.Builder
	b.WriteString(prefix)
	dash := true
	for _, c := range strings.ToLower(name) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			if dash {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// shortDigest abbreviates a hex digest for display; the full one is in the
// element's title.
func shortDigest(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// stepIsCommand reports whether a step is a shell command rather than an
// instruction: it starts with a command name the steps use, or spans lines.
func stepIsCommand(step string) bool {
	s := strings.TrimSpace(step)
	for _, prefix := range []string{"curl ", "$ ", "evidence-proxy "} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return strings.Contains(s, "\n")
}
