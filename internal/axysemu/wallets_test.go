package axysemu

import (
	"testing"
	"time"
)

func TestWallets(t *testing.T) {
	h := newHarness(t, Options{})
	h.call("POST", "/v2/wallets", map[string]any{}).wantError(t, 422, "name: is required")
	h.call("POST", "/v2/wallets", map[string]any{"name": ""}).wantError(t, 422, "name: must be 1 to 50")
	h.call("POST", "/v2/wallets", map[string]any{"name": "T", "currency": 1}).wantError(t, 400, "currency: unknown field")
	w1 := h.call("POST", "/v2/wallets", map[string]any{"name": "Treasury"}).must(t, 200).num("walletId")
	if w1 != firstWalletID {
		t.Fatalf("walletId = %d", w1)
	}
	h.call("POST", "/v2/wallets", map[string]any{"name": "Payroll"}).must(t, 200)
	r := h.call("GET", "/v2/wallets?orderBy=name", nil).must(t, 200)
	if r.num("total") != 2 || r.items()[0]["name"] != "Payroll" {
		t.Fatalf("wallets = %s", r.raw)
	}
	g := h.call("GET", path("/v2/wallets/%d", w1), nil).must(t, 200)
	if g.str("name") != "Treasury" || g.num("walletBalanceSettled") != 0 || g.str("status") != "success" {
		t.Fatalf("wallet = %s", g.raw)
	}
	h.call("GET", "/v2/wallets/99", nil).wantError(t, 404, "wallet 99 not found")
}

func TestTransfer(t *testing.T) {
	h := newHarness(t, Options{})
	holder := h.approved()
	card := h.virtualCard(holder)
	src := h.wallet("100.00")
	dst := h.wallet("")
	closed := h.virtualCard(holder)
	h.forceCard(closed, cardClosed)
	base := map[string]any{"sourceWalletId": src, "destinationType": 1, "destinationId": card, "amount": 2500}
	tests := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"missing amount", with(base, "amount", nil), 422, "amount: is required"},
		{"zero amount", with(base, "amount", 0), 422, "amount: must be between"},
		{"amount as decimal string", with(base, "amount", "25.00"), 400, "amount: must be an integer"},
		{"destinationType 2", with(base, "destinationType", 2), 422, "destinationType: must be one of 0, 1"},
		{"to itself", with(base, "destinationType", 0, "destinationId", src), 422, "destinationId: must differ"},
		{"unknown source", with(base, "sourceWalletId", 9999), 404, "wallet 9999 not found"},
		{"unknown card", with(base, "destinationId", 1), 404, "card 1 not found"},
		{"unknown wallet", with(base, "destinationType", 0, "destinationId", 9999), 404, "wallet 9999"},
		{"closed card", with(base, "destinationId", closed), 409, "is closed"},
		{"insufficient funds", with(base, "amount", 10001), 409, "insufficient funds"},
		{"card to wallet", map[string]any{"sourceCardId": card, "destinationType": 0, "destinationId": src, "amount": 100}, 422, "not supported; raise a support ticket"},
		{"card source type", with(base, "sourceType", 1), 422, "not supported"},
		{"unknown field", with(base, "currency", 0), 400, "currency: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.call("POST", "/v2/wallets/transfer", tt.body).wantError(t, tt.status, tt.msg)
			if got := h.call("GET", path("/v2/wallets/%d", src), nil).num("walletAvailableBalance"); got != 10000 {
				t.Fatalf("a rejected transfer moved money: source has %d", got)
			}
		})
	}
	t.Run("wallet to card", func(t *testing.T) {
		r := h.call("POST", "/v2/wallets/transfer", base).must(t, 200)
		if r.num("transStatus") != transCompleted || r.num("transId") == 0 {
			t.Fatalf("transfer = %s", r.raw)
		}
		if l, a := h.balance(card); l != 2500 || a != 2500 {
			t.Fatalf("card balance = %d/%d, want 2500/2500 at once", l, a)
		}
		if n := h.call("GET", "/v2/cards/transactions", nil).num("total"); n != 0 {
			t.Fatalf("a wallet→card transfer made %d card transactions", n)
		}
	})
	t.Run("wallet to wallet", func(t *testing.T) {
		h.call("POST", "/v2/wallets/transfer", with(base, "destinationType", 0, "destinationId", dst, "amount", 500, "description", "float")).must(t, 200)
		w := h.call("GET", path("/v2/wallets/%d", dst), nil)
		if w.num("walletBalanceSettled") != 500 || w.num("walletAvailableBalance") != 500 {
			t.Fatalf("destination wallet = %s", w.raw)
		}
		if s := h.call("GET", path("/v2/wallets/%d", src), nil).num("walletAvailableBalance"); s != 10000-2500-500 {
			t.Fatalf("source wallet available = %d", s)
		}
	})
	t.Run("wallet transactions", func(t *testing.T) {
		tests := []struct {
			query string
			want  int64
		}{
			{"", 3}, // bank deposit, two transfers
			{path("?walletId=%d", src), 3},
			{path("?walletId=%d", dst), 1},
			{path("?cardId=%d", card), 1},
			{path("?cardholderId=%d", holder), 1},
			{"?type=1", 1},
			{"?type=3", 1},
			{path("?after=%d", h.clock.Now().Unix()+1), 0},
		}
		for _, tt := range tests {
			if got := h.call("GET", "/v2/wallets/transactions"+tt.query, nil).must(t, 200).num("total"); got != tt.want {
				t.Errorf("GET /wallets/transactions%s: total %d, want %d", tt.query, got, tt.want)
			}
		}
		it := h.call("GET", path("/v2/wallets/transactions?cardId=%d", card), nil).items()[0]
		if it["type"] != float64(wtTransferCard) || it["amount"] != float64(2500) || it["destinationType"] != float64(1) {
			t.Fatalf("wallet→card record = %v", it)
		}
		h.call("GET", "/v2/wallets/transactions?type=9", nil).wantError(t, 400, "type")
	})
}

