package bundlecov

import (
	"fmt"
	"io"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

// Formats are the report formats WriteReport renders.
func Formats() []string { return coverage.Formats() }

// WriteReport writes a coverage report with its sections (the
// audit-readiness view after the next steps, the contract findings at the
// end) in a format of Formats, as a coverage.Document read offline. Equal
// inputs give equal bytes.
func WriteReport(w io.Writer, rep *coverage.Report, s *Sections, format string) error {
	sections, err := s.ReportSections()
	if err != nil {
		return err
	}
	d := coverage.Document{Report: rep, Sections: sections, Calls: s.Calls}
	return d.Write(w, format)
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
