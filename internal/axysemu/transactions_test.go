package axysemu

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCardTransactionFilters(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.approved()
	b := h.call("POST", "/v2/cardholders", with(validCardholder(), "lastName", "Abbott")).must(t, 200).num("cardholderId")
	h.forceHolder(b, chApproved)
	ca, cb := h.virtualCard(a), h.virtualCard(b)
	h.fundCard(ca, "100.00") // 5000001, type 2
	h.fundCard(cb, "100.00") // 5000002
	old := h.clock.Now().Unix()
	h.clock.Advance(91 * 24 * time.Hour)
	h.call("POST", path("/v2/staging/cards/%d/spend", ca), map[string]any{"amount": "1.00"}).must(t, 200)                          // 5000003 pending
	h.call("POST", path("/v2/staging/cards/%d/spend", ca), map[string]any{"amount": "500.00"}).must(t, 200)                        // 5000004 declined
	h.call("POST", path("/v2/staging/cards/%d/spend", cb), map[string]any{"amount": "2.00", "merchantCountry": "MX"}).must(t, 200) // 5000005 + fee
	ids := func(r response) string {
		var out []string
		for _, it := range r.items() {
			out = append(out, it["transId"].(string))
		}
		return strings.Join(out, ",")
	}
	tests := []struct{ query, want string }{
		{"", "5000003,5000004,5000005"}, // the deposits are older than 90 days
		{path("?after=%d", old-1), "5000001,5000002,5000003,5000004,5000005"},
		{path("?after=%d&before=%d", old-1, old+1), "5000001,5000002"},
		{path("?cardId=%d", ca), "5000003,5000004"},
		{path("?cardholderId=%d", b), "5000005"},
		{"?status=4", "5000004"},
		{path("?type=2&after=%d", old-1), "5000001,5000002"},
		{"?transId=5000004", "5000004"},
		{"?transId=nope", ""},
		{"?orderBy=lastName", "5000005,5000003,5000004"},
		{"?orderBy=status&sort=desc", "5000004,5000005,5000003"},
		{"?limit=1&offset=1", "5000004"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if got := ids(h.call("GET", "/v2/cards/transactions"+tt.query, nil).must(t, 200)); got != tt.want {
				t.Fatalf("transIds %s, want %s", got, tt.want)
			}
		})
	}
	for _, q := range []string{"?status=0", "?status=6", "?type=4", "?limit=500", "?orderBy=amount", "?cardId=-1", "?after=soon"} {
		h.call("GET", "/v2/cards/transactions"+q, nil).wantError(t, 400, "")
	}
	fees := h.call("GET", path("/v2/cards/fees?cardholderId=%d", b), nil).must(t, 200)
	if fees.num("total") != 1 || fees.items()[0]["transId"] != "5000005" || fees.items()[0]["amount"] != "0.04" {
		t.Fatalf("fees = %s", fees.raw)
	}
	if n := h.call("GET", path("/v2/cards/fees?cardId=%d", ca), nil).num("total"); n != 0 {
		t.Fatalf("card %d has %d fees", ca, n)
	}
	auth := fees.items()[0]["authRefNum"].(string)
	if n := h.call("GET", "/v2/cards/fees?authRefNum="+auth, nil).num("total"); n != 1 {
		t.Fatalf("fees by authRefNum: %d", n)
	}
	h.call("GET", "/v2/cards/fees?orderBy=status", nil).wantError(t, 400, "orderBy")
}

// TestReconciliationTiesOut runs the daily reconciliation recipe against a
// day of activity: page through transactions and fees with limit/offset,
// fetch wallet movements, join fees on authRefNum, and check the net
// movement of each card equals its ledger balance.
func TestReconciliationTiesOut(t *testing.T) {
	h := newHarness(t, Options{Seed: 5, TimeScale: 0.001})
	holder := h.approved()
	cards := []int64{h.virtualCard(holder), h.virtualCard(holder), h.physicalCard(holder)}
	wl := h.wallet("900.00")
	for i, card := range cards {
		h.call("POST", "/v2/staging/deposits", map[string]any{"cardId": card, "amount": "150.00"}).must(t, 200)
		h.call("POST", "/v2/staging/deposits", map[string]any{"cardId": card, "amount": "20.05", "rail": "bank"}).must(t, 200)
		h.call("POST", "/v2/wallets/transfer", map[string]any{"sourceWalletId": wl, "destinationType": 1, "destinationId": card, "amount": 10000 + i}).must(t, 200)
	}
	h.clock.Advance(time.Hour)
	for round := range 30 {
		for _, card := range cards {
			body := map[string]any{"amount": strconv.Itoa(1+round%7) + ".99"}
			if round%3 == 0 {
				body["merchantCountry"] = "IT"
			}
			h.call("POST", path("/v2/staging/cards/%d/spend", card), body).must(t, 200)
		}
		h.clock.Advance(time.Minute)
	}
	h.clock.Advance(10 * 24 * time.Hour / 1000) // everything clears and settles

	type row struct {
		card   int64
		amount int64
		credit bool
		status int
		auth   string
	}
	var txns []row
	for offset := 0; ; offset += 7 { // small pages to exercise offset ≥ total
		r := h.call("GET", path("/v2/cards/transactions?limit=7&offset=%d", offset), nil).must(t, 200)
		for _, it := range r.items() {
			amt, ok := parseDecimal(it["amount"].(string))
			if !ok {
				t.Fatalf("amount %v", it["amount"])
			}
			txns = append(txns, row{int64(it["cardId"].(float64)), amt, it["direction"] == "credit", int(it["status"].(float64)), it["authRefNum"].(string)})
		}
		if int64(offset+7) >= r.num("total") {
			if int64(len(txns)) != r.num("total") {
				t.Fatalf("paged %d transactions, total says %d", len(txns), r.num("total"))
			}
			break
		}
	}
	feeByAuth := map[string]int64{}
	for offset := 0; ; offset += 5 {
		r := h.call("GET", path("/v2/cards/fees?limit=5&offset=%d", offset), nil).must(t, 200)
		for _, it := range r.items() {
			amt, _ := parseDecimal(it["amount"].(string))
			feeByAuth[it["authRefNum"].(string)] += amt
		}
		if int64(offset+5) >= r.num("total") {
			break
		}
	}
	net := map[int64]int64{}
	joined := 0
	for _, tx := range txns {
		switch {
		case tx.credit:
			net[tx.card] += tx.amount
		case tx.status == txCleared || tx.status == txCompletion:
			net[tx.card] -= tx.amount + feeByAuth[tx.auth]
			if feeByAuth[tx.auth] > 0 {
				joined++
			}
		}
	}
	if joined != len(feeByAuth) || joined == 0 {
		t.Fatalf("joined %d fees to transactions, have %d fees", joined, len(feeByAuth))
	}
	for _, it := range h.call("GET", "/v2/wallets/transactions?type=3", nil).must(t, 200).items() {
		net[int64(it["cardId"].(float64))] += int64(it["amount"].(float64))
	}
	for _, card := range cards {
		ledger, available := h.balance(card)
		if ledger != net[card] || available != ledger {
			t.Errorf("card %d: ledger %d, available %d, reconciled net %d", card, ledger, available, net[card])
		}
	}
}
