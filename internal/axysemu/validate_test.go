package axysemu

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The emulator keeps its own hand-written checks (validate.go): they give
// the status codes (400 for what cannot be read, 422 for invalid values)
// and the field-first messages its clients and tests rely on. These tests
// prove they follow the one description of the API (contract.Default):
// on a corpus of valid and invalid requests for every endpoint, the
// emulator refuses a request (400 or 422) exactly when the description
// finds a request violation, except for the deviations listed, each with
// its reason; and every response the emulator gives matches the
// description.

// exchange sends a request to the emulator and returns it as the record
// the proxy would have made of it.
func (h *harness) exchange(method, target, body string) *evidence.Record {
	h.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("X-API-Key", testKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.emu.ServeHTTP(rec, req)
	return &evidence.Record{Kind: evidence.KindCall, Request: evidence.Request{
		Method: method, URL: "https://staging.api.axyscards.com" + target, Header: req.Header,
		Body: evidence.NewBody([]byte(body), int64(len(body)), false),
	}, Response: &evidence.Response{
		Status: rec.Code, Header: rec.Header(), Body: evidence.NewBody(rec.Body.Bytes(), int64(rec.Body.Len()), false),
	}}
}

// fixture is the world each agreement case runs in: ids of objects in the
// states that let validation, not state, decide.
type fixture struct {
	holder, draft, card, physical, wallet, deposit int64
}

func newFixture(h *harness) fixture {
	h.t.Helper()
	f := fixture{holder: h.approved(), draft: h.createCardholder()}
	f.card, f.physical = h.virtualCard(f.holder), h.physicalCard(f.holder)
	f.wallet = h.wallet("1000.00")
	f.deposit = h.call("POST", path("/v2/cardholders/%d/register-bank-account", f.holder),
		map[string]any{"senderAccountName": "J", "senderAccountNumber": "12345678", "senderRoutingNumber": "123456"}).must(h.t, 200).num("depositId")
	return f
}

// expand replaces {holder}, {draft}, {card}, {physical}, {wallet} and
// {deposit} in a path.
func (f fixture) expand(p string) string {
	return strings.NewReplacer("{holder}", itoa(f.holder), "{draft}", itoa(f.draft), "{card}", itoa(f.card),
		"{physical}", itoa(f.physical), "{wallet}", itoa(f.wallet), "{deposit}", itoa(f.deposit)).Replace(p)
}

type agreeCase struct {
	method, path, body string
	// deviation, when set, says why the emulator and the description judge
	// this request differently; the test then requires that they do.
	deviation string
}

// Reasons for the deviations.
const (
	devStricterDocs = "the description follows the stricter page where the docs disagree; the emulator tolerates the other reading, as staging may"
	devEmulatorOwn  = "the emulator's own limit where the docs give none; the description does not enforce guesses"
	devUnseen       = "the docs do not show this part (x-unseen): the emulator enforces its choice, the description nothing"
	devDocsRequired = "the docs mark the field required; the emulator defaults it"
	devState        = "the emulator also checks against the Program or the object (design slots, limits, balances)"
)

func agreeCases() []agreeCase {
	holder := `{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com","gender":0,"nationality":"American","placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US","zipCode":"94105","callingCode":"001","cellNum":"4155550100","countryCallingCode":"US"}`
	set := func(body, field, value string) string { // value is raw JSON; "" deletes
		return patch(body, field, value)
	}
	return []agreeCase{
		{method: "GET", path: "/v2/cardholders?status=1&orderBy=lastName&sort=desc&limit=10&offset=0"},
		{method: "GET", path: "/v2/cardholders?limit=ten"},
		{method: "GET", path: "/v2/cardholders?status=9"},
		{method: "GET", path: "/v2/cardholders?limit=201"},
		{method: "GET", path: "/v2/cardholders?sort=up"},
		{method: "GET", path: "/v2/cardholders?before=yesterday", deviation: devUnseen},

		{method: "POST", path: "/v2/cardholders", body: holder},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "gender", `"0"`)},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "firstName", "")},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "gender", "3")},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "sumsubEnabled", "2")},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "firstName", `"J"`)},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "emailAdr", `"a@b.c"`)},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "cellNum", `"415555"`)},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "placeOfBirth", `"US"`)},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "country", `"us"`)},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "dob", `"14/05/1990"`)},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "middleName", `"Q"`)},
		{method: "POST", path: "/v2/cardholders", body: `{"firstName":"Jordan"`},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "callingCode", `"1"`), deviation: devStricterDocs},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "callingCode", ""), deviation: devEmulatorOwn},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "lastName", `"R"`), deviation: devEmulatorOwn},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "adrLine1", `"`+strings.Repeat("a", 101)+`"`), deviation: devEmulatorOwn},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "dob", `"2999-01-01"`), deviation: devEmulatorOwn},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "emailAdr", `"jordan.example.com"`), deviation: devEmulatorOwn},
		{method: "POST", path: "/v2/cardholders", body: set(holder, "sumsubEnabled", "1"), deviation: devState},

		{method: "GET", path: "/v2/cardholders/{holder}"},
		{method: "GET", path: "/v2/cardholders/abc"},
		{method: "PUT", path: "/v2/cardholders/{draft}", body: `{"lastName":"Smith"}`},
		{method: "PUT", path: "/v2/cardholders/{draft}", body: `{"nickname":"Jo"}`, deviation: devUnseen},
		{method: "PUT", path: "/v2/cardholders/{draft}/update", body: `{"transactionLimit":100000,"callingCode":"44","phoneNum":"4155550100"}`},
		{method: "PUT", path: "/v2/cardholders/{draft}/update", body: `{"transactionLimit":"100"}`},
		{method: "PUT", path: "/v2/cardholders/{draft}/update", body: `{"phoneNum":"123"}`},
		{method: "PUT", path: "/v2/cardholders/{draft}/update", body: `{"countryCallingCode":"USA"}`},
		{method: "PUT", path: "/v2/cardholders/{draft}/update", body: `{"firstName":"J"}`},
		{method: "PUT", path: "/v2/cardholders/{draft}/update", body: `{"transactionLimit":0}`, deviation: devEmulatorOwn},
		{method: "PUT", path: "/v2/cardholders/{draft}/kyc-submit"},
		{method: "POST", path: "/v2/cardholders/{holder}/register-bank-account", body: `{"senderAccountName":"J","senderAccountNumber":"GB33BUKB20201555555555","senderRoutingNumber":"BUKBGB22"}`},
		{method: "POST", path: "/v2/cardholders/{holder}/register-bank-account", body: `{"senderAccountName":"J","senderAccountNumber":12345678,"senderRoutingNumber":"BUKBGB22"}`},
		{method: "POST", path: "/v2/cardholders/{holder}/register-bank-account", body: `{"senderAccountName":"J","senderAccountNumber":"12345678"}`},
		{method: "POST", path: "/v2/cardholders/{holder}/register-bank-account", body: `{"senderAccountName":"J","senderAccountNumber":"123","senderRoutingNumber":"BUKBGB22"}`},
		{method: "POST", path: "/v2/cardholders/{holder}/register-bank-account", body: `{"senderAccountName":"J","senderAccountNumber":"12345678","senderRoutingNumber":"BUKBGB22","iban":"x"}`},
		{method: "POST", path: "/v2/cardholders/{holder}/register-bank-account", body: `{"senderAccountName":"J","senderAccountNumber":"1234-5678","senderRoutingNumber":"BUKBGB22"}`, deviation: devEmulatorOwn},
		{method: "POST", path: "/v2/cardholders/{holder}/register-wallet-address", body: `{"address":"0x52908400098527886E0F7030069857D2E4169EE7"}`},
		{method: "POST", path: "/v2/cardholders/{holder}/register-wallet-address", body: `{"address":"short"}`, deviation: devUnseen},

		{method: "POST", path: "/v2/cards/virtual/{holder}", body: `{"nameOnCard":"JORDAN REYES","alias":"Travel","callingCode":"044","cellNum":"4155550100"}`},
		{method: "POST", path: "/v2/cards/virtual/{holder}", body: `{"nameOnCard":7}`},
		{method: "POST", path: "/v2/cards/virtual/{holder}", body: `{"alias":"x"}`},
		{method: "POST", path: "/v2/cards/virtual/{holder}", body: `{"nameOnCard":"` + strings.Repeat("N", 27) + `"}`},
		{method: "POST", path: "/v2/cards/virtual/{holder}", body: `{"nameOnCard":"J","cellNum":"415-555-0100"}`},
		{method: "POST", path: "/v2/cards/virtual/{holder}", body: `{"nameOnCard":"J","cardType":0}`},
		{method: "POST", path: "/v2/cards/virtual/{holder}", body: `{"nameOnCard":"J","callingCode":"44"}`, deviation: devStricterDocs},
		{method: "POST", path: "/v2/cards/virtual/{holder}", body: `{"nameOnCard":"J","transactionLimit":999999999}`, deviation: devState},
		{method: "POST", path: "/v2/cards/assign/{holder}", body: `{"nameOnCard":"JORDAN REYES","cardType":1}`},
		{method: "POST", path: "/v2/cards/assign/{holder}", body: `{"nameOnCard":"J","cardType":"0"}`},
		{method: "POST", path: "/v2/cards/assign/{holder}", body: `{"nameOnCard":"J","cardType":6}`},
		{method: "POST", path: "/v2/cards/assign/{holder}", body: `{"nameOnCard":"","cardType":0}`},
		{method: "POST", path: "/v2/cards/assign/{holder}", body: `{"nameOnCard":"J","cardType":0,"design":1}`},
		{method: "POST", path: "/v2/cards/assign/{holder}", body: `{"nameOnCard":"J"}`, deviation: devDocsRequired},
		{method: "POST", path: "/v2/cards/assign/{holder}", body: `{"nameOnCard":"J","cardType":2}`, deviation: devState},

		{method: "GET", path: "/v2/cards?issuerCardStatus=1&cardholderId={holder}&orderBy=createdDatetime&sort=asc&limit=200&offset=0"},
		{method: "GET", path: "/v2/cards?cardholderId=abc"},
		{method: "GET", path: "/v2/cards?issuerCardStatus=5"},
		{method: "GET", path: "/v2/cards?orderBy=lastName"},
		{method: "GET", path: "/v2/cards?limit=0"},
		{method: "GET", path: "/v2/cards/transactions?cardId={card}&status=2&type=1&orderBy=dateCreated&sort=desc&limit=200&offset=0&before=1900000000&after=1700000000"},
		{method: "GET", path: "/v2/cards/transactions?type=purchase"},
		{method: "GET", path: "/v2/cards/transactions?status=6"},
		{method: "GET", path: "/v2/cards/transactions?offset=-5"},
		{method: "GET", path: "/v2/cards/transactions?after=2026-01-01"},
		{method: "GET", path: "/v2/cards/transactions?orderBy=transId", deviation: devStricterDocs},
		{method: "GET", path: "/v2/cards/fees?cardId={card}&limit=200&offset=0"},
		{method: "GET", path: "/v2/cards/fees?limit=1000"},
		{method: "GET", path: "/v2/cards/fees?before=-1"},
		{method: "GET", path: "/v2/cards/{card}"},
		{method: "GET", path: "/v2/cards/8001abc"},
		{method: "GET", path: "/v2/cards/{card}/balance"},
		{method: "PUT", path: "/v2/cards/{physical}/activate", body: `{"cardNumber":1,"expMonth":1,"expYear":2029,"cvv":1,"newPin":1234}`, deviation: devUnseen},
		{method: "PUT", path: "/v2/cards/{card}/status", body: `{"newStatus":2}`},
		{method: "PUT", path: "/v2/cards/{card}/status", body: `{"newStatus":"2"}`},
		{method: "PUT", path: "/v2/cards/{card}/status", body: `{}`},
		{method: "PUT", path: "/v2/cards/{card}/status", body: `{"newStatus":3}`},
		{method: "PUT", path: "/v2/cards/{card}/status", body: `{"newStatus":1,"reason":"lost"}`},
		{method: "PUT", path: "/v2/cards/{card}/update", body: `{"alias":"Travel","transactionLimit":10000,"callingCode":"044","emailAdr":"jordan@example.com"}`},
		{method: "PUT", path: "/v2/cards/{card}/update", body: `{"alias":7}`},
		{method: "PUT", path: "/v2/cards/{card}/update", body: `{"emailAdr":"` + strings.Repeat("a", 45) + `@x.com"}`},
		{method: "PUT", path: "/v2/cards/{card}/update", body: `{"countryCallingCode":"gb"}`},
		{method: "PUT", path: "/v2/cards/{card}/update", body: `{"nameOnCard":"X"}`},
		{method: "PUT", path: "/v2/cards/{card}/update", body: `{"callingCode":"44"}`, deviation: devStricterDocs},
		{method: "PUT", path: "/v2/cards/{card}/pin", body: `{"currentPin":"12","newPin":"1234"}`, deviation: devUnseen},
		{method: "POST", path: "/v2/cards/{card}/bank-deposit", body: `{"transactionAmount":500000,"transactionReference":"ref"}`},
		{method: "POST", path: "/v2/cards/{card}/bank-deposit", body: `{"transactionAmount":"5000.00"}`},
		{method: "POST", path: "/v2/cards/{card}/bank-deposit", body: `{"note":"x"}`, deviation: devUnseen},
		{method: "POST", path: "/v2/cards/{card}/deposit", body: `{"transactionHash":"0x0123456789abcdef"}`},
		{method: "POST", path: "/v2/cards/{card}/deposit", body: `{"networkHint":"Ethereum"}`, deviation: devUnseen},

		{method: "GET", path: "/v2/wallets?orderBy=name&sort=asc&limit=5&offset=0"},
		{method: "GET", path: "/v2/wallets?orderBy=balance"},
		{method: "POST", path: "/v2/wallets", body: `{"name":"Treasury"}`},
		{method: "POST", path: "/v2/wallets", body: `{"name":1}`},
		{method: "POST", path: "/v2/wallets", body: `{}`},
		{method: "POST", path: "/v2/wallets", body: `{"name":"T","currency":0}`},
		{method: "POST", path: "/v2/wallets", body: `{"name":""}`, deviation: devEmulatorOwn},
		{method: "GET", path: "/v2/wallets/{wallet}"},
		{method: "GET", path: "/v2/wallets/main"},
		{method: "GET", path: "/v2/wallets/transactions?cardId={card}&before=1900000000"},
		{method: "GET", path: "/v2/wallets/transactions?cardId=card"},
		{method: "POST", path: "/v2/wallets/transfer", body: `{"sourceWalletId":{wallet},"destinationType":1,"destinationId":{card},"amount":2500,"description":"top-up"}`},
		{method: "POST", path: "/v2/wallets/transfer", body: `{"sourceWalletId":{wallet},"destinationType":1,"destinationId":{card},"amount":"25.00"}`},
		{method: "POST", path: "/v2/wallets/transfer", body: `{"destinationType":1,"destinationId":{card},"amount":2500}`},
		{method: "POST", path: "/v2/wallets/transfer", body: `{"sourceWalletId":{wallet},"destinationType":2,"destinationId":{card},"amount":2500}`},
		{method: "POST", path: "/v2/wallets/transfer", body: `{"sourceCardId":{card},"destinationType":0,"destinationId":{wallet},"amount":2500}`},
		{method: "POST", path: "/v2/wallets/transfer", body: `{"sourceWalletId":{wallet},"destinationType":1,"destinationId":{card},"amount":0}`, deviation: devEmulatorOwn},
		{method: "POST", path: "/v2/wallets/{wallet}/bank-deposit", body: `{"transactionAmount":100}`},
		{method: "POST", path: "/v2/wallets/{wallet}/bank-deposit", body: `{"transactionReference":12}`},
		{method: "POST", path: "/v2/wallets/{wallet}/deposit", body: `{"transactionHash":"0x0123456789abcdef"}`},

		{method: "POST", path: "/v2/otp/listeners", body: `{"cardId":{card},"webhookUrl":"https://hooks.example.com/3ds"}`},
		{method: "POST", path: "/v2/otp/listeners", body: `{"cardholderId":{holder}}`},
		{method: "POST", path: "/v2/otp/listeners", body: `{"cardId":"1"}`},
		{method: "POST", path: "/v2/otp/listeners", body: `{}`},
		{method: "POST", path: "/v2/otp/listeners", body: `{"cardId":{card},"secretKey":"x"}`},
		{method: "POST", path: "/v2/otp/listeners", body: `{"cardId":{card},"webhookUrl":"https://exa mple.com/%zz"}`},
		{method: "POST", path: "/v2/otp/listeners", body: `{"cardId":{card},"webhookUrl":"http://127.0.0.1:9/3ds"}`, deviation: devStricterDocs},
		{method: "POST", path: "/v2/otp/listeners", body: `{"cardId":{card},"cardholderId":{holder}}`, deviation: devEmulatorOwn},

		{method: "POST", path: "/v2/staging/kyc/validate", body: `{"cardholderId":{holder},"result":"pass"}`},
		{method: "POST", path: "/v2/staging/kyc/validate", body: `{"cardholderId":"1","result":"pass"}`},
		{method: "POST", path: "/v2/staging/kyc/validate", body: `{"cardholderId":{holder}}`},
		{method: "POST", path: "/v2/staging/kyc/validate", body: `{"cardholderId":{holder},"result":"approve"}`},
		{method: "POST", path: "/v2/staging/kyc/validate", body: `{"cardholderId":{holder},"result":"pass","x":1}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":{card},"amount":"100.00","rail":"crypto","chain":"evm","asset":"USDC","clearing":"natural","transactionReference":"r"}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":{card},"amount":100}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":{card}}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":{card},"amount":"1","rail":"wire"}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":{card},"amount":"1","asset":""}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":{card},"amount":"10.001"}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":0,"amount":"1"}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":{card},"walletId":{wallet},"amount":"1"}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"amount":"1"}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":{card},"amount":"1","currency":"EUR"}`},
		{method: "POST", path: "/v2/staging/deposits", body: `{"cardId":{card},"amount":"0.00"}`, deviation: devEmulatorOwn},
		{method: "POST", path: "/v2/staging/deposits", body: `{"walletId":{wallet},"amount":"1","rail":"crypto"}`, deviation: devState},
		{method: "GET", path: "/v2/staging/deposits/{deposit}"},
		{method: "POST", path: "/v2/staging/cards/{card}/spend", body: `{"amount":"1.00","merchantName":"Cafe","mcc":"5812","merchantCountry":"FR","merchantCurrency":"EUR","merchantAmount":"0.95","crossBorder":true,"fee":"0","outcome":"approve","clearing":"instant","description":"Lunch"}`},
		{method: "POST", path: "/v2/staging/cards/{card}/spend", body: `{"amount":"1.00","crossBorder":"yes"}`},
		{method: "POST", path: "/v2/staging/cards/{card}/spend", body: `{"merchantName":"x"}`},
		{method: "POST", path: "/v2/staging/cards/{card}/spend", body: `{"amount":"1.00","outcome":"approved"}`},
		{method: "POST", path: "/v2/staging/cards/{card}/spend", body: `{"amount":"1.00","description":"` + strings.Repeat("d", 101) + `"}`},
		{method: "POST", path: "/v2/staging/cards/{card}/spend", body: `{"amount":"1.00","mcc":"58"}`},
		{method: "POST", path: "/v2/staging/cards/{card}/spend", body: `{"amount":"1.00","merchant":"x"}`},
		{method: "POST", path: "/v2/staging/cards/{card}/3ds-challenge", body: `{"merchantName":"Shop","amount":"9.99","expiresInSeconds":300}`},
		{method: "POST", path: "/v2/staging/cards/{card}/3ds-challenge", body: `{"expiresInSeconds":"300"}`},
		{method: "POST", path: "/v2/staging/cards/{card}/3ds-challenge", body: `{"merchantName":""}`},
		{method: "POST", path: "/v2/staging/cards/{card}/3ds-challenge", body: `{"amount":"9,99"}`},
		{method: "POST", path: "/v2/staging/cards/{card}/3ds-challenge", body: `{"expiresInSeconds":3601}`},
		{method: "POST", path: "/v2/staging/cards/{card}/3ds-challenge", body: `{"code":"123456"}`},
		{method: "GET", path: "/v2/staging/cards/{physical}/sensitive"},
		{method: "POST", path: "/v2/staging/bank-accounts/{deposit}/confirm"},
		{method: "POST", path: "/v2/staging/bank-accounts/{deposit}/expire"},
		{method: "POST", path: "/v2/staging/faults", body: `{"status":503,"count":1}`},
		{method: "POST", path: "/v2/staging/faults", body: `{"status":"503"}`},
		{method: "POST", path: "/v2/staging/faults", body: `{"count":2}`},
		{method: "POST", path: "/v2/staging/faults", body: `{"status":418}`},
		{method: "POST", path: "/v2/staging/faults", body: `{"status":500,"count":101}`},
		{method: "POST", path: "/v2/staging/faults", body: `{"status":500,"delay":1}`},
	}
}

