package recorder

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// plantedPEM is a private key block (not a real key: only its shape
// matters to the redactor).
const plantedPEM = "-----BEGIN EC PRIVATE KEY-----\nPLANTEDKEYMATERIALxyz0123\n-----END EC PRIVATE KEY-----"

// plantedSecrets are values that must never reach the store file. Short
// secrets (CVV, PIN, OTP) are searched in the form they take in JSON, as
// bare digits also occur in hashes.
var plantedSecrets = []string{
	"sk_staging_PLANTED_apikey_7f3a9c",
	"PLANTED-bearer-token-55",
	"PLANTED-cookie-91",
	"PLANTED-setcookie-92",
	"PLANTED-proxy-auth-93",
	"4111111111111111",
	"5500005555555559",
	"4242424242424242",
	"4242 4242 4242 4242",
	`"cvv":837`,
	`"newPin":4321`,
	`"currentPin":"2580"`,
	`"newPin":"1357"`,
	`"code":"847291"`,
	"PLANTED-hunter2-pass",
	"PLANTED-qs-secret",
	"PLANTED-err-key",
	"PLANTEDKEYMATERIALxyz0123",
	"PLANTED-client-secret",
	// The leaks of encoded and newly named secrets (plantedLeakRecords).
	"5105105105105100",
	"6011111111111117",
	"378282246310005",
	"3530111333300000",
	"4000056655665556",
	"PLANTED-pinNumber",
	"PLANTED-userPin",
	"PLANTED-confirmPin",
	"PLANTED-otpValue",
	"PLANTED-smsCode",
	"PLANTED-3dsCode",
	"PLANTED-verificationCode",
	"PLANTED-passcode",
	"PLANTED-pwd",
	"PLANTED-card-pin",
	"PLANTED-pin-array",
	"PLANTED-indexed-cvv",
	"PLANTED-hdr-card-pin",
	"PLANTED-hdr-otp",
	"PLANTED-hdr-auth-token",
	"PLANTED-hdr-x-api-key",
	"PLANTED-event-pin",
	"PLANTED-event-header-key",
}

// plantedLeakRecords carry the secrets that used to reach disk: card
// numbers percent-encoded in paths, as query names, as JSON numbers in
// decimal or exponent form and JSON-escaped, and secrets under names the
// old list missed.
func plantedLeakRecords(t0 time.Time) []*evidence.Record {
	body := func(s string) evidence.Body { return evidence.NewBody([]byte(s), int64(len(s)), false) }
	jsonType := http.Header{"Content-Type": {"application/json"}}
	return []*evidence.Record{
		{Time: t0, Request: evidence.Request{Method: "GET", URL: "https://staging.api.axyscards.com/v2/cardholders/5105%201051%200510%205100"}},
		{Time: t0, Request: evidence.Request{Method: "GET", URL: "/v2/cards/%34%30%30%30%30%35%36%36%35%35%36%36%35%35%35%36"}},
		{Time: t0, Request: evidence.Request{Method: "GET", URL: "/v2/cards?6011111111111117=1&limit=5"}},
		{Time: t0, Request: evidence.Request{Method: "POST", URL: "/v2/x", Header: jsonType,
			Body: body(`{"a":378282246310005.0,"b":3.5301113333e15,"c":"\u0034000056655665556"}`)}},
		{Time: t0, Request: evidence.Request{Method: "PUT", URL: "/v2/cards/9104/pin", Header: jsonType,
			Body: body(`{"pinNumber":"PLANTED-pinNumber","userPin":"PLANTED-userPin","confirmPin":"PLANTED-confirmPin",` +
				`"otpValue":"PLANTED-otpValue","smsCode":"PLANTED-smsCode","3dsCode":"PLANTED-3dsCode",` +
				`"verificationCode":"PLANTED-verificationCode","passcode":"PLANTED-passcode","pwd":"PLANTED-pwd"}`)}},
		{Time: t0, Request: evidence.Request{Method: "POST", URL: "/v2/x",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-Card-Pin": {"PLANTED-hdr-card-pin"},
				"X-Otp": {"PLANTED-hdr-otp"}, "X-Auth-Token": {"PLANTED-hdr-auth-token"}, "X_API_KEY": {"PLANTED-hdr-x-api-key"}},
			Body: body("card%5Bpin%5D=PLANTED-card-pin&pin%5B%5D=PLANTED-pin-array&card[0][cvv]=PLANTED-indexed-cvv")}},
		{Time: t0, Kind: evidence.KindEvent, Event: &evidence.Event{Name: "pin set", Source: evidence.EventSourceEvents,
			Attributes: []byte(`{"axys.card_id":9104,"user.pin":"PLANTED-event-pin","http.request.header.x-api-key":"PLANTED-event-header-key"}`)}},
	}
}