func TestBankTraces(t *testing.T) {
	h := newHarness(t, Options{TimeScale: 0.001})
	holder := h.approved()
	card := h.virtualCard(holder)
	wl := h.wallet("")
	bad := []struct {
		name string
		body any
		msg  string
	}{
		{"negative amount", map[string]any{"transactionAmount": -5}, "transactionAmount"},
		{"amount as string", map[string]any{"transactionAmount": "5"}, "transactionAmount: must be an integer"},
		{"account number short", map[string]any{"senderAccountNumber": "123"}, "senderAccountNumber"},
		{"routing with symbols", map[string]any{"senderRoutingNumber": "12-34-56"}, "senderRoutingNumber: must contain letters and digits only"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := h.call("POST", path("/v2/cards/%d/bank-deposit", card), tt.body)
			if r.status != 400 && r.status != 422 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			r.wantError(t, r.status, tt.msg)
		})
	}
	t.Run("without amount nothing moves", func(t *testing.T) {
		r := h.call("POST", path("/v2/cards/%d/bank-deposit", card), map[string]any{"transactionReference": "REF-1"}).must(t, 200)
		if r.str("statusText") != "pending" {
			t.Fatalf("trace = %s", r.raw)
		}
		h.clock.Advance(10 * time.Minute)
		if l, a := h.balance(card); l != 0 || a != 0 {
			t.Fatalf("balance moved: %d/%d", l, a)
		}
	})
	t.Run("card: ledger after verification, available after clearing", func(t *testing.T) {
		h.call("POST", path("/v2/cards/%d/bank-deposit", card), map[string]any{"transactionAmount": 50000, "transactionReference": "REF-2"}).must(t, 200)
		if l, _ := h.balance(card); l != 0 {
			t.Fatal("ledger rose before verification")
		}
		h.clock.Advance(bankVerifyMax / 1000)
		if l, a := h.balance(card); l != 50000 || a != 0 {
			t.Fatalf("after verification: %d/%d, want 50000/0", l, a)
		}
		h.clock.Advance(bankClearingMax / 1000)
		if l, a := h.balance(card); l != 50000 || a != 50000 {
			t.Fatalf("after clearing: %d/%d", l, a)
		}
		txns := h.call("GET", path("/v2/cards/transactions?cardId=%d&type=3", card), nil).items()
		if len(txns) != 1 || txns[0]["status"] != float64(txCompletion) || txns[0]["amount"] != "500.00" {
			t.Fatalf("bank deposit transaction = %v", txns)
		}
	})
	t.Run("wallet", func(t *testing.T) {
		h.call("POST", path("/v2/wallets/%d/bank-deposit", wl), map[string]any{"transactionAmount": 7000}).must(t, 200)
		h.clock.Advance(bankVerifyMax / 1000)
		w := h.call("GET", path("/v2/wallets/%d", wl), nil)
		if w.num("walletBalanceSettled") != 7000 || w.num("walletAvailableBalance") != 0 {
			t.Fatalf("after verification: %s", w.raw)
		}
		h.clock.Advance(bankClearingMax / 1000)
		if got := h.call("GET", path("/v2/wallets/%d", wl), nil).num("walletAvailableBalance"); got != 7000 {
			t.Fatalf("after clearing: available %d", got)
		}
	})
	t.Run("closed card", func(t *testing.T) {
		c2 := h.virtualCard(holder)
		h.forceCard(c2, cardClosed)
		h.call("POST", path("/v2/cards/%d/bank-deposit", c2), map[string]any{}).wantError(t, 409, "closed")
	})
}

