package coverage

import (
	"strings"
	"testing"
)

func TestEndpointTemplate(t *testing.T) {
	tests := []struct {
		method, path, want string
	}{
		{"GET", "/v2/cards/123/balance", "/cards/{cardId}/balance"},
		{"GET", "/cards/123/balance", "/cards/{cardId}/balance"},
		{"GET", "/v2/cards/123/balance?x=1", "/cards/{cardId}/balance"},
		{"GET", "/v2/cards/transactions?limit=200&offset=0", "/cards/transactions"},
		{"GET", "/v2/cards/fees", "/cards/fees"},
		{"GET", "/v2/cards/8001", "/cards/{cardId}"},
		{"GET", "/v2/cards", "/cards"},
		{"POST", "/v2/cards/virtual/10001", "/cards/virtual/{cardholderId}"},
		{"GET", "/v2/wallets/transactions", "/wallets/transactions"},
		{"GET", "/v2/wallets/3001", "/wallets/{walletId}"},
		{"POST", "/v2/wallets/transfer", "/wallets/transfer"},
		{"GET", "/v2/otp/abc", "/otp/{token}"},
		{"DELETE", "/v2/otp/listeners/abc", "/otp/listeners/{token}"},
		{"POST", "/v2/staging/kyc/validate", "/staging/kyc/validate"},
		{"POST", "/v2/staging/bank-accounts/7001/expire", "/staging/bank-accounts/{depositId}/expire"},
		{"PUT", "/v2/cardholders/10001/kyc-submit", "/cardholders/{cardholderId}/kyc-submit"},
		// The most specific path wins before the method: GET /otp/listeners
		// is a 405, not a read of the token "listeners".
		{"GET", "/v2/otp/listeners", OtherEndpoint},
		{"POST", "/v2/cards/8001", OtherEndpoint},
		{"GET", "/v2/cards/8001/balance/extra", OtherEndpoint},
		{"GET", "/v2/nothing", OtherEndpoint},
		{"GET", "/v2", OtherEndpoint},
		{"GET", "", OtherEndpoint},
		{"GET", "/v2//cards", OtherEndpoint},
		{"BREW", "/v2/cards", OtherEndpoint},
		{"GET", "/v3/cards", OtherEndpoint},
	}
	for _, tt := range tests {
		if got := EndpointTemplate(tt.method, tt.path); got != tt.want {
			t.Errorf("EndpointTemplate(%s, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestCatalogue: every endpoint routes to itself, templates are well formed
// and unique per method.
func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	staging := 0
	for _, ep := range Endpoints() {
		key := ep.Method + " " + ep.Template
		if seen[key] {
			t.Errorf("%s twice", key)
		}
		seen[key] = true
		if ep.Staging != strings.HasPrefix(ep.Template, "/staging/") {
			t.Errorf("%s: staging flag %v", key, ep.Staging)
		}
		if ep.Staging {
			staging++
		}
		concrete := strings.NewReplacer("{cardholderId}", "10001", "{cardId}", "8001", "{walletId}", "3001", "{token}", "t0k", "{depositId}", "7001").Replace(ep.Template)
		if strings.ContainsAny(concrete, "{}") {
			t.Errorf("%s: unknown parameter", key)
		}
		if got := EndpointTemplate(ep.Method, "/v2"+concrete); got != ep.Template {
			t.Errorf("%s routes to %s", key, got)
		}
	}
	if len(seen) < 30 || staging < 2 {
		t.Errorf("catalogue of %d endpoints, %d staging", len(seen), staging)
	}
}

func TestEndpointTemplateAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { EndpointTemplate("GET", "/v2/cards/123/balance?x=1") }); n != 0 {
		t.Errorf("EndpointTemplate allocates %v times", n)
	}
}

func BenchmarkEndpointTemplate(b *testing.B) {
	paths := []string{"/v2/cards/123/balance", "/v2/cardholders/10001", "/v2/cards/transactions?offset=200", "/v2/unknown/path"}
	for i := 0; b.Loop(); i++ {
		EndpointTemplate("GET", paths[i%len(paths)])
	}
}
