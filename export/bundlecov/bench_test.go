package bundlecov

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// benchRecords cycles the test records under growing sequence numbers.
func benchRecords(b *testing.B, n int) []*evidence.Record {
	base := testRecords(b)
	out := make([]*evidence.Record, n)
	for i := range out {
		r := *base[i%len(base)]
		r.Seq = uint64(i + 1)
		out[i] = &r
	}
	return out
}

// BenchmarkObserve is the cost per record of what a report computes: the
// coverage engine alone, the extras alone (script index and contract
// check), and both (a Pass, what export, coverage and the live feed run).
func BenchmarkObserve(b *testing.B) {
	recs := benchRecords(b, 3000)
	m := coverage.DefaultMatrix()
	for _, bc := range []struct {
		name string
		new  func() func(*evidence.Record)
	}{
		{"engine", func() func(*evidence.Record) { return coverage.NewEngine(m).Observe }},
		{"extras", func() func(*evidence.Record) {
			x := NewExtras(ExtrasOptions{})
			return func(r *evidence.Record) { x.Observe(r) }
		}},
		{"pass", func() func(*evidence.Record) { return NewPass(m, ExtrasOptions{}).Observe }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			observe := bc.new()
			for i := 0; b.Loop(); i++ {
				if i == len(recs) {
					observe, i = bc.new(), 0
				}
				observe(recs[i])
			}
		})
	}
}

// benchMix is the load generator's mix of ../shared/bench (a list read, a
// balance read, a page of five transactions, a create), as recorded.
func benchMix(n int) []*evidence.Record {
	items := make([]string, 5)
	for i := range items {
		items[i] = fmt.Sprintf(`{"cardId":8821,"cardholderId":10532,"transId":"T%09d","authRefNum":"AR%012d","amount":"%d.%02d","merchantAmount":"%d.%02d","status":2,"type":1,"description":"COFFEE SHOP SAN FRANCISCO CA","merchantName":"BLUE BOTTLE COFFEE #12","mcc":"5814","currencyCode":"USD","dateCreated":"2026-11-23T09:1%d:00Z"}`,
			91234+i, 555000+i, 10+i*7, 99-i, 10+i*7, 99-i, i)
	}
	kinds := []struct{ method, path, body, resp string }{
		{"GET", "/cardholders?limit=50&offset=0", "", `{"status":"success","items":[],"total":0,"limit":50,"offset":0}`},
		{"GET", "/cards/8821/balance", "", `{"status":"success","cardId":8821,"cardholderId":10532,"ledgerBalance":125000,"availableBalance":98050,"heldAmount":26950,"pendingAmount":0,"currency":0,"currencyCode":"USD","transactionLimit":500000,"issuerCardStatus":1,"lastUpdated":"2026-11-24T12:00:00Z","program":"bench-program"}`},
		{"GET", "/cards/transactions?cardId=8821&limit=50&offset=0", "", `{"status":"success","items":[` + strings.Join(items, ",") + `],"total":5,"limit":50,"offset":0}`},
		{"POST", "/cardholders", strings.Replace(holderBody, `"callingCode":"1"`, `"callingCode":"001"`, 1), `{"status":"success","cardholderId":10533}`},
	}
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	out := make([]*evidence.Record, n)
	for i := range out {
		k := kinds[i%len(kinds)]
		rec := &evidence.Record{V: evidence.Version, Seq: uint64(i + 1), Kind: evidence.KindCall, Time: t0.Add(time.Duration(i) * time.Millisecond),
			Request:  evidence.Request{Method: k.method, URL: stagingURL + k.path, Header: http.Header{"Content-Type": {"application/json"}}},
			Response: &evidence.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: evidence.NewBody([]byte(k.resp), int64(len(k.resp)), false)}}
		if k.body != "" {
			rec.Request.Body = evidence.NewBody([]byte(k.body), int64(len(k.body)), false)
		}
		out[i] = rec
	}
	return out
}

// BenchmarkObserveBenchMix is BenchmarkObserve over the bench's load mix:
// what the live feed and an export add per recorded call.
func BenchmarkObserveBenchMix(b *testing.B) {
	recs := benchMix(4000)
	m := coverage.DefaultMatrix()
	for _, bc := range []struct {
		name string
		new  func() func(*evidence.Record)
	}{
		{"engine", func() func(*evidence.Record) { return coverage.NewEngine(m).Observe }},
		{"pass", func() func(*evidence.Record) { return NewPass(m, ExtrasOptions{}).Observe }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			observe := bc.new()
			for i := 0; b.Loop(); i++ {
				if i == len(recs) {
					observe, i = bc.new(), 0
				}
				observe(recs[i])
			}
		})
	}
}
