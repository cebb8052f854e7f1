package axysemu

import (
	"strings"
	"testing"
	"time"
)

func TestKYCValidateErrors(t *testing.T) {
	h := newHarness(t, Options{})
	draft := h.createCardholder()
	tests := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"missing cardholderId", map[string]any{"result": "pass"}, 422, "cardholderId: is required"},
		{"missing result", map[string]any{"cardholderId": draft}, 422, "result: is required"},
		{"result out of enum", map[string]any{"cardholderId": draft, "result": "approve"}, 422, "result: must be pass or fail"},
		{"result as bool", map[string]any{"cardholderId": draft, "result": true}, 400, "result: must be a string"},
		{"unknown cardholder", map[string]any{"cardholderId": 5, "result": "pass"}, 404, "cardholder 5 not found"},
		{"not under review", map[string]any{"cardholderId": draft, "result": "pass"}, 409, "is not under review (status 4, Draft)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.call("POST", "/v2/staging/kyc/validate", tt.body).wantError(t, tt.status, tt.msg)
		})
	}
	id := h.underReview()
	r := h.call("POST", "/v2/staging/kyc/validate", map[string]any{"cardholderId": id, "result": "fail"}).must(t, 200)
	if r.raw != `{"status":"success","result":{}}`+"\n" {
		t.Fatalf("validate = %q", r.raw)
	}
}

// TestResubmissionAfterDecline is test-matrix row 3: force a decline,
// refresh the KYC URL (a re-submission), force a pass.
func TestResubmissionAfterDecline(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.underReview()
	first := h.call("GET", path("/v2/cardholders/%d", id), nil).str("applicationLink")
	h.call("POST", "/v2/staging/kyc/validate", map[string]any{"cardholderId": id, "result": "fail"}).must(t, 200)
	if h.holderStatus(id) != chDeclined {
		t.Fatal("not declined")
	}
	link := h.call("POST", path("/v2/cardholders/%d/kyc-url/refresh", id), nil).must(t, 200).str("applicationLink")
	if link == first || !strings.HasPrefix(link, "https://") {
		t.Fatalf("refresh link %q (first %q)", link, first)
	}
	if h.holderStatus(id) != chUnderReview {
		t.Fatal("refresh after a decline did not re-submit")
	}
	h.call("POST", "/v2/staging/kyc/validate", map[string]any{"cardholderId": id, "result": "pass"}).must(t, 200)
	// The natural review scheduled by the re-submission must not override
	// the forced outcome.
	h.clock.Advance(13 * time.Hour)
	if got := h.holderStatus(id); got != chApproved {
		t.Fatalf("status %d after the natural review window, want 1", got)
	}
}

