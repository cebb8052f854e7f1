package emulated

import (
	"net/http"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/coverage"
)

// TestEmulatedPrecision plays, against the emulator, traffic that must not
// be taken for evidence it is not, and a repeat that must not be taken for
// a duplicate: a bank trace whose available balance "rises" only through a
// wallet transfer to the card (C12), a transaction and a fee fetched by
// their identifiers instead of paged over a window (L16), and a bank
// registration hit by a 503, retried, left to expire and registered again
// (E5xx).
func TestEmulatedPrecision(t *testing.T) {
	a := newApp(t)
	holder := a.onboard("pass")
	card := id(t, a.must("POST", "/cards/virtual/"+holder, `{"nameOnCard":"JORDAN REYES"}`), "cardId")

	a.must("GET", "/cards/"+card+"/balance", "")
	a.must("POST", "/cards/"+card+"/bank-deposit", `{"transactionAmount":25000,"transactionReference":"`+card+`-0001"}`)
	a.pollBalance(card, func(l, _ float64) bool { return l > 0 })
	wallet := id(t, a.must("POST", "/wallets", `{"name":"Treasury"}`), "walletId")
	a.must("POST", "/staging/deposits", `{"walletId":`+wallet+`,"amount":"500.00","clearing":"instant"}`)
	a.must("POST", "/wallets/transfer", `{"sourceWalletId":`+wallet+`,"destinationType":1,"destinationId":`+card+`,"amount":25000}`)
	if b := a.must("GET", "/cards/"+card+"/balance", ""); num(b, "availableBalance") != 25000 {
		t.Fatalf("balance after the transfer: %v, want available 25000 (the trace not cleared yet)", b)
	}

	spend := a.must("POST", "/staging/cards/"+card+"/spend", `{"amount":"20.00","merchantCountry":"FR","merchantCurrency":"EUR","merchantAmount":"18.40"}`)
	authRef, _ := spend["authRefNum"].(string)
	transID, _ := spend["transId"].(string)
	a.must("GET", "/cards/transactions?cardId="+card+"&transId="+transID, "")
	a.must("GET", "/cards/fees?authRefNum="+authRef+"&cardId="+card, "")

	account := `{"senderAccountName":"Jordan Reyes","senderAccountNumber":"000123456789","senderRoutingNumber":"021000021"}`
	a.must("POST", "/staging/faults", `{"status":503}`)
	a.expect(http.StatusServiceUnavailable, "POST", "/cardholders/"+holder+"/register-bank-account", account)
	a.sleep(time.Second)
	dep := id(t, a.must("POST", "/cardholders/"+holder+"/register-bank-account", account), "depositId")
	a.must("POST", "/staging/bank-accounts/"+dep+"/expire", "")
	a.must("GET", "/staging/deposits/"+dep, "")
	a.must("POST", "/cardholders/"+holder+"/register-bank-account", account)

	e := coverage.NewEngine(coverage.DefaultMatrix())
	for _, r := range a.recs {
		e.Observe(r)
	}
	want := map[string]coverage.Status{
		"C12":        coverage.StatusPartial,
		"L16":        coverage.StatusMissing,
		"E5xx":       coverage.StatusMet,
		"C11-expiry": coverage.StatusMet,
	}
	for _, r := range e.Report().Requirements {
		if testing.Verbose() {
			t.Logf("%-10s %-8s %v %s", r.ID, r.Status, r.Evidence, r.Explanation)
		}
		if r.Status == coverage.StatusViolated {
			t.Errorf("%s violated: %s", r.ID, r.Explanation)
		}
		if w, ok := want[r.ID]; ok && r.Status != w {
			t.Errorf("%s: %s, want %s (%s)", r.ID, r.Status, w, r.Explanation)
		}
	}
}
