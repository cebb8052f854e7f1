package coverage

import (
	"strings"
	"time"
)

const fullCardholder = `{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com","gender":0,"nationality":"American",` +
	`"placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US",` +
	`"zipCode":"94105","callingCode":"001","cellNum":"4155550100","countryCallingCode":"US"}`

// checklistCases cover the launch checklist L1–L9.
func checklistCases() []reqCase {
	return []reqCase{
		{"L1", "created with every required field", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cardholders", 200, fullCardholder, `{"status":"success","cardholderId":10001}`))
		}},
		{"L1", "created without a date of birth", StatusPartial, func(tr *trace) []uint64 {
			body := strings.Replace(fullCardholder, `"dob":"1990-05-14",`, "", 1)
			return ev(tr.call("POST", "/cardholders", 200, body, `{"status":"success","cardholderId":10001}`))
		}},
		{"L1", "creation refused", StatusPartial, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cardholders", 422, fullCardholder, `{"status":"error","message":"dob: must be in the past"}`))
		}},
		{"L2", "submitted and approved", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.submit(10001, 200)
			tr.holder(10001, 3)
			s3 := tr.holder(10001, 1)
			return ev(s1, s3)
		}},
		{"L2", "submitted, declined", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.submit(10001, 200)
			tr.holder(10001, 2)
			return ev(s1)
		}},
		{"L2", "approval without a submission", StatusMissing, func(tr *trace) []uint64 {
			tr.holder(10001, 1)
			return nil
		}},
		{"L3", "polled until the status changed", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 3)
			tr.then(5 * time.Second)
			s2 := tr.holder(10001, 3)
			tr.then(10 * time.Second)
			s3 := tr.holder(10001, 1)
			return ev(s1, s2, s3)
		}},
		{"L3", "polling that never saw the change", StatusPartial, func(tr *trace) []uint64 {
			tr.pollHolder(10001, 3, backoff(5*time.Second, time.Minute, 6))
			return nil
		}},
		{"L3", "a read before and after, no loop", StatusPartial, func(tr *trace) []uint64 {
			tr.holder(10001, 3)
			tr.holder(10001, 1)
			return nil
		}},
		{"L3", "polling faster than allowed", StatusViolated, func(tr *trace) []uint64 {
			reads := tr.pollHolder(10001, 4, repeat(200*time.Millisecond, 4))
			return ev(reads[3], reads[4])
		}},
		{"L4", "virtual card issued", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.issueVirtual(10001, 8001, 200))
		}},
		{"L4", "issuance refused", StatusMissing, func(tr *trace) []uint64 {
			tr.issueVirtual(10001, 8001, 409)
			return nil
		}},
		{"L5", "physical card issued", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cards/assign/10001", 200, `{"nameOnCard":"J","cardType":0}`, `{"status":"success","cardId":8002,"issuerCardStatus":4}`))
		}},
		{"L5", "inactive design slot refused", StatusMissing, func(tr *trace) []uint64 {
			tr.call("POST", "/cards/assign/10001", 422, `{"nameOnCard":"J","cardType":4}`, `{"status":"error","message":"cardType: design slot 4 is not active"}`)
			return nil
		}},
		{"L6", "activated", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.card(8002, 4)
			s2 := tr.call("PUT", "/cards/8002/activate", 200, `{}`, `{"status":"success","cardId":8002,"issuerCardStatus":1}`)
			return ev(s1, s2)
		}},
		{"L6", "activated, never seen awaiting activation", StatusMissing, func(tr *trace) []uint64 {
			tr.call("PUT", "/cards/8002/activate", 200, `{}`, `{"status":"success","cardId":8002,"issuerCardStatus":1}`)
			return nil
		}},
		{"L6", "activation refused", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.card(8002, 4)
			tr.call("PUT", "/cards/8002/activate", 422, `{}`, `{"status":"error","message":"cvv: does not match the card"}`)
			return ev(s1)
		}},
		{"L7", "balance polled until it changed", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.balance(8001, 0, 0)
			s2 := tr.balance(8001, 0, 0)
			tr.then(4 * time.Second)
			s3 := tr.balance(8001, 10000, 0)
			return ev(s1, s2, s3)
		}},
		{"L7", "balance never changed", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			tr.balance(8001, 0, 0)
			tr.balance(8001, 0, 0)
			return nil
		}},
		{"L7", "balance read once per card", StatusMissing, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			tr.balance(8002, 10000, 0)
			return nil
		}},
		{"L8", "addresses confirmed", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.card(8001, 1))
		}},
		{"L8", "card read failed", StatusMissing, func(tr *trace) []uint64 {
			tr.call("GET", "/cards/8001", 404, "", `{"status":"error","message":"card 8001 not found"}`)
			return nil
		}},
		{"L9", "blocked and unblocked", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("PUT", "/cards/8001/status", 200, `{"newStatus":2}`, `{"status":"success","cardId":8001,"issuerCardStatus":2}`)
			s2 := tr.call("PUT", "/cards/8001/status", 200, `{"newStatus":1}`, `{"status":"success","cardId":8001,"issuerCardStatus":1}`)
			return ev(s1, s2)
		}},
		{"L9", "unblock refused", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("PUT", "/cards/8001/status", 200, `{"newStatus":2}`, `{"status":"success","cardId":8001,"issuerCardStatus":2}`)
			tr.call("PUT", "/cards/8001/status", 409, `{"newStatus":1}`, `{"status":"error","message":"closed"}`)
			return ev(s1)
		}},
	}
}

