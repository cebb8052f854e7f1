package golive

import (
	"bufio"
	"fmt"
	"io"
)

// WriteContent writes the readiness content as plain text, for matrix
// show: the four kinds of evidence, the production set-up items and the
// behaviours staging does not test, with the ids a checklist file uses.
func WriteContent(w io.Writer, c *Content) error {
	bw := bufio.NewWriter(w)
	ref := c.Ref()
	fmt.Fprintf(bw, "%s (%s version %s, sha256 %s)\nsource: %s\n\n", oneLine(c.Title), ref.ID, ref.Version, ref.SHA256, oneLine(c.Source))
	fmt.Fprintf(bw, "Kinds of evidence the auditor reviews (matrix areas):\n")
	for _, k := range c.Kinds {
		fmt.Fprintf(bw, "  %-18s %s: %s\n", k.Area, oneLine(k.Title), oneLine(k.Detail))
	}
	fmt.Fprintf(bw, "\nProduction set-up, confirmed in the checklist file (setup: <id>: {confirmed: true|false, note: ...}):\n")
	for _, it := range c.Setup {
		fmt.Fprintf(bw, "  %-26s %s\n", it.ID, oneLine(it.Title))
	}
	fmt.Fprintf(bw, "\nWhat the emulation engine does not test, acknowledged in the checklist file (not_tested: <id>: {acknowledged: true|false, note: ...}):\n")
	for _, it := range c.NotTested {
		fmt.Fprintf(bw, "  %-26s %s: %s\n", it.ID, oneLine(it.Title), oneLine(it.Detail))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write readiness content: %w", err)
	}
	return nil
}

// WriteChecklistTemplate writes a checklist file for the content with
// every item unanswered (confirmed: false), to fill in.
func WriteChecklistTemplate(w io.Writer, c *Content) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# evidence-proxy go-live checklist: answer every item, each with a note\n")
	fmt.Fprintf(bw, "# saying what was done and where it is recorded (never a secret or a number).\n")
	fmt.Fprintf(bw, "content: %s %s\nsetup:\n", c.ID, c.Version)
	for _, it := range c.Setup {
		fmt.Fprintf(bw, "  # %s\n  %s:\n    confirmed: false\n    note: not done yet\n", oneLine(it.Title), it.ID)
	}
	fmt.Fprintf(bw, "not_tested:\n")
	for _, it := range c.NotTested {
		fmt.Fprintf(bw, "  # %s\n  %s:\n    acknowledged: false\n    note: not reviewed yet\n", oneLine(it.Title), it.ID)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write checklist template: %w", err)
	}
	return nil
}
