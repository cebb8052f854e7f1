package coverage

import (
	"bufio"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The Markdown report's next steps, the caller's sections and the
// embedded calls.

// mdNextSteps writes the requirements that are not met, violated first,
// with the variables their commands read.
func mdNextSteps(w *bufio.Writer, d *Document) {
	items := nextItems(d.Report)
	fmt.Fprintf(w, "## Next steps\n\n")
	switch {
	case len(d.Report.Requirements) == 0:
		fmt.Fprintf(w, "No requirements.\n\n")
		return
	case len(items) == 0:
		fmt.Fprintf(w, "None: every requirement is met.\n\n")
		return
	}
	fmt.Fprintf(w, "%s. Violated first (the client must change), then missing, then partial.\n\n", mdText(capitalize(nextSummary(items))))
	fmt.Fprintf(w, "The commands read two shell variables; set them first:\n\n```sh\n")
	for _, v := range stepVars(d.Options) {
		fmt.Fprintf(w, "%s   # %s\n", v.Assignment(), v.Note)
	}
	fmt.Fprintf(w, "```\n\n%s\n\n", mdText(placeholderNote))
	for i, it := range items {
		mdNextItem(w, d, i+1, it)
	}
}

func mdNextItem(w *bufio.Writer, d *Document, n int, it nextItem) {
	fmt.Fprintf(w, "### %d. %s %s: %s\n\n", n, mdCode(it.ID), mdStatus(it.Status), mdText(it.Title))
	fmt.Fprintf(w, "- **Why:** %s\n", mdText(it.Explanation))
	fmt.Fprintf(w, "- **Area:** %s; **basis:** %s\n", mdText(it.Area), mdText(it.Basis))
	if it.Conditional != "" {
		fmt.Fprintf(w, "- **Applies if:** %s\n", mdText(it.Conditional))
	}
	if len(it.Evidence) > 0 {
		fmt.Fprintf(w, "- **%s:** %s\n", evidenceLabel(it.Status), d.mdEvidence(it.Evidence, 20))
	}
	fmt.Fprintf(w, "\n%s\n\n", mdText(it.Advice))
	if len(it.Steps) > 0 || it.Status != StatusViolated {
		mdSteps(w, it.Steps)
	}
}

// evidenceLabel names the calls a requirement lists.
func evidenceLabel(s Status) string {
	if s == StatusViolated {
		return "Mishandling calls"
	}
	return "Evidence so far"
}

func mdSteps(w *bufio.Writer, steps []string) {
	if len(steps) == 0 {
		fmt.Fprintf(w, "The matrix gives no steps for it.\n\n")
		return
	}
	for _, s := range steps {
		if !stepIsCommand(s) {
			fmt.Fprintf(w, "- %s\n\n", mdText(s))
			continue
		}
		s = blockText(s)
		fence := strings.Repeat("`", max(3, longestByteRun(s, '`')+1))
		fmt.Fprintf(w, "%ssh\n%s\n%s\n\n", fence, strings.TrimRight(s, "\n"), fence)
	}
}

// mdEvidence lists the first n evidence numbers, each linking to its call
// when the options give a calls URL.
func (d *Document) mdEvidence(seqs []uint64, n int) string {
	if d.Options.CallsURL == "" || len(seqs) == 0 {
		return evidenceBrief(seqs, n)
	}
	parts := make([]string, 0, min(n, len(seqs)))
	for _, s := range seqs[:min(n, len(seqs))] {
		num := strconv.FormatUint(s, 10)
		parts = append(parts, "[#"+num+"]("+d.Options.CallsURL+num+")")
	}
	out := strings.Join(parts, ", ")
	if len(seqs) > n {
		out += fmt.Sprintf(" (+%s more; %s calls)", groupThousands(len(seqs)-n), groupThousands(len(seqs)))
	}
	return out
}

// mdSections writes the caller's sections that have a Markdown body.
func mdSections(w *bufio.Writer, secs []Section) {
	for _, s := range secs {
		if s.Markdown == "" {
			continue
		}
		fmt.Fprintf(w, "## %s\n\n%s\n\n", mdText(s.Title), strings.TrimRight(s.Markdown, "\n"))
	}
}

// mdCalls lists the embedded calls: what each evidence number is.
func mdCalls(w *bufio.Writer, d *Document) {
	if len(d.Calls) == 0 {
		return
	}
	fmt.Fprintf(w, "## Calls named as evidence\n\n")
	fmt.Fprintf(w, "| Seq | Time (UTC) | Method | Endpoint | Status | Error | Evidence for |\n|--:|---|---|---|--:|---|---|\n")
	byCall := evidenceIndex(d.Report)
	for _, c := range sortedCalls(d.Calls) {
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s |\n", c.Seq, chartTime(c.Time), mdCell(mdText(c.Method)),
			mdCell(mdCode(c.Endpoint)), callStatusText(c), mdCell(mdText(string(c.ErrorKind))), mdCell(mdText(strings.Join(byCall[c.Seq], ", "))))
	}
	fmt.Fprintln(w)
}

// sortedCalls returns the calls in sequence order (a copy when they are
// not).
func sortedCalls(calls []CallSummary) []CallSummary {
	cmp := func(a, b CallSummary) int { return cmpSeq(a.Seq, b.Seq) }
	if slices.IsSortedFunc(calls, cmp) {
		return calls
	}
	out := slices.Clone(calls)
	slices.SortStableFunc(out, cmp)
	return out
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// callStatusText is a call's status as listed: the code, "proxy" added
// when the proxy answered itself, "none" without a response.
func callStatusText(c CallSummary) string {
	switch {
	case c.Status == 0:
		return "none"
	case c.Synthetic:
		return strconv.Itoa(c.Status) + " (proxy)"
	}
	return strconv.Itoa(c.Status)
}

// evidenceIndex maps each evidence number to the requirements naming it,
// in matrix order.
func evidenceIndex(r *Report) map[uint64][]string {
	out := map[uint64][]string{}
	for _, q := range r.Requirements {
		for _, s := range q.Evidence {
			if ids := out[s]; len(ids) == 0 || ids[len(ids)-1] != q.ID {
				out[s] = append(ids, q.ID)
			}
		}
	}
	return out
}

// capitalize upper-cases the first letter of an ASCII sentence.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