// patch sets field of a JSON object body to the raw JSON value (deleting
// it when value is empty).
func patch(body, field, value string) string {
	var out bytes.Buffer
	key := `"` + field + `":`
	if i := strings.Index(body, key); i >= 0 {
		end := i + len(key)
		depth, inStr := 0, false
		for ; end < len(body); end++ {
			c := body[end]
			if inStr {
				if c == '\\' {
					end++
				} else if c == '"' {
					inStr = false
				}
				continue
			}
			if c == '"' {
				inStr = true
			} else if c == '{' || c == '[' {
				depth++
			} else if c == '}' || c == ']' {
				if depth == 0 {
					break
				}
				depth--
			} else if c == ',' && depth == 0 {
				break
			}
		}
		if value == "" {
			if end < len(body) && body[end] == ',' {
				end++
			} else if i > 0 && body[i-1] == ',' {
				i--
			}
			return body[:i] + body[end:]
		}
		return body[:i] + key + value + body[end:]
	}
	if value == "" {
		return body
	}
	out.WriteString(strings.TrimSuffix(body, "}"))
	out.WriteString("," + key + value + "}")
	return out.String()
}

// TestValidationFollowsTheDescription: for every request of the corpus,
// the emulator refuses it as invalid (400 or 422) exactly when the
// description finds a request violation, or they differ for the reason
// the case names.
func TestValidationFollowsTheDescription(t *testing.T) {
	spec := contract.Default()
	exercised := map[string]bool{}
	for _, tc := range agreeCases() {
		h := newHarness(t, Options{})
		f := newFixture(h)
		target, body := f.expand(tc.path), f.expand(tc.body)
		rec := h.exchange(tc.method, target, body)
		res := spec.Check(rec)
		exercised[res.Method+" "+res.Endpoint] = true
		refused := rec.Response.Status == http.StatusBadRequest || rec.Response.Status == http.StatusUnprocessableEntity
		violates := res.HasViolation(contract.SideRequest)
		switch {
		case !res.Documented:
			t.Errorf("%s %s: not in the description", tc.method, target)
		case tc.deviation == "" && refused != violates:
			t.Errorf("%s %s %s: emulator %d %s, description violations %v: they must agree",
				tc.method, target, body, rec.Response.Status, rec.Response.Body.Text, res.RequestViolations())
		case tc.deviation != "" && refused == violates:
			t.Errorf("%s %s %s: listed as a deviation (%s) but both say refused=%v; remove the deviation",
				tc.method, target, body, tc.deviation, refused)
		}
	}
	for _, ep := range spec.Endpoints() {
		if !exercised[ep.String()] && !unexercisedByAgreement[ep.String()] {
			t.Errorf("%s: no request of the corpus", ep)
		}
	}
}

// unexercisedByAgreement are the endpoints without a request body or
// query to disagree on; TestResponsesFollowTheDescription calls them.
var unexercisedByAgreement = map[string]bool{
	"DELETE /cardholders/{cardholderId}":               true,
	"POST /cardholders/{cardholderId}/kyc-url/refresh": true,
	"DELETE /otp/listeners/{token}":                    true,
	"GET /otp/{token}":                                 true,
}
