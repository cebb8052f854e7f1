package bundlecov

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/contract"
)

// The contract section of a report: request findings first (the app's
// calls), those on calls the API accepted anyway called out as the ones
// that break in production, then response findings (where staging
// differs from the docs), then what lies outside the description or could
// not be checked. Every string from the traffic or the description is
// escaped for the format.

// contractGroups are a summary's groups by the part of the section that
// shows them.
type contractGroups struct {
	accepted, refused, responses, outside []contract.Group
}

func splitGroups(s *contract.Summary) contractGroups {
	var g contractGroups
	for _, grp := range s.Sorted() {
		switch {
		case !grp.Rule.Violation():
			g.outside = append(g.outside, grp)
		case grp.Side == contract.SideResponse:
			g.responses = append(g.responses, grp)
		case grp.Accepted > 0:
			g.accepted = append(g.accepted, grp)
		default:
			g.refused = append(g.refused, grp)
		}
	}
	return g
}

// contractLead is the section's first sentence, plain text.
func contractLead(s *Sections) string {
	c := s.Contract
	return fmt.Sprintf("Calls held against the API description %q version %s (sha256 %s…): %d, %d of them to documented endpoints. "+
		"Requests that break the contract: %d, %d of them answered 2xx anyway. Responses that differ from the description: %d.",
		s.Spec.Title, s.Spec.Version, short(s.Spec.SHA256), c.Calls, c.Documented, c.RequestViolations, c.Accepted, c.ResponseViolations) +
		pendingText(s.ContractPending)
}

// pendingText is the live report's note on records not yet checked; ""
// when every record is.
func pendingText(n uint64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" Not yet checked: the last %d records (the checks run behind the traffic, and catch up when it slows).", n)
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// contractMarkdown is the section's body in Markdown, below its heading.
func contractMarkdown(s *Sections) string {
	var b strings.Builder
	b.WriteString(mdText(contractLead(s)) + "\n\n")
	for _, p := range contractParts(s) {
		mdGroups(&b, p.Title, p.Lead, p.Groups, p.Production)
	}
	if len(s.Contract.Groups) == 0 {
		b.WriteString("No findings: every call matches the description.\n\n")
	}
	return b.String()
}

func mdGroups(b *strings.Builder, title, lead string, groups []contract.Group, accepted bool) {
	if len(groups) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s\n\n%s\n\n", mdText(title), mdText(lead))
	b.WriteString("| Endpoint | Field | Rule | Calls |")
	if accepted {
		b.WriteString(" Accepted |")
	}
	b.WriteString(" Value | Expected | Seq |\n|---|---|---|--:|")
	if accepted {
		b.WriteString("--:|")
	}
	b.WriteString("---|---|---|\n")
	for _, grp := range groups {
		fmt.Fprintf(b, "| %s | %s | %s | %d |", mdCode(grp.Method+" "+grp.Endpoint), mdCode(grp.Field), grp.Rule, grp.Count)
		if accepted {
			fmt.Fprintf(b, " %d |", grp.Accepted)
		}
		fmt.Fprintf(b, " %s | %s | %s |\n", mdValue(grp.Value), mdText(grp.Message), seqText(grp))
	}
	b.WriteString("\n")
}

// contractText is the section's lines for the terminal table.
func contractText(s *Sections) []string {
	lines := []string{contractLead(s)}
	for _, p := range contractParts(s) {
		if len(p.Groups) == 0 {
			continue
		}
		lines = append(lines, p.Title+":")
		for _, grp := range p.Groups {
			lines = append(lines, "  "+groupText(grp))
		}
	}
	return lines
}

func groupText(g contract.Group) string {
	s := fmt.Sprintf("%s %s  %s  %s  %s", g.Method, g.Endpoint, g.Field, g.Rule, plural(g.Count, "call"))
	if g.Accepted > 0 {
		s += fmt.Sprintf(" (%d accepted)", g.Accepted)
	}
	if g.Value != "" {
		s += "  value " + g.Value
	}
	return s + "  " + g.Message + "  seq " + seqText(g)
}

// seqText lists a group's first sequence numbers, with an ellipsis when
// there are more.
func seqText(g contract.Group) string {
	parts := make([]string, len(g.Seqs))
	for i, seq := range g.Seqs {
		parts[i] = strconv.FormatUint(seq, 10)
	}
	s := strings.Join(parts, ", ")
	if g.Count > len(g.Seqs) {
		s += ", …"
	}
	return s
}

// mdText escapes plain text for Markdown: one line, every character that
// could start emphasis, code, a link, HTML, a heading or a table cell
// backslash-escaped (the text never starts a line, so list markers are
// inert).
func mdText(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		if strings.ContainsRune("\\`*_[]<>#|~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode is s as inline code, its fence longer than any backtick run in
// it; a pipe is escaped, as inside a table cell it must be.
func mdCode(s string) string {
	s = oneLine(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

func mdValue(v string) string {
	if v == "" {
		return "—"
	}
	return mdCode(v)
}

// oneLine replaces control characters (newlines among them) by spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// plural is "1 call", "2 calls".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
