package coverage

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// evidenceShown is how many evidence sequence numbers the Markdown
// requirement table lists before it summarises the rest as a count.
const evidenceShown = 5

// WriteMarkdown writes r as a concise Markdown report for an auditor: the
// header (matrix, records, sequence and time range), the summary per
// evidence area, the requirement table, the steps for each gap, the
// endpoint inventory and the status distribution.
//
// Every string that comes from the matrix or the traffic is escaped, so a
// hostile title, explanation or step can neither break the tables nor
// smuggle HTML into a renderer that allows it. Steps are written as fenced
// code blocks whose fence is longer than any backtick run inside them.
// The output holds no wall-clock time: equal reports give equal bytes.
func WriteMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	mdHeader(bw, r)
	mdAreas(bw, r)
	mdRequirements(bw, r)
	mdGaps(bw, r)
	mdEndpoints(bw, r)
	mdStatuses(bw, r)
	if err := bw.Flush(); err != nil {
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

func mdRequirements(w *bufio.Writer, r *Report) {
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
			mdCell(evidenceBrief(q.Evidence, evidenceShown)), mdCell(mdText(q.Explanation)))
	}
	fmt.Fprintln(w)
}

// mdGaps writes one section per requirement that is not met, in matrix
// order, with its explanation, the calls it rests on and the steps.
func mdGaps(w *bufio.Writer, r *Report) {
	fmt.Fprintf(w, "## Gaps\n\n")
	n := 0
	for _, q := range r.Requirements {
		if q.Status == StatusMet {
			continue
		}
		n++
		fmt.Fprintf(w, "### %s: %s\n\n", mdCode(q.ID), mdText(q.Title))
		fmt.Fprintf(w, "- **Status:** %s\n", mdStatus(q.Status))
		fmt.Fprintf(w, "- **Area:** %s\n", mdText(q.Area))
		fmt.Fprintf(w, "- **Basis:** %s\n", mdText(q.Basis))
		if q.Conditional != "" {
			fmt.Fprintf(w, "- **Applies if:** %s\n", mdText(q.Conditional))
		}
		fmt.Fprintf(w, "- **Why:** %s\n", mdText(q.Explanation))
		if len(q.Evidence) > 0 {
			fmt.Fprintf(w, "- **Calls:** %s\n", evidenceBrief(q.Evidence, 20))
		}
		fmt.Fprintln(w)
		mdSteps(w, q.Steps)
	}
	switch {
	case len(r.Requirements) == 0:
		fmt.Fprintf(w, "No requirements.\n\n")
	case n == 0:
		fmt.Fprintf(w, "None: every requirement is met.\n\n")
	}
}

func mdSteps(w *bufio.Writer, steps []string) {
	if len(steps) == 0 {
		fmt.Fprintf(w, "No steps given.\n\n")
		return
	}
	fmt.Fprintf(w, "Steps:\n\n")
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
		fmt.Fprintf(w, "No calls.\n")
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

// oneLineText folds line breaks and other control characters into spaces.
func oneLineText(s string) string {
	return strings.Map(controlToSpace, s)
}

// controlToSpace maps C0 and C1 control characters and the Unicode line
// and paragraph separators to a space.
func controlToSpace(c rune) rune {
	if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029 {
		return ' '
	}
	return c
}

// blockText keeps the line structure of s for a code block and replaces
// every other control character, so a step cannot carry terminal escapes
// to someone reading the file in a terminal.
func blockText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(c rune) rune {
		if c == '\n' || c == '\t' {
			return c
		}
		return controlToSpace(c)
	}, s)
}

func longestByteRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// evidenceBrief lists the first n sequence numbers and counts the rest:
// "#3, #9, #12 (+4 more; 7 calls)".
func evidenceBrief(seqs []uint64, n int) string {
	if len(seqs) == 0 {
		return "none"
	}
	parts := make([]string, 0, min(n, len(seqs)))
	for _, s := range seqs[:min(n, len(seqs))] {
		parts = append(parts, "#"+strconv.FormatUint(s, 10))
	}
	out := strings.Join(parts, ", ")
	if len(seqs) > n {
		out += fmt.Sprintf(" (+%s more; %s calls)", groupThousands(len(seqs)-n), groupThousands(len(seqs)))
	}
	return out
}

// overallText summarises the verdicts in one sentence.
func overallText(s Summary) string {
	met := s.ByStatus[StatusMet]
	ratio := 0.0
	if s.Total > 0 {
		ratio = float64(met) / float64(s.Total)
	}
	return fmt.Sprintf("%d of %d requirements met (%s); %d partial, %d missing, %d violated",
		met, s.Total, percentText(ratio), s.ByStatus[StatusPartial], s.ByStatus[StatusMissing], s.ByStatus[StatusViolated])
}

func seqRangeText(r *Report) string {
	if r.Records == 0 {
		return "none"
	}
	return fmt.Sprintf("%d–%d", r.FirstSeq, r.LastSeq)
}

// timeRangeText renders the observed time range in UTC with its length.
func timeRangeText(from, to time.Time) string {
	if from.IsZero() && to.IsZero() {
		return "none"
	}
	const layout = "2006-01-02 15:04:05Z"
	return fmt.Sprintf("%s → %s (%s)", from.UTC().Format(layout), to.UTC().Format(layout), to.Sub(from).Round(time.Second))
}

// percentText renders a ratio in [0, 1] as a whole percentage, rounding down
// so that an incomplete area never reads 100%.
func percentText(ratio float64) string {
	p := int(ratio * 100)
	if ratio > 0 && p == 0 {
		return "<1%"
	}
	return strconv.Itoa(p) + "%"
}

// groupThousands renders n with comma grouping: 1,234,567.
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// codeCount is one entry of a status-count map.
type codeCount struct {
	Key string
	N   int
}

// sortedCodeCounts orders a status-count map: numeric codes ascending, then the
// other keys ("none", …) alphabetically.
func sortedCodeCounts(m map[string]int) []codeCount {
	out := make([]codeCount, 0, len(m))
	for k, n := range m {
		out = append(out, codeCount{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, aerr := strconv.Atoi(out[i].Key)
		b, berr := strconv.Atoi(out[j].Key)
		switch {
		case aerr == nil && berr == nil:
			return a < b
		case aerr == nil || berr == nil:
			return aerr == nil
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// codeCountsLine renders a status-count map as "200×3, 409×1".
func codeCountsLine(m map[string]int) string {
	var parts []string
	for _, c := range sortedCodeCounts(m) {
		parts = append(parts, c.Key+"×"+strconv.Itoa(c.N))
	}
	return strings.Join(parts, ", ")
}
