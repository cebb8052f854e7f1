package contract_test

import (
	"slices"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/google/go-cmp/cmp"
)

// TestCoverageCatalogueFollowsTheDescription proves the classifier's
// endpoint catalogue (coverage.Endpoints) lists exactly the operations of
// the description, with the same staging, deprecated and emulator-chosen
// marks: one source of truth for the API's surface.
func TestCoverageCatalogueFollowsTheDescription(t *testing.T) {
	type ep struct {
		Method, Template            string
		Staging, Deprecated, Chosen bool
	}
	var fromSpec, fromCoverage []ep
	for _, e := range contract.Default().Endpoints() {
		fromSpec = append(fromSpec, ep{e.Method, e.Template, e.Staging, e.Deprecated, e.Emulator})
	}
	for _, e := range coverage.Endpoints() {
		fromCoverage = append(fromCoverage, ep{e.Method, e.Template, e.Staging, e.Deprecated, e.Inferred})
	}
	byPath := func(a, b ep) int {
		if a.Template != b.Template {
			return cmpString(a.Template, b.Template)
		}
		return cmpString(a.Method, b.Method)
	}
	slices.SortFunc(fromSpec, byPath)
	slices.SortFunc(fromCoverage, byPath)
	if diff := cmp.Diff(fromSpec, fromCoverage); diff != "" {
		t.Errorf("description vs coverage catalogue (-spec +coverage):\n%s", diff)
	}
	// The two routers agree on concrete calls too.
	spec := contract.Default()
	for _, c := range []struct{ method, url string }{
		{"GET", "/v2/cards/transactions"}, {"GET", "/v2/cards/12"}, {"GET", "/v2/otp/listeners"},
		{"DELETE", "/v2/otp/listeners/abc"}, {"GET", "/v2/otp/abc"}, {"POST", "/v2/staging/cards/1/spend"},
		{"PATCH", "/v2/cards/1"}, {"GET", "/v2/nowhere"},
	} {
		if got, want := spec.EndpointTemplate(c.method, c.url), coverage.EndpointTemplate(c.method, c.url); got != want {
			t.Errorf("%s %s: contract says %q, coverage says %q", c.method, c.url, got, want)
		}
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
