package coverage

// fundingCases cover the funding and spending rows C7–C12.
func fundingCases() []reqCase {
	return []reqCase{
		{"C7", "crypto deposit: ledger first, available later", StatusMet, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"rail":"crypto"`)
			tr.balance(8001, 0, 0)
			s4 := tr.balance(8001, 10000, 0)
			tr.balance(8001, 10000, 0)
			s6 := tr.balance(8001, 10000, 10000)
			return ev(s2, s4, s6)
		}},
		{"C7", "a deposit to another card in between", StatusMet, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"rail":"crypto"`)
			tr.deposit(8002, `,"rail":"crypto"`)
			s4 := tr.balance(8001, 10000, 0)
			s5 := tr.balance(8001, 10000, 10000)
			return ev(s2, s4, s5)
		}},
		{"C7", "available rise from a wallet transfer to the card", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"rail":"crypto"`)
			s3 := tr.balance(8001, 10000, 0)
			tr.toCard(8001, 10000)
			tr.balance(8001, 20000, 10000)
			return ev(s2, s3)
		}},
		{"C7", "ledger rose by another amount", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"rail":"crypto"`)
			tr.balance(8001, 2500, 0)
			tr.balance(8001, 2500, 2500)
			return ev(s2)
		}},
		{"C7", "both balances rose at once", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, "")
			tr.balance(8001, 10000, 10000)
			return ev(s2)
		}},
		{"C7", "polling that never saw available rise", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, "")
			s3 := tr.balance(8001, 10000, 0)
			tr.balance(8001, 10000, 0)
			tr.balance(8001, 10000, 0)
			return ev(s2, s3)
		}},
		{"C7", "instant clearing is not natural timing", StatusMissing, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			tr.deposit(8001, `,"clearing":"instant"`)
			tr.balance(8001, 10000, 0)
			tr.balance(8001, 10000, 10000)
			return nil
		}},
		{"C7", "balances of another card", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8002, 0, 0)
			tr.deposit(8001, "")
			tr.balance(8002, 10000, 0)
			tr.balance(8002, 10000, 10000)
			return nil
		}},
		{"C8", "exact deposit raised the balance", StatusMet, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"clearing":"instant"`)
			s3 := tr.balance(8001, 10000, 10000)
			return ev(s2, s3)
		}},
		{"C8", "the rise was a wallet transfer's", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"clearing":"instant"`)
			tr.toCard(8001, 10000)
			tr.balance(8001, 10000, 10000)
			return ev(s2)
		}},
		{"C8", "balance rose by another amount", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"clearing":"instant"`)
			tr.balance(8001, 5000, 5000)
			return ev(s2)
		}},
		{"C8", "balance never read before the deposit", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.deposit(8001, `,"clearing":"instant"`)
			tr.balance(8001, 10000, 10000)
			return ev(s1)
		}},
		{"C8", "balance rose before the deposit", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			tr.balance(8001, 10000, 10000)
			s3 := tr.deposit(8001, "")
			tr.balance(8001, 10000, 10000)
			return ev(s3)
		}},
		{"C9", "spend listed and debited", StatusMet, func(tr *trace) []uint64 {
			tr.balance(8001, 5000, 5000)
			s2 := tr.spend(8001, 1)
			s3 := tr.transactions("?cardId=8001", `{"cardId":8001,"transId":"5000001","status":1,"amount":"12.34"}`, 1)
			s4 := tr.balance(8001, 5000, 3766)
			return ev(s2, s3, s4)
		}},
		{"C9", "the list shows another card only", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 5000, 5000)
			tr.spend(8001, 1)
			tr.transactions("", `{"cardId":8002,"transId":"5000009","status":1}`, 1)
			tr.balance(8001, 5000, 3766)
			return nil
		}},
		{"C9", "declined spend", StatusMissing, func(tr *trace) []uint64 {
			tr.balance(8001, 5000, 5000)
			tr.spend(8001, 4)
			tr.transactions("?cardId=8001", `{"cardId":8001,"status":4}`, 1)
			return nil
		}},
		{"C10", "declined spend seen in the list", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.spend(8001, 4)
			s2 := tr.transactions("?cardId=8001&status=4", `{"cardId":8001,"transId":"5000001","status":4}`, 1)
			return ev(s1, s2)
		}},
		{"C10", "another declined transaction of the card listed", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.spend(8001, 4)
			tr.transactions("?cardId=8001&status=4", `{"cardId":8001,"transId":"4999990","status":4}`, 1)
			return ev(s1)
		}},
		{"C10", "the spend and a decline on two different items", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.spend(8001, 4)
			tr.transactions("?cardId=8001", `{"cardId":8001,"transId":"5000001","status":1},{"cardId":8002,"transId":"4999990","status":4}`, 2)
			return ev(s1)
		}},
		{"C10", "declined spend, list without a decline", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.spend(8001, 4)
			tr.transactions("?cardId=8001", `{"cardId":8001,"status":1}`, 1)
			return ev(s1)
		}},
		{"C10", "approved spend only", StatusMissing, func(tr *trace) []uint64 {
			tr.spend(8001, 1)
			tr.transactions("?cardId=8001", `{"cardId":8001,"status":4}`, 1)
			return nil
		}},
		{"C11", "registered, pending", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cardholders/10001/register-bank-account", 200, `{"senderAccountName":"J"}`, `{"status":"success","depositId":7001,"statusText":"pending"}`))
		}},
		{"C11", "registration refused", StatusPartial, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cardholders/10001/register-bank-account", 409, `{"senderAccountName":"J"}`, `{"status":"error","message":"cardholder 10001 is not approved"}`))
		}},
		{"C11-expiry", "expired, registered again", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/cardholders/10001/register-bank-account", 200, `{}`, `{"status":"success","depositId":7001,"statusText":"pending"}`)
			s2 := tr.call("POST", "/staging/bank-accounts/7001/expire", 200, "", `{"status":"success","depositId":7001,"statusText":"expired"}`)
			s3 := tr.call("POST", "/cardholders/10001/register-bank-account", 200, `{}`, `{"status":"success","depositId":7002,"statusText":"pending"}`)
			return ev(s1, s2, s3)
		}},
		{"C11-expiry", "expiry seen through the deposit record", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/cardholders/10001/register-bank-account", 200, `{}`, `{"status":"success","depositId":7001,"statusText":"pending"}`)
			tr.get("/staging/deposits/7001", `{"status":"success","depositId":7001,"statusText":"pending"}`)
			s3 := tr.get("/staging/deposits/7001", `{"status":"success","depositId":7001,"statusText":"expired"}`)
			s4 := tr.call("POST", "/cardholders/10001/register-bank-account", 200, `{}`, `{"status":"success","depositId":7002,"statusText":"pending"}`)
			return ev(s1, s3, s4)
		}},
		{"C11-expiry", "registered again for another cardholder", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/cardholders/10001/register-bank-account", 200, `{}`, `{"status":"success","depositId":7001,"statusText":"pending"}`)
			s2 := tr.call("POST", "/staging/bank-accounts/7001/expire", 200, "", `{"status":"success","depositId":7001,"statusText":"expired"}`)
			tr.call("POST", "/cardholders/10002/register-bank-account", 200, `{}`, `{"status":"success","depositId":7002,"statusText":"pending"}`)
			return ev(s1, s2)
		}},
		{"C11-expiry", "expiry of an unknown registration", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/cardholders/10001/register-bank-account", 200, `{}`, `{"status":"success","depositId":7001,"statusText":"pending"}`)
			tr.call("POST", "/staging/bank-accounts/7009/expire", 200, "", `{"status":"success","depositId":7009,"statusText":"expired"}`)
			tr.call("POST", "/cardholders/10001/register-bank-account", 200, `{}`, `{"status":"success","depositId":7002,"statusText":"pending"}`)
			return ev(s1)
		}},
		{"C12", "trace, ledger early, available after clearing", StatusMet, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.call("POST", "/cards/8001/bank-deposit", 200, `{"transactionAmount":25000}`, okBody)
			s3 := tr.balance(8001, 25000, 0)
			tr.wait(24 * 3600e9)
			s4 := tr.balance(8001, 25000, 25000)
			return ev(s2, s3, s4)
		}},
		{"C12", "available rise from a wallet transfer to the card", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.bankTrace(8001, 25000)
			s3 := tr.balance(8001, 25000, 0)
			tr.wait(24 * 3600e9)
			tr.toCard(8001, 25000)
			tr.balance(8001, 50000, 25000)
			return ev(s2, s3)
		}},
		{"C12", "ledger and available rose together", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.bankTrace(8001, 25000)
			tr.balance(8001, 25000, 25000)
			return ev(s2)
		}},
		{"C12", "not cleared yet", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.call("POST", "/cards/8001/bank-deposit", 200, `{"transactionAmount":25000}`, okBody)
			s3 := tr.balance(8001, 25000, 0)
			return ev(s2, s3)
		}},
		{"C12", "trace without an amount", StatusMissing, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			tr.call("POST", "/cards/8001/bank-deposit", 200, `{"transactionReference":"x"}`, okBody)
			tr.balance(8001, 25000, 0)
			return nil
		}},
	}
}