func TestSimulatedDeposits(t *testing.T) {
	h := newHarness(t, Options{TimeScale: 0.001})
	holder := h.approved()
	card := h.virtualCard(holder)
	wl := h.wallet("")
	closed := h.virtualCard(holder)
	h.forceCard(closed, cardClosed)
	bad := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"no target", map[string]any{"amount": "1.00"}, 422, "give exactly one of cardId or walletId"},
		{"two targets", map[string]any{"cardId": card, "walletId": wl, "amount": "1.00"}, 422, "exactly one"},
		{"missing amount", map[string]any{"cardId": card}, 422, "amount: is required"},
		{"integer amount", map[string]any{"cardId": card, "amount": 1000}, 400, "amount: must be a string"},
		{"three decimals", map[string]any{"cardId": card, "amount": "1.005"}, 422, "amount: must be a decimal string"},
		{"negative", map[string]any{"cardId": card, "amount": "-1.00"}, 422, "amount"},
		{"zero", map[string]any{"cardId": card, "amount": "0.00"}, 422, "amount"},
		{"exponent", map[string]any{"cardId": card, "amount": "1e3"}, 422, "amount"},
		{"too large", map[string]any{"cardId": card, "amount": "10000000.01"}, 422, "amount"},
		{"bad rail", map[string]any{"cardId": card, "amount": "1.00", "rail": "swift"}, 422, "rail: must be one of crypto, bank"},
		{"bad chain", map[string]any{"cardId": card, "amount": "1.00", "chain": "tron"}, 422, "chain"},
		{"crypto to a wallet", map[string]any{"walletId": wl, "amount": "1.00", "rail": "crypto"}, 422, "wallets take no crypto"},
		{"chain on bank rail", map[string]any{"cardId": card, "amount": "1.00", "rail": "bank", "chain": "evm"}, 422, "chain: applies to crypto"},
		{"bad clearing", map[string]any{"cardId": card, "amount": "1.00", "clearing": "fast"}, 422, "clearing"},
		{"unknown card", map[string]any{"cardId": 3, "amount": "1.00"}, 404, "card 3 not found"},
		{"unknown wallet", map[string]any{"walletId": 3, "amount": "1.00"}, 404, "wallet 3 not found"},
		{"closed card", map[string]any{"cardId": closed, "amount": "1.00"}, 409, "closed"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			h.call("POST", "/v2/staging/deposits", tt.body).wantError(t, tt.status, tt.msg)
		})
	}
	t.Run("crypto: ledger first, available later", func(t *testing.T) {
		r := h.call("POST", "/v2/staging/deposits", map[string]any{"cardId": card, "amount": "10.00", "chain": "solana", "asset": "USDC"}).must(t, 200)
		if r.str("rail") != "crypto" || r.str("amount") != "10.00" || r.num("availableAt") < r.num("ledgerAt") {
			t.Fatalf("deposit = %s", r.raw)
		}
		if l, a := h.balance(card); l != 0 || a != 0 {
			t.Fatalf("before confirmations: %d/%d", l, a)
		}
		// Poll as an integration would: the ledger must rise before the
		// available balance, and available never exceeds ledger.
		var sawLedgerOnly bool
		for step := 0; ; step++ {
			if step > 100_000 {
				t.Fatal("the deposit never became available")
			}
			h.clock.Advance(time.Millisecond) // one emulated second
			l, a := h.balance(card)
			if a > l || (l != 0 && l != 1000) {
				t.Fatalf("balance %d/%d", l, a)
			}
			sawLedgerOnly = sawLedgerOnly || (l == 1000 && a == 0)
			if a == 1000 {
				break
			}
		}
		if !sawLedgerOnly {
			t.Fatal("availableBalance rose together with ledgerBalance")
		}
		txns := h.call("GET", path("/v2/cards/transactions?cardId=%d&type=2", card), nil).items()
		if len(txns) != 1 || txns[0]["description"] != "Crypto deposit USDC on solana" || txns[0]["direction"] != "credit" {
			t.Fatalf("crypto deposit transaction = %v", txns)
		}
	})
	t.Run("bank: ledger at once, available days later", func(t *testing.T) {
		h.call("POST", "/v2/staging/deposits", map[string]any{"cardId": card, "amount": "5", "rail": "bank"}).must(t, 200)
		if l, a := h.balance(card); l != 1500 || a != 1000 {
			t.Fatalf("after detection: %d/%d", l, a)
		}
		h.clock.Advance(bankClearingMax / 1000)
		if l, a := h.balance(card); l != 1500 || a != 1500 {
			t.Fatalf("after clearing: %d/%d", l, a)
		}
	})
	t.Run("instant", func(t *testing.T) {
		h.call("POST", "/v2/staging/deposits", map[string]any{"cardId": card, "amount": "0.5", "clearing": "instant"}).must(t, 200)
		if l, a := h.balance(card); l != 1550 || a != 1550 {
			t.Fatalf("instant: %d/%d", l, a)
		}
	})
	t.Run("wallet, bank by default", func(t *testing.T) {
		r := h.call("POST", "/v2/staging/deposits", map[string]any{"walletId": wl, "amount": "20.00", "transactionReference": "INV-7"}).must(t, 200)
		if r.str("rail") != "bank" {
			t.Fatalf("wallet deposit = %s", r.raw)
		}
		w := h.call("GET", path("/v2/wallets/%d", wl), nil)
		if w.num("walletBalanceSettled") != 2000 || w.num("walletAvailableBalance") != 0 {
			t.Fatalf("wallet = %s", w.raw)
		}
		d := h.call("GET", path("/v2/staging/deposits/%d", r.num("depositId")), nil).must(t, 200)
		if d.str("kind") != "simulated" || d.str("statusText") != "detected" || d.str("transactionReference") != "INV-7" {
			t.Fatalf("deposit record = %s", d.raw)
		}
	})
	t.Run("a physical card receives crypto before activation", func(t *testing.T) {
		p := h.physicalCard(holder)
		h.call("POST", "/v2/staging/deposits", map[string]any{"cardId": p, "amount": "3.00", "clearing": "instant"}).must(t, 200)
		if _, a := h.balance(p); a != 300 {
			t.Fatalf("available %d", a)
		}
	})
}