// checklistCases2 cover the launch checklist L10–L17.
func checklistCases2() []reqCase {
	return []reqCase{
		{"L10", "alias and limit in one update", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("PUT", "/cards/8001/update", 200, `{"alias":"Travel","transactionLimit":50000}`, okBody))
		}},
		{"L10", "alias only", StatusPartial, func(tr *trace) []uint64 {
			return ev(tr.call("PUT", "/cards/8001/update", 200, `{"alias":"Travel"}`, okBody))
		}},
		{"L10", "alias and limit in two updates of one card", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("PUT", "/cards/8001/update", 200, `{"alias":"Travel"}`, okBody)
			s2 := tr.call("PUT", "/cards/8001/update", 200, `{"transactionLimit":50000}`, okBody)
			return ev(s1, s2)
		}},
		{"L10", "alias of one card, limit of another", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("PUT", "/cards/8001/update", 200, `{"alias":"Travel"}`, okBody)
			tr.call("PUT", "/cards/8002/update", 200, `{"transactionLimit":50000}`, okBody)
			return ev(s1)
		}},
		{"L11", "PIN changed", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("PUT", "/cards/8002/pin", 200, `{"currentPin":"[redacted:aa]","newPin":"[redacted:bb]"}`, okBody))
		}},
		{"L11", "PIN change on a card not activated refused", StatusPartial, func(tr *trace) []uint64 {
			return ev(tr.call("PUT", "/cards/8002/pin", 409, `{}`, `{"status":"error","message":"card 8002 is not active"}`))
		}},
		{"L12", "bank account registered", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cardholders/10001/register-bank-account", 200, `{}`, `{"status":"success","depositId":7001,"statusText":"pending"}`))
		}},
		{"L12", "registration with a bad account number", StatusPartial, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cardholders/10001/register-bank-account", 422, `{}`, `{"status":"error","message":"senderAccountNumber: must be 7 to 34 characters"}`))
		}},
		{"L13", "trace notification sent", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cards/8001/bank-deposit", 200, `{"transactionAmount":25000}`, okBody))
		}},
		{"L13", "trace notification for an unknown card", StatusPartial, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cards/9999/bank-deposit", 404, `{}`, `{"status":"error","message":"card 9999 not found"}`))
		}},
		{"L14", "wallet created", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/wallets", 200, `{"name":"Treasury"}`, `{"status":"success","walletId":3001}`))
		}},
		{"L14", "wallet without a name refused", StatusPartial, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/wallets", 422, `{}`, `{"status":"error","message":"name: required"}`))
		}},
		{"L15", "wallet to card transfer", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"destinationType":1,"destinationId":8001,"amount":2500}`, `{"status":"success","transId":90001,"transStatus":1}`))
		}},
		{"L15", "wallet to wallet only", StatusPartial, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"destinationType":0,"destinationId":3002,"amount":2500}`, `{"status":"success","transId":90001,"transStatus":1}`))
		}},
		{"L16", "transactions and fees paged to the end", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.page("/cards/transactions", window, 0, 200, 450)
			s2 := tr.page("/cards/transactions", window, 200, 200, 450)
			s3 := tr.page("/cards/transactions", window, 400, 50, 450)
			s4 := tr.page("/cards/fees", window, 0, 3, 3)
			return ev(s1, s2, s3, s4)
		}},
		{"L16", "paged in descending order", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.page("/cards/transactions", window+"&sort=desc", 0, 2, 2)
			s2 := tr.page("/cards/fees", window+"&sort=desc", 0, 1, 1)
			return ev(s1, s2)
		}},
		{"L16", "lists narrowed by transId and authRefNum", StatusMissing, func(tr *trace) []uint64 {
			tr.get("/cards/transactions?cardId=8001&transId=5000003", `{"status":"success","items":[{"transId":"5000003","authRefNum":"662477817442","cardId":8001}],"total":1,"limit":50,"offset":0}`)
			tr.get("/cards/fees?authRefNum=359213868981&cardId=8001", `{"status":"success","items":[{"feeId":60001,"authRefNum":"359213868981","cardId":8001}],"total":1,"limit":50,"offset":0}`)
			return nil
		}},
		{"L16", "fees of one authRefNum over the window", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.page("/cards/transactions", window, 0, 3, 3)
			tr.page("/cards/fees", window+"&authRefNum=1", 0, 1, 1)
			return ev(s1)
		}},
		{"L16", "fees stopped early", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.page("/cards/transactions", window, 0, 3, 3)
			s2 := tr.page("/cards/fees", window, 0, 200, 450)
			s3 := tr.page("/cards/fees", window, 200, 200, 450)
			return ev(s1, s2, s3)
		}},
		{"L16", "first page truncated", StatusPartial, func(tr *trace) []uint64 {
			tr.page("/cards/transactions", window, 0, 3, 3)
			tr.page("/cards/fees", window, 0, 3, 3)
			tr.recs[len(tr.recs)-1].Response.Body.Truncated = true
			return nil
		}},
		{"L17", "subscribed and OTP received", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.listener(8001, "tok1")
			s2 := tr.otp("tok1", "received")
			return ev(s1, s2)
		}},
		{"L17", "subscribed and OTP read", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.listener(8001, "tok1")
			tr.otp("tok1", "pending")
			return ev(s1)
		}},
		{"L17", "OTP read for an unknown token", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.listener(8001, "tok1")
			tr.call("GET", "/otp/tok2", 404, "", `{"status":"error","message":"OTP listener tok2 not found"}`)
			return ev(s1)
		}},
	}
}
