package coverage

import (
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

const ipRefusal = `{"status":"error","message":"No Authorised IPs configured"}`

// loop4xx makes a call answered status, then repeats it n times.
func (tr *trace) loop4xx(status, n int) []uint64 {
	var out []uint64
	for range n + 1 {
		out = append(out, tr.call("POST", "/cardholders", status, `{"firstName":"J"}`, `{"status":"error","message":"nope"}`))
	}
	return out
}

// errorCases cover the error-code list.
func errorCases() []reqCase {
	return []reqCase{
		{"E400", "malformed request corrected", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/cardholders", 400, `{"firstName":`, `{"status":"error","message":"malformed JSON"}`)
			tr.call("POST", "/cardholders", 200, fullCardholder, `{"status":"success","cardholderId":10001}`)
			return ev(s1)
		}},
		{"E400", "the same bad request sent in a loop", StatusViolated, func(tr *trace) []uint64 {
			return tr.loop4xx(400, 3)
		}},
		{"E400", "a 422 is not a 400", StatusMissing, func(tr *trace) []uint64 {
			tr.call("POST", "/cardholders", 422, `{}`, `{"status":"error","message":"firstName: required"}`)
			return nil
		}},
		{"E400", "repeats spread over minutes are not a loop", StatusMet, func(tr *trace) []uint64 {
			var out []uint64
			for range 4 {
				out = append(out, tr.call("POST", "/cardholders", 400, `{"firstName":`, `{"status":"error"}`))
				tr.wait(2 * time.Minute)
			}
			return out
		}},
		{"E401", "bad key refused once", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.failWith(401, "invalid API key"))
		}},
		{"E401", "bad key retried in a loop", StatusViolated, func(tr *trace) []uint64 {
			var out []uint64
			for range 4 {
				out = append(out, tr.failWith(401, "invalid API key"))
			}
			return out
		}},
		{"E401", "a 401 made up by the proxy", StatusMissing, func(tr *trace) []uint64 {
			tr.call("GET", "/cardholders", 401, "", `{"status":"error"}`, synthetic())
			return nil
		}},
		{"E403-ip", "allowlist refusal handled", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("GET", "/cardholders", 403, "", ipRefusal))
		}},
		{"E403-ip", "guard refusal is not the platform's 403", StatusMissing, func(tr *trace) []uint64 {
			tr.call("GET", "/cardholders", 403, "", "", refused("evidence-proxy is a staging evidence recorder: refusing to forward to production.api.axyscards.com"), withHost("production.api.axyscards.com"))
			return nil
		}},
		{"E403-ip", "a 403 for another reason", StatusMissing, func(tr *trace) []uint64 {
			tr.call("GET", "/cardholders", 403, "", `{"status":"error","message":"key not allowed for this program"}`)
			return nil
		}},
		{"E403-key", "bad key refused with 401", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.failWith(401, "invalid API key"))
		}},
		{"E403-key", "key refused with a 403 of its own", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("GET", "/cardholders", 403, "", `{"status":"error","message":"key not allowed for this program"}`))
		}},
		{"E403-key", "allowlist 403 only", StatusMissing, func(tr *trace) []uint64 {
			tr.call("GET", "/cardholders", 403, "", ipRefusal)
			return nil
		}},
		{"E404", "unknown id", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("GET", "/cardholders/999", 404, "", `{"status":"error","message":"cardholder 999 not found"}`))
		}},
		{"E404", "unknown id polled in a loop", StatusViolated, func(tr *trace) []uint64 {
			var out []uint64
			for range 4 {
				out = append(out, tr.call("GET", "/cardholders/999", 404, "", `{"status":"error"}`))
			}
			return out
		}},
		{"E404", "a 405 is not a 404", StatusMissing, func(tr *trace) []uint64 {
			tr.call("DELETE", "/cards/8001", 405, "", `{"status":"error"}`)
			return nil
		}},
		{"E409", "state conflict", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("PUT", "/cards/8001/activate", 409, `{}`, `{"status":"error","message":"card 8001 is virtual"}`))
		}},
		{"E409", "conflict repeated in a loop", StatusViolated, func(tr *trace) []uint64 {
			return tr.loop4xx(409, 3)
		}},
		{"E409", "twice is not a loop", StatusMet, func(tr *trace) []uint64 {
			return tr.loop4xx(409, 2)
		}},
		{"E422", "invalid value", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/cardholders", 422, `{"firstName":"J"}`, `{"status":"error","message":"firstName: must be 2 to 50 characters"}`))
		}},
		{"E422", "a 400 is not a 422", StatusMissing, func(tr *trace) []uint64 {
			tr.call("POST", "/cardholders", 400, `{"firstName":`, `{"status":"error"}`)
			return nil
		}},
		{"E429", "retried after Retry-After", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("GET", "/cards", 429, "", `{"status":"error"}`, withHeader("Retry-After", "2"))
			tr.wait(2 * time.Second)
			s2 := tr.call("GET", "/cards", 200, "", `{"status":"success","items":[]}`)
			return ev(s1, s2)
		}},
		{"E429", "retried sooner than Retry-After", StatusViolated, func(tr *trace) []uint64 {
			s1 := tr.call("GET", "/cards", 429, "", `{"status":"error"}`, withHeader("Retry-After", "5"))
			s2 := tr.call("GET", "/cards", 200, "", `{"status":"success","items":[]}`)
			return ev(s1, s2)
		}},
		{"E429", "never retried", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("GET", "/cards", 429, "", `{"status":"error"}`, withHeader("Retry-After", "2"))
			tr.wait(20 * time.Minute)
			tr.call("GET", "/cardholders", 200, "", `{"status":"success","items":[]}`)
			return ev(s1)
		}},
		{"E429", "the same call sent before the 429 arrived", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("GET", "/cards", 429, "", `{"status":"error"}`, withHeader("Retry-After", "2"), lasting(3*time.Second))
			tr.call("GET", "/cards", 200, "", `{"status":"success","items":[]}`)
			return ev(s1)
		}},
		{"E429", "retried with another body", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/wallets", 429, `{"name":"A"}`, `{"status":"error"}`, withHeader("Retry-After", "1"))
			tr.wait(2 * time.Second)
			tr.call("POST", "/wallets", 200, `{"name":"B"}`, `{"status":"success","walletId":3001}`)
			return ev(s1)
		}},
		{"E5xx", "retried with backoff until it worked", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/wallets", 503, `{"name":"A"}`, `{"status":"error"}`)
			tr.then(300 * time.Millisecond)
			s2 := tr.call("POST", "/wallets", 502, `{"name":"A"}`, `{"status":"error"}`)
			tr.then(time.Second)
			s3 := tr.call("POST", "/wallets", 200, `{"name":"A"}`, `{"status":"success","walletId":3001}`)
			return ev(s1, s2, s3)
		}},
		{"E5xx", "retried at once", StatusViolated, func(tr *trace) []uint64 {
			s1 := tr.call("GET", "/cards/8001", 500, "", `{"status":"error"}`)
			tr.then(20 * time.Millisecond)
			s2 := tr.card(8001, 1)
			return ev(s1, s2)
		}},
		{"E5xx", "duplicate side effect after a retry", StatusViolated, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/wallets/transfer", 503, `{"sourceWalletId":3001,"amount":1}`, `{"status":"error"}`)
			s2 := tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"amount":1}`, `{"status":"success","transId":90001}`)
			s3 := tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"amount":1}`, `{"status":"success","transId":90002}`)
			return ev(s1, s2, s3)
		}},
		{"E5xx", "registration asked again after its OTP expired", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.register(10001, 503, 0)
			s2 := tr.register(10001, 200, 7002)
			tr.call("POST", "/staging/bank-accounts/7002/expire", 200, "", `{"status":"success","depositId":7002,"statusText":"expired"}`)
			tr.get("/staging/deposits/7002", `{"status":"success","depositId":7002,"kind":"bank-account","statusText":"expired"}`)
			tr.register(10001, 200, 7003)
			return ev(s1, s2)
		}},
		{"E5xx", "OTP listener asked again after the OTP expired", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.call("POST", "/otp/listeners", 503, `{"cardId":8001}`, `{"status":"error"}`)
			s2 := tr.listener(8001, "tok1")
			tr.otp("tok1", "expired")
			tr.listener(8001, "tok2")
			return ev(s1, s2)
		}},
		{"E5xx", "registration duplicated while still pending", StatusViolated, func(tr *trace) []uint64 {
			s1 := tr.register(10001, 503, 0)
			s2 := tr.register(10001, 200, 7002)
			tr.get("/staging/deposits/7002", `{"status":"success","depositId":7002,"kind":"bank-account","statusText":"pending"}`)
			s4 := tr.register(10001, 200, 7003)
			return ev(s1, s2, s4)
		}},
		{"E5xx", "another registration expired", StatusViolated, func(tr *trace) []uint64 {
			s1 := tr.register(10001, 503, 0)
			s2 := tr.register(10001, 200, 7002)
			tr.call("POST", "/staging/bank-accounts/7009/expire", 200, "", `{"status":"success","depositId":7009,"statusText":"expired"}`)
			s4 := tr.register(10001, 200, 7003)
			return ev(s1, s2, s4)
		}},
		{"E5xx", "renewal retried after a 5xx, then duplicated", StatusViolated, func(tr *trace) []uint64 {
			s1 := tr.register(10001, 503, 0)
			s2 := tr.register(10001, 200, 7002)
			tr.call("POST", "/staging/bank-accounts/7002/expire", 200, "", `{"status":"success","depositId":7002,"statusText":"expired"}`)
			s4 := tr.register(10001, 502, 0)
			tr.then(3 * time.Second)
			s5 := tr.register(10001, 200, 7003)
			s6 := tr.register(10001, 200, 7004)
			return ev(s1, s2, s4, s5, s6)
		}},
		{"E5xx", "retries that did not back off", StatusPartial, func(tr *trace) []uint64 {
			tr.call("GET", "/cards/8001", 503, "", `{"status":"error"}`)
			tr.call("GET", "/cards/8001", 503, "", `{"status":"error"}`)
			tr.call("GET", "/cards/8001", 503, "", `{"status":"error"}`)
			tr.card(8001, 1)
			return nil
		}},
		{"E5xx", "a 502 made up by the proxy", StatusMissing, func(tr *trace) []uint64 {
			r := tr.call("GET", "/cards/8001", 502, "", `{"status":"error","error_kind":"connect_refused"}`, synthetic())
			tr.recs[r-1].Error = &evidence.CallError{Kind: evidence.ErrConnectRefused, Message: "connection refused"}
			tr.card(8001, 1)
			return nil
		}},
	}
}

