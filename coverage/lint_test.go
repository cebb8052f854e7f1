package coverage

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestLint: matrix check warns, with the line, about each class of rule
// that can claim evidence it does not have; for an extending matrix only
// about the requirements its own file writes.
func TestLint(t *testing.T) {
	type warn struct {
		line int
		req  string
		kind string
	}
	tests := []struct {
		file string
		want []warn
	}{
		{"warnings", []warn{
			{17, "independent", lintUnkeyed},
			{30, "activated", lintOutcome},
			{39, "any-404", lintUndocumented},
		}},
		{"extends", []warn{{10, "L6", lintOutcome}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := LoadMatrix(filepath.Join("testdata", "lint", tt.file+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var got []warn
			for _, w := range m.Lint() {
				if !slices.Contains(LintKinds(), w.Kind) || w.Msg == "" {
					t.Errorf("warning %v: unknown kind or no message", w)
				}
				got = append(got, warn{w.Line, w.Requirement, w.Kind})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("warnings %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBuiltinMatrixLintsClean: the built-in matrix keys every composite
// to one entity, reads every outcome and takes no undocumented call.
func TestBuiltinMatrixLintsClean(t *testing.T) {
	if ws := DefaultMatrix().Lint(); len(ws) != 0 {
		t.Errorf("built-in matrix warnings: %v", ws)
	}
	ws, err := LintMatrix(builtinMatrix)
	if err != nil || len(ws) != 0 {
		t.Errorf("LintMatrix(built-in) = %v, %v", ws, err)
	}
	if _, err := LintMatrix([]byte("id: x\n")); err == nil {
		t.Error("LintMatrix accepted a matrix without requirements")
	}
}
