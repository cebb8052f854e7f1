package contract

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// FuzzCheck: any record gives findings, never a panic, with rules from the
// closed set, bounded values and no redaction shown, and the same findings
// whether bodies are decoded pruned or whole. Seeds are small so
// the fuzzer reaches thousands of executions a minute; run it with
//
//	go test ./contract -run '^$' -fuzz FuzzCheck -fuzztime 60s -fuzzminimizetime 5s
func FuzzCheck(f *testing.F) {
	f.Add("POST", "/v2/cardholders", "application/json", []byte(`{"firstName":"J","callingCode":"1"}`), 200, "application/json", []byte(`{"status":"success","cardholderId":1}`), false)
	f.Add("GET", "/v2/cards/x?limit=500&sort=up", "", []byte(nil), 404, "application/json", []byte(`{"status":"error"}`), false)
	f.Add("PUT", "https://staging.api.axyscards.com/v2/cards/1/status", "text/plain", []byte(`newStatus=2`), 502, "text/html", []byte(`<html>`), true)
	f.Add("POST", "/v2/otp/listeners", "application/json", []byte(`{"cardId":"[redacted:0123456789ab]","webhookUrl":"http://x"}`), 0, "", []byte(nil), false)
	f.Add("GET", "/v2/cards/transactions", "", []byte(nil), 200, "application/json; charset=utf-8", []byte(`{"items":[{"transId":1}],"total":-1}`), false)
	f.Add("BREW", "//v2//staging/../deposits/%zz", "application/vnd+json", []byte(`[[[`), 99, "*/*", []byte(`"\ud800"`), false)
	spec := Default()
	f.Fuzz(func(t *testing.T, method, url, reqCT string, body []byte, status int, respCT string, resp []byte, truncated bool) {
		rec := &evidence.Record{Seq: 9, Kind: evidence.KindCall, Request: evidence.Request{
			Method: method, URL: url, Header: http.Header{"Content-Type": {reqCT}},
			Body: evidence.NewBody(body, int64(len(body)), truncated),
		}}
		if status != 0 {
			rec.Response = &evidence.Response{Status: status, Header: http.Header{"Content-Type": {respCT}},
				Body: evidence.NewBody(resp, int64(len(resp)), false)}
		}
		res := spec.Check(rec)
		if whole := spec.check(rec, true); !reflect.DeepEqual(res, whole) {
			t.Errorf("pruned decoding changes the result:\n%+v\n%+v", res, whole)
		}
		if !slices.IsSortedFunc(res.Findings, compareFindings) {
			t.Errorf("findings not sorted: %+v", res.Findings)
		}
		for _, fd := range res.Findings {
			if !slices.Contains(Rules(), fd.Rule) {
				t.Errorf("rule %q is not in Rules()", fd.Rule)
			}
			if len(fd.Value) > MaxValueLen || strings.Contains(fd.Value, redactionMark) {
				t.Errorf("value %q: longer than %d bytes or showing a redaction", fd.Value, MaxValueLen)
			}
			if fd.Seq != 9 || (fd.Side != SideRequest && fd.Side != SideResponse) {
				t.Errorf("finding %+v: wrong seq or side", fd)
			}
		}
		s := NewSummary(spec)
		s.Add(res)
		if _, err := s.MarshalJSON(); err != nil {
			t.Errorf("summary does not marshal: %v", err)
		}
	})
}