func TestBankAccountRegistration(t *testing.T) {
	h := newHarness(t, Options{TimeScale: 0.001})
	holder := h.approved()
	body := map[string]any{"senderAccountName": "Jordan Reyes", "senderAccountNumber": "GB33BUKB20201555555555", "senderRoutingNumber": "BUKBGB22"}
	tests := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"missing name", with(body, "senderAccountName", nil), 422, "senderAccountName: is required"},
		{"name too long", with(body, "senderAccountName", string(make([]byte, 51))), 422, "senderAccountName"},
		{"number too long", with(body, "senderAccountNumber", "1234567890123456789012345678901234567"), 422, "senderAccountNumber"},
		{"routing too short", with(body, "senderRoutingNumber", "123"), 422, "senderRoutingNumber"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.call("POST", path("/v2/cardholders/%d/register-bank-account", holder), tt.body).wantError(t, tt.status, tt.msg)
		})
	}
	draft := h.createCardholder()
	h.call("POST", path("/v2/cardholders/%d/register-bank-account", draft), body).wantError(t, 409, "not approved")

	reg := func() int64 {
		r := h.call("POST", path("/v2/cardholders/%d/register-bank-account", holder), body).must(t, 200)
		if r.str("statusText") != "pending" {
			t.Fatalf("registration = %s", r.raw)
		}
		return r.num("depositId")
	}
	state := func(id int64) string {
		return h.call("GET", path("/v2/staging/deposits/%d", id), nil).must(t, 200).str("statusText")
	}
	t.Run("confirm", func(t *testing.T) {
		id := reg()
		h.call("POST", path("/v2/staging/bank-accounts/%d/confirm", id), nil).must(t, 200)
		if got := state(id); got != "confirmed" {
			t.Fatalf("state %q", got)
		}
		h.call("POST", path("/v2/staging/bank-accounts/%d/confirm", id), nil).wantError(t, 409, "is confirmed, not pending")
		h.call("POST", path("/v2/staging/bank-accounts/%d/expire", id), nil).wantError(t, 409, "not pending")
	})
	t.Run("expire now", func(t *testing.T) {
		id := reg()
		h.call("POST", path("/v2/staging/bank-accounts/%d/expire", id), nil).must(t, 200)
		if got := state(id); got != "expired" {
			t.Fatalf("state %q", got)
		}
		h.call("POST", path("/v2/staging/bank-accounts/%d/confirm", id), nil).wantError(t, 409, "is expired")
	})
	t.Run("OTP expires by itself", func(t *testing.T) {
		id := reg()
		h.clock.Advance(bankOTPTTL/1000 - time.Millisecond)
		if got := state(id); got != "pending" {
			t.Fatalf("state before expiry %q", got)
		}
		h.clock.Advance(time.Millisecond)
		if got := state(id); got != "expired" {
			t.Fatalf("state after expiry %q", got)
		}
	})
	t.Run("not a registration", func(t *testing.T) {
		card := h.virtualCard(holder)
		dep := h.call("POST", "/v2/staging/deposits", map[string]any{"cardId": card, "amount": "1.00"}).num("depositId")
		h.call("POST", path("/v2/staging/bank-accounts/%d/confirm", dep), nil).wantError(t, 404, "registration")
		h.call("POST", "/v2/staging/bank-accounts/99999/confirm", nil).wantError(t, 404, "registration 99999 not found")
	})
}

func TestDeprecatedEndpoints(t *testing.T) {
	h := newHarness(t, Options{TimeScale: 0.001})
	holder := h.approved()
	card := h.virtualCard(holder)
	wl := h.wallet("")
	hash := map[string]any{"transactionHash": "0xabcdef0123456789", "networkHint": "Ethereum"}
	for _, p := range []string{path("/v2/cards/%d/deposit", card), path("/v2/wallets/%d/deposit", wl)} {
		t.Run(p, func(t *testing.T) {
			h.call("POST", p, map[string]any{}).wantError(t, 422, "transactionHash: is required")
			id := h.call("POST", p, hash).must(t, 200).num("depositId")
			h.clock.Advance(chainAssertionTTL / 1000)
			if got := h.call("GET", path("/v2/staging/deposits/%d", id), nil).str("statusText"); got != "expired" {
				t.Fatalf("assertion after 24 h (scaled) = %q", got)
			}
		})
	}
	if l, _ := h.balance(card); l != 0 {
		t.Fatal("a blockchain assertion moved money")
	}
	p := path("/v2/cardholders/%d/register-wallet-address", holder)
	h.call("POST", p, map[string]any{"address": "0x123"}).wantError(t, 422, "address: must be 26 to 90")
	if r := h.call("POST", p, map[string]any{"address": "0x742d35Cc6634C0532925a3b8D4C9B7e0000000"}).must(t, 200); len(r.str("challenge")) != 64 {
		t.Fatalf("challenge = %s", r.raw)
	}
}