func TestSimulatedSpend(t *testing.T) {
	type want struct {
		txStatus          int64
		reason            string
		fee               string
		ledger, available int64
	}
	tests := []struct {
		name   string
		limit  int64 // card transactionLimit; 0 keeps the default
		body   map[string]any
		status int
		msg    string
		want   want
	}{
		{"domestic approved", 0, map[string]any{"amount": "12.34"}, 200, "", want{txPending, "", "0.00", 10000, 8766}},
		{"cross-border pays 2 %", 0, map[string]any{"amount": "50.00", "merchantCountry": "DE", "merchantCurrency": "EUR", "merchantAmount": "46.10"}, 200, "", want{txPending, "", "1.00", 10000, 4900}},
		{"explicit fee", 0, map[string]any{"amount": "10.00", "crossBorder": true, "fee": "0.30"}, 200, "", want{txPending, "", "0.30", 10000, 8970}},
		{"cross-border with no fee", 0, map[string]any{"amount": "10.00", "merchantCountry": "CA", "fee": "0"}, 200, "", want{txPending, "", "0.00", 10000, 9000}},
		{"exactly the balance", 0, map[string]any{"amount": "100.00"}, 200, "", want{txPending, "", "0.00", 10000, 0}},
		{"insufficient funds", 0, map[string]any{"amount": "100.01"}, 200, "", want{txDeclined, "insufficient funds", "0.00", 10000, 10000}},
		{"fee tips it over", 0, map[string]any{"amount": "99.00", "merchantCountry": "GB"}, 200, "", want{txDeclined, "insufficient funds", "0.00", 10000, 10000}},
		{"over the card limit", 500, map[string]any{"amount": "5.01"}, 200, "", want{txDeclined, "transactionLimit", "0.00", 10000, 10000}},
		{"forced decline", 0, map[string]any{"amount": "1.00", "outcome": "decline"}, 200, "", want{txDeclined, "declined by issuer", "0.00", 10000, 10000}},
		{"forced error", 0, map[string]any{"amount": "1.00", "outcome": "error"}, 200, "", want{txError, "processing error", "0.00", 10000, 10000}},
		{"instant clearing", 0, map[string]any{"amount": "1.00", "clearing": "instant"}, 200, "", want{txCompletion, "", "0.00", 9900, 9900}},
		{"missing amount", 0, map[string]any{}, 422, "amount: is required", want{}},
		{"bad mcc", 0, map[string]any{"amount": "1.00", "mcc": "54"}, 422, "mcc", want{}},
		{"bad country", 0, map[string]any{"amount": "1.00", "merchantCountry": "France"}, 422, "merchantCountry", want{}},
		{"bad outcome", 0, map[string]any{"amount": "1.00", "outcome": "maybe"}, 422, "outcome: must be one of approve, decline, error", want{}},
		{"bad fee", 0, map[string]any{"amount": "1.00", "fee": "-1"}, 422, "fee", want{}},
		{"crossBorder as string", 0, map[string]any{"amount": "1.00", "crossBorder": "yes"}, 400, "crossBorder: must be a boolean", want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{TimeScale: 0.001})
			card := h.virtualCard(h.approved())
			h.fundCard(card, "100.00")
			if tt.limit > 0 {
				h.call("PUT", path("/v2/cards/%d/update", card), map[string]any{"transactionLimit": tt.limit}).must(t, 200)
			}
			r := h.call("POST", path("/v2/staging/cards/%d/spend", card), tt.body)
			if tt.status != 200 {
				r.wantError(t, tt.status, tt.msg)
				return
			}
			r.must(t, 200)
			if r.num("transactionStatus") != tt.want.txStatus || !strings.Contains(r.str("declineReason"), tt.want.reason) || r.str("fee") != tt.want.fee {
				t.Fatalf("spend = %s", r.raw)
			}
			if l, a := h.balance(card); l != tt.want.ledger || a != tt.want.available {
				t.Fatalf("balance %d/%d, want %d/%d", l, a, tt.want.ledger, tt.want.available)
			}
			fees := h.call("GET", path("/v2/cards/fees?cardId=%d", card), nil).items()
			if tt.want.fee == "0.00" && len(fees) != 0 || tt.want.fee != "0.00" && (len(fees) != 1 || fees[0]["authRefNum"] != r.str("authRefNum") || fees[0]["amount"] != tt.want.fee) {
				t.Fatalf("fees = %v for spend %s", fees, r.raw)
			}
		})
	}
}

