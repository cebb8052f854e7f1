package bundlecov

import (
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
)

func TestLoader(t *testing.T) {
	def := coverage.DefaultMatrix()
	cov, diff, err := Loader{}.LoadMatrix(def.Canonical())
	if err != nil {
		t.Fatal(err)
	}
	if diff.String() != "the built-in matrix, unchanged" || diff.Kept != len(def.Requirements()) {
		t.Errorf("the built-in matrix: %q, kept %d", diff.String(), diff.Kept)
	}
	run := cov.New()
	run.Observe("a", &evidence.Record{V: 1, Seq: 1, Kind: evidence.KindCall,
		Request: evidence.Request{Method: "GET", URL: "https://staging.api.axyscards.com/v2/cardholders"}})
	files, info, err := run.Files()
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != def.ID() || info.SHA256 != def.Ref().SHA256 || len(files) != 3 || len(files[export.CoverageHTML]) == 0 {
		t.Errorf("files %d, matrix %+v", len(files), info)
	}
	if _, _, err := (Loader{}).LoadMatrix([]byte("id: [")); err == nil || !strings.Contains(err.Error(), "load embedded matrix") {
		t.Errorf("a broken matrix: err = %v", err)
	}
	if got := New(def).Matrix(); string(got) != string(def.Canonical()) {
		t.Error("Matrix() is not the canonical YAML")
	}
}
