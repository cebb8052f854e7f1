package coverage

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The proxy's load benchmark sends an Axys-like mix of calls; these are
// the bodies the emulator (internal/axysemu) answers them with.
const (
	benchHolderView = `{"cardholderId":10001,"status":1,"firstName":"Jordan","lastName":"Reyes","gender":0,` +
		`"nationality":"American","placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street",` +
		`"city":"San Francisco","state":"CA","country":"US","zipCode":"94105","callingCode":"001",` +
		`"countryCallingCode":"US","phoneNum":"4155550100","cellNum":"4155550100","emailAdr":"jordan@example.com",` +
		`"transactionLimit":1000000,"sumsubEnabled":0,"dateCreated":"2026-03-02T09:00:00Z","dateUpdated":"2026-03-02T09:05:00Z"}`
	benchBalance = `{"status":"success","cardId":8821,"cardholderId":10001,"ledgerBalance":1250000,` +
		`"availableBalance":1187655,"pendingBalance":62345,"currency":0,"currencyName":"USD",` +
		`"cardStatus":1,"issuerCardStatus":1,"maskedCardNumber":"532142******8821",` +
		`"updatedDatetime":"2026-03-02T09:05:00Z","createdDatetime":"2026-03-02T09:00:00Z"}`
	benchCreated = `{"status":"success","cardholderId":10002}`
	// benchHolder is a cardholder created with every field.
	benchHolder = `{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com","gender":0,` +
		`"nationality":"American","placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street",` +
		`"city":"San Francisco","state":"CA","country":"US","zipCode":"94105","callingCode":"001",` +
		`"cellNum":"4155550100","phoneNum":"4155550100","countryCallingCode":"US","transactionLimit":500000}`
)

// benchTransaction is one transaction of a card as the list shows it.
func benchTransaction(i int) string {
	n := strconv.Itoa(i)
	return `{"transId":"500000` + n + `","authRefNum":"12345678901` + n + `","cardId":8821,"cardholderId":10001,` +
		`"type":1,"status":` + strconv.Itoa(1+i%3) + `,"amount":"12.3` + n + `","currency":0,` +
		`"description":"Coffee","dateCreated":"2026-03-02T09:0` + n + `:00Z"}`
}

// benchMix returns the four calls of the mix, in the order they repeat:
// a small cardholder list, a balance, a page of a card's transactions and
// a cardholder created.
func benchMix() []*evidence.Record {
	txns := make([]string, 8)
	for i := range txns {
		txns[i] = benchTransaction(i)
	}
	list := func(items []string) string {
		return `{"status":"success","items":[` + strings.Join(items, ",") + `],"total":` + strconv.Itoa(len(items)) + `,"limit":50,"offset":0}`
	}
	mk := func(method, path string, status int, req, resp string) *evidence.Record {
		r := &evidence.Record{
			V: evidence.Version, Kind: evidence.KindCall, DurationUS: 2300, Mode: evidence.ModeBaseURL,
			Request: evidence.Request{Method: method, URL: "https://staging.api.axyscards.com/v2" + path,
				Header: http.Header{"Content-Type": {"application/json"}},
				Body:   evidence.NewBody([]byte(req), int64(len(req)), false)},
			Response: &evidence.Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: evidence.NewBody([]byte(resp), int64(len(resp)), false)},
		}
		return r
	}
	return []*evidence.Record{
		mk("GET", "/cardholders?limit=50&offset=0", 200, "", list([]string{benchHolderView})),
		mk("GET", "/cards/8821/balance", 200, "", benchBalance),
		mk("GET", "/cards/transactions?cardId=8821&limit=50&offset=0", 200, "", list(txns)),
		mk("POST", "/cardholders", 200, benchHolder, benchCreated),
	}
}

// benchFeed returns a function giving the i-th record of an endless
// stream of recs, 25 ms apart: the same records, renumbered. The engine
// keeps nothing of a record once observed, so reusing them is safe.
func benchFeed(recs []*evidence.Record) func(i int) *evidence.Record {
	return func(i int) *evidence.Record {
		r := recs[i%len(recs)]
		r.Seq = uint64(i + 1)
		r.Time = traceStart.Add(time.Duration(i) * 25 * time.Millisecond)
		return r
	}
}

// BenchmarkLiveObserveBenchMix is the live cost of one call of the proxy
// load benchmark's mix (a batch of one), metrics included; mix is the
// four calls in turn, the others one kind of call alone.
func BenchmarkLiveObserveBenchMix(b *testing.B) {
	mix := benchMix()
	for _, c := range []struct {
		name string
		recs []*evidence.Record
	}{
		{"mix", mix},
		{"cardholders", mix[0:1]},
		{"balance", mix[1:2]},
		{"transactions", mix[2:3]},
		{"create", mix[3:4]},
	} {
		b.Run(c.name, func(b *testing.B) {
			live := NewLive(DefaultMatrix(), prometheus.NewRegistry())
			next := benchFeed(c.recs)
			batch := make([]*evidence.Record, 1)
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				batch[0] = next(i)
				live.Observe(batch)
				i++
			}
		})
	}
}
