package coverage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Text helpers every renderer shares: folding control characters,
// numbers, ranges and counts as the reports show them.

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
