package golive

import (
	"testing"

	"github.com/evidence-proxy/evidence-proxy/coverage"
)

// TestCatalogNamesMatrixRequirements: every catalogue entry is a
// requirement of the built-in matrix whose rule is not requires (those
// run their parts' scripts), and the catalogue's matrix is the built-in.
func TestCatalogNamesMatrixRequirements(t *testing.T) {
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	m := coverage.DefaultMatrix()
	ids := map[string]bool{}
	for _, r := range m.Requirements() {
		ids[r.ID] = true
	}
	for _, e := range cat.Scripts {
		switch {
		case !ids[e.Requirement]:
			t.Errorf("%s: not a requirement of %s", e.Requirement, m.ID())
		case len(m.Requires(e.Requirement)) > 0:
			t.Errorf("%s: its rule is requires; it needs no entry", e.Requirement)
		}
	}
	if cat.Matrix != m.ID() {
		t.Errorf("catalogue for matrix %q, built-in %q", cat.Matrix, m.ID())
	}
	if _, err := parseContent(builtinContent); err != nil {
		t.Error(err)
	}
}
