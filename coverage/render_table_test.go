package coverage

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestRenderTable(t *testing.T) {
	for _, c := range renderCases() {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTable(&buf, c.report); err != nil {
				t.Fatalf("render: %v", err)
			}
			all := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			for _, line := range all {
				checkTerminalSafe(t, line)
			}
			head := slices.IndexFunc(all, func(l string) bool { return strings.HasPrefix(l, "ID ") })
			if head < 0 {
				t.Fatalf("no requirement table header:\n%s", buf.String())
			}
			if steps := nextItems(c.report); (len(steps) > 0) != strings.HasPrefix(all[0], "NEXT STEPS") {
				t.Errorf("%d next steps, first line %q", len(steps), all[0])
			}
			lines := all[head:]
			if got, want := len(lines), len(c.report.Requirements)+3; got != want {
				t.Fatalf("got %d lines from the header on, want %d (header, one per requirement, blank, summary):\n%s", got, want, buf.String())
			}
			if !strings.Contains(lines[0], "STATUS") {
				t.Errorf("header line = %q", lines[0])
			}
			if got, want := lines[len(lines)-1], overallText(c.report.Summary); got != want {
				t.Errorf("summary line = %q, want %q", got, want)
			}
			statusCol := strings.Index(lines[0], "STATUS")
			for i, q := range c.report.Requirements {
				line := lines[i+1]
				status := strings.Fields(string([]rune(line)[statusCol:]))[0]
				if want := tableStatus(q.Status); status != want {
					t.Errorf("%s: status column %q, want %q", q.ID, status, want)
				}
			}
		})
	}
}

// checkTerminalSafe fails when a line carries a control character a
// terminal would act on.
func checkTerminalSafe(t *testing.T, line string) {
	t.Helper()
	for _, c := range line {
		if unicode.IsControl(c) {
			t.Errorf("control character %U in %q", c, line)
			return
		}
	}
}

func TestRenderTableStatuses(t *testing.T) {
	tests := []struct {
		in   Status
		want string
	}{
		{StatusMet, "met"},
		{StatusPartial, "PARTIAL"},
		{StatusMissing, "MISSING"},
		{StatusViolated, "VIOLATED"},
	}
	for _, tt := range tests {
		t.Run(string(tt.in), func(t *testing.T) {
			if got := tableStatus(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderTableText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		width int
		want  string
	}{
		{"short", "Virtual card issuance", 68, "Virtual card issuance"},
		{"empty", "  ", 10, "-"},
		{"escapes", "red\x1b[31m\ttab\nline", 40, "red [31m tab line"},
		{"cut", "abcdefghij", 5, "abcd…"},
		{"cut runes", "ééééééé", 4, "ééé…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tableText(tt.in, tt.width)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.width {
				t.Errorf("got %d runes, wider than %d", n, tt.width)
			}
		})
	}
}
