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

// WriteTable writes r as a plain-text table for a terminal: one line per
// requirement (id, status, title) and a summary line. Control characters
// in matrix strings are replaced, so a title cannot move the cursor or
// change the terminal's colours.
func WriteTable(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
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
	fmt.Fprintf(bw, "\n%s\n", overallText(r.Summary))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write coverage table: %w", err)
	}
	return nil
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
