package golive

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteReadinessMarkdown writes the view as a Markdown section ("## Audit
// readiness", with ### subsections) for the coverage report's Markdown
// and the bundle. Every string from the matrix, the traffic or the
// checklist file is escaped; the output holds no wall-clock time.
func WriteReadinessMarkdown(w io.Writer, v *Readiness) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "## Audit readiness\n\n")
	fmt.Fprintf(bw, "Content %s version %s; matrix %s version %s. The auditor decides; this shows what the evidence covers, by what, and what remains.\n\n",
		mdCode(v.Content.ID), mdCode(v.Content.Version), mdCode(v.Matrix.ID), mdCode(v.Matrix.Version))
	s := v.Summary
	fmt.Fprintf(bw, "- Requirements met: %d of %d (%d by test scripts alone, %d partly), %d partial, %d missing, %d violated%s\n",
		s.Met, s.Requirements, s.MetByScripts, s.MetMixed, s.Partial, s.Missing, s.Violated, notApplicableText(s.NotApplicable))
	fmt.Fprintf(bw, "- Evidence sources: %s\n", sourcesText(s.Sources))
	fmt.Fprintf(bw, "- Production set-up confirmed: %d of %d\n", s.SetupConfirmed, s.SetupTotal)
	fmt.Fprintf(bw, "- Not tested by staging, acknowledged: %d of %d\n\n", s.NotTestedAcknowledged, s.NotTestedTotal)
	for _, k := range v.Kinds {
		mdKind(bw, k)
	}
	mdSetup(bw, v)
	mdNotTested(bw, v)
	mdRemaining(bw, v)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write readiness markdown: %w", err)
	}
	return nil
}

// notApplicableText is ", N not applicable" when some requirements were
// not judged, and nothing otherwise.
func notApplicableText(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d not applicable", n)
}

func sourcesText(s string) string {
	switch s {
	case "indexed":
		return "every evidence call checked for the test-script header"
	case "incomplete":
		return "the index of test-script calls is incomplete (too many); some sources are unknown"
	}
	return "not checked (no index of test-script calls)"
}

func mdKind(w *bufio.Writer, k KindView) {
	fmt.Fprintf(w, "### %s\n\n%s\n\n", mdEscape(oneLine(k.Title)), mdEscape(oneLine(k.Detail)))
	fmt.Fprintf(w, "%d requirements: %d met, %d partial, %d missing, %d violated%s.\n\n", k.Total, k.Met, k.Partial, k.Missing, k.Violated, notApplicableText(k.NotApplicable))
	if len(k.Requirements) == 0 {
		return
	}
	fmt.Fprintf(w, "| ID | Status | Title | Evidence | From |\n|---|---|---|--:|---|\n")
	for _, r := range k.Requirements {
		title := mdEscape(oneLine(r.Title))
		if r.Conditional != "" {
			title += " *(if " + mdEscape(oneLine(r.Conditional)) + ")*"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s |\n", mdCode(r.ID), r.Status, title, r.Evidence, sourceText(r))
	}
	fmt.Fprintln(w)
}

// sourceText says where a requirement's evidence came from.
func sourceText(r RequirementView) string {
	switch r.Source {
	case SourceScript:
		return "test script " + mdCodes(r.Scripts)
	case SourceMixed:
		return "app and test script " + mdCodes(r.Scripts)
	case SourceApp:
		return "app"
	case SourceUnknown:
		return "unknown"
	}
	return "—"
}

func mdCodes(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = mdCode(id)
	}
	return strings.Join(out, ", ")
}

func mdSetup(w *bufio.Writer, v *Readiness) {
	fmt.Fprintf(w, "### Production set-up\n\nSet up in production (Account Management) before the first call; confirmed by the integrator in the checklist file%s.\n\n", checklistText(v))
	fmt.Fprintf(w, "| Item | Confirmed | Note |\n|---|---|---|\n")
	for _, s := range v.Setup {
		fmt.Fprintf(w, "| %s | %s | %s |\n", mdEscape(oneLine(s.Title)), answerText(s.Answered, s.Confirmed, "yes"), mdEscape(oneLine(s.Note)))
	}
	fmt.Fprintln(w)
}

func mdNotTested(w *bufio.Writer, v *Readiness) {
	fmt.Fprintf(w, "### What the emulation engine does not test\n\nProduction behaviour with no staging equivalent, acknowledged by the integrator.\n\n")
	fmt.Fprintf(w, "| Behaviour | Acknowledged | Note |\n|---|---|---|\n")
	for _, s := range v.NotTested {
		fmt.Fprintf(w, "| %s: %s | %s | %s |\n", mdEscape(oneLine(s.Title)), mdEscape(oneLine(s.Detail)), answerText(s.Answered, s.Acknowledged, "yes"), mdEscape(oneLine(s.Note)))
	}
	fmt.Fprintln(w)
}

func mdRemaining(w *bufio.Writer, v *Readiness) {
	fmt.Fprintf(w, "### What remains\n\n")
	var lines []string
	if len(v.Remaining) > 0 {
		lines = append(lines, "Requirements not met: "+mdCodes(v.Remaining))
	}
	for _, s := range v.Setup {
		if !s.Confirmed {
			lines = append(lines, "Not confirmed: "+mdEscape(oneLine(s.Title)))
		}
	}
	for _, s := range v.NotTested {
		if !s.Acknowledged {
			lines = append(lines, "Not acknowledged: "+mdEscape(oneLine(s.Title)))
		}
	}
	if len(lines) == 0 {
		fmt.Fprintf(w, "Nothing.\n\n")
		return
	}
	for _, l := range lines {
		fmt.Fprintf(w, "- %s\n", l)
	}
	fmt.Fprintln(w)
}

func checklistText(v *Readiness) string {
	if v.Checklist == "" {
		return " (none given)"
	}
	return " (SHA-256 " + mdCode(v.Checklist) + ")"
}

func answerText(answered, yes bool, word string) string {
	switch {
	case !answered:
		return "not answered"
	case yes:
		return word
	}
	return "no"
}

// mdCode is s as inline code, with a fence longer than any backtick run
// inside.
func mdCode(s string) string {
	s = oneLine(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + strings.ReplaceAll(s, "|", `\|`) + pad + fence
}
