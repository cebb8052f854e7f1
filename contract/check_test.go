package contract

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Valid request bodies, from the fact sheet's examples.
const (
	holderBody   = `{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com","gender":0,"nationality":"American","placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US","zipCode":"94105","callingCode":"001","cellNum":"4155550100","countryCallingCode":"US"}`
	virtualBody  = `{"nameOnCard":"JORDAN REYES","alias":"Travel","transactionLimit":50000,"callingCode":"001","countryCallingCode":"US","phoneNum":"4155550100","cellNum":"4155550100","emailAdr":"jordan@example.com"}`
	physicalBody = `{"nameOnCard":"JORDAN REYES","cardType":0}`
	bankBody     = `{"senderAccountName":"Jordan Reyes","senderAccountNumber":"GB33BUKB20201555555555","senderRoutingNumber":"BUKBGB22"}`
	transferBody = `{"sourceWalletId":3001,"destinationType":1,"destinationId":8001,"amount":2500,"description":"top-up"}`
	depositBody  = `{"cardId":8001,"amount":"100.00","rail":"crypto","chain":"evm","asset":"USDC","clearing":"natural","transactionReference":"ref-1"}`
	spendBody    = `{"amount":"12.34","merchantName":"Cafe de Flore","mcc":"5812","merchantCountry":"FR","merchantCurrency":"EUR","merchantAmount":"11.40","crossBorder":true,"fee":"0.25","outcome":"approve","clearing":"instant","description":"Lunch"}`
)

type reqCase struct {
	name                 string
	method, path, body   string
	want                 []string // "rule field" of the request findings; none for a valid call
	wantEndpoint, wantOp string
}

