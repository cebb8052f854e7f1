package coverage

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRenderMarkdownEscaping(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"text plain", mdText, "card 88120 went 1 → 2", "card 88120 went 1 → 2"},
		{"text markup", mdText, "<script>x</script>", `\<script\>x\</script\>`},
		{"text emphasis and links", mdText, "*a* _b_ [c](d) !e #f ~g &h", `\*a\* \_b\_ \[c\](d) \!e \#f \~g \&h`},
		{"text backslash and backtick", mdText, "a\\b `c`", "a\\\\b \\`c\\`"},
		{"text line breaks", mdText, "one\ntwo\r\nthree\x1b[0m", "one two  three \\[0m"},
		{"text keeps pipes for prose", mdText, "a|b", "a|b"},
		{"code plain", mdCode, "/cards/{cardId}", "`/cards/{cardId}`"},
		{"code with backticks", mdCode, "a ``` b", "````a ``` b````"},
		{"code starting with backtick", mdCode, "`x", "`` `x ``"},
		{"code empty", mdCode, "", "—"},
		{"cell pipes", mdCell, "`a|b` c \\| d", "`a\\|b` c \\\\| d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRenderMarkdownTableShape checks that every row of every Markdown
// table has as many cells as its header, whatever the strings in it: a
// stray pipe would shift an auditor's columns.
func TestRenderMarkdownTableShape(t *testing.T) {
	for _, c := range renderCases() {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMarkdown(&buf, c.report); err != nil {
				t.Fatalf("render: %v", err)
			}
			want, rows := -1, 0
			for i, line := range strings.Split(buf.String(), "\n") {
				if !strings.HasPrefix(line, "|") {
					want = -1
					continue
				}
				got := cellPipes(line)
				if want < 0 {
					want = got
					continue
				}
				rows++
				if got != want {
					t.Errorf("line %d has %d cell separators, header has %d: %s", i+1, got, want, line)
				}
			}
			if rows == 0 {
				t.Fatal("no table rows found")
			}
		})
	}
}

// cellPipes counts the pipes that separate cells: those not escaped by an
// odd run of backslashes.
func cellPipes(line string) int {
	n, slashes := 0, 0
	for _, c := range line {
		switch {
		case c == '\\':
			slashes++
			continue
		case c == '|' && slashes%2 == 0:
			n++
		}
		slashes = 0
	}
	return n
}

// TestRenderMarkdownNoRawMarkup checks that outside code spans and fenced
// blocks, which Markdown shows literally, no '<' reaches the output
// unescaped: a renderer that passes HTML through must not meet a tag.
func TestRenderMarkdownNoRawMarkup(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, hostileReport()); err != nil {
		t.Fatalf("render: %v", err)
	}
	fence := ""
	for i, line := range strings.Split(buf.String(), "\n") {
		if fence != "" {
			if line == fence {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(line, "```") {
			fence = strings.TrimRight(line, "sh")
			continue
		}
		prose := stripCodeSpans(line)
		for j := strings.IndexByte(prose, '<'); j >= 0; j = mdNextIndex(prose, j, '<') {
			if j == 0 || prose[j-1] != '\\' {
				t.Errorf("line %d: unescaped '<' in %q", i+1, line)
				break
			}
		}
	}
	if fence != "" {
		t.Errorf("fenced block %q never closed", fence)
	}
	if strings.Contains(buf.String(), "\x1b") {
		t.Error("terminal escape reached the Markdown output")
	}
}

// stripCodeSpans removes the code spans from a line of Markdown: a run of
// n backticks up to the next run of exactly n.
func stripCodeSpans(line string) string {
	var b strings.Builder
	for i := 0; i < len(line); {
		if line[i] != '`' {
			b.WriteByte(line[i])
			i++
			continue
		}
		n := backtickRun(line, i)
		end := -1
		for j := i + n; j < len(line); {
			if m := backtickRun(line, j); m > 0 {
				if m == n {
					end = j + m
					break
				}
				j += m
				continue
			}
			j++
		}
		if end < 0 {
			b.WriteString(line[i : i+n])
			i += n
			continue
		}
		i = end
	}
	return b.String()
}

func backtickRun(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	return n
}

func mdNextIndex(s string, from int, c byte) int {
	j := strings.IndexByte(s[from+1:], c)
	if j < 0 {
		return -1
	}
	return from + 1 + j
}

func TestRenderMarkdownSteps(t *testing.T) {
	r := renderSummarised(&Report{Requirements: []RequirementResult{{
		ID: "TM2", Title: "t", Area: "a", Status: StatusMissing, Explanation: "e",
		Steps: []string{"curl -sS http://127.0.0.1:8080/x", "Open a support ticket.", "curl -d '```' x"},
	}}})
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r); err != nil {
		t.Fatalf("render: %v", err)
	}
	got := buf.String()
	for _, want := range []string{
		"```sh\ncurl -sS http://127.0.0.1:8080/x\n```\n",
		"- Open a support ticket.\n",
		"````sh\ncurl -d '```' x\n````\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestRenderEvidenceBrief(t *testing.T) {
	tests := []struct {
		name string
		in   []uint64
		n    int
		want string
	}{
		{"none", nil, 5, "none"},
		{"fewer than shown", []uint64{3, 9}, 5, "#3, #9"},
		{"exactly shown", []uint64{1, 2, 3}, 3, "#1, #2, #3"},
		{"more than shown", []uint64{1, 2, 3, 4, 5, 6, 7}, 3, "#1, #2, #3 (+4 more; 7 calls)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evidenceBrief(tt.in, tt.n); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderNumbers(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"percent zero", percentText(0), "0%"},
		{"percent tiny", percentText(0.001), "<1%"},
		{"percent rounds down", percentText(0.999), "99%"},
		{"percent whole", percentText(1), "100%"},
		{"thousands small", groupThousands(999), "999"},
		{"thousands grouped", groupThousands(1234567), "1,234,567"},
		{"thousands negative", groupThousands(-1234), "-1,234"},
		{"time range none", timeRangeText(time.Time{}, time.Time{}), "none"},
		{"time range UTC", timeRangeText(renderEpoch.In(time.FixedZone("x", 3600)), renderEpoch.Add(90*time.Second)),
			"2026-03-02 09:00:00Z → 2026-03-02 09:01:30Z (1m30s)"},
		{"counts sorted numerically", codeCountsLine(map[string]int{"none": 1, "503": 2, "42": 3, "200": 4, "abc": 5}),
			"42×3, 200×4, 503×2, abc×5, none×1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
