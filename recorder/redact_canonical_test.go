package recorder

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

const testPAN = "4111111111111111"

// TestRedactEncodedURLs covers the leaks of card numbers and secrets in
// encoded URLs: each is replaced in its original encoding, whole, and the
// rest of the URL keeps its encoding.
func TestRedactEncodedURLs(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	fp := r.Fingerprint
	pan := fp(testPAN)
	tests := []struct {
		name, in, want string
	}{
		{"path with percent-encoded spaces", "/v2/cardholders/4111%201111%201111%201111", "/v2/cardholders/" + pan},
		{"path of percent-encoded digits", "/v2/cards/%34%31%31%31%31%31%31%31%31%31%31%31%31%31%31%31/x", "/v2/cards/" + pan + "/x"},
		{"path partly encoded", "https://h/v2/cards/41%31" + testPAN[3:] + "?limit=5", "https://h/v2/cards/" + pan + "?limit=5"},
		{"path encoded twice", "/v2/cards/4111%25201111%25201111%25201111", "/v2/cards/" + pan},
		{"path encoded three times", "/v2/cards/%252534" + testPAN[1:], "/v2/cards/" + pan},
		{"encoded four times is past the bound", "/v2/cards/%25252534" + testPAN[1:], "/v2/cards/%25252534" + testPAN[1:]},
		{"encoded dashes", "/v2/x/4111%2D1111%2D1111%2D1111/y%20z", "/v2/x/" + pan + "/y%20z"},
		{"card number as a query name", "/v2/x?4111111111111111=1&limit=5", "/v2/x?" + pan + "=1&limit=5"},
		{"encoded card number as a query name", "/v2/x?a=1&4111%201111%201111%201111=x", "/v2/x?a=1&" + pan + "=x"},
		{"card number as a bare query name", "/v2/x?4111111111111111", "/v2/x?" + pan},
		{"plus-grouped query value", "/v2/x?q=4111+1111+1111+1111&offset=0", "/v2/x?q=" + pan + "&offset=0"},
		{"encoded query value", "/v2/x?q=%34" + testPAN[1:], "/v2/x?q=" + pan},
		{"query value encoded twice", "/v2/x?q=4111%2B1111%2B1111%2B1111", "/v2/x?q=" + pan},
		{"encoded secret name", "/v2/x?p%69n=1234&x=%31", "/v2/x?p%69n=" + fp("1234") + "&x=%31"},
		{"bracketed name", "/v2/x?card[pin]=1234", "/v2/x?card[pin]=" + fp("1234")},
		{"encoded bracketed name", "/v2/x?card%5Bpin%5D=1234", "/v2/x?card%5Bpin%5D=" + fp("1234")},
		{"array name", "/v2/x?pin[]=1234&pin[]=5678", "/v2/x?pin[]=" + fp("1234") + "&pin[]=" + fp("5678")},
		{"indexed name", "/v2/x?card[0][cvv]=123", "/v2/x?card[0][cvv]=" + fp("123")},
		{"secret value is fingerprinted decoded", "/v2/x?otpValue=12%2034", "/v2/x?otpValue=" + fp("12 34")},
		{"grouped card under a secret name", "/v2/x?cardNumber=4111+1111+1111+1111", "/v2/x?cardNumber=" + pan},
		{"JSON in a query value", "/v2/x?filter=%7B%22pin%22%3A%221234%22%7D", "/v2/x?filter=" + url.QueryEscape(`{"pin":"`+fp("1234")+`"}`)},
		{"raw JSON in a query value", `/v2/x?filter={"pin":"1234"}`, `/v2/x?filter={"pin":"` + fp("1234") + `"}`},
		{"fragment parameters", "/cb#access_token=tok9&state=s", "/cb#access_token=" + fp("tok9") + "&state=s"},
		{"other encodings stay", "/v2/x%2Fy?name=Jo%C3%A3o+Silva&t=1720000000000", "/v2/x%2Fy?name=Jo%C3%A3o+Silva&t=1720000000000"},
		{"malformed escapes stay", "/v2/x?q=100%&r=%zz", "/v2/x?q=100%&r=%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := r.RedactURL(tt.in)
			if got != tt.want {
				t.Errorf("RedactURL(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again, n := r.RedactURL(got); again != got || n != 0 {
				t.Errorf("second RedactURL changed %q to %q (%d)", got, again, n)
			}
		})
	}
}