// TestSpendLifecycle: authorised (1, available held) → cleared (2, ledger
// debited) → completion (3), by the engine's clock.
func TestSpendLifecycle(t *testing.T) {
	h := newHarness(t, Options{TimeScale: 0.001})
	card := h.virtualCard(h.approved())
	h.fundCard(card, "100.00")
	r := h.call("POST", path("/v2/staging/cards/%d/spend", card), map[string]any{"amount": "40.00", "merchantCountry": "FR"}).must(t, 200)
	txn := func() map[string]any {
		return h.call("GET", "/v2/cards/transactions?transId="+r.str("transId"), nil).must(t, 200).items()[0]
	}
	if l, a := h.balance(card); l != 10000 || a != 10000-4080 || txn()["status"] != float64(txPending) {
		t.Fatalf("authorised: %d/%d %v", l, a, txn())
	}
	// Step through emulated minutes: the statuses must go 1 → 2 → 3 in
	// order, the ledger falling exactly when the status becomes 2.
	seen := []float64{txPending}
	for step := 0; len(seen) < 3; step++ {
		if step > 10_000 {
			t.Fatalf("statuses seen %v; never settled", seen)
		}
		h.clock.Advance(60 * time.Millisecond) // one emulated minute
		st := txn()["status"].(float64)
		if st != seen[len(seen)-1] {
			seen = append(seen, st)
		}
		l, _ := h.balance(card)
		if (st == txPending) != (l == 10000) {
			t.Fatalf("status %v with ledger %d", st, l)
		}
	}
	if seen[1] != txCleared || seen[2] != txCompletion {
		t.Fatalf("statuses %v, want 1, 2, 3", seen)
	}
	if l, a := h.balance(card); l != 10000-4080 || a != 10000-4080 {
		t.Fatalf("settled balance %d/%d", l, a)
	}
}

func TestStagingMisc(t *testing.T) {
	h := newHarness(t, Options{})
	card := h.virtualCard(h.approved())
	h.call("GET", "/v2/staging/cards/77/sensitive", nil).wantError(t, 404, "card 77 not found")
	h.call("GET", "/v2/staging/deposits/1", nil).wantError(t, 404, "deposit 1 not found")
	h.call("POST", "/v2/staging/cards/77/spend", map[string]any{"amount": "1.00"}).wantError(t, 404, "card 77")
	h.call("POST", "/v2/staging/faults", map[string]any{"status": 418}).wantError(t, 422, "status: must be one of 403, 429, 500, 502, 503, 504")
	h.call("POST", "/v2/staging/faults", map[string]any{"status": 500, "count": 101}).wantError(t, 422, "count")
	s := h.call("GET", path("/v2/staging/cards/%d/sensitive", card), nil).must(t, 200)
	if len(s.str("cardNumber")) != 16 || len(s.str("cvv")) != 3 {
		t.Fatalf("sensitive = %s", s.raw)
	}
}

// TestProductionProfile: same API, but every /staging/* path is a 404 —
// as an unknown path, whatever the method.
func TestProductionProfile(t *testing.T) {
	h := newHarness(t, Options{Profile: Production})
	h.call("GET", "/v2/cardholders", nil).must(t, 200)
	id := h.createCardholder()
	for _, p := range h.emu.routes.patterns {
		if !p.staging {
			continue
		}
		for method := range p.methods {
			segs := append([]string(nil), p.segs...)
			for i, s := range segs {
				if s == "" {
					segs[i] = "8001"
				}
			}
			url := "/v2/" + strings.Join(segs, "/")
			t.Run(method+" "+url, func(t *testing.T) {
				h.call(method, url, map[string]any{"cardholderId": id, "result": "pass"}).wantError(t, 404, "no such endpoint")
			})
		}
	}
	h.call("PUT", path("/v2/cardholders/%d/kyc-submit", id), nil).must(t, 200)
	if h.holderStatus(id) == chApproved {
		t.Fatal("a production /staging call changed state")
	}
	if p, err := ParseProfile("production"); err != nil || p != Production || p.String() != "production" {
		t.Fatalf("ParseProfile(production) = %v, %v", p, err)
	}
	if _, err := ParseProfile("prod"); err == nil {
		t.Fatal("ParseProfile(prod) did not fail")
	}
}
