package coverage

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// tableTitleWidth is the most runes of a title the terminal table shows.
const tableTitleWidth = 68

// WriteTable writes r as a plain-text table for a terminal
// (Document.WriteTable with no sections and the default options).
func WriteTable(w io.Writer, r *Report) error {
	return (&Document{Report: r}).WriteTable(w)
}

// WriteTable writes the report for a terminal: the top sections, the next
// steps (violated first, with their commands), the sections after them,
// one line per requirement (id, status, title), a summary line and the end
// sections. Control characters in matrix strings, steps and section lines
// are replaced, so a title cannot move the cursor or change the
// terminal's colours.
func (d *Document) WriteTable(w io.Writer) error {
	if err := d.check(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	tableSections(bw, d.placed(PlaceTop))
	tableNextSteps(bw, d)
	tableSections(bw, d.placed(PlaceAfterSteps))
	if err := tableRequirements(bw, d.Report); err != nil {
		return err
	}
	fmt.Fprintf(bw, "\n%s\n", overallText(d.Report.Summary))
	tableEvents(bw, d.Report)
	if end := d.placed(PlaceEnd); hasText(end) {
		fmt.Fprintln(bw)
		tableSections(bw, end)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write coverage table: %w", err)
	}
	return nil
}

func tableRequirements(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tSTATUS\tTITLE\n")
	for _, q := range r.Requirements {
		title := q.Title
		if q.Conditional != "" {
			title += " (if " + q.Conditional + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", tableText(q.ID, 24), tableStatus(q.Status), tableText(title, tableTitleWidth))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write coverage table: %w", err)
	}
	return nil
}

// tableNextSteps writes the requirements that are not met, violated
// first, each with its explanation, what to do and its commands.
func tableNextSteps(w *bufio.Writer, d *Document) {
	items := nextItems(d.Report)
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(w, "NEXT STEPS  %s (violated first)\n", nextSummary(items))
	for _, v := range stepVars(d.Options) {
		fmt.Fprintf(w, "  %s   # %s\n", v.Assignment(), v.Note)
	}
	fmt.Fprintf(w, "  %s\n\n", placeholderNote)
	for _, it := range items {
		fmt.Fprintf(w, "  %s  %s  %s\n", tableStatus(it.Status), tableText(it.ID, 24), tableText(it.Title, tableTitleWidth))
		fmt.Fprintf(w, "      why: %s\n", oneLineText(it.Explanation))
		if len(it.Evidence) > 0 {
			fmt.Fprintf(w, "      %s: %s\n", strings.ToLower(evidenceLabel(it.Status)), evidenceBrief(it.Evidence, 10))
		}
		fmt.Fprintf(w, "      %s\n", it.Advice)
		for _, s := range it.Steps {
			tableStep(w, s)
		}
		fmt.Fprintln(w)
	}
}

// tableStep writes one step indented, a command's lines after "$ ".
func tableStep(w *bufio.Writer, step string) {
	prefix := "      - "
	if stepIsCommand(step) {
		prefix = "      $ "
	}
	for i, line := range strings.Split(strings.TrimRight(blockText(step), "\n"), "\n") {
		if i > 0 {
			prefix = "        "
		}
		fmt.Fprintf(w, "%s%s\n", prefix, strings.ReplaceAll(line, "\t", " "))
	}
}

// tableSections writes the sections that have text lines: the title in
// capitals, then each line indented.
func tableSections(w *bufio.Writer, secs []Section) {
	for _, s := range secs {
		if s.Text == nil {
			continue
		}
		fmt.Fprintf(w, "%s\n", strings.ToUpper(oneLineText(s.Title)))
		for _, l := range s.Text {
			fmt.Fprintf(w, "  %s\n", oneLineText(l))
		}
		fmt.Fprintln(w)
	}
}

func hasText(secs []Section) bool {
	for _, s := range secs {
		if s.Text != nil {
			return true
		}
	}
	return false
}

// tableStatus renders a verdict in capitals when it needs attention, so
// gaps stand out without colour.
func tableStatus(s Status) string {
	if s == StatusMet {
		return string(s)
	}
	return strings.ToUpper(tableText(string(s), 12))
}

// tableText makes s safe and short for a terminal cell: control
// characters and tabs become spaces, and text past width runes is cut
// with an ellipsis.
func tableText(s string, width int) string {
	s = strings.TrimSpace(oneLineText(s))
	if s == "" {
		return "-"
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:width-1])) + "…"
}
