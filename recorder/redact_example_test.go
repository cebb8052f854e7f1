package recorder_test

import (
	"bytes"
	"fmt"
	"log"
	"net/http"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// A program adds its own rules to the built-in ones: a --redact-field
// value, a --redact-rules file and the pii preset.
func ExampleRedactRules() {
	field, err := recorder.ParseRedactField("header:X-Partner-Signature")
	if err != nil {
		log.Fatal(err)
	}
	file, err := recorder.ParseRedactRules([]byte(`
json_paths: [$.cardholder.ssn]
patterns:
  - name: voucher
    pattern: 'VCH-[0-9]{6}'
`), "program-rules.yaml")
	if err != nil {
		log.Fatal(err)
	}
	pii, err := recorder.RedactPreset("pii")
	if err != nil {
		log.Fatal(err)
	}
	red, err := recorder.NewRedactor(bytes.Repeat([]byte{1}, recorder.KeySize),
		recorder.RedactOptions{Rules: []*recorder.RedactRules{field, file, pii}})
	if err != nil {
		log.Fatal(err)
	}
	body := []byte(`{"cardholder":{"ssn":"078-05-1120","firstName":"Ada"},"note":"VCH-123456","pinNumber":"1234","cardId":9104}`)
	rec := &evidence.Record{Request: evidence.Request{Method: http.MethodPost,
		URL:    "https://staging.api.axyscards.com/v2/cards/4111%201111%201111%201111?card[pin]=1234",
		Header: http.Header{"X-Partner-Signature": {"sig"}},
		Body:   evidence.NewBody(body, int64(len(body)), false)}}
	fmt.Println(red.Redact(rec), "values replaced")
	fmt.Println(rec.Request.URL)
	fmt.Println(rec.Request.Body.Text)
	// The same PIN has the same fingerprint in the query and the body.
	// Output:
	// 7 values replaced
	// https://staging.api.axyscards.com/v2/cards/[redacted:83293cc04eae]?card[pin]=[redacted:1eec0ebafa91]
	// {"cardholder":{"ssn":"[redacted:178f84501f9a]","firstName":"[redacted:8f8586461e0c]"},"note":"[redacted:5342626caa21]","pinNumber":"[redacted:1eec0ebafa91]","cardId":9104}
}
