package coverage

import "time"

const window = "after=1772323200&before=1772409600"

// allErrors produces every error code the matrix asks for, each handled,
// leaving out the codes in skip; it returns the calls made.
func (tr *trace) allErrors(skip ...int) []uint64 {
	var out []uint64
	has := func(code int) bool {
		for _, s := range skip {
			if s == code {
				return false
			}
		}
		return true
	}
	if has(400) {
		out = append(out, tr.call("POST", "/cardholders", 400, `{"firstName":`, `{"status":"error","message":"malformed JSON"}`))
	}
	if has(401) {
		out = append(out, tr.failWith(401, "invalid API key"))
	}
	if has(403) {
		out = append(out, tr.call("GET", "/cards", 403, "", `{"status":"error","message":"No Authorised IPs configured"}`))
	}
	if has(404) {
		out = append(out, tr.call("GET", "/cardholders/999", 404, "", `{"status":"error","message":"cardholder 999 not found"}`))
	}
	if has(409) {
		out = append(out, tr.call("PUT", "/cards/8001/activate", 409, `{}`, `{"status":"error","message":"card 8001 is virtual"}`))
	}
	if has(422) {
		out = append(out, tr.call("POST", "/cardholders", 422, `{"firstName":"J"}`, `{"status":"error","message":"firstName: must be 2 to 50 characters"}`))
	}
	if has(429) {
		out = append(out, tr.call("GET", "/cards?limit=5", 429, "", `{"status":"error","message":"rate limited"}`, withHeader("Retry-After", "1")))
		tr.wait(time.Second)
		out = append(out, tr.call("GET", "/cards?limit=5", 200, "", `{"status":"success","items":[],"total":0}`))
	}
	if has(500) {
		out = append(out, tr.call("GET", "/cards/8001", 503, "", `{"status":"error","message":"unavailable"}`))
		out = append(out, tr.card(8001, 1))
	}
	return out
}

