package recorder

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// benchMixCall is one call of the bench mix (../shared/bench/load): what
// the app sends and what the Axys-like upstream answers.
type benchMixCall struct {
	name, method, url string
	req, resp         []byte
}

// benchMix returns the four calls of the bench load, with the bodies the
// bench upstream serves.
func benchMix() []benchMixCall {
	const base = "https://staging.api.axyscards.com/v2"
	create := []byte(`{"firstName":"Ada","lastName":"Lovelace","emailAdr":"ada.lovelace@example.com","gender":1,` +
		`"nationality":"American","placeOfBirth":"USA","dob":"1990-12-10","adrLine1":"1 Market St","city":"San Francisco",` +
		`"state":"CA","country":"US","zipCode":"94105","callingCode":"001","cellNum":"4155550100","countryCallingCode":"US",` +
		`"phoneNum":"4155550100","transactionLimit":500000,"sumsubEnabled":0}`)
	balance := mustBenchJSON(map[string]any{"status": "success", "cardId": 8821, "cardholderId": 10532,
		"ledgerBalance": 125000, "availableBalance": 98050, "heldAmount": 26950, "pendingAmount": 0,
		"currency": 0, "currencyCode": "USD", "transactionLimit": 500000, "issuerCardStatus": 1,
		"lastUpdated": "2026-11-24T12:00:00Z", "program": "bench-program"})
	items := make([]map[string]any, 5)
	for i := range items {
		items[i] = map[string]any{"cardId": 8821, "cardholderId": 10532,
			"transId": fmt.Sprintf("T%09d", 91234+i), "authRefNum": fmt.Sprintf("AR%012d", 555000+i),
			"amount": fmt.Sprintf("%d.%02d", 10+i*7, 99-i), "merchantAmount": fmt.Sprintf("%d.%02d", 10+i*7, 99-i),
			"status": 2, "type": 1, "description": "COFFEE SHOP SAN FRANCISCO CA",
			"merchantName": "BLUE BOTTLE COFFEE #12", "mcc": "5814", "currencyCode": "USD",
			"dateCreated": "2026-11-23T09:1" + strconv.Itoa(i) + ":00Z"}
	}
	txns := mustBenchJSON(map[string]any{"status": "success", "items": items, "total": 5, "limit": 50, "offset": 0})
	return []benchMixCall{
		{"list", http.MethodGet, base + "/cardholders?limit=50&offset=0", nil,
			[]byte(`{"status":"success","items":[],"total":0,"limit":50,"offset":0}`)},
		{"balance", http.MethodGet, base + "/cards/8821/balance", nil, balance},
		{"txns", http.MethodGet, base + "/cards/transactions?cardId=8821&limit=50&offset=0", nil, txns},
		{"create", http.MethodPost, base + "/cardholders", create, []byte(`{"status":"success","cardholderId":10533}`)},
	}
}

func mustBenchJSON(v any) []byte {
	p, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return p
}

// record builds the call's record as the proxy hands it to the recorder.
func (c benchMixCall) record() *evidence.Record {
	return &evidence.Record{
		Time: time.Now(), Mode: evidence.ModeBaseURL, ClientAddr: "127.0.0.1:51234",
		Request: evidence.Request{Method: c.method, URL: c.url, Proto: "HTTP/1.1",
			Header: http.Header{"X-Api-Key": {"bench-key"}, "Content-Type": {"application/json"},
				"User-Agent": {"Go-http-client/1.1"}, "Accept-Encoding": {"gzip"}},
			Body: evidence.NewBody(c.req, int64(len(c.req)), false)},
		Response: &evidence.Response{Status: 200, Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"application/json"}, "Date": {"Sun, 01 Mar 2026 12:00:00 GMT"},
				"Content-Length": {strconv.Itoa(len(c.resp))}},
			Body: evidence.NewBody(c.resp, int64(len(c.resp)), false)},
	}
}

// BenchmarkRedactMix redacts each call of the bench mix with the default
// rules: redaction runs on every call, so this is the cost per call.
// Records are built in batches with the timer stopped, so only Redact is
// measured.
func BenchmarkRedactMix(b *testing.B) {
	r := newTestRedactor(b, RedactOptions{})
	for _, c := range benchMix() {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var batch []*evidence.Record
			for i := 0; i < b.N; i++ {
				if len(batch) == 0 {
					b.StopTimer()
					for range 512 {
						batch = append(batch, c.record())
					}
					b.StartTimer()
				}
				r.Redact(batch[len(batch)-1])
				batch = batch[:len(batch)-1]
			}
		})
	}
}

// TestCleanTrafficIsNotCopied checks the fast paths: bodies, URLs and
// header values with nothing to decode and no secret are scanned in
// place, without an allocation.
func TestCleanTrafficIsNotCopied(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	mix := benchMix()
	body := mix[2].resp // a page of transactions
	if allocs := leastAllocs(func() { r.redactJSON(body, 0, false) }); allocs != 0 {
		t.Errorf("redacting a clean JSON body: %v allocations, want 0", allocs)
	}
	for _, c := range mix {
		if allocs := leastAllocs(func() { r.RedactURL(c.url) }); allocs != 0 {
			t.Errorf("RedactURL(%s): %v allocations, want 0", c.url, allocs)
		}
	}
	text := []byte("upstream answered 502 after 1500ms; retry 3 of 5 at 2026-03-01T12:00:00Z")
	if allocs := leastAllocs(func() { r.scanText(text) }); allocs != 0 {
		t.Errorf("scanning clean text: %v allocations, want 0", allocs)
	}
	form := []byte("limit=50&offset=0&orderBy=lastName&sort=asc")
	if allocs := leastAllocs(func() { r.redactQuery(string(form), 0) }); allocs > 1 {
		t.Errorf("a clean query: %v allocations, want at most the string", allocs)
	}
}

// BenchmarkRedactEncoded is the cost when decoding does happen: a path
// with a percent-encoded card number, a query with '+' and an encoded
// name, and a JSON body with escapes and numbers in exponent form.
func BenchmarkRedactEncoded(b *testing.B) {
	r := newTestRedactor(b, RedactOptions{})
	body := []byte(`{"cardNumber":4.111111111111111e15,"note":"ref \u0034111111111111111","p\u0069n":"1234","amount":"10.99"}`)
	b.Run("url", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.RedactURL("https://staging.api.axyscards.com/v2/cardholders/4111%201111%201111%201111?q=4111+1111+1111+1111&card%5Bpin%5D=1234")
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.redactJSON(body, 0, false)
		}
	})
}

// leastAllocs is the fewest allocations f makes a run over five
// measurements of 100 runs: AllocsPerRun counts every allocation of the
// process, so a garbage collection or another goroutine in one
// measurement is not charged to f; an allocation f makes shows in all.
func leastAllocs(f func()) float64 {
	least := testing.AllocsPerRun(100, f)
	for range 4 {
		least = min(least, testing.AllocsPerRun(100, f))
	}
	return least
}
