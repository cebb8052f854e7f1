package coverage

// cardCases cover test-matrix rows 8–9 and the card rows C1–C6.
func cardCases() []reqCase {
	return []reqCase{
		{"row-8", "issued with addresses, active in the response", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.issueVirtual(10001, 8001, 200))
		}},
		{"row-8", "issued, active shown by a later read", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/cards/virtual/10001", 200, `{"nameOnCard":"J"}`, `{"status":"success","cardId":8001,"cryptoAddresses":[{"chain":"evm","address":"0xabc"}]}`)
			s2 := tr.card(8001, 1)
			return ev(s1, s2)
		}},
		{"row-8", "issued without deposit addresses", StatusMissing, func(tr *trace) []uint64 {
			tr.call("POST", "/cards/virtual/10001", 200, `{"nameOnCard":"J"}`, `{"status":"success","cardId":8001,"issuerCardStatus":1,"cryptoAddresses":[]}`)
			return nil
		}},
		{"row-8", "issued, status never seen", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/cards/virtual/10001", 200, `{"nameOnCard":"J"}`, `{"status":"success","cardId":8001,"cryptoAddresses":[{"chain":"evm","address":"0xabc"}]}`)
			tr.card(8002, 1)
			return ev(s1)
		}},
		{"row-9", "physical card not activated", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cards/assign/10001", 200, `{"nameOnCard":"J","cardType":0}`, `{"status":"success","cardId":8002,"type":"physical","issuerCardStatus":4,"cryptoAddresses":[]}`))
		}},
		{"row-9", "physical card shown active", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/cards/assign/10001", 200, `{"nameOnCard":"J","cardType":0}`, `{"status":"success","cardId":8002,"type":"physical"}`)
			tr.card(8002, 1)
			return ev(s1)
		}},
		{"row-9", "virtual card in status 4", StatusMissing, func(tr *trace) []uint64 {
			tr.call("POST", "/cards/virtual/10001", 200, `{"nameOnCard":"J"}`, `{"status":"success","cardId":8001,"issuerCardStatus":4}`)
			return nil
		}},
		{"C1", "seen not activated, activated, seen active", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.card(8002, 4)
			s2 := tr.call("PUT", "/cards/8002/activate", 200, `{"cardNumber":"[redacted:ab12]","newPin":"[redacted:cd34]"}`, `{"status":"success","cardId":8002,"issuerCardStatus":1}`)
			return ev(s1, s2)
		}},
		{"C1", "activation refused", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.card(8002, 4)
			tr.call("PUT", "/cards/8002/activate", 422, `{}`, `{"status":"error","message":"cvv: wrong"}`)
			tr.card(8002, 4)
			return ev(s1)
		}},
		{"C1", "activation of a card never seen in status 4", StatusMissing, func(tr *trace) []uint64 {
			tr.card(8001, 1)
			tr.call("PUT", "/cards/8001/activate", 200, `{}`, `{"status":"success","cardId":8001,"issuerCardStatus":1}`)
			return nil
		}},
		{"C2", "blocked and unblocked", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("PUT", "/cards/8001/status", 200, `{"newStatus":2}`, `{"status":"success","cardId":8001,"issuerCardStatus":2}`)
			s2 := tr.call("PUT", "/cards/8001/status", 200, `{"newStatus":1}`, `{"status":"success","cardId":8001,"issuerCardStatus":1}`)
			return ev(s1, s2)
		}},
		{"C2", "blocked only", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("PUT", "/cards/8001/status", 200, `{"newStatus":2}`, `{"status":"success","cardId":8001,"issuerCardStatus":2}`)
			return ev(s1)
		}},
		{"C2", "unblocked another card", StatusPartial, func(tr *trace) []uint64 {
			tr.call("PUT", "/cards/8001/status", 200, `{"newStatus":2}`, `{"status":"success","cardId":8001,"issuerCardStatus":2}`)
			tr.call("PUT", "/cards/8009/status", 200, `{"newStatus":1}`, `{"status":"success","cardId":8009,"issuerCardStatus":1}`)
			return nil
		}},
		{"C3", "status change refused on a card not activated", StatusMet, func(tr *trace) []uint64 {
			tr.card(8002, 4)
			return ev(tr.call("PUT", "/cards/8002/status", 409, `{"newStatus":2}`, `{"status":"error","message":"card 8002 status cannot change"}`))
		}},
		{"C3", "invalid new status refused", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("PUT", "/cards/8001/status", 422, `{"newStatus":3}`, `{"status":"error","message":"newStatus: must be 1 or 2"}`))
		}},
		{"C3", "valid status change accepted", StatusMissing, func(tr *trace) []uint64 {
			tr.card(8001, 1)
			tr.call("PUT", "/cards/8001/status", 200, `{"newStatus":2}`, `{"status":"success","cardId":8001,"issuerCardStatus":2}`)
			return nil
		}},
		{"C3", "valid change refused for another reason", StatusMissing, func(tr *trace) []uint64 {
			tr.card(8001, 1)
			tr.call("PUT", "/cards/8001/status", 429, `{"newStatus":2}`, `{"status":"error","message":"slow down"}`)
			return nil
		}},
		{"C4", "alias and limit updated, limit above the cardholder's refused", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("PUT", "/cards/8001/update", 200, `{"alias":"Travel"}`, okBody)
			s2 := tr.call("PUT", "/cards/8001/update", 200, `{"transactionLimit":50000}`, okBody)
			s3 := tr.call("PUT", "/cards/8001/update", 422, `{"transactionLimit":999999999}`, `{"status":"error","message":"transactionLimit: must not exceed the cardholder's limit"}`)
			return ev(s1, s2, s3)
		}},
		{"C4", "refused for another field", StatusPartial, func(tr *trace) []uint64 {
			tr.call("PUT", "/cards/8001/update", 200, `{"alias":"Travel","transactionLimit":50000}`, okBody)
			tr.call("PUT", "/cards/8001/update", 422, `{"alias":"an alias much too long for any card to carry it","transactionLimit":100}`, `{"status":"error","message":"alias: must be at most 50 characters"}`)
			return nil
		}},
		{"C5", "PIN changed", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("PUT", "/cards/8001/pin", 200, `{"currentPin":"[redacted:aa]","newPin":"[redacted:bb]"}`, okBody))
		}},
		{"C5", "PIN change refused", StatusPartial, func(tr *trace) []uint64 {
			return ev(tr.call("PUT", "/cards/8001/pin", 422, `{"currentPin":"[redacted:aa]","newPin":"[redacted:bb]"}`, `{"status":"error","message":"currentPin: wrong"}`))
		}},
		{"C6", "addresses read", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.card(8001, 1))
		}},
		{"C6", "card read without addresses", StatusMissing, func(tr *trace) []uint64 {
			tr.get("/cards/8001", `{"status":"success","cardId":8001,"issuerCardStatus":1,"cryptoAddresses":[]}`)
			return nil
		}},
		{"C6", "truncated card read", StatusMissing, func(tr *trace) []uint64 {
			tr.get("/cards/8001", `{"status":"success","cardId":8001,"issuerCardStatus":1,"cryptoAddr`, truncatedResponse())
			return nil
		}},
	}
}