// requestCases returns, for every endpoint, a valid request and at least
// one invalid request per constraint kind the endpoint has (checked by
// TestRequestCasesCoverEveryConstraint).
func requestCases(t *testing.T) []reqCase {
	t.Helper()
	return []reqCase{
		{name: "list cardholders", method: "GET", path: "/cardholders?status=1&orderBy=lastName&sort=desc&limit=10&offset=0&before=1800000000"},
		{name: "list cardholders limit type", method: "GET", path: "/cardholders?limit=ten", want: []string{"type request.query.limit"}},
		{name: "list cardholders status enum", method: "GET", path: "/cardholders?status=9&sort=up", want: []string{"enum request.query.sort", "enum request.query.status"}},
		{name: "list cardholders limit range", method: "GET", path: "/cardholders?limit=201&offset=-1", want: []string{"range request.query.limit", "range request.query.offset"}},
		{name: "list cardholders after unseen", method: "GET", path: "/cardholders?after=yesterday"},

		{name: "create cardholder", method: "POST", path: "/cardholders", body: holderBody},
		{name: "create cardholder type", method: "POST", path: "/cardholders", body: with(t, holderBody, "gender", "0", "transactionLimit", 12.5),
			want: []string{"type request.body.gender", "type request.body.transactionLimit"}},
		{name: "create cardholder required", method: "POST", path: "/cardholders", body: with(t, holderBody, "firstName", nil, "dob", nil),
			want: []string{"required request.body.dob", "required request.body.firstName"}},
		{name: "create cardholder enum", method: "POST", path: "/cardholders", body: with(t, holderBody, "gender", 3, "sumsubEnabled", 2),
			want: []string{"enum request.body.gender", "enum request.body.sumsubEnabled"}},
		{name: "create cardholder length", method: "POST", path: "/cardholders", body: with(t, holderBody, "firstName", "J", "emailAdr", "a@b.c", "cellNum", "415555"),
			want: []string{"length request.body.cellNum", "length request.body.emailAdr", "length request.body.firstName"}},
		{name: "create cardholder calling code of one digit", method: "POST", path: "/cardholders", body: with(t, holderBody, "callingCode", "1", "placeOfBirth", "US", "country", "us"),
			want: []string{"pattern request.body.callingCode", "pattern request.body.country", "pattern request.body.placeOfBirth"}},
		{name: "create cardholder format", method: "POST", path: "/cardholders", body: with(t, holderBody, "dob", "14/05/1990"),
			want: []string{"format request.body.dob"}},
		{name: "create cardholder unknown field", method: "POST", path: "/cardholders", body: with(t, holderBody, "middleName", "Q"),
			want: []string{"unknown-field request.body.middleName"}},
		{name: "create cardholder no body", method: "POST", path: "/cardholders", want: []string{"required request.body"}},

		{name: "get cardholder", method: "GET", path: "/cardholders/10001"},
		{name: "get cardholder id type", method: "GET", path: "/cardholders/abc", want: []string{"type request.path.cardholderId"}},
		{name: "edit cardholder", method: "PUT", path: "/cardholders/10001", body: `{"lastName":"Smith","anything":1}`},
		{name: "edit cardholder id type", method: "PUT", path: "/cardholders/x1", body: `{}`, want: []string{"type request.path.cardholderId"}},
		{name: "delete cardholder", method: "DELETE", path: "/cardholders/10001"},
		{name: "delete cardholder id type", method: "DELETE", path: "/cardholders/1.5", want: []string{"type request.path.cardholderId"}},
		{name: "update cardholder", method: "PUT", path: "/cardholders/10001/update", body: `{"transactionLimit":100000,"callingCode":"1","countryCallingCode":"US","phoneNum":"4155550100","cellNum":"4155550100","emailAdr":"jordan@example.com"}`},
		{name: "update cardholder type", method: "PUT", path: "/cardholders/10001/update", body: `{"transactionLimit":"100"}`, want: []string{"type request.body.transactionLimit"}},
		{name: "update cardholder length", method: "PUT", path: "/cardholders/10001/update", body: `{"phoneNum":"123"}`, want: []string{"length request.body.phoneNum"}},
		{name: "update cardholder pattern", method: "PUT", path: "/cardholders/10001/update", body: `{"callingCode":"0001","countryCallingCode":"USA"}`,
			want: []string{"pattern request.body.callingCode", "pattern request.body.countryCallingCode"}},
		{name: "update cardholder unknown field", method: "PUT", path: "/cardholders/10001/update", body: `{"firstName":"J"}`, want: []string{"unknown-field request.body.firstName"}},
		{name: "update cardholder id type", method: "PUT", path: "/cardholders/-/update", body: `{}`, want: []string{"type request.path.cardholderId"}},
		{name: "kyc submit", method: "PUT", path: "/cardholders/10001/kyc-submit"},
		{name: "kyc submit id type", method: "PUT", path: "/cardholders/me/kyc-submit", want: []string{"type request.path.cardholderId"}},
		{name: "kyc refresh", method: "POST", path: "/cardholders/10001/kyc-url/refresh"},
		{name: "kyc refresh id type", method: "POST", path: "/cardholders/me/kyc-url/refresh", want: []string{"type request.path.cardholderId"}},
		{name: "register bank account", method: "POST", path: "/cardholders/10001/register-bank-account", body: bankBody},
		{name: "register bank account type", method: "POST", path: "/cardholders/10001/register-bank-account", body: with(t, bankBody, "senderAccountNumber", 12345678),
			want: []string{"type request.body.senderAccountNumber"}},
		{name: "register bank account required", method: "POST", path: "/cardholders/10001/register-bank-account", body: with(t, bankBody, "senderRoutingNumber", nil),
			want: []string{"required request.body.senderRoutingNumber"}},
		{name: "register bank account length", method: "POST", path: "/cardholders/10001/register-bank-account", body: with(t, bankBody, "senderAccountNumber", "123", "senderAccountName", strings.Repeat("x", 51)),
			want: []string{"length request.body.senderAccountName", "length request.body.senderAccountNumber"}},
		{name: "register bank account unknown field", method: "POST", path: "/cardholders/10001/register-bank-account", body: with(t, bankBody, "iban", "x"),
			want: []string{"unknown-field request.body.iban"}},
		{name: "register bank account id type", method: "POST", path: "/cardholders/x/register-bank-account", body: bankBody, want: []string{"type request.path.cardholderId"}},
		{name: "register wallet address", method: "POST", path: "/cardholders/10001/register-wallet-address", body: `{"address":"short"}`},
		{name: "register wallet address id type", method: "POST", path: "/cardholders/x/register-wallet-address", body: `{}`, want: []string{"type request.path.cardholderId"}},

		{name: "issue virtual", method: "POST", path: "/cards/virtual/10001", body: virtualBody},
		{name: "issue virtual type", method: "POST", path: "/cards/virtual/10001", body: with(t, virtualBody, "transactionLimit", "500"), want: []string{"type request.body.transactionLimit"}},
		{name: "issue virtual required", method: "POST", path: "/cards/virtual/10001", body: `{"alias":"x"}`, want: []string{"required request.body.nameOnCard"}},
		{name: "issue virtual length", method: "POST", path: "/cards/virtual/10001", body: with(t, virtualBody, "nameOnCard", strings.Repeat("N", 27)), want: []string{"length request.body.nameOnCard"}},
		{name: "issue virtual pattern", method: "POST", path: "/cards/virtual/10001", body: with(t, virtualBody, "callingCode", "44", "cellNum", "415-555-0100"),
			want: []string{"pattern request.body.callingCode", "pattern request.body.cellNum"}},
		{name: "issue virtual unknown field", method: "POST", path: "/cards/virtual/10001", body: with(t, virtualBody, "cardType", 0), want: []string{"unknown-field request.body.cardType"}},
		{name: "issue virtual id type", method: "POST", path: "/cards/virtual/x", body: virtualBody, want: []string{"type request.path.cardholderId"}},
		{name: "issue physical", method: "POST", path: "/cards/assign/10001", body: physicalBody},
		{name: "issue physical type", method: "POST", path: "/cards/assign/10001", body: `{"nameOnCard":"J","cardType":"0"}`, want: []string{"type request.body.cardType"}},
		{name: "issue physical required", method: "POST", path: "/cards/assign/10001", body: `{"nameOnCard":"J"}`, want: []string{"required request.body.cardType"}},
		{name: "issue physical enum", method: "POST", path: "/cards/assign/10001", body: `{"nameOnCard":"J","cardType":6}`, want: []string{"enum request.body.cardType"}},
		{name: "issue physical length", method: "POST", path: "/cards/assign/10001", body: `{"nameOnCard":"","cardType":0}`, want: []string{"length request.body.nameOnCard"}},
		{name: "issue physical pattern", method: "POST", path: "/cards/assign/10001", body: `{"nameOnCard":"J","cardType":0,"countryCallingCode":"gb"}`, want: []string{"pattern request.body.countryCallingCode"}},
		{name: "issue physical unknown field", method: "POST", path: "/cards/assign/10001", body: `{"nameOnCard":"J","cardType":0,"design":1}`, want: []string{"unknown-field request.body.design"}},
		{name: "issue physical id type", method: "POST", path: "/cards/assign/x", body: physicalBody, want: []string{"type request.path.cardholderId"}},

		{name: "list cards", method: "GET", path: "/cards?issuerCardStatus=1&cardholderId=10001&orderBy=createdDatetime&sort=asc&limit=200&offset=400"},
		{name: "list cards type", method: "GET", path: "/cards?cardholderId=abc", want: []string{"type request.query.cardholderId"}},
		{name: "list cards enum", method: "GET", path: "/cards?issuerCardStatus=5&orderBy=lastName", want: []string{"enum request.query.issuerCardStatus", "enum request.query.orderBy"}},
		{name: "list cards range", method: "GET", path: "/cards?limit=0", want: []string{"range request.query.limit"}},
		{name: "card transactions", method: "GET", path: "/cards/transactions?cardId=8001&cardholderId=10001&transId=5000001&status=2&type=1&orderBy=dateCreated&sort=desc&limit=200&offset=0&before=1767225600&after=1767139200"},
		{name: "card transactions type", method: "GET", path: "/cards/transactions?type=purchase", want: []string{"type request.query.type"}},
		{name: "card transactions enum", method: "GET", path: "/cards/transactions?status=6&orderBy=transId", want: []string{"enum request.query.orderBy", "enum request.query.status"}},
		{name: "card transactions range", method: "GET", path: "/cards/transactions?offset=-5", want: []string{"range request.query.offset"}},
		{name: "card transactions pattern", method: "GET", path: "/cards/transactions?after=2026-01-01", want: []string{"pattern request.query.after"}},
		{name: "card fees", method: "GET", path: "/cards/fees?cardId=8001&limit=200&offset=200&before=1767225600&after=1767139200"},
		{name: "card fees type", method: "GET", path: "/cards/fees?cardId=8001x", want: []string{"type request.query.cardId"}},
		{name: "card fees range", method: "GET", path: "/cards/fees?limit=1000", want: []string{"range request.query.limit"}},
		{name: "card fees pattern", method: "GET", path: "/cards/fees?before=-1", want: []string{"pattern request.query.before"}},
		{name: "get card", method: "GET", path: "/cards/8001"},
		{name: "get card id type", method: "GET", path: "/cards/8001abc", want: []string{"type request.path.cardId"}},
		{name: "card balance", method: "GET", path: "/cards/8001/balance"},
		{name: "card balance id type", method: "GET", path: "/cards/x/balance", want: []string{"type request.path.cardId"}},
		{name: "activate", method: "PUT", path: "/cards/8002/activate", body: `{"cardNumber":"[redacted:0123456789ab]","expMonth":5,"expYear":2029,"cvv":"[redacted:ba9876543210]","newPin":"[redacted:aaaaaaaaaaaa]"}`},
		{name: "activate id type", method: "PUT", path: "/cards/x/activate", body: `{}`, want: []string{"type request.path.cardId"}},
		{name: "activate no body", method: "PUT", path: "/cards/8002/activate", want: []string{"required request.body"}},
		{name: "block", method: "PUT", path: "/cards/8001/status", body: `{"newStatus":2}`},
		{name: "block type", method: "PUT", path: "/cards/8001/status", body: `{"newStatus":"2"}`, want: []string{"type request.body.newStatus"}},
		{name: "block required", method: "PUT", path: "/cards/8001/status", body: `{}`, want: []string{"required request.body.newStatus"}},
		{name: "block enum", method: "PUT", path: "/cards/8001/status", body: `{"newStatus":3}`, want: []string{"enum request.body.newStatus"}},
		{name: "block unknown field", method: "PUT", path: "/cards/8001/status", body: `{"newStatus":1,"reason":"lost"}`, want: []string{"unknown-field request.body.reason"}},
		{name: "block id type", method: "PUT", path: "/cards/x/status", body: `{"newStatus":2}`, want: []string{"type request.path.cardId"}},
		{name: "update card", method: "PUT", path: "/cards/8001/update", body: `{"alias":"Travel","transactionLimit":10000,"callingCode":"044","emailAdr":"jordan@example.com"}`},
		{name: "update card type", method: "PUT", path: "/cards/8001/update", body: `{"alias":7}`, want: []string{"type request.body.alias"}},
		{name: "update card length", method: "PUT", path: "/cards/8001/update", body: `{"emailAdr":"` + strings.Repeat("a", 45) + `@x.com"}`, want: []string{"length request.body.emailAdr"}},
		{name: "update card pattern", method: "PUT", path: "/cards/8001/update", body: `{"callingCode":"44"}`, want: []string{"pattern request.body.callingCode"}},
		{name: "update card unknown field", method: "PUT", path: "/cards/8001/update", body: `{"nameOnCard":"X"}`, want: []string{"unknown-field request.body.nameOnCard"}},
		{name: "update card id type", method: "PUT", path: "/cards/x/update", body: `{}`, want: []string{"type request.path.cardId"}},
		{name: "change pin", method: "PUT", path: "/cards/8001/pin", body: `{"currentPin":"[redacted:0123456789ab]","newPin":"[redacted:ba9876543210]"}`},
		{name: "change pin no body", method: "PUT", path: "/cards/8001/pin", want: []string{"required request.body"}},
		{name: "change pin id type", method: "PUT", path: "/cards/x/pin", body: `{}`, want: []string{"type request.path.cardId"}},
		{name: "card bank trace", method: "POST", path: "/cards/8001/bank-deposit", body: `{"transactionAmount":500000,"transactionReference":"8001","senderAccountName":"J"}`},
		{name: "card bank trace type", method: "POST", path: "/cards/8001/bank-deposit", body: `{"transactionAmount":"5000.00"}`, want: []string{"type request.body.transactionAmount"}},
		{name: "card bank trace id type", method: "POST", path: "/cards/x/bank-deposit", body: `{}`, want: []string{"type request.path.cardId"}},
		{name: "card chain assertion", method: "POST", path: "/cards/8001/deposit", body: `{"transactionHash":"0xabc"}`},
		{name: "card chain assertion id type", method: "POST", path: "/cards/x/deposit", body: `{}`, want: []string{"type request.path.cardId"}},

		{name: "list wallets", method: "GET", path: "/wallets?orderBy=name&sort=asc&limit=5&offset=5&after=0"},
		{name: "list wallets type", method: "GET", path: "/wallets?offset=first", want: []string{"type request.query.offset"}},
		{name: "list wallets enum", method: "GET", path: "/wallets?orderBy=balance", want: []string{"enum request.query.orderBy"}},
		{name: "list wallets range", method: "GET", path: "/wallets?limit=300", want: []string{"range request.query.limit"}},
		{name: "list wallets pattern", method: "GET", path: "/wallets?before=now", want: []string{"pattern request.query.before"}},
		{name: "create wallet", method: "POST", path: "/wallets", body: `{"name":"Treasury"}`},
		{name: "create wallet type", method: "POST", path: "/wallets", body: `{"name":1}`, want: []string{"type request.body.name"}},
		{name: "create wallet required", method: "POST", path: "/wallets", body: `{}`, want: []string{"required request.body.name"}},
		{name: "create wallet unknown field", method: "POST", path: "/wallets", body: `{"name":"T","currency":0}`, want: []string{"unknown-field request.body.currency"}},
		{name: "wallet transactions", method: "GET", path: "/wallets/transactions?cardId=8001&cardholderId=10001&before=1767225600&after=1767139200&limit=9999"},
		{name: "wallet transactions type", method: "GET", path: "/wallets/transactions?cardId=card", want: []string{"type request.query.cardId"}},
		{name: "wallet transactions pattern", method: "GET", path: "/wallets/transactions?after=1.5", want: []string{"pattern request.query.after"}},
		{name: "transfer", method: "POST", path: "/wallets/transfer", body: transferBody},
		{name: "transfer type", method: "POST", path: "/wallets/transfer", body: with(t, transferBody, "amount", "25.00"), want: []string{"type request.body.amount"}},
		{name: "transfer required", method: "POST", path: "/wallets/transfer", body: with(t, transferBody, "sourceWalletId", nil, "destinationType", nil),
			want: []string{"required request.body.destinationType", "required request.body.sourceWalletId"}},
		{name: "transfer enum", method: "POST", path: "/wallets/transfer", body: with(t, transferBody, "destinationType", 2), want: []string{"enum request.body.destinationType"}},
		{name: "transfer from a card", method: "POST", path: "/wallets/transfer", body: with(t, transferBody, "sourceCardId", 8001), want: []string{"unknown-field request.body.sourceCardId"}},
		{name: "get wallet", method: "GET", path: "/wallets/3001"},
		{name: "get wallet id type", method: "GET", path: "/wallets/main", want: []string{"type request.path.walletId"}},
		{name: "wallet bank deposit", method: "POST", path: "/wallets/3001/bank-deposit", body: `{"transactionAmount":100}`},
		{name: "wallet bank deposit type", method: "POST", path: "/wallets/3001/bank-deposit", body: `{"transactionReference":12}`, want: []string{"type request.body.transactionReference"}},
		{name: "wallet bank deposit id type", method: "POST", path: "/wallets/x/bank-deposit", body: `{}`, want: []string{"type request.path.walletId"}},
		{name: "wallet chain assertion", method: "POST", path: "/wallets/3001/deposit", body: `{"transactionHash":"0xabc","networkHint":"Ethereum"}`},
		{name: "wallet chain assertion id type", method: "POST", path: "/wallets/x/deposit", body: `{}`, want: []string{"type request.path.walletId"}},

		{name: "subscribe", method: "POST", path: "/otp/listeners", body: `{"cardId":8001,"webhookUrl":"https://hooks.example.com/3ds"}`},
		{name: "subscribe legacy", method: "POST", path: "/otp/listeners", body: `{"cardholderId":10001}`},
		{name: "subscribe type", method: "POST", path: "/otp/listeners", body: `{"cardId":"8001"}`, want: []string{"type request.body.cardId"}},
		{name: "subscribe neither key", method: "POST", path: "/otp/listeners", body: `{"webhookUrl":"https://hooks.example.com/3ds"}`, want: []string{"one-of request.body"}},
		{name: "subscribe no body", method: "POST", path: "/otp/listeners", want: []string{"required request.body"}},
		{name: "subscribe plain http", method: "POST", path: "/otp/listeners", body: `{"cardId":8001,"webhookUrl":"http://hooks.example.com/3ds"}`, want: []string{"pattern request.body.webhookUrl"}},
		{name: "subscribe format", method: "POST", path: "/otp/listeners", body: `{"cardId":8001,"webhookUrl":"https://exa mple.com/%zz"}`, want: []string{"format request.body.webhookUrl"}},
		{name: "subscribe unknown field", method: "POST", path: "/otp/listeners", body: `{"cardId":8001,"secretKey":"x"}`, want: []string{"unknown-field request.body.secretKey"}},
		{name: "unsubscribe", method: "DELETE", path: "/otp/listeners/abc123"},
		{name: "get otp", method: "GET", path: "/otp/abc123"},

		{name: "kyc validate", method: "POST", path: "/staging/kyc/validate", body: `{"cardholderId":10001,"result":"pass"}`},
		{name: "kyc validate type", method: "POST", path: "/staging/kyc/validate", body: `{"cardholderId":"10001","result":"pass"}`, want: []string{"type request.body.cardholderId"}},
		{name: "kyc validate required", method: "POST", path: "/staging/kyc/validate", body: `{"cardholderId":10001}`, want: []string{"required request.body.result"}},
		{name: "kyc validate enum", method: "POST", path: "/staging/kyc/validate", body: `{"cardholderId":10001,"result":"approve"}`, want: []string{"enum request.body.result"}},
		{name: "kyc validate unknown field", method: "POST", path: "/staging/kyc/validate", body: `{"cardholderId":10001,"result":"pass","reason":"x"}`, want: []string{"unknown-field request.body.reason"}},
		{name: "simulate deposit", method: "POST", path: "/staging/deposits", body: depositBody},
		{name: "simulate deposit type", method: "POST", path: "/staging/deposits", body: with(t, depositBody, "amount", 100), want: []string{"type request.body.amount"}},
		{name: "simulate deposit required", method: "POST", path: "/staging/deposits", body: with(t, depositBody, "amount", nil), want: []string{"required request.body.amount"}},
		{name: "simulate deposit enum", method: "POST", path: "/staging/deposits", body: with(t, depositBody, "rail", "wire", "chain", "tron"),
			want: []string{"enum request.body.chain", "enum request.body.rail"}},
		{name: "simulate deposit length", method: "POST", path: "/staging/deposits", body: with(t, depositBody, "asset", ""), want: []string{"length request.body.asset"}},
		{name: "simulate deposit pattern", method: "POST", path: "/staging/deposits", body: with(t, depositBody, "amount", "10.001"), want: []string{"pattern request.body.amount"}},
		{name: "simulate deposit range", method: "POST", path: "/staging/deposits", body: with(t, depositBody, "cardId", 0), want: []string{"range request.body.cardId"}},
		{name: "simulate deposit both targets", method: "POST", path: "/staging/deposits", body: with(t, depositBody, "walletId", 3001), want: []string{"one-of request.body"}},
		{name: "simulate deposit unknown field", method: "POST", path: "/staging/deposits", body: with(t, depositBody, "currency", "EUR"), want: []string{"unknown-field request.body.currency"}},
		{name: "get deposit", method: "GET", path: "/staging/deposits/7001"},
		{name: "get deposit id type", method: "GET", path: "/staging/deposits/x", want: []string{"type request.path.depositId"}},
		{name: "simulate spend", method: "POST", path: "/staging/cards/8001/spend", body: spendBody},
		{name: "simulate spend type", method: "POST", path: "/staging/cards/8001/spend", body: with(t, spendBody, "crossBorder", "yes"), want: []string{"type request.body.crossBorder"}},
		{name: "simulate spend required", method: "POST", path: "/staging/cards/8001/spend", body: `{"merchantName":"x"}`, want: []string{"required request.body.amount"}},
		{name: "simulate spend enum", method: "POST", path: "/staging/cards/8001/spend", body: with(t, spendBody, "outcome", "approved"), want: []string{"enum request.body.outcome"}},
		{name: "simulate spend length", method: "POST", path: "/staging/cards/8001/spend", body: with(t, spendBody, "description", strings.Repeat("d", 101)), want: []string{"length request.body.description"}},
		{name: "simulate spend pattern", method: "POST", path: "/staging/cards/8001/spend", body: with(t, spendBody, "mcc", "58", "merchantCurrency", "eur"),
			want: []string{"pattern request.body.mcc", "pattern request.body.merchantCurrency"}},
		{name: "simulate spend unknown field", method: "POST", path: "/staging/cards/8001/spend", body: with(t, spendBody, "merchant", "x"), want: []string{"unknown-field request.body.merchant"}},
		{name: "simulate spend id type", method: "POST", path: "/staging/cards/x/spend", body: spendBody, want: []string{"type request.path.cardId"}},
		{name: "3ds challenge", method: "POST", path: "/staging/cards/8001/3ds-challenge", body: `{"merchantName":"Shop","amount":"9.99","expiresInSeconds":300}`},
		{name: "3ds challenge type", method: "POST", path: "/staging/cards/8001/3ds-challenge", body: `{"expiresInSeconds":"300"}`, want: []string{"type request.body.expiresInSeconds"}},
		{name: "3ds challenge length", method: "POST", path: "/staging/cards/8001/3ds-challenge", body: `{"merchantName":""}`, want: []string{"length request.body.merchantName"}},
		{name: "3ds challenge pattern", method: "POST", path: "/staging/cards/8001/3ds-challenge", body: `{"amount":"9,99"}`, want: []string{"pattern request.body.amount"}},
		{name: "3ds challenge range", method: "POST", path: "/staging/cards/8001/3ds-challenge", body: `{"expiresInSeconds":3601}`, want: []string{"range request.body.expiresInSeconds"}},
		{name: "3ds challenge unknown field", method: "POST", path: "/staging/cards/8001/3ds-challenge", body: `{"code":"123456"}`, want: []string{"unknown-field request.body.code"}},
		{name: "3ds challenge id type", method: "POST", path: "/staging/cards/x/3ds-challenge", body: `{}`, want: []string{"type request.path.cardId"}},
		{name: "sensitive", method: "GET", path: "/staging/cards/8002/sensitive"},
		{name: "sensitive id type", method: "GET", path: "/staging/cards/x/sensitive", want: []string{"type request.path.cardId"}},
		{name: "confirm bank account", method: "POST", path: "/staging/bank-accounts/7001/confirm"},
		{name: "confirm bank account id type", method: "POST", path: "/staging/bank-accounts/x/confirm", want: []string{"type request.path.depositId"}},
		{name: "expire bank account", method: "POST", path: "/staging/bank-accounts/7001/expire"},
		{name: "expire bank account id type", method: "POST", path: "/staging/bank-accounts/x/expire", want: []string{"type request.path.depositId"}},
		{name: "faults", method: "POST", path: "/staging/faults", body: `{"status":503,"count":2}`},
		{name: "faults type", method: "POST", path: "/staging/faults", body: `{"status":"503"}`, want: []string{"type request.body.status"}},
		{name: "faults required", method: "POST", path: "/staging/faults", body: `{"count":2}`, want: []string{"required request.body.status"}},
		{name: "faults enum", method: "POST", path: "/staging/faults", body: `{"status":418}`, want: []string{"enum request.body.status"}},
		{name: "faults range", method: "POST", path: "/staging/faults", body: `{"status":500,"count":101}`, want: []string{"range request.body.count"}},
		{name: "faults unknown field", method: "POST", path: "/staging/faults", body: `{"status":500,"delay":1}`, want: []string{"unknown-field request.body.delay"}},
	}
}