// guardCases cover the going-live guard.
func guardCases() []reqCase {
	const refusal = "evidence-proxy is a staging evidence recorder: refusing to forward to production.api.axyscards.com"
	return []reqCase{
		{"G1", "staging call to production refused", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("POST", "/staging/kyc/validate", 403, `{}`, "", refused(refusal), withHost("production.api.axyscards.com")))
		}},
		{"G1", "staging call answered by production", StatusViolated, func(tr *trace) []uint64 {
			tr.call("POST", "/staging/kyc/validate", 403, `{}`, "", refused(refusal), withHost("production.api.axyscards.com"))
			s2 := tr.call("POST", "/staging/kyc/validate", 404, `{}`, `{"status":"error"}`, withHost("Production.API.axyscards.com."))
			return ev(s2)
		}},
		{"G1", "staging calls to staging only", StatusMissing, func(tr *trace) []uint64 {
			tr.validate(10001, "pass")
			return nil
		}},
		{"G1", "refusal of a production call outside /staging", StatusMissing, func(tr *trace) []uint64 {
			tr.call("GET", "/cardholders", 403, "", "", refused(refusal), withHost("production.api.axyscards.com"))
			return nil
		}},
		{"G2", "production call refused", StatusMet, func(tr *trace) []uint64 {
			return ev(tr.call("GET", "/cardholders", 403, "", "", refused(refusal), withHost("production.api.axyscards.com")))
		}},
		// A refused tunnel names no API path: no call of the catalogue, so
		// no evidence (the steps send a plain call through the proxy).
		{"G2", "production CONNECT refused", StatusMissing, func(tr *trace) []uint64 {
			s := tr.call("CONNECT", "", 403, "", "", refused(refusal))
			tr.recs[s-1].Request.URL = "production.api.axyscards.com:443"
			return nil
		}},
		{"G2", "production answered", StatusViolated, func(tr *trace) []uint64 {
			return ev(tr.get("/cardholders", `{"status":"success","items":[]}`, withHost("production.api.axyscards.com")))
		}},
		{"G2", "refusal of another host", StatusMissing, func(tr *trace) []uint64 {
			tr.call("GET", "/cardholders", 403, "", "", refused("evidence-proxy is a staging evidence recorder: refusing to forward to api.example.com: not an allowlisted staging host"), withHost("api.example.com"))
			return nil
		}},
	}
}

// register registers cardholder id's bank account, answered with status
// and, on success, the pending registration depositId.
func (tr *trace) register(id, status, depositID int) uint64 {
	body := `{"status":"error","message":"service temporarily unavailable"}`
	if status == 200 {
		body = `{"status":"success","depositId":` + itoa(depositID) + `,"statusText":"pending"}`
	}
	return tr.call("POST", "/cardholders/"+itoa(id)+"/register-bank-account", status,
		`{"senderAccountName":"Jordan Reyes","senderAccountNumber":"US12345678901234","senderRoutingNumber":"021000021"}`, body)
}