// moreInferredCases cover C13–C18.
func moreInferredCases() []reqCase {
	return []reqCase{
		{"C13", "wallet created, funded, transfers to card and wallet", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/wallets", 200, `{"name":"Treasury"}`, `{"status":"success","walletId":3001}`)
			s2 := tr.call("POST", "/wallets/3001/bank-deposit", 200, `{"transactionAmount":50000}`, okBody)
			s3 := tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"destinationType":1,"destinationId":8001,"amount":2500}`, `{"status":"success","transId":90001,"transStatus":1}`)
			s4 := tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"destinationType":0,"destinationId":3002,"amount":1000}`, `{"status":"success","transId":90002,"transStatus":1}`)
			s5 := tr.get("/wallets/transactions", `{"status":"success","items":[{"transId":90001,"walletId":3001}],"total":1,"limit":50,"offset":0}`)
			return ev(s1, s2, s3, s4, s5)
		}},
		{"C13", "funded through the deposit simulation", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/wallets", 200, `{"name":"Treasury"}`, `{"status":"success","walletId":3001}`)
			s2 := tr.call("POST", "/staging/deposits", 200, `{"walletId":3001,"amount":"500.00"}`, `{"status":"success","depositId":7001}`)
			s3 := tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"destinationType":1,"destinationId":8001,"amount":2500}`, `{"status":"success","transId":90001,"transStatus":1}`)
			s4 := tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"destinationType":0,"destinationId":3002,"amount":1000}`, `{"status":"success","transId":90002,"transStatus":1}`)
			s5 := tr.get("/wallets/transactions", `{"status":"success","items":[{"transId":90001,"walletId":3001}],"total":1,"limit":50,"offset":0}`)
			return ev(s1, s2, s3, s4, s5)
		}},
		{"C13", "transfer from a wallet never funded", StatusPartial, func(tr *trace) []uint64 {
			tr.call("POST", "/wallets", 200, `{"name":"Treasury"}`, `{"status":"success","walletId":3001}`)
			tr.call("POST", "/wallets/3001/bank-deposit", 200, `{"transactionAmount":50000}`, okBody)
			tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3002,"destinationType":1,"destinationId":8001,"amount":2500}`, `{"status":"success","transId":90001,"transStatus":1}`)
			tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"destinationType":0,"destinationId":3002,"amount":1000}`, `{"status":"success","transId":90002,"transStatus":1}`)
			tr.get("/wallets/transactions", `{"status":"success","items":[{"transId":90001}],"total":1}`)
			return nil
		}},
		{"C14", "card-sourced transfer refused", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/wallets/transfer", 422, `{"sourceCardId":8001,"destinationType":0,"destinationId":3001,"amount":100}`, `{"status":"error","message":"transfers from a card need a support ticket"}`))
		}},
		{"C14", "card source named by sourceType", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/wallets/transfer", 422, `{"sourceType":1,"sourceWalletId":8001,"destinationType":0,"destinationId":3001,"amount":100}`, `{"status":"error","message":"unsupported"}`))
		}},
		{"C14", "wallet transfer refused for funds", StatusMissing, func(tr *trace) []uint64 {
			tr.call("POST", "/wallets/transfer", 409, `{"sourceWalletId":3001,"destinationType":0,"destinationId":3002,"amount":100}`, `{"status":"error","message":"insufficient funds"}`)
			return nil
		}},
		{"C15", "subscribed and OTP received", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.listener(8001, "tok1")
			tr.call("POST", "/staging/cards/8001/3ds-challenge", 200, `{}`, okBody)
			s3 := tr.otp("tok1", "received")
			return ev(s1, s3)
		}},
		{"C15", "no OTP yet", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.listener(8001, "tok1")
			tr.otp("tok1", "pending")
			return ev(s1)
		}},
		{"C15", "OTP of a listener never seen", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.listener(8001, "tok1")
			tr.otp("tok9", "received")
			return ev(s1)
		}},
		{"C15-expiry", "expired, fetched again for the same card", StatusMet, func(tr *trace) []uint64 {
			tr.listener(8001, "tok1")
			s2 := tr.otp("tok1", "expired")
			s3 := tr.otp("tok1", "received")
			return ev(s2, s3)
		}},
		{"C15-expiry", "expired, subscribed again for the same card", StatusMet, func(tr *trace) []uint64 {
			tr.listener(8001, "tok1")
			s2 := tr.otp("tok1", "expired")
			s3 := tr.listener(8001, "tok2")
			return ev(s2, s3)
		}},
		{"C15-expiry", "OTP re-request for a different card", StatusPartial, func(tr *trace) []uint64 {
			tr.listener(8001, "tok1")
			tr.listener(8002, "tok2")
			s3 := tr.otp("tok1", "expired")
			tr.otp("tok2", "received")
			tr.listener(8002, "tok3")
			return ev(s3)
		}},
		{"C16", "every list to its total over one window", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.page("/cards/transactions", window, 0, 2, 3)
			s2 := tr.page("/cards/transactions", window, 2, 1, 3)
			s3 := tr.page("/cards/fees", window, 0, 1, 1)
			s4 := tr.page("/wallets/transactions", window, 0, 0, 0)
			return ev(s1, s2, s3, s4)
		}},
		{"C16", "pagination stopped early", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.page("/cards/transactions", window, 0, 2, 3)
			s2 := tr.page("/cards/fees", window, 0, 1, 1)
			s3 := tr.page("/wallets/transactions", window, 0, 0, 0)
			return ev(s1, s2, s3)
		}},
		{"C16", "pages skipped", StatusPartial, func(tr *trace) []uint64 {
			tr.page("/cards/transactions", window, 0, 2, 5)
			tr.page("/cards/transactions", window, 4, 1, 5)
			tr.page("/cards/fees", window, 0, 1, 1)
			tr.page("/wallets/transactions", window, 0, 0, 0)
			return nil
		}},
		{"C16", "fees over another window", StatusPartial, func(tr *trace) []uint64 {
			tr.page("/cards/transactions", window, 0, 1, 1)
			tr.page("/cards/fees", "after=1772323200&before=1772409999", 0, 1, 1)
			tr.page("/wallets/transactions", window, 0, 0, 0)
			return nil
		}},
		{"C16", "movements of one wallet only", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.page("/cards/transactions", window, 0, 1, 1)
			s2 := tr.page("/cards/fees", window, 0, 1, 1)
			tr.page("/wallets/transactions", window+"&walletId=3001", 0, 2, 2)
			return ev(s1, s2)
		}},
		{"C16", "transactions of one status only", StatusPartial, func(tr *trace) []uint64 {
			tr.page("/cards/transactions", window+"&status=2", 0, 1, 1)
			s2 := tr.page("/cards/fees", window, 0, 1, 1)
			s3 := tr.page("/wallets/transactions", window, 0, 0, 0)
			return ev(s2, s3)
		}},
		{"C16", "wallet movements not fetched", StatusPartial, func(tr *trace) []uint64 {
			tr.page("/cards/transactions", window, 0, 1, 1)
			tr.page("/cards/fees", window, 0, 1, 1)
			return nil
		}},
		{"C17", "every error code produced and handled", StatusMet, func(tr *trace) []uint64 {
			return tr.allErrors()
		}},
		{"C17", "no 5xx seen", StatusPartial, func(tr *trace) []uint64 {
			tr.allErrors(500)
			return nil
		}},
		{"C18", "429 and 5xx retried properly", StatusMet, func(tr *trace) []uint64 {
			return tr.allErrors(400, 401, 403, 404, 409, 422)
		}},
		{"C18", "429 retried too soon", StatusViolated, func(tr *trace) []uint64 {
			s1 := tr.call("GET", "/cards", 429, "", `{"status":"error"}`, withHeader("Retry-After", "5"))
			s2 := tr.call("GET", "/cards", 200, "", `{"status":"success","items":[]}`)
			tr.allErrors(400, 401, 403, 404, 409, 422, 429)
			return ev(s1, s2)
		}},
		{"C18", "5xx only", StatusPartial, func(tr *trace) []uint64 {
			tr.allErrors(400, 401, 403, 404, 409, 422, 429)
			return nil
		}},
	}
}
