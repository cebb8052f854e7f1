package bundlecov

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

// Formats are the report formats WriteReport renders.
func Formats() []string { return []string{"json", "md", "html", "table"} }

// WriteReport writes a coverage report with its sections in a format of
// Formats: the audit-readiness view and the contract findings follow the
// verdicts in Markdown and in the terminal table. The JSON and HTML
// reports are the coverage report's alone: their sections are the bundle's
// readiness.json and contract.json (and readiness.md) until the report
// renderer takes caller sections. Equal inputs give equal bytes.
func WriteReport(w io.Writer, rep *coverage.Report, s *Sections, format string) error {
	switch format {
	case "json":
		return coverage.WriteJSON(w, rep)
	case "html":
		return coverage.WriteHTML(w, rep)
	case "md":
		return writeMarkdown(w, rep, s)
	case "table":
		return writeTable(w, rep, s)
	}
	return fmt.Errorf("unknown report format %q: want one of %s", format, strings.Join(Formats(), ", "))
}

func writeMarkdown(w io.Writer, rep *coverage.Report, s *Sections) error {
	bw := bufio.NewWriter(w)
	if err := coverage.WriteMarkdown(bw, rep); err != nil {
		return err
	}
	bw.WriteString("\n")
	if err := golive.WriteReadinessMarkdown(bw, s.Readiness); err != nil {
		return err
	}
	bw.WriteString("## Contract\n\n" + contractMarkdown(s))
	return bw.Flush()
}

func writeTable(w io.Writer, rep *coverage.Report, s *Sections) error {
	bw := bufio.NewWriter(w)
	if err := coverage.WriteTable(bw, rep); err != nil {
		return err
	}
	for _, part := range []struct {
		title string
		lines []string
	}{{"AUDIT READINESS", readinessText(s.Readiness)}, {"CONTRACT", contractText(s)}} {
		bw.WriteString("\n" + part.title + "\n")
		for _, l := range part.lines {
			bw.WriteString(oneLine(l) + "\n")
		}
	}
	return bw.Flush()
}

// readinessText is the readiness view in a few lines, for the terminal
// table.
func readinessText(v *golive.Readiness) []string {
	s := v.Summary
	lines := []string{
		fmt.Sprintf("content %s %s: %d of %d requirements met (%d by test scripts alone, %d partly), %d partial, %d missing, %d violated",
			v.Content.ID, v.Content.Version, s.Met, s.Requirements, s.MetByScripts, s.MetMixed, s.Partial, s.Missing, s.Violated),
		fmt.Sprintf("production set-up confirmed %d of %d; not tested by staging, acknowledged %d of %d",
			s.SetupConfirmed, s.SetupTotal, s.NotTestedAcknowledged, s.NotTestedTotal),
	}
	for _, k := range v.Kinds {
		lines = append(lines, fmt.Sprintf("  %s: %d met, %d partial, %d missing, %d violated of %d", k.Title, k.Met, k.Partial, k.Missing, k.Violated, k.Total))
	}
	if len(v.Remaining) > 0 {
		lines = append(lines, "remaining: "+strings.Join(v.Remaining, " "))
	}
	for _, it := range v.Setup {
		if !it.Confirmed {
			lines = append(lines, "not confirmed: "+it.Title)
		}
	}
	for _, it := range v.NotTested {
		if !it.Acknowledged {
			lines = append(lines, "not acknowledged: "+it.Title)
		}
	}
	return lines
}