// secretForms returns the ways a secret could be written in a store or a
// bundle: as is, percent-encoded, JSON-escaped (and every digit as a
// \u escape), in base64, and a card number grouped by spaces or dashes.
func secretForms(secret string) []string {
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret))}
	quoted, _ := json.Marshal(secret)
	forms = append(forms, string(quoted[1:len(quoted)-1]))
	var esc, pct strings.Builder
	for _, c := range []byte(secret) {
		fmt.Fprintf(&esc, "\\u%04x", c)
		fmt.Fprintf(&pct, "%%%02X", c)
	}
	forms = append(forms, esc.String(), pct.String())
	if digitsOnly(secret) == secret && len(secret) >= minPANDigits && strings.Trim(secret, "0123456789") == "" {
		for _, sep := range []string{" ", "-", "%20", "+"} {
			var g []string
			for i := 0; i < len(secret); i += 4 {
				g = append(g, secret[i:min(i+4, len(secret))])
			}
			forms = append(forms, strings.Join(g, sep))
		}
	}
	return forms
}

// canary is not a secret: finding it proves the searches can succeed.
const canary = "canary-merchant-name-31337"

func plantedRecords(t0 time.Time) []*evidence.Record {
	apiKey := http.Header{"X-Api-Key": {"sk_staging_PLANTED_apikey_7f3a9c"}, "Content-Type": {"application/json"}}
	body := func(s string) evidence.Body { return evidence.NewBody([]byte(s), int64(len(s)), false) }
	return []*evidence.Record{
		{Time: t0, Request: evidence.Request{Method: "PUT", URL: "https://staging.api.axyscards.com/v2/cards/9104/activate",
			Header: apiKey,
			Body:   body(`{"cardNumber":4111111111111111,"expMonth":12,"expYear":2030,"cvv":837,"newPin":4321}`)},
			Response: &evidence.Response{Status: 200, Header: http.Header{"Set-Cookie": {"sid=PLANTED-setcookie-92"}},
				Body: body(`{"status":"success","result":1,"merchant":"` + canary + `"}`)}},
		{Time: t0, Request: evidence.Request{Method: "PUT", URL: "https://staging.api.axyscards.com/v2/cards/9104/pin",
			Header: http.Header{"Authorization": {"Bearer PLANTED-bearer-token-55"}, "Cookie": {"s=PLANTED-cookie-91"},
				"Proxy-Authorization": {"Basic PLANTED-proxy-auth-93"}},
			Body: body(`{"currentPin":"2580","newPin":"1357"}`)}},
		{Time: t0, Request: evidence.Request{Method: "GET", URL: "https://staging.api.axyscards.com/v2/otp/tok_9", Header: apiKey},
			Response: &evidence.Response{Status: 200, Body: body(`{"status":"received","code":"847291","expiresAt":1720000000}`)}},
		{Time: t0, Request: evidence.Request{Method: "GET",
			URL: "https://staging.api.axyscards.com/v2/lookup/5500005555555559?client_secret=PLANTED-qs-secret"},
			Response: &evidence.Response{Status: 400, Body: body("card 4242 4242 4242 4242 / 4242424242424242 refused\n" + plantedPEM)}},
		{Time: t0, Request: evidence.Request{Method: "POST", URL: "https://staging.api.axyscards.com/v2/login",
			Body: body(`{"user":"a","password":"PLANTED-hunter2-pass","nested":{"clientSecret":"PLANTED-client-secret"}}`)},
			Error: &evidence.CallError{Kind: evidence.ErrTimeout,
				Message: `Post "https://staging.api.axyscards.com/v2/x?api_key=PLANTED-err-key": i/o timeout`}},
	}
}

func TestPlantedSecretsNeverReachTheStore(t *testing.T) {
	s := openTestStore(t, Options{Durability: Async})
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, rec := range append(plantedRecords(t0), plantedLeakRecords(t0)...) {
		if err := s.Record(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range plantedSecrets {
		for _, form := range secretForms(secret) {
			if bytes.Contains(raw, []byte(form)) {
				t.Errorf("store file bytes contain %q (as %q)", secret, form)
			}
		}
	}

	decompressed := decompressAllValues(t, s.Path())
	if !bytes.Contains(decompressed, []byte(canary)) {
		t.Fatal("canary not found in decompressed records: the search is broken")
	}
	var readBack bytes.Buffer
	for _, r := range readAllReadOnly(t, s.Path()) {
		// No card number in any form a reader could decode: JSON numbers
		// in exponent form, percent-encoded and JSON-escaped digits.
		checkNoCardNumbers(t, r)
		if err := json.NewEncoder(&readBack).Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Contains(readBack.Bytes(), []byte(canary)) {
		t.Fatal("canary not found in records read back: the search is broken")
	}
	for _, secret := range plantedSecrets {
		for _, form := range secretForms(secret) {
			if bytes.Contains(decompressed, []byte(form)) {
				t.Errorf("decompressed record values contain %q (as %q)", secret, form)
			}
			if bytes.Contains(readBack.Bytes(), []byte(form)) {
				t.Errorf("records read back contain %q (as %q)", secret, form)
			}
		}
	}
}

// decompressAllValues reads every stored envelope straight from bbolt and
// decompresses it, independently of the store's own reading code.
func decompressAllValues(t *testing.T, path string) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var out []byte
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(_, v []byte) error {
			p, err := dec.DecodeAll(v[envHeaderAt:], nil)
			out = append(append(out, p...), '\n')
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
