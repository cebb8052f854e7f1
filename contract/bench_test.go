package contract

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/pb33f/jsonschema/v6"
)

// benchRecords is a realistic mix of recorded calls: the calls of an
// integration's day (onboarding, issuance, balance polling, a page of
// reconciliation, OTP, errors), one of them malformed.
func benchRecords() []*evidence.Record {
	var txns []string
	for i := range 20 {
		txns = append(txns, fmt.Sprintf(`{"transId":"%d","authRefNum":"123456789012","cardId":8001,"cardholderId":10001,"type":1,"status":2,"direction":"debit","amount":"12.34","currency":0,"merchantAmount":"12.34","merchantCurrency":"USD","merchantName":"Cafe","merchantCountry":"US","mcc":"5999","description":"Purchase at Cafe","dateCreated":"2026-01-02T03:04:05Z","dateUpdated":"2026-01-02T03:04:05Z"}`, 5000000+i))
	}
	page := `{"status":"success","items":[` + strings.Join(txns, ",") + `],"total":20,"limit":200,"offset":0}`
	card := `{"status":"success","cardId":8001,"cardholderId":10001,"type":"virtual","maskedCardNumber":"411111******1111","cardStatus":1,"issuerCardStatus":1,"cryptoAddresses":[{"chain":"evm","address":"0x52908400098527886E0F7030069857D2E4169EE7"},{"chain":"bitcoin","address":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},{"chain":"solana","address":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"}]}`
	return []*evidence.Record{
		call(1, "POST", "/cardholders", holderBody, 200, `{"status":"success","cardholderId":10001}`),
		call(2, "PUT", "/cardholders/10001/kyc-submit", "", 200, `{"status":"success","cardholderId":10001,"applicationLink":"https://kyc.example.com/didit/abc"}`),
		call(3, "GET", "/cardholders/10001", "", 200, `{"cardholderId":10001,"status":3,"firstName":"Jordan","lastName":"Reyes","dateCreated":"2026-01-02T03:04:05Z"}`),
		call(4, "POST", "/staging/kyc/validate", `{"cardholderId":10001,"result":"pass"}`, 200, `{"status":"success","result":{}}`),
		call(5, "POST", "/cards/virtual/10001", virtualBody, 200, card),
		call(6, "GET", "/cards/8001", "", 200, card),
		call(7, "GET", "/cards/8001/balance", "", 200, `{"status":"success","cardId":8001,"ledgerBalance":10000,"availableBalance":5000,"currency":0}`),
		call(8, "GET", "/cards/8001/balance", "", 200, `{"status":"success","cardId":8001,"ledgerBalance":10000,"availableBalance":10000,"currency":0}`),
		call(9, "GET", "/cards/transactions?cardId=8001&limit=200&offset=0", "", 200, page),
		call(10, "POST", "/otp/listeners", `{"cardId":8001,"webhookUrl":"https://hooks.example.com/3ds"}`, 200, `{"token":"abc","expiresAt":null,"status":"success"}`),
		call(11, "PUT", "/cards/8001/status", `{"newStatus":"2"}`, 422, `{"status":"error","message":"newStatus: must be an integer"}`),
		call(12, "GET", "/cards/9999", "", 404, `{"status":"error","message":"card 9999 not found"}`),
	}
}

// BenchmarkCheck measures offline validation over benchRecords, one
// record per op (ns/op is the cost of one call; calls/s = 1e9 / ns/op).
func BenchmarkCheck(b *testing.B) {
	spec := Default()
	recs := benchRecords()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		spec.Check(recs[i%len(recs)])
	}
}

// BenchmarkDecode compares the body decoder with encoding/json (UseNumber)
// on the mix's largest body, a page of 20 transactions.
func BenchmarkDecode(b *testing.B) {
	body := benchRecords()[8].Response.Body.Bytes()
	b.Run("decodeJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jsonschema.UnmarshalJSON(bytes.NewReader(body)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParse is the cost of loading the built-in description.
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(DefaultName, defaultYAML); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchRecords keeps the benchmark's mix honest: one malformed call,
// everything else clean.
func TestBenchRecords(t *testing.T) {
	spec := Default()
	for _, r := range benchRecords() {
		res := spec.Check(r)
		if want := r.Seq == 11; res.HasViolation(SideRequest) != want || res.HasViolation(SideResponse) {
			t.Errorf("seq %d: findings %+v", r.Seq, res.Findings)
		}
	}
}

// BenchmarkCheckEach measures each record of the mix alone.
func BenchmarkCheckEach(b *testing.B) {
	spec := Default()
	for _, r := range benchRecords() {
		b.Run(fmt.Sprintf("%d-%s", r.Seq, spec.EndpointTemplate(r.Request.Method, r.Request.URL)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				spec.Check(r)
			}
		})
	}
}

// BenchmarkCheckParallel is BenchmarkCheck on every core: Check is safe for
// concurrent use, so an offline run can check records on GOMAXPROCS
// goroutines and add the results to a Summary in seq order.
func BenchmarkCheckParallel(b *testing.B) {
	spec := Default()
	recs := benchRecords()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			spec.Check(recs[i%len(recs)])
		}
	})
}
