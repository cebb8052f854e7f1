package coverage

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRequirementCases feeds every labelled sequence and checks the verdict
// on its requirement and, for met and violated, exactly the calls given as
// evidence.
func TestRequirementCases(t *testing.T) {
	m := DefaultMatrix()
	for _, c := range requirementCases() {
		t.Run(c.req+"/"+c.name, func(t *testing.T) {
			tr := newTrace()
			want := c.build(tr)
			got := result(t, classify(t, m, tr.recs), c.req)
			checkResult(t, got, c.want, want)
		})
	}
}

func checkResult(t *testing.T, got RequirementResult, want Status, evidence []uint64) {
	t.Helper()
	if got.Status != want {
		t.Fatalf("status = %s, want %s (%s)", got.Status, want, got.Explanation)
	}
	if evidence != nil && !slices.Equal(got.Evidence, evidence) {
		t.Errorf("evidence = %v, want %v (%s)", got.Evidence, evidence, got.Explanation)
	}
	switch {
	case got.Status == StatusMet || got.Status == StatusViolated:
		if len(got.Evidence) == 0 {
			t.Errorf("%s without evidence", got.Status)
		}
	case got.Status == StatusMissing && len(got.Evidence) != 0:
		t.Errorf("missing with evidence %v", got.Evidence)
	}
	if (got.Status == StatusMet) != (len(got.Steps) == 0) {
		t.Errorf("status %s with %d steps", got.Status, len(got.Steps))
	}
	if got.Explanation == "" || strings.Contains(got.Explanation, "\n") {
		t.Errorf("explanation %q is not one line", got.Explanation)
	}
}

// TestEveryRequirementHasCases: each requirement of the built-in matrix
// has a sequence that meets it and a near miss that must not.
func TestEveryRequirementHasCases(t *testing.T) {
	met, miss := map[string]int{}, map[string]int{}
	for _, c := range requirementCases() {
		if c.want == StatusMet {
			met[c.req]++
		} else {
			miss[c.req]++
		}
	}
	ids := map[string]bool{}
	for _, r := range DefaultMatrix().Requirements() {
		ids[r.ID] = true
		if met[r.ID] == 0 {
			t.Errorf("%s: no case meets it", r.ID)
		}
		if miss[r.ID] == 0 {
			t.Errorf("%s: no near miss", r.ID)
		}
	}
	for id := range met {
		if !ids[id] {
			t.Errorf("cases for %s, which the matrix does not have", id)
		}
	}
}

// TestCaseTraces keeps every labelled sequence in testdata/cases as JSONL
// of evidence records (rewritten with -update, the package's golden-file
// flag declared in render_golden_test.go), and classifies the records
// read back from the files: what an auditor would hold in a bundle must
// give the same verdicts.
func TestCaseTraces(t *testing.T) {
	m := DefaultMatrix()
	seen := map[string]bool{}
	for _, c := range requirementCases() {
		name := strings.NewReplacer(" ", "-", ",", "", "'", "", "(", "", ")", "").Replace(c.name)
		path := filepath.Join("testdata", "cases", c.req, name+".jsonl")
		if seen[path] {
			t.Fatalf("two cases named %s", path)
		}
		seen[path] = true
		t.Run(c.req+"/"+c.name, func(t *testing.T) {
			tr := newTrace()
			want := c.build(tr)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				writeJSONL(t, path, tr.recs)
			}
			recs := readJSONL(t, path)
			checkResult(t, result(t, classify(t, m, recs), c.req), c.want, want)
		})
	}
}