func TestRequests(t *testing.T) {
	spec := Default()
	for _, tc := range requestCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			res := spec.Check(call(1, tc.method, tc.path, tc.body, 0, ""))
			if !res.Documented {
				t.Fatalf("%s %s: not matched to a described operation (%s)", tc.method, tc.path, res.Endpoint)
			}
			got := ruleFields(res, SideRequest)
			if diff := cmp.Diff(got, tc.want, cmpEmpty); diff != "" {
				t.Errorf("request findings (-got +want):\n%s\nfindings: %+v", diff, res.Findings)
			}
		})
	}
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })

// TestRequestCasesCoverEveryConstraint proves the table above has, for
// every described endpoint, a valid request and an invalid one for every
// kind of constraint the endpoint's parameters and body carry.
func TestRequestCasesCoverEveryConstraint(t *testing.T) {
	spec := Default()
	valid := map[string]bool{}
	broken := map[string]map[Rule]bool{}
	for _, tc := range requestCases(t) {
		res := spec.Check(call(1, tc.method, tc.path, tc.body, 0, ""))
		ep := res.Method + " " + res.Endpoint
		if len(tc.want) == 0 {
			valid[ep] = true
		}
		for _, f := range res.Findings {
			if broken[ep] == nil {
				broken[ep] = map[Rule]bool{}
			}
			broken[ep][f.Rule] = true
		}
	}
	for _, op := range spec.ops {
		ep := op.String()
		if !valid[ep] {
			t.Errorf("%s: no valid request in the table", ep)
		}
		for _, r := range op.requestRules() {
			if !broken[ep][r] {
				t.Errorf("%s: no request breaking a %s constraint", ep, r)
			}
		}
	}
}
