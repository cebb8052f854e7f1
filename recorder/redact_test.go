package recorder

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

func TestRedactJSONBody(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{ExtraFields: []string{"merchantSecretRef"}})
	fp := r.Fingerprint
	q := func(s string) string { return `"` + fp(s) + `"` }
	const pemKey = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----"
	pemJSON, _ := json.Marshal(pemKey)
	tests := []struct {
		name  string
		url   string
		body  string
		want  string
		wantN int
	}{
		{
			name:  "activate body: PAN, CVV and PIN as integers",
			url:   "/v2/cards/9104/activate",
			body:  `{"cardNumber":4111111111111111,"expMonth":12,"expYear":2030,"cvv":123,"newPin":4321}`,
			want:  `{"cardNumber":` + q("4111111111111111") + `,"expMonth":12,"expYear":2030,"cvv":` + q("123") + `,"newPin":` + q("4321") + `}`,
			wantN: 3,
		},
		{
			name:  "pin change body",
			url:   "/v2/cards/9104/pin",
			body:  `{"currentPin":"1111","newPin":"2580"}`,
			want:  `{"currentPin":` + q("1111") + `,"newPin":` + q("2580") + `}`,
			wantN: 2,
		},
		{
			name:  "OTP response code on the OTP path",
			url:   "https://staging.api.axyscards.com/v2/otp/tok_abc",
			body:  `{"status":"received","code":"847291","expiresAt":1720000000}`,
			want:  `{"status":"received","code":` + q("847291") + `,"expiresAt":1720000000}`,
			wantN: 1,
		},
		{
			name:  "error code elsewhere stays readable",
			url:   "/v2/cards/1",
			body:  `{"status":"error","code":"card_not_found","callingCode":"044"}`,
			want:  `{"status":"error","code":"card_not_found","callingCode":"044"}`,
			wantN: 0,
		},
		{
			name:  "names match case- and separator-insensitively, at any depth",
			url:   "/v2/x",
			body:  `{"a":{"b":[{"CVV":"999","card_number":"5500 0055 5555 5559","Password":"hunter2"}]}}`,
			want:  `{"a":{"b":[{"CVV":` + q("999") + `,"card_number":` + q("5500005555555559") + `,"Password":` + q("hunter2") + `}]}}`,
			wantN: 3,
		},
		{
			name:  "names containing a secret word",
			url:   "/v2/x",
			body:  `{"newPassword":"p","webhookSigningSecret":"s","xApiKey":"k","accessTokenValue":"t"}`,
			want:  `{"newPassword":` + q("p") + `,"webhookSigningSecret":` + q("s") + `,"xApiKey":` + q("k") + `,"accessTokenValue":` + q("t") + `}`,
			wantN: 4,
		},
		{
			name:  "everything inside a secret object or array",
			url:   "/v2/x",
			body:  `{"privateKey":{"d":"abc","crv":"P-256","ok":true,"n":null},"pin":[1,"2"]}`,
			want:  `{"privateKey":{"d":` + q("abc") + `,"crv":` + q("P-256") + `,"ok":true,"n":null},"pin":[` + q("1") + `,` + q("2") + `]}`,
			wantN: 4,
		},
		{
			name:  "extra field",
			url:   "/v2/x",
			body:  `{"merchant_secret_ref":"m-1"}`,
			want:  `{"merchant_secret_ref":` + q("m-1") + `}`,
			wantN: 1,
		},
		{
			name:  "PAN-valued number under any name becomes a string",
			url:   "/v2/x",
			body:  `{"ref":378282246310005, "n":[6011000990139424]}`,
			want:  `{"ref":` + q("378282246310005") + `, "n":[` + q("6011000990139424") + `]}`,
			wantN: 2,
		},
		{
			name:  "PAN inside free text keeps the rest",
			url:   "/v2/x",
			body:  `{"note":"card 4111-1111-1111-1111 declined","alias":"x"}`,
			want:  `{"note":"card ` + fp("4111111111111111") + ` declined","alias":"x"}`,
			wantN: 1,
		},
		{
			name:  "PAN in a string with escapes",
			url:   "/v2/x",
			body:  `{"note":"line\n4111111111111111\t\"q\""}`,
			want:  `{"note":"line\n` + fp("4111111111111111") + `\t\"q\""}`,
			wantN: 1,
		},
		{
			name:  "PEM private key in a JSON string",
			url:   "/v2/x",
			body:  `{"cert":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----","k":` + string(pemJSON) + `}`,
			want:  `{"cert":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----","k":` + q(pemKey) + `}`,
			wantN: 1,
		},
		{
			name:  "ids, amounts, timestamps, masked numbers and near misses are kept",
			url:   "/v2/x",
			body:  `{"cardId":9104,"cardholderId":10532,"amount":150000,"ts":1720000000000,"maskedCardNumber":"411111******1111","bad":4111111111111112,"short":123456789012,"long":41111111111111111111,"zero":"0000000000000000","otpToken":"tok"}`,
			want:  `{"cardId":9104,"cardholderId":10532,"amount":150000,"ts":1720000000000,"maskedCardNumber":"411111******1111","bad":4111111111111112,"short":123456789012,"long":41111111111111111111,"zero":"0000000000000000","otpToken":"tok"}`,
			wantN: 0,
		},
		{
			name:  "body cut at the capture cap is still redacted",
			url:   "/v2/x",
			body:  `{"items":[{"cvv":"321","pan":"4111111111111111"},{"cvv":"4`,
			want:  `{"items":[{"cvv":` + q("321") + `,"pan":` + q("4111111111111111") + `},{"cvv":` + q("4") + ``,
			wantN: 3,
		},
		{
			name:  "card number as a key",
			url:   "/v2/x",
			body:  `{"4111111111111111":{"limit":5}}`,
			want:  `{` + q("4111111111111111") + `:{"limit":5}}`,
			wantN: 1,
		},
		{
			name:  "empty and null secrets are left alone",
			url:   "/v2/x",
			body:  `{"pin":"","cvv":null}`,
			want:  `{"pin":"","cvv":null}`,
			wantN: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &evidence.Record{Request: evidence.Request{Method: "POST", URL: tt.url,
				Body: evidence.NewBody([]byte(tt.body), int64(len(tt.body)), false)}}
			n := r.Redact(rec)
			if n != tt.wantN || rec.Redactions != tt.wantN {
				t.Errorf("Redact = %d (Redactions %d), want %d", n, rec.Redactions, tt.wantN)
			}
			if diff := cmp.Diff(tt.want, rec.Request.Body.Text); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if json.Valid([]byte(tt.body)) && !json.Valid([]byte(rec.Request.Body.Text)) {
				t.Errorf("redaction made valid JSON invalid: %s", rec.Request.Body.Text)
			}
		})
	}
}

