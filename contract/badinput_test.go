package contract

import (
	"net/http"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/google/go-cmp/cmp"
)

// TestBadInput: whatever a record holds, Check reports it and never
// crashes.
func TestBadInput(t *testing.T) {
	spec := Default()
	for _, tc := range []struct {
		name string
		rec  func() *evidence.Record
		want []string // "side rule field: message" of every finding
	}{
		{name: "request body not JSON", rec: func() *evidence.Record {
			return call(1, "POST", "/wallets", `name=Treasury`, 200, `{"status":"success","walletId":3001}`)
		}, want: []string{"request not-json request.body: is not JSON: syntax error at byte 0: invalid literal"}},
		{name: "request body truncated", rec: func() *evidence.Record {
			r := call(1, "POST", "/wallets", `{"name":"Treasu`, 200, `{"status":"success","walletId":3001}`)
			r.Request.Body.Size, r.Request.Body.Truncated = 1<<20, true
			return r
		}, want: []string{"request not-checked request.body: not checked: truncated (1048576 bytes on the wire, the first 15 recorded)"}},
		{name: "response body truncated", rec: func() *evidence.Record {
			r := call(1, "GET", "/cards/transactions", "", 200, `{"status":"success","items":[{"tr`)
			r.Response.Body.Truncated = true
			return r
		}, want: []string{"response not-checked response.body: not checked: truncated (33 bytes on the wire, the first 33 recorded)"}},
		{name: "content encoding not decoded", rec: func() *evidence.Record {
			r := call(1, "GET", "/cards/8001/balance", "", 200, "")
			r.Response.Body = evidence.NewBody([]byte{0x1f, 0x8b, 0x08}, 3, false)
			r.Response.Body.ContentEncoding, r.Response.Body.DecodeError = "gzip", "gzip: unexpected EOF"
			return r
		}, want: []string{"response not-checked response.body: not checked: the body's content encoding could not be decoded"}},
		{name: "binary response body", rec: func() *evidence.Record {
			r := call(1, "GET", "/cards/8001/balance", "", 200, "")
			r.Response.Body = evidence.NewBody([]byte{0xff, 0x00, 0x7b}, 3, false)
			return r
		}, want: []string{"response not-json response.body: is not JSON: syntax error at byte 0: invalid character looking for beginning of value"}},
		{name: "unknown request content type", rec: func() *evidence.Record {
			r := call(1, "POST", "/wallets", `{"name":"Treasury"}`, 200, `{"status":"success","walletId":3001}`)
			r.Request.Header.Set("Content-Type", "text/plain; charset=utf-8")
			return r
		}, want: []string{`request content-type request.header.Content-Type: is not described (application/json expected)`}},
		{name: "missing request content type", rec: func() *evidence.Record {
			r := call(1, "POST", "/wallets", `{"name":1}`, 200, `{"status":"success","walletId":3001}`)
			r.Request.Header.Del("Content-Type")
			return r
		}, want: []string{
			"request type request.body.name: must be string",
			"request content-type request.header.Content-Type: is missing (application/json expected)",
		}},
		{name: "HTML error page", rec: func() *evidence.Record {
			r := call(1, "GET", "/cards", "", 502, `<html><body>Bad gateway</body></html>`)
			r.Response.Header.Set("Content-Type", "text/html")
			return r
		}, want: []string{
			"response not-json response.body: is not JSON: syntax error at byte 0: invalid character looking for beginning of value",
			"response content-type response.header.Content-Type: is not described (application/json expected)",
		}},
		{name: "empty response body", rec: func() *evidence.Record {
			return call(1, "GET", "/cards/8001/balance", "", 200, "")
		}, want: []string{"response required response.body: a body is required"}},
		{name: "no response", rec: func() *evidence.Record {
			r := call(1, "GET", "/cards/8001/balance", "", 0, "")
			r.Error = &evidence.CallError{Kind: evidence.ErrTimeout, Message: "timeout awaiting response headers"}
			return r
		}, want: []string{"response not-checked response: not checked: no response (timeout)"}},
		{name: "proxy's own answer", rec: func() *evidence.Record {
			r := call(1, "GET", "https://production.api.axyscards.com/v2/cards", "", 403, `{"error":"production"}`)
			r.Response.Synthetic = true
			return r
		}, want: []string{"response not-checked response: not checked: the proxy's own answer, not the upstream's"}},
		{name: "undescribed status", rec: func() *evidence.Record {
			return call(1, "GET", "/cards/8001", "", 302, "")
		}, want: []string{"response status response.status: is not described (described: 2XX, 4XX, 5XX)"}},
		{name: "error envelope", rec: func() *evidence.Record {
			return call(1, "GET", "/cards/9", "", 404, `{"status":"failed","message":"card 9 not found"}`)
		}, want: []string{`response enum response.body.status: must be "error"`}},
		{name: "undocumented endpoint", rec: func() *evidence.Record {
			return call(1, "POST", "/accounts/1/sensitive", `{"x":1}`, 404, `{}`)
		}, want: []string{`request undocumented-endpoint request.url: the path is not in the description`}},
		{name: "undocumented method", rec: func() *evidence.Record {
			return call(1, "BREW", "/cards/8001", "", 405, `{}`)
		}, want: []string{`request undocumented-method request.method: the path is described, this method is not`}},
		{name: "query that does not parse", rec: func() *evidence.Record {
			return call(1, "GET", "/cards?limit=%zz", "", 200, `{"status":"success","items":[],"total":0,"limit":50,"offset":0}`)
		}, want: []string{"request not-checked request.query: not checked: the query does not parse"}},
		{name: "deep JSON", rec: func() *evidence.Record {
			deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
			return call(1, "POST", "/wallets", deep, 200, `{"status":"success","walletId":3001}`)
		}, want: []string{"request not-json request.body: is not JSON: nesting too deep"}},
		{name: "event record", rec: func() *evidence.Record {
			return &evidence.Record{Seq: 1, Kind: evidence.KindEvent, Event: &evidence.Event{Name: "card.blocked"}}
		}},
		{name: "empty record", rec: func() *evidence.Record { return &evidence.Record{} },
			want: []string{"request undocumented-endpoint request.url: the path is not in the description"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := spec.Check(tc.rec())
			var got []string
			for _, f := range res.Findings {
				got = append(got, string(f.Side)+" "+string(f.Rule)+" "+f.Field+": "+f.Message)
			}
			if diff := cmp.Diff(got, tc.want, cmpEmpty); diff != "" {
				t.Errorf("findings (-got +want):\n%s", diff)
			}
		})
	}
}

