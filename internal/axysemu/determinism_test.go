package axysemu

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// script drives a busy morning: natural KYC reviews, forced ones, cards,
// deposits with natural timing, spends, transfers, OTPs and chaos, with the
// clock moving between calls. It returns every response, in order.
func script(t *testing.T, seed int64) []string {
	h := newHarness(t, Options{Seed: seed, TimeScale: 0.01, Chaos: Chaos{ErrorRate: 0.1, ThrottleRate: 0.05}})
	var out []string
	do := func(method, p string, body any) response {
		r := h.call(method, p, body)
		out = append(out, fmt.Sprintf("%s %s → %d %s", method, p, r.status, r.raw))
		return r
	}
	// retry repeats a call past chaos faults, as a client would.
	retry := func(method, p string, body any) response {
		for {
			if r := do(method, p, body); r.status < 429 {
				return r
			}
			h.clock.Advance(100 * time.Millisecond)
		}
	}
	var holders []int64
	for i := range 12 {
		id := retry("POST", "/v2/cardholders", with(validCardholder(), "lastName", fmt.Sprintf("Holder%02d", i))).num("cardholderId")
		retry("PUT", path("/v2/cardholders/%d/kyc-submit", id), nil)
		holders = append(holders, id)
		h.clock.Advance(time.Second)
	}
	retry("POST", "/v2/staging/kyc/validate", map[string]any{"cardholderId": holders[0], "result": "pass"})
	for range 20 {
		h.clock.Advance(30 * time.Second)
		retry("GET", "/v2/cardholders?orderBy=status", nil)
	}
	var cards []int64
	for _, id := range holders {
		if r := retry("POST", path("/v2/cards/virtual/%d", id), map[string]any{"nameOnCard": "CARD HOLDER"}); r.status == 200 {
			cards = append(cards, r.num("cardId"))
		}
	}
	wl := retry("POST", "/v2/wallets", map[string]any{"name": "Ops"}).num("walletId")
	retry("POST", "/v2/staging/deposits", map[string]any{"walletId": wl, "amount": "1000.00", "clearing": "instant"})
	for i, card := range cards {
		retry("POST", "/v2/staging/deposits", map[string]any{"cardId": card, "amount": fmt.Sprintf("%d.50", 20+i)})
		retry("POST", "/v2/wallets/transfer", map[string]any{"sourceWalletId": wl, "destinationType": 1, "destinationId": card, "amount": 1234})
		tok := retry("POST", "/v2/otp/listeners", map[string]any{"cardId": card}).str("token")
		retry("POST", path("/v2/staging/cards/%d/3ds-challenge", card), nil)
		retry("GET", "/v2/otp/"+tok, nil)
	}
	for range 10 {
		h.clock.Advance(20 * time.Second)
		for _, card := range cards {
			retry("GET", path("/v2/cards/%d/balance", card), nil)
			retry("POST", path("/v2/staging/cards/%d/spend", card), map[string]any{"amount": "7.25", "merchantCountry": "JP"})
		}
	}
	retry("GET", "/v2/cards/transactions?limit=200", nil)
	retry("GET", "/v2/cards/fees?limit=200", nil)
	retry("GET", "/v2/wallets/transactions", nil)
	return out
}

// TestDeterminism: the same seed and script give byte-identical responses;
// another seed gives other outcomes.
func TestDeterminism(t *testing.T) {
	a, b := script(t, 7), script(t, 7)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different responses (-first +second):\n%s", diff)
	}
	if len(a) < 200 {
		t.Fatalf("script made only %d calls", len(a))
	}
	if c := script(t, 8); cmp.Equal(a, c) {
		t.Fatal("seeds 7 and 8 gave identical responses")
	}
}