func TestRedactLuhnInText(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	fp := r.Fingerprint
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"visa 16", "pan 4111111111111111.", "pan " + fp("4111111111111111") + "."},
		{"mastercard", "5500005555555559", fp("5500005555555559")},
		{"amex 15 grouped 4-6-5", "x 3782 822463 10005 y", "x " + fp("378282246310005") + " y"},
		{"13 digits", "a1234567890128b", "a" + fp("1234567890128") + "b"},
		{"19 digits", "4523839937000000015", fp("4523839937000000015")},
		{"dashes", "4111-1111-1111-1111", fp("4111111111111111")},
		{"after a date", "2024-01-15 4111111111111111", "2024-01-15 " + fp("4111111111111111")},
		{"two cards", "4111111111111111,5500005555555559", fp("4111111111111111") + "," + fp("5500005555555559")},
		{"luhn-valid ms timestamp is a casualty", "t=1720000000002", "t=" + fp("1720000000002")},
		{"luhn-invalid", "4111111111111112", "4111111111111112"},
		{"12 digits", "123456789012", "123456789012"},
		{"20 digits", "41111111111111111111", "41111111111111111111"},
		{"leading zero", "0000000000000000", "0000000000000000"},
		{"ms timestamp", "1720000000000", "1720000000000"},
		{"short groups", "1 2 3 4 5 6 7 8 9 0 1 2 6", "1 2 3 4 5 6 7 8 9 0 1 2 6"},
		{"uuid", "123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := r.RedactText(tt.in)
			if got != tt.want {
				t.Errorf("RedactText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactDisableLuhn(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{DisableLuhn: true})
	rec := &evidence.Record{Request: evidence.Request{URL: "/v2/x/4111111111111111",
		Body: evidence.NewBody([]byte(`{"ref":4111111111111111,"pan":"4111111111111111"}`), 0, false)}}
	r.Redact(rec)
	if rec.Request.URL != "/v2/x/4111111111111111" {
		t.Errorf("URL redacted with Luhn disabled: %s", rec.Request.URL)
	}
	want := `{"ref":4111111111111111,"pan":"` + r.Fingerprint("4111111111111111") + `"}`
	if rec.Request.Body.Text != want {
		t.Errorf("body = %s, want %s", rec.Request.Body.Text, want)
	}
}

func TestRedactHeaders(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{ExtraHeaders: []string{"x-webhook-signature"}})
	fp := r.Fingerprint
	reqHeader := http.Header{
		"X-Api-Key":           {"sk_live_abc"},
		"Authorization":       {"Bearer tok"},
		"Proxy-Authorization": {"Basic dXNlcjpwYXNz"},
		"Cookie":              {"session=s1"},
		"X-Webhook-Signature": {"sig"},
		"Content-Type":        {"application/json"},
		"X-Card":              {"4111111111111111"},
		"Referer":             {"https://app.example/pay?api_key=k1&x=1"},
	}
	respHeader := http.Header{"Set-Cookie": {"a=1", "b=2"}, "X-Request-Id": {"req-17"}}
	rec := &evidence.Record{
		Request:  evidence.Request{Method: "GET", URL: "/v2/cards", Header: reqHeader},
		Response: &evidence.Response{Status: 200, Header: respHeader},
	}
	origReq, origResp := reqHeader.Clone(), respHeader.Clone()
	n := r.Redact(rec)
	wantReq := http.Header{
		"X-Api-Key":           {fp("sk_live_abc")},
		"Authorization":       {fp("Bearer tok")},
		"Proxy-Authorization": {fp("Basic dXNlcjpwYXNz")},
		"Cookie":              {fp("session=s1")},
		"X-Webhook-Signature": {fp("sig")},
		"Content-Type":        {"application/json"},
		"X-Card":              {fp("4111111111111111")},
		"Referer":             {"https://app.example/pay?api_key=" + fp("k1") + "&x=1"},
	}
	if diff := cmp.Diff(wantReq, rec.Request.Header); diff != "" {
		t.Errorf("request header (-want +got):\n%s", diff)
	}
	wantResp := http.Header{"Set-Cookie": {fp("a=1"), fp("b=2")}, "X-Request-Id": {"req-17"}}
	if diff := cmp.Diff(wantResp, rec.Response.Header); diff != "" {
		t.Errorf("response header (-want +got):\n%s", diff)
	}
	if n != 9 {
		t.Errorf("Redact = %d, want 9", n)
	}
	if !cmp.Equal(origReq, reqHeader) || !cmp.Equal(origResp, respHeader) {
		t.Error("Redact modified the caller's header maps")
	}
}

func TestRedactURL(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	fp := r.Fingerprint
	tests := []struct {
		name, in, want string
	}{
		{"PAN in path", "https://h/v2/cards/by-pan/4111111111111111/x", "https://h/v2/cards/by-pan/" + fp("4111111111111111") + "/x"},
		{"secret query names", "/v2/x?api_key=k1&limit=200&cvv=123", "/v2/x?api_key=" + fp("k1") + "&limit=200&cvv=" + fp("123")},
		{"PAN in a query value", "/v2/x?q=4111111111111111&offset=0", "/v2/x?q=" + fp("4111111111111111") + "&offset=0"},
		{"escaped query name", "/v2/x?card%5Fnumber=4111%201111%201111%201111", "/v2/x?card%5Fnumber=" + fp("4111111111111111")},
		{"userinfo password", "https://user:pa55@h/v2", "https://user:" + fp("pa55") + "@h/v2"},
		{"userinfo token", "https://tok123@h/v2", "https://" + fp("tok123") + "@h/v2"},
		{"ids stay", "/v2/cards/9104/transactions?limit=200&offset=400&after=1720000000", "/v2/cards/9104/transactions?limit=200&offset=400&after=1720000000"},
		{"otp token path stays", "/v2/otp/tok_5f2a", "/v2/otp/tok_5f2a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := r.RedactURL(tt.in)
			if got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again, n := r.RedactURL(got); again != got || n != 0 {
				t.Errorf("second RedactURL changed %q to %q", got, again)
			}
		})
	}
}

