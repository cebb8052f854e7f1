package coverage

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// evidenceShown is how many evidence sequence numbers the Markdown
// requirement table lists before it summarises the rest as a count.
const evidenceShown = 5

// WriteMarkdown writes r as a concise Markdown report for an auditor
// (Document.WriteMarkdown with no sections and the default options).
func WriteMarkdown(w io.Writer, r *Report) error {
	return (&Document{Report: r}).WriteMarkdown(w)
}

// WriteMarkdown writes the report as Markdown: the header (matrix,
// records, sequence and time range), the top sections, the next steps,
// the sections after them, the summary per evidence area, the requirement
// table, the endpoint inventory, the app events (when the app sent any),
// the status distribution, the end
// sections and the embedded calls.
//
// Every string that comes from the matrix or the traffic is escaped, so a
// hostile title, explanation or step can neither break the tables nor
// smuggle HTML into a renderer that allows it; a section's body is its
// maker's. Steps are written as fenced code blocks whose fence is longer
// than any backtick run inside them. The output holds no wall-clock time:
// equal documents give equal bytes.
func (d *Document) WriteMarkdown(w io.Writer) error {
	if err := d.check(); err != nil {
		return err
	}
	r := d.Report
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	mdHeader(bw, r)
	mdSections(bw, d.placed(PlaceTop))
	mdNextSteps(bw, d)
	mdSections(bw, d.placed(PlaceAfterSteps))
	mdAreas(bw, r)
	mdMetOverTime(bw, r)
	mdRequirements(bw, d)
	mdEndpoints(bw, r)
	mdEvents(bw, r)
	mdStatuses(bw, r)
	mdSections(bw, d.placed(PlaceEnd))
	mdCalls(bw, d)
	_ = bw.Flush() // into memory: cannot fail
	out := append(bytes.TrimRight(buf.Bytes(), "\n"), '\n')
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

func mdHeader(w *bufio.Writer, r *Report) {
	fmt.Fprintf(w, "# Coverage report\n\n")
	fmt.Fprintf(w, "| | |\n|---|---|\n")
	fmt.Fprintf(w, "| Matrix | %s version %s |\n", mdCell(mdCode(r.Matrix.ID)), mdCell(mdCode(r.Matrix.Version)))
	fmt.Fprintf(w, "| Matrix SHA-256 | %s |\n", mdCell(mdCode(r.Matrix.SHA256)))
	fmt.Fprintf(w, "| Schema | %s |\n", mdCell(mdCode(r.Schema)))
	fmt.Fprintf(w, "| Records | %s |\n", groupThousands(r.Records))
	fmt.Fprintf(w, "| Sequence range | %s |\n", seqRangeText(r))
	fmt.Fprintf(w, "| Time range | %s |\n\n", timeRangeText(r.From, r.To))
	fmt.Fprintf(w, "**Overall:** %s\n\n", overallText(r.Summary))
}

func mdAreas(w *bufio.Writer, r *Report) {
	fmt.Fprintf(w, "## Summary by area\n\n")
	if len(r.Summary.Areas) == 0 {
		fmt.Fprintf(w, "No requirements.\n\n")
		return
	}
	fmt.Fprintf(w, "| Area | Met | Partial | Missing | Violated | Total | Coverage |\n")
	fmt.Fprintf(w, "|---|--:|--:|--:|--:|--:|--:|\n")
	for _, a := range r.Summary.Areas {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %s |\n",
			mdCell(mdText(a.Area)), a.Met, a.Partial, a.Missing, a.Violated, a.Total, percentText(a.Ratio))
	}
	fmt.Fprintln(w)
}