// TestSecretsNeverShown: a finding on a secret field shows "[masked]", and
// a redacted value is never judged (its original is unknown).
func TestSecretsNeverShown(t *testing.T) {
	spec := Default()
	body := `{"cardId":8001,"otpCode":"123456","apiKey":"sk_live_1","privateKey":"-----BEGIN"}`
	res := spec.Check(call(1, "POST", "/otp/listeners", body, 200, `{"status":"success","token":5}`))
	want := []string{
		"request.body.apiKey unknown-field [masked]",
		"request.body.otpCode unknown-field [masked]",
		"request.body.privateKey unknown-field [masked]",
		"response.body.token type [masked]",
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Field+" "+string(f.Rule)+" "+f.Value)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("findings (-got +want):\n%s", diff)
	}
	// A card number the recorder replaced inside an integer field is not a
	// type error; the sensitive endpoint's PAN is a redacted string.
	res = spec.Check(call(2, "GET", "/staging/cards/8002/sensitive", "", 200,
		`{"status":"success","cardId":8002,"cardNumber":"[redacted:0123456789ab]","cvv":"[redacted:ba9876543210]","expMonth":"[redacted:aaaaaaaaaaaa]","expYear":2029}`))
	if len(res.Findings) != 0 {
		t.Errorf("redacted values judged: %+v", res.Findings)
	}
	for _, f := range []string{"cvv", "newPin", "cardNumber", "code", "token", "PAN", "card_number", "x-api-key"} {
		if !secretName(f) {
			t.Errorf("secretName(%q) = false", f)
		}
	}
	for _, f := range []string{"callingCode", "countryCallingCode", "zipCode", "cardId", "shippingAddress", "description"} {
		if secretName(f) {
			t.Errorf("secretName(%q) = true; the value would be hidden for nothing", f)
		}
	}
	long := shown("request.body.note", `"`+strings.Repeat("é", 100)+`"`)
	if len(long) > MaxValueLen || !strings.HasSuffix(long, "...") {
		t.Errorf("shown(long) = %q (%d bytes), want at most %d bytes ending in ...", long, len(long), MaxValueLen)
	}
	_ = http.MethodGet
}
