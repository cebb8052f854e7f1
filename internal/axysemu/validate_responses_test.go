package axysemu

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// contractRun drives the emulator through a run that reaches every endpoint,
// keeping the records.
type contractRun struct {
	h    *harness
	recs []*evidence.Record
	// bad are the indexes of records whose request is malformed on
	// purpose.
	bad map[int]bool
}

// do sends a call and returns the decoded response body.
func (s *contractRun) do(method, target, body string) map[string]any {
	s.h.t.Helper()
	rec := s.h.exchange(method, target, body)
	s.recs = append(s.recs, rec)
	var out map[string]any
	_ = json.Unmarshal(rec.Response.Body.Bytes(), &out)
	return out
}

func (s *contractRun) malformed(method, target, body string) {
	s.bad[len(s.recs)] = true
	s.do(method, target, body)
}

func num(m map[string]any, key string) int64 {
	v, _ := m[key].(float64)
	return int64(v)
}

// run plays onboarding, issuance, the card lifecycle, funding, wallets,
// reconciliation, 3-D Secure, the simulation endpoints and error answers.
func (s *contractRun) run() {
	s.do("GET", "/v2/cardholders", "")
	holder := `{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com","gender":0,"nationality":"American","placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US","zipCode":"94105","callingCode":"001","cellNum":"4155550100","countryCallingCode":"US"}`
	id := num(s.do("POST", "/v2/cardholders", holder), "cardholderId")
	other := num(s.do("POST", "/v2/cardholders", holder), "cardholderId")
	hp := fmt.Sprintf("/v2/cardholders/%d", id)
	s.do("GET", hp, "")
	s.do("PUT", hp, `{"lastName":"Smith"}`)
	s.do("PUT", hp+"/update", `{"transactionLimit":2000000,"emailAdr":"jordan@example.org"}`)
	for range 10 {
		s.do("PUT", hp+"/kyc-submit", "")
		if num(s.do("GET", hp, ""), "status") == chUnderReview {
			break
		}
	}
	s.do("POST", hp+"/kyc-url/refresh", "")
	s.do("PUT", hp, `{"lastName":"Locked"}`) // 409: locked under review
	s.do("POST", "/v2/staging/kyc/validate", fmt.Sprintf(`{"cardholderId":%d,"result":"pass"}`, id))
	s.do("GET", "/v2/cardholders?status=1&orderBy=lastName&sort=desc&limit=10", "")

	bank := `{"senderAccountName":"Jordan Reyes","senderAccountNumber":"GB33BUKB20201555555555","senderRoutingNumber":"BUKBGB22"}`
	dep := num(s.do("POST", hp+"/register-bank-account", bank), "depositId")
	s.do("GET", fmt.Sprintf("/v2/staging/deposits/%d", dep), "")
	s.do("POST", fmt.Sprintf("/v2/staging/bank-accounts/%d/confirm", dep), "")
	dep2 := num(s.do("POST", hp+"/register-bank-account", bank), "depositId")
	s.do("POST", fmt.Sprintf("/v2/staging/bank-accounts/%d/expire", dep2), "")
	s.do("POST", hp+"/register-wallet-address", `{"address":"0x52908400098527886E0F7030069857D2E4169EE7","networkHint":"Ethereum"}`)

	card := num(s.do("POST", fmt.Sprintf("/v2/cards/virtual/%d", id), `{"nameOnCard":"JORDAN REYES","alias":"Travel"}`), "cardId")
	phys := num(s.do("POST", fmt.Sprintf("/v2/cards/assign/%d", id), `{"nameOnCard":"JORDAN REYES","cardType":0}`), "cardId")
	cp, pp := fmt.Sprintf("/v2/cards/%d", card), fmt.Sprintf("/v2/cards/%d", phys)
	s.do("GET", "/v2/cards?cardholderId="+itoa(id), "")
	s.do("GET", cp, "")
	s.do("GET", cp+"/balance", "")
	plastic := s.do("GET", fmt.Sprintf("/v2/staging/cards/%d/sensitive", phys), "")
	pan, _ := plastic["cardNumber"].(string)
	cvv, _ := plastic["cvv"].(string)
	s.do("PUT", pp+"/activate", fmt.Sprintf(`{"cardNumber":%s,"expMonth":%d,"expYear":%d,"cvv":%s,"newPin":4321}`,
		pan, num(plastic, "expMonth"), num(plastic, "expYear"), cvv))
	s.do("PUT", cp+"/status", `{"newStatus":2}`)
	s.do("PUT", cp+"/status", `{"newStatus":1}`)
	s.do("PUT", cp+"/update", `{"alias":"Daily","transactionLimit":100000}`)
	virtual := s.do("GET", fmt.Sprintf("/v2/staging/cards/%d/sensitive", card), "")
	vpan, _ := virtual["cardNumber"].(string)
	s.do("PUT", cp+"/pin", fmt.Sprintf(`{"currentPin":%q,"newPin":"2468"}`, vpan[len(vpan)-4:]))
	s.do("POST", cp+"/bank-deposit", `{"transactionAmount":50000,"transactionReference":"8001"}`)
	s.do("POST", cp+"/deposit", `{"transactionHash":"0x0123456789abcdef0123"}`)
	s.do("POST", "/v2/staging/deposits", fmt.Sprintf(`{"cardId":%d,"amount":"100.00","rail":"crypto","clearing":"instant"}`, card))
	s.do("POST", fmt.Sprintf("/v2/staging/cards/%d/spend", card), `{"amount":"12.34","merchantName":"Cafe de Flore","merchantCountry":"FR","merchantCurrency":"EUR","merchantAmount":"11.40"}`)
	s.do("POST", fmt.Sprintf("/v2/staging/cards/%d/spend", card), `{"amount":"5000.00"}`)
	s.do("GET", fmt.Sprintf("/v2/cards/transactions?cardId=%d&limit=200&offset=0", card), "")
	s.do("GET", fmt.Sprintf("/v2/cards/fees?cardId=%d&limit=200&offset=0", card), "")

	wallet := num(s.do("POST", "/v2/wallets", `{"name":"Treasury"}`), "walletId")
	wallet2 := num(s.do("POST", "/v2/wallets", `{"name":"Payroll"}`), "walletId")
	wp := fmt.Sprintf("/v2/wallets/%d", wallet)
	s.do("POST", "/v2/staging/deposits", fmt.Sprintf(`{"walletId":%d,"amount":"500.00","clearing":"instant"}`, wallet))
	s.do("POST", wp+"/bank-deposit", `{"transactionAmount":1000}`)
	s.do("POST", wp+"/deposit", `{"transactionHash":"0xfedcba9876543210fedc"}`)
	s.do("POST", "/v2/wallets/transfer", fmt.Sprintf(`{"sourceWalletId":%d,"destinationType":1,"destinationId":%d,"amount":2500}`, wallet, card))
	s.do("POST", "/v2/wallets/transfer", fmt.Sprintf(`{"sourceWalletId":%d,"destinationType":0,"destinationId":%d,"amount":500}`, wallet, wallet2))
	s.do("GET", "/v2/wallets", "")
	s.do("GET", wp, "")
	s.do("GET", fmt.Sprintf("/v2/wallets/transactions?cardId=%d", card), "")

	token, _ := s.do("POST", "/v2/otp/listeners", fmt.Sprintf(`{"cardId":%d}`, card))["token"].(string)
	s.do("GET", "/v2/otp/"+token, "")
	s.do("POST", fmt.Sprintf("/v2/staging/cards/%d/3ds-challenge", card), `{"merchantName":"Shop","amount":"9.99"}`)
	s.do("GET", "/v2/otp/"+token, "")
	s.do("DELETE", "/v2/otp/listeners/"+token, "")

	s.do("DELETE", fmt.Sprintf("/v2/cardholders/%d", other), "")
	s.do("POST", "/v2/staging/faults", `{"status":503,"count":1}`)
	s.do("GET", cp+"/balance", "") // 503 from the forced fault
	s.do("GET", "/v2/cards/999999", "")
	s.malformed("PUT", pp+"/status", `{"newStatus":9}`)
	s.malformed("POST", "/v2/cardholders", `{"firstName":"J"}`)
	s.malformed("POST", "/v2/wallets", `{"name":`)
	s.malformed("PUT", cp+"/status", `{"newStatus":"2"}`)
}