// TestRedactEncodedJSON covers card numbers and secrets hidden by JSON
// encodings: numbers in decimal or exponent form, string escapes, escaped
// keys, percent-encoding inside strings and URLs held by strings.
func TestRedactEncodedJSON(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	fp := r.Fingerprint
	q := func(s string) string { return `"` + fp(s) + `"` }
	pan := fp(testPAN)
	tests := []struct {
		name string
		body string
		want string
	}{
		{"decimal form", `{"n":4111111111111111.0}`, `{"n":` + q(testPAN) + `}`},
		{"exponent form", `{"n":4.111111111111111e15}`, `{"n":` + q(testPAN) + `}`},
		{"exponent zero", `{"n":4111111111111111e0}`, `{"n":` + q(testPAN) + `}`},
		{"negative exponent", `{"n":41111111111111110E-1}`, `{"n":` + q(testPAN) + `}`},
		{"negative", `{"n":-4111111111111111}`, `{"n":` + q(testPAN) + `}`},
		{"in an array", `[1, 4.111111111111111e+15, 2]`, `[1, ` + q(testPAN) + `, 2]`},
		{"non-integers and short ones stay", `{"a":4.1111111111111112e15,"b":0.4111111111111112,"c":1.5e3,"d":-12.25}`, `{"a":4.1111111111111112e15,"b":0.4111111111111112,"c":1.5e3,"d":-12.25}`},
		{"card digits in a fraction", `{"b":0.4111111111111111}`, `{"b":` + q(testPAN) + `}`},
		{"card digits in a token that is not a number", `{"b":4111111111111111-}`, `{"b":` + q(testPAN) + `}`},
		{"unicode-escaped digits", `{"n":"\u0034\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031"}`, `{"n":"` + pan + `"}`},
		{"escapes around it stay", `{"n":"a\n\u0034` + testPAN[1:] + `\tb"}`, `{"n":"a\n` + pan + `\tb"}`},
		{"percent-encoded in a string", `{"ref":"4111%201111%201111%201111"}`, `{"ref":"` + pan + `"}`},
		{"escaped secret key", `{"p\u0069n":"1234","ok":1}`, `{"p\u0069n":` + q("1234") + `,"ok":1}`},
		{"escaped card number key", `{"\u0034` + testPAN[1:] + `":{"limit":5}}`, `{"` + pan + `":{"limit":5}}`},
		{"escaped secret value", `{"pin":"\u0031234"}`, `{"pin":` + q("1234") + `}`},
		{"secret number in decimal form", `{"cvv":837.0,"pin":1234}`, `{"cvv":` + q("837") + `,"pin":` + q("1234") + `}`},
		{"URL with a secret parameter", `{"next":"https://h/v2/x?pin=1234&a=1"}`, `{"next":"https://h/v2/x?pin=` + fp("1234") + `&a=1"}`},
		{"escaped URL with a secret parameter", `{"next":"https:\/\/h\/v2\/x?pin=1234"}`, `{"next":"https://h/v2/x?pin=` + fp("1234") + `"}`},
		{"path in a string", `{"link":"/v2/cards/4111%201111%201111%201111?x=1"}`, `{"link":"/v2/cards/` + pan + `?x=1"}`},
		{"extended secret names", `{"pinNumber":"1111","otpValue":"222222","smsCode":"3","3dsCode":"4","verificationCode":"5","passcode":"6","pwd":"7","userPin":"8","confirmPin":"9"}`,
			`{"pinNumber":` + q("1111") + `,"otpValue":` + q("222222") + `,"smsCode":` + q("3") + `,"3dsCode":` + q("4") + `,"verificationCode":` + q("5") + `,"passcode":` + q("6") + `,"pwd":` + q("7") + `,"userPin":` + q("8") + `,"confirmPin":` + q("9") + `}`},
		{"near misses stay", `{"pinned":true,"spinner":"x","opinion":"y","tokenType":"Bearer","cardId":4111,"statusText":"pending","expiresAt":1720000000,"pinLength":4}`,
			`{"pinned":true,"spinner":"x","opinion":"y","tokenType":"Bearer","cardId":4111,"statusText":"pending","expiresAt":1720000000,"pinLength":4}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := r.redactJSON([]byte(tt.body), 0, false)
			if diff := cmp.Diff(tt.want, string(out)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if json.Valid([]byte(tt.body)) && !json.Valid(out) {
				t.Errorf("redaction made valid JSON invalid: %s", out)
			}
			if again, n := r.redactJSON(out, 0, false); n != 0 || string(again) != string(out) {
				t.Errorf("second redaction replaced %d: %s", n, again)
			}
		})
	}
}

func TestRedactEncodedForm(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	fp := r.Fingerprint
	body := "card%5Bpin%5D=1234&pin%5B%5D=5678&card[0][cvv]=123&pan=4111+1111+1111+1111&n=4111%2B1111%2B1111%2B1111&4111111111111111=x&name=Ada+L"
	want := "card%5Bpin%5D=" + fp("1234") + "&pin%5B%5D=" + fp("5678") + "&card[0][cvv]=" + fp("123") +
		"&pan=" + fp(testPAN) + "&n=" + fp(testPAN) + "&" + fp(testPAN) + "=x&name=Ada+L"
	b := evidence.NewBody([]byte(body), int64(len(body)), false)
	if n := r.redactBody(&b, "application/x-www-form-urlencoded", 0); n != 6 {
		t.Errorf("replaced %d, want 6", n)
	}
	if diff := cmp.Diff(want, b.Text); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
}

func TestRedactEncodedText(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	pan := r.Fingerprint(testPAN)
	b := evidence.NewBody([]byte("ref=4111%201111%201111%201111; 100% done; %41"), 0, false)
	r.redactBody(&b, "text/plain", 0)
	if want := "ref=" + pan + "; 100% done; %41"; b.Text != want {
		t.Errorf("text = %q, want %q", b.Text, want)
	}
}

func TestRedactHeaderNamesAndEncodings(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	fp := r.Fingerprint
	h := http.Header{
		"X-Card-Pin":       {"1234"},
		"X-Otp":            {"654321"},
		"X-Auth-Token":     {"tok-1"},
		"X_API_KEY":        {"k-2"},
		"X-Ref":            {"4111%201111%201111%201111"},
		"4111111111111111": {"v"},
		"X-Request-Id":     {"req-1"},
		"Public-Key-Pins":  {`pin-sha256="abc"`},
	}
	rec := &evidence.Record{Request: evidence.Request{URL: "/v2/x", Header: h}}
	n := r.Redact(rec)
	want := http.Header{
		"X-Card-Pin":      {fp("1234")},
		"X-Otp":           {fp("654321")},
		"X-Auth-Token":    {fp("tok-1")},
		"X_API_KEY":       {fp("k-2")},
		"X-Ref":           {fp(testPAN)},
		fp(testPAN):       {"v"},
		"X-Request-Id":    {"req-1"},
		"Public-Key-Pins": {`pin-sha256="abc"`},
	}
	if diff := cmp.Diff(want, rec.Request.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if n != 6 {
		t.Errorf("replaced %d, want 6", n)
	}
	if _, ok := h["4111111111111111"]; !ok {
		t.Error("the caller's header map was changed")
	}
}

// TestFingerprintsCorrelateAcrossEncodings checks that one card number
// gets one fingerprint in every encoding it is found in.
func TestFingerprintsCorrelateAcrossEncodings(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	want := r.Fingerprint(testPAN)
	rec := &evidence.Record{Request: evidence.Request{
		URL:    "/v2/x/4111%201111%201111%201111?q=4111+1111+1111+1111&%34" + testPAN[1:] + "=1",
		Header: http.Header{"X-Card": {"4111-1111-1111-1111"}},
		Body: evidence.NewBody([]byte(`{"a":4.111111111111111e15,"b":"\u0034`+testPAN[1:]+`","cardNumber":"4111 1111 1111 1111","c":-4111111111111111.0}`),
			0, false),
	}}
	r.Redact(rec)
	for what, got := range map[string]string{"url": rec.Request.URL, "header": rec.Request.Header.Get("X-Card"), "body": rec.Request.Body.Text} {
		if strings.Contains(got, "4111") {
			t.Errorf("%s still holds digits of the card: %s", what, got)
		}
		parts := strings.Split(got, "[redacted:")
		for _, p := range parts[1:] {
			if fp := "[redacted:" + p[:FingerprintHexLen+1]; fp != want {
				t.Errorf("%s: fingerprint %s, want %s (%s)", what, fp, want, got)
			}
		}
	}
	if c := strings.Count(rec.Request.URL, want); c != 3 {
		t.Errorf("url %s: want the fingerprint 3 times, got %d", rec.Request.URL, c)
	}
	if c := strings.Count(rec.Request.Body.Text, want); c != 4 {
		t.Errorf("body %s: want the fingerprint 4 times, got %d", rec.Request.Body.Text, c)
	}
}
