package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

func runMatrixCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"matrix"}, args...), &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestMatrixShow: the canonical matrix, then the readiness content and
// the checklist template (as comments in YAML, so the output is still the
// matrix).
func TestMatrixShow(t *testing.T) {
	out, _, err := runMatrixCmd(t, "show")
	if err != nil {
		t.Fatal(err)
	}
	def := coverage.DefaultMatrix()
	if !strings.HasPrefix(out, string(def.Canonical())) {
		t.Error("matrix show does not start with the canonical built-in matrix")
	}
	if m, err := coverage.ParseMatrix([]byte(out)); err != nil || m.Ref() != def.Ref() {
		t.Errorf("matrix show's YAML is not the matrix once the comments are dropped: %v", err)
	}
	readiness := []string{"axys-go-live version 2026.12.1", "production-certificate", "ptr-records", "kyc-documents", "not_tested:", "confirmed: false"}
	for _, want := range readiness {
		if !strings.Contains(out, "\n# ") || !strings.Contains(out, want) {
			t.Errorf("matrix show lacks %q in its comments", want)
		}
	}
	out, _, err = runMatrixCmd(t, "show", "--format", "table")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range append([]string{"axys-v2", "ID", "row-7", "error-handling", "test-matrix row 7", "poll", "L5", "physical-cards", "E429"}, readiness...) {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	out, _, err = runMatrixCmd(t, "show", "--checklist-template")
	if err != nil {
		t.Fatal(err)
	}
	c, err := golive.ParseChecklist([]byte(out), nil)
	if err != nil || len(c.Setup) != 6 || len(c.NotTested) != 5 || c.Setup[0].Confirmed {
		t.Errorf("--checklist-template is not a checklist with every item unanswered: %v", err)
	}
}

func TestMatrixShowExtended(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.yaml")
	ext := "extends: axys-v2\nid: acme\nversion: \"1\"\ndrop: [L5]\n"
	if err := os.WriteFile(path, []byte(ext), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runMatrixCmd(t, "show", "--matrix", path, "--format", "table")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "acme 1:") || strings.Contains(out, "\nL5 ") {
		t.Errorf("extended table:\n%s", out)
	}
}

func TestMatrixCheck(t *testing.T) {
	good := filepath.Join("..", "..", "coverage", "testdata", "matrix", "minimal.yaml")
	out, _, err := runMatrixCmd(t, "check", good)
	if err != nil || !strings.Contains(out, "ok: ") || !strings.Contains(out, "matrix mini version 1, 2 requirements (1 call, 1 sequence)") {
		t.Errorf("check %s: %q, %v", good, out, err)
	}
	bad := filepath.Join("..", "..", "coverage", "testdata", "matrix", "invalid-template.yaml")
	_, _, err = runMatrixCmd(t, "check", bad)
	var me *coverage.MatrixError
	if !errors.As(err, &me) || me.Line != 16 || !strings.Contains(err.Error(), "invalid-template.yaml: line 16") {
		t.Errorf("check %s: %v", bad, err)
	}
	if exitCode(err) != 1 {
		t.Errorf("exit code %d for a bad matrix", exitCode(err))
	}
	for _, args := range [][]string{{"check"}, {"frobnicate"}, {"show", "--format", "xml"}, {"show", "extra"}} {
		_, _, err := runMatrixCmd(t, args...)
		if exitCode(err) != 2 {
			t.Errorf("matrix %v: exit code %d (%v), want 2", args, exitCode(err), err)
		}
	}
	if out, _, err := runMatrixCmd(t, "--help"); err != nil || !strings.Contains(out, "check FILE") {
		t.Errorf("help: %q, %v", out, err)
	}
}

// TestMatrixCheckWarns: matrix check accepts a matrix whose requirements
// may be met by less than meant, and names each one with its file line;
// the built-in matrix has no warning.
func TestMatrixCheckWarns(t *testing.T) {
	path := filepath.Join("..", "..", "coverage", "testdata", "lint", "warnings.yaml")
	out := runOK(t, "matrix", "check", path)
	for _, want := range []string{
		"warning: " + path + ":17: independent: unkeyed-composite: ",
		"warning: " + path + ":30: activated: outcome-any-2xx: ",
		"warning: " + path + ":39: any-404: undocumented-paths: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("matrix check lacks %q:\n%s", want, out)
		}
	}
	builtin := filepath.Join(t.TempDir(), "builtin.yaml")
	if err := os.WriteFile(builtin, coverage.DefaultMatrix().Canonical(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := runOK(t, "matrix", "check", builtin); strings.Contains(out, "warning:") || !strings.HasPrefix(out, "ok: ") {
		t.Errorf("the built-in matrix:\n%s", out)
	}
}
