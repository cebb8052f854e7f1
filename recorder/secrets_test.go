package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
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
	for _, rec := range plantedRecords(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) {
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
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("store file bytes contain %q", secret)
		}
	}

	decompressed := decompressAllValues(t, s.Path())
	if !bytes.Contains(decompressed, []byte(canary)) {
		t.Fatal("canary not found in decompressed records: the search is broken")
	}
	var readBack bytes.Buffer
	for _, r := range readAllReadOnly(t, s.Path()) {
		if err := json.NewEncoder(&readBack).Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Contains(readBack.Bytes(), []byte(canary)) {
		t.Fatal("canary not found in records read back: the search is broken")
	}
	for _, secret := range plantedSecrets {
		if bytes.Contains(decompressed, []byte(secret)) {
			t.Errorf("decompressed record values contain %q", secret)
		}
		// encoding/json escapes nothing in these secrets but the PEM's
		// newlines, which the key material does not span.
		if bytes.Contains(readBack.Bytes(), []byte(secret)) {
			t.Errorf("records read back contain %q", secret)
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
