package coverage

import (
	"slices"
	"testing"
)

func TestMatrixRequires(t *testing.T) {
	m := DefaultMatrix()
	for id, want := range map[string][]string{
		"L4":    {"row-8"},
		"C18":   {"E429", "E5xx"},
		"row-1": nil,
		"nope":  nil,
	} {
		if got := m.Requires(id); !slices.Equal(got, want) {
			t.Errorf("Requires(%q) = %v, want %v", id, got, want)
		}
	}
	got := m.Requires("C17")
	got[0] = "changed"
	if m.Requires("C17")[0] == "changed" {
		t.Error("Requires shares the matrix's slice")
	}
}