func TestRedactOtherBodies(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	fp := r.Fingerprint
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"
	t.Run("form body", func(t *testing.T) {
		b := evidence.NewBody([]byte("user=a&password=s3cret&pan=4111111111111111"), 0, false)
		r.redactBody(&b, "application/x-www-form-urlencoded; charset=utf-8", 0)
		want := "user=a&password=" + fp("s3cret") + "&pan=" + fp("4111111111111111")
		if b.Text != want {
			t.Errorf("form body = %q, want %q", b.Text, want)
		}
	})
	t.Run("text with PEM and PAN", func(t *testing.T) {
		b := evidence.NewBody([]byte("key:\n"+pem+"\ncard 4111111111111111\n"), 0, false)
		r.redactBody(&b, "text/plain", 0)
		want := "key:\n" + fp(pem) + "\ncard " + fp("4111111111111111") + "\n"
		if b.Text != want {
			t.Errorf("text body = %q, want %q", b.Text, want)
		}
	})
	t.Run("unterminated PEM", func(t *testing.T) {
		cut := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAAS"
		b := evidence.NewBody([]byte("x "+cut), 0, true)
		r.redactBody(&b, "", 0)
		if want := "x " + fp(cut); b.Text != want {
			t.Errorf("body = %q, want %q", b.Text, want)
		}
	})
	t.Run("binary body", func(t *testing.T) {
		raw := append([]byte{0xff, 0xfe, 0x00}, []byte(" 4111111111111111 ")...)
		b := evidence.NewBody(raw, int64(len(raw)), false)
		if b.Base64 == "" {
			t.Fatal("test body should be binary")
		}
		r.redactBody(&b, "application/octet-stream", 0)
		got, _ := base64.StdEncoding.DecodeString(b.Base64)
		want := append([]byte{0xff, 0xfe, 0x00}, []byte(" "+fp("4111111111111111")+" ")...)
		if string(got) != string(want) {
			t.Errorf("binary body = %q, want %q", got, want)
		}
	})
}

