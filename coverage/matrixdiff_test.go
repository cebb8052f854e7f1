package coverage

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiffFromDefault(t *testing.T) {
	def := DefaultMatrix()
	same, err := DiffFromDefault(def)
	if err != nil {
		t.Fatal(err)
	}
	if !same.Unchanged() || !same.Extends() || len(same.Kept) != len(def.Requirements()) || same.Base != def.Ref() {
		t.Errorf("the built-in matrix against itself: %+v", same)
	}

	data, err := os.ReadFile(filepath.Join("testdata", "matrix", "extend.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ext, err := ParseMatrix(data)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DiffFromDefault(ext)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d.Dropped, []string{"row-9", "C1", "L5", "L6"}, sortedOpt()); diff != "" {
		t.Errorf("dropped (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(d.Replaced, []string{"L4"}); diff != "" {
		t.Errorf("replaced (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(d.Added, []string{"acme-list"}); diff != "" {
		t.Errorf("added (-got +want):\n%s", diff)
	}
	if d.Unchanged() || !d.Extends() || len(d.Kept) != len(def.Requirements())-5 || len(d.Sections) != 0 {
		t.Errorf("kept %d of %d, sections %v", len(d.Kept), len(def.Requirements()), d.Sections)
	}
}

// TestDiffSections: other sections' changes are named, and a matrix
// sharing nothing with the base keeps nothing.
func TestDiffSections(t *testing.T) {
	ext, err := ParseMatrix([]byte(`extends: axys-v2
id: more
version: "1"
entities:
  note: noteId
requirements:
  - id: only-mine
    title: Cardholders listed
    area: call-traces
    basis: policy
    rule:
      call: GET /cardholders 2xx
    steps: ["curl -sS \"$PROXY/v2/cardholders\""]
`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := DiffFromDefault(ext)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(d.Sections, "entities: added note") {
		t.Errorf("sections = %v, want the added entity", d.Sections)
	}

	d, err = DiffMatrices(ext, DefaultMatrix())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(d.Dropped, "only-mine") || !strings.Contains(strings.Join(d.Sections, ";"), "entities: removed note") {
		t.Errorf("reverse diff: dropped %v sections %v", d.Dropped, d.Sections)
	}
}

func sortedOpt() cmp.Option {
	return cmp.Transformer("sorted", func(in []string) []string {
		out := slices.Clone(in)
		slices.Sort(out)
		return out
	})
}