func mdRequirements(w *bufio.Writer, d *Document) {
	r := d.Report
	fmt.Fprintf(w, "## Requirements\n\n")
	if len(r.Requirements) == 0 {
		fmt.Fprintf(w, "No requirements.\n\n")
		return
	}
	fmt.Fprintf(w, "| ID | Status | Title | Evidence | Explanation |\n|---|---|---|---|---|\n")
	for _, q := range r.Requirements {
		title := mdText(q.Title)
		if q.Conditional != "" {
			title += " *(if " + mdText(q.Conditional) + ")*"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n",
			mdCell(mdCode(q.ID)), mdStatus(q.Status), mdCell(title),
			mdCell(d.mdEvidence(q.Evidence, evidenceShown)), mdCell(mdText(q.Explanation)))
	}
	fmt.Fprintln(w)
}

func mdEndpoints(w *bufio.Writer, r *Report) {
	seen := 0
	for _, e := range r.Endpoints {
		if e.Calls > 0 {
			seen++
		}
	}
	fmt.Fprintf(w, "## Endpoint inventory\n\n")
	if len(r.Endpoints) == 0 {
		fmt.Fprintf(w, "No endpoints.\n\n")
		return
	}
	fmt.Fprintf(w, "%d of %d endpoints seen.\n\n", seen, len(r.Endpoints))
	fmt.Fprintf(w, "| Method | Endpoint | Calls | Statuses |\n|---|---|--:|---|\n")
	for _, e := range r.Endpoints {
		statuses := "not seen"
		if e.Calls > 0 {
			statuses = mdText(codeCountsLine(e.Statuses))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n",
			mdCell(mdText(e.Method)), mdCell(mdCode(e.Template)), groupThousands(e.Calls), mdCell(statuses))
	}
	fmt.Fprintln(w)
}

func mdStatuses(w *bufio.Writer, r *Report) {
	fmt.Fprintf(w, "## Status distribution\n\n")
	counts := sortedCodeCounts(r.StatusCounts)
	if len(counts) == 0 {
		fmt.Fprintf(w, "No calls.\n\n")
		return
	}
	total := 0
	for _, c := range counts {
		total += c.N
	}
	fmt.Fprintf(w, "| Status | Calls | Share |\n|---|--:|--:|\n")
	for _, c := range counts {
		fmt.Fprintf(w, "| %s | %s | %s |\n", mdCell(mdText(c.Key)), groupThousands(c.N), percentText(float64(c.N)/float64(total)))
	}
	fmt.Fprintln(w)
}

// mdStatus renders a verdict; the ones that need attention are bold.
func mdStatus(s Status) string {
	switch s {
	case StatusMet:
		return "met"
	case StatusPartial, StatusMissing, StatusViolated:
		return "**" + string(s) + "**"
	}
	return mdText(string(s))
}

// mdText escapes s for Markdown prose: line breaks become spaces and
// every character with Markdown or HTML meaning is backslash-escaped.
func mdText(s string) string {
	var b strings.Builder
	for _, c := range oneLineText(s) {
		if strings.ContainsRune("\\`*_[]<>&#!~", c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// mdCode renders s as a code span whose backtick fence is longer than any
// run inside it.
func mdCode(s string) string {
	s = oneLineText(s)
	if s == "" {
		return "—"
	}
	fence := strings.Repeat("`", longestByteRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdCell makes already-rendered Markdown safe inside a table cell, where a
// bare pipe would end the cell even inside a code span. GitHub-flavoured
// tables unescape \| before parsing the cell, so every pipe is escaped.
func mdCell(s string) string {
	return strings.ReplaceAll(s, "|", "\\|")
}

// mdMetOverTime lists the requirements met now by when each was first
// seen met.
func mdMetOverTime(w *bufio.Writer, r *Report) {
	pts := metOverTime(r)
	if len(pts) == 0 {
		return
	}
	fmt.Fprintf(w, "## Requirements met over time\n\n")
	fmt.Fprintf(w, "| Met | First seen met (UTC) | Record | Requirement |\n|--:|---|--:|---|\n")
	for i, p := range pts {
		fmt.Fprintf(w, "| %d of %d | %s | #%d | %s |\n", i+1, r.Summary.Total, chartTime(p.Time), p.Seq, mdCell(mdCode(p.ID)))
	}
	fmt.Fprintln(w)
}