func TestRedactErrorMessage(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	orig := &evidence.CallError{Kind: evidence.ErrTimeout,
		Message: `Get "https://h/v2/x?apiKey=k9&pan=4111111111111111": context deadline exceeded`}
	rec := &evidence.Record{Error: orig}
	r.Redact(rec)
	want := `Get "https://h/v2/x?apiKey=` + r.Fingerprint("k9") + `&pan=` + r.Fingerprint("4111111111111111") + `": context deadline exceeded`
	if rec.Error.Message != want {
		t.Errorf("message = %q, want %q", rec.Error.Message, want)
	}
	if strings.Contains(rec.Error.Message, "k9&") || orig.Message == want {
		t.Error("caller's CallError was modified or secret kept")
	}
}

func TestFingerprintCorrelation(t *testing.T) {
	a := newTestRedactor(t, RedactOptions{})
	b, err := NewRedactor(append([]byte("another key, also long enough!"), 1, 2), RedactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	format := regexp.MustCompile(`^\[redacted:[0-9a-f]{12}\]$`)
	if got := a.Fingerprint("4111111111111111"); !format.MatchString(got) {
		t.Errorf("fingerprint %q does not match %s", got, format)
	}
	if a.Fingerprint("x") != a.Fingerprint("x") {
		t.Error("same value, same key: fingerprints differ")
	}
	if a.Fingerprint("x") == a.Fingerprint("y") {
		t.Error("different values share a fingerprint")
	}
	if a.Fingerprint("x") == b.Fingerprint("x") {
		t.Error("different keys give the same fingerprint")
	}
	// The same card in a header, a URL, a JSON number and a grouped text
	// gets the same fingerprint.
	rec := &evidence.Record{Request: evidence.Request{
		URL:    "/v2/x/4111111111111111",
		Header: http.Header{"X-Card": {"4111 1111 1111 1111"}},
		Body:   evidence.NewBody([]byte(`{"cardNumber":4111111111111111,"pan":"4111-1111-1111-1111"}`), 0, false),
	}}
	a.Redact(rec)
	want := a.Fingerprint("4111111111111111")
	for _, got := range []string{rec.Request.URL, rec.Request.Header.Get("X-Card"), rec.Request.Body.Text} {
		if strings.Count(got, want) == 0 {
			t.Errorf("%q does not carry the card's fingerprint %s", got, want)
		}
	}
	if strings.Count(rec.Request.Body.Text, want) != 2 {
		t.Errorf("body %s: want the fingerprint twice", rec.Request.Body.Text)
	}
}

func TestRedactIsIdempotent(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	for i, rec := range plantedRecords(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) {
		if r.Redact(rec) == 0 {
			t.Errorf("record %d: nothing redacted", i)
		}
		once, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if n := r.Redact(rec); n != 0 {
			t.Errorf("record %d: second Redact replaced %d values", i, n)
		}
		twice, _ := json.Marshal(rec)
		if string(once) != string(twice) {
			t.Errorf("record %d changed on second Redact:\n%s\n%s", i, once, twice)
		}
	}
}

func TestNewRedactorShortKey(t *testing.T) {
	if _, err := NewRedactor([]byte("short"), RedactOptions{}); err == nil {
		t.Fatal("NewRedactor accepted a 5-byte key")
	}
}
