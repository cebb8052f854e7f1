package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/export"
)

var update = flag.Bool("update", false, "rewrite the golden --help files in testdata/help")

// helpCommands are the command paths whose --help is kept in testdata/help.
func helpCommands() [][]string {
	return [][]string{
		{}, {"serve"}, {"demo"}, {"emulate"}, {"coverage"}, {"export"}, {"verify"}, {"merge"},
		{"ca"}, {"ca", "rotate"}, {"matrix"}, {"matrix", "show"}, {"matrix", "check"}, {"version"}, {"healthcheck"},
		{"compact"}, {"event"}, {"key"}, {"key", "show"}, {"completion"}, {"help"},
		{"scripts"}, {"golive"}, {"golive", "verify"}, {"spec"}, {"calls"}, {"calls", "show"},
	}
}

func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestHelpGolden: every command's --help, as a user sees it. Run with
// -update after a deliberate change.
func TestHelpGolden(t *testing.T) {
	for _, path := range helpCommands() {
		name := strings.Join(append([]string{"evidence-proxy"}, path...), "-")
		t.Run(name, func(t *testing.T) {
			got, stderr, err := runCmd(t, append(path, "--help")...)
			if err != nil || stderr != "" {
				t.Fatalf("--help: err %v, stderr %q", err, stderr)
			}
			golden := filepath.Join("testdata", "help", name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("--help differs from %s (go test -update to accept):\n%s", golden, got)
			}
			checkHelpConventions(t, got)
			if byHelpCmd, _, err := runCmd(t, append([]string{"help"}, path...)...); err != nil || byHelpCmd != got {
				t.Errorf("help %s differs from --help (err %v)", strings.Join(path, " "), err)
			}
		})
	}
}

// checkHelpConventions: an Examples section, every flag in its --long
// form, one usage section.
func checkHelpConventions(t *testing.T, help string) {
	t.Helper()
	if !strings.Contains(help, "\nExamples:\n  ") {
		t.Error("no Examples section")
	}
	if n := strings.Count(help, "Usage:"); n != 1 {
		t.Errorf("%d usage sections, want 1", n)
	}
	inFlags := false
	for _, line := range strings.Split(help, "\n") {
		switch {
		case line == "Flags:":
			inFlags = true
		case line == "" || !strings.HasPrefix(line, " "):
			inFlags = false
		case inFlags && strings.HasPrefix(line, "  -") && !strings.HasPrefix(line, "  --") && !strings.Contains(line, ", --"):
			t.Errorf("flag line without its --long form: %q", line)
		}
	}
}

func TestServeHelpListsEveryEnvironmentVariable(t *testing.T) {
	help, _, err := runCmd(t, "serve", "--help")
	if err != nil {
		t.Fatal(err)
	}
	root := newRootCmd(nil, func() {})
	serve, _, err := root.Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	serve.Flags().VisitAll(func(f *pflag.Flag) {
		if notConfig(f.Name) {
			return
		}
		n++
		if want := envName(f.Name) + " "; !strings.Contains(help, want) {
			t.Errorf("serve --help does not list %s", want)
		}
	})
	for _, v := range []string{"EVIDENCE_PROXY_API_KEY_FILE", "EVIDENCE_PROXY_ADMIN_TOKEN_FILE"} {
		if !strings.Contains(help, v) {
			t.Errorf("serve --help lacks %s", v)
		}
	}
	if n < 25 {
		t.Errorf("only %d configuration flags", n)
	}
}

// TestTypos: a mistyped command or flag gets a short usage error with a
// suggestion and exit code 2, not the whole help.
func TestTypos(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"command", []string{"srve"}, `unknown command "srve"; did you mean "serve"?`},
		{"command far from any", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"flag", []string{"serve", "--listn", "x"}, "unknown flag --listn; did you mean --listen?"},
		{"flag of export", []string{"export", "--sinse", "x"}, "did you mean --since?"},
		{"single-dash long flag", []string{"serve", "-listen", "127.0.0.1:1"}, "long flags take two dashes: --listen"},
		{"flag of a subcommand", []string{"matrix", "show", "--fromat", "table"}, "did you mean --format?"},
		{"matrix subcommand", []string{"matrix", "chek", "x.yaml"}, `unknown matrix command "chek"; did you mean "check"?`},
		{"help topic", []string{"help", "verfy"}, `unknown help topic "verfy"; did you mean "verify"?`},
		{"root flag", []string{"--verison"}, "did you mean --version?"},
		{"missing argument", []string{"verify"}, "verify takes one BUNDLE"},
		{"stray argument", []string{"serve", "extra"}, `unexpected argument "extra"`},
		{"flag value", []string{"serve", "--body-cap", "many"}, "--body-cap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runCmd(t, tt.args...)
			if exitCode(err) != exitUsage {
				t.Fatalf("exit code %d (%v), want 2", exitCode(err), err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q lacks %q", msg, tt.want)
			}
			if !strings.Contains(msg, "usage: evidence-proxy") || strings.Count(msg, "\n") > 2 {
				t.Errorf("want the message and one usage line, got:\n%s", msg)
			}
			if stdout != "" || len(stderr) > 200 {
				t.Errorf("a usage error printed help: stdout %q, stderr %q", stdout, stderr)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"failure", errors.New("verify: FAILED"), 1},
		{"usage", newUsageError("bad flag"), 2},
		{"usage, wrapped", fmt.Errorf("serve: %w", newUsageError("bad flag")), 2},
		{"unauthenticated", export.ErrUnauthenticated, 3},
		{"unauthenticated, wrapped", fmt.Errorf("verify b.tar.zst: UNAUTHENTICATED: %w", export.ErrUnauthenticated), 3},
		{"invalid bundle", fmt.Errorf("verify b.tar.zst: FAILED: %w", export.ErrInvalidBundle), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
	if _, _, err := runCmd(t, "--help"); exitCode(err) != 0 {
		t.Errorf("--help: exit %d", exitCode(err))
	}
	if _, _, err := runCmd(t, "matrix", "check", filepath.Join(t.TempDir(), "nope.yaml")); exitCode(err) != 1 {
		t.Errorf("a failing command: exit %d (%v), want 1", exitCode(err), err)
	}
}

func TestVersion(t *testing.T) {
	byCmd, _, err := runCmd(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	byFlag, _, err := runCmd(t, "--version")
	if err != nil {
		t.Fatal(err)
	}
	if byCmd != byFlag || byCmd != "evidence-proxy "+toolVersion()+"\n" {
		t.Errorf("version %q, --version %q", byCmd, byFlag)
	}
}

func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_evidence-proxy", "zsh": "#compdef evidence-proxy", "fish": "complete -c evidence-proxy", "powershell": "Register-ArgumentCompleter"} {
		out, _, err := runCmd(t, "completion", shell)
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("completion %s: %v, output lacks %q", shell, err, want)
		}
	}
	if _, _, err := runCmd(t, "completion", "tcsh"); exitCode(err) != 2 {
		t.Errorf("completion tcsh: exit %d, want 2", exitCode(err))
	}
	// What the shell runs on <TAB>: commands, then flags.
	out, _, err := runCmd(t, "__complete", "ser")
	if err != nil || !strings.Contains(out, "serve") {
		t.Errorf("__complete ser: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "__complete", "serve", "--api-key")
	if err != nil || !strings.Contains(out, "--api-key-file") {
		t.Errorf("__complete serve --api-key: %v\n%s", err, out)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"listn", "listen", 1}, {"sinse", "since", 1}, {"fromat", "format", 2}, {"abc", "", 3}, {"kitten", "sitting", 3}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