// TestResponsesFollowTheDescription: every answer the emulator gives in a
// run through all its endpoints, errors included, matches the description
// (zero response findings), and the run's own requests are clean except
// the malformed ones it sends on purpose.
func TestResponsesFollowTheDescription(t *testing.T) {
	spec := contract.Default()
	s := &contractRun{h: newHarness(t, Options{}), bad: map[int]bool{}}
	s.run()
	exercised, statuses := map[string]bool{}, map[int]bool{}
	for i, rec := range s.recs {
		res := spec.Check(rec)
		exercised[res.Method+" "+res.Endpoint] = true
		statuses[res.Status] = true
		for _, f := range res.Findings {
			if f.Side == contract.SideResponse {
				t.Errorf("%s %s → %d: response finding %s %s (%s): %s",
					rec.Request.Method, rec.Request.URL, rec.Response.Status, f.Field, f.Rule, f.Message, rec.Response.Body.Text)
			}
		}
		if res.HasViolation(contract.SideRequest) != s.bad[i] {
			t.Errorf("%s %s %s: request violations %v, malformed on purpose: %v",
				rec.Request.Method, rec.Request.URL, rec.Request.Body.Text, res.RequestViolations(), s.bad[i])
		}
	}
	for _, ep := range spec.Endpoints() {
		if !exercised[ep.String()] {
			t.Errorf("%s: not exercised by the run", ep)
		}
	}
	for _, st := range []int{200, 400, 404, 409, 422, 503} {
		if !statuses[st] {
			t.Errorf("no %d answer in the run; the error envelope is checked on those", st)
		}
	}
}
