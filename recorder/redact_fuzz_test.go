package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// FuzzCanonicalDecode checks the decoder against net/url and
// encoding/json where they apply, and that its offset map always maps
// back into the source, in order.
func FuzzCanonicalDecode(f *testing.F) {
	for _, s := range []string{"4111%201111", "%2534%31+1", `\u0034\ud83d\ude00\n`, `\u0025\u0033\u0034`, "100%", `\`, "%%41", "+%2B%252B"} {
		f.Add(s, uint8(decodePercent))
		f.Add(s, uint8(queryMode))
		f.Add(s, uint8(decodeJSON))
		f.Add(s, uint8(jsonStringMode))
	}
	f.Fuzz(func(t *testing.T, s string, m uint8) {
		mode := decodeMode(m) & (decodeJSON | decodePercent | decodePlus)
		src := []byte(s)
		d := canonical(src, mode)
		checkOffsets(t, &d)
		if mode == queryMode {
			if want, err := url.QueryUnescape(s); err == nil && !needsPercentDecoding([]byte(want), true) && string(d.text) != want {
				t.Errorf("query %q: %q, net/url %q", s, d.text, want)
			}
		}
		if mode == decodeJSON && utf8.ValidString(s) { // encoding/json replaces invalid UTF-8
			var want string
			if err := json.Unmarshal([]byte(`"`+s+`"`), &want); err == nil && string(d.text) != want {
				t.Errorf("json %q: %q, encoding/json %q", s, d.text, want)
			}
		}
		for a := 0; a <= len(d.text); a += 1 + len(d.text)/7 {
			for b := a; b <= len(d.text); b += 1 + len(d.text)/5 {
				start, end := d.span(a, b)
				if start < 0 || start > end || end > len(src) {
					t.Fatalf("span(%d, %d) = %d, %d outside the source of %d bytes", a, b, start, end, len(src))
				}
			}
		}
	})
}

func checkOffsets(t *testing.T, d *canonicalText) {
	t.Helper()
	if d.identity() {
		if !bytes.Equal(d.text, d.src) {
			t.Fatal("identity map on a changed text")
		}
		return
	}
	if len(d.off) != len(d.text)+1 || d.off[len(d.text)] != len(d.src) {
		t.Fatalf("offset map of %d entries (last %d) for %d decoded bytes of %d", len(d.off), d.off[len(d.off)-1], len(d.text), len(d.src))
	}
	for i := 1; i < len(d.off); i++ {
		if d.off[i] < d.off[i-1] || d.off[i-1] >= len(d.src) {
			t.Fatalf("offsets not increasing within the source at %d: %v", i, d.off)
		}
	}
}

// FuzzRedact redacts records built from arbitrary text, as a JSON, form
// or text body, a URL, a header and an error message, and checks that no
// card number survives in any form a reader could decode the result to,
// and that redacting again changes nothing.
func FuzzRedact(f *testing.F) {
	seeds := []string{
		`{"cardNumber":4111111111111111,"n":4.111111111111111e15,"s":"\u0034111111111111111"}`,
		"card%5Bpin%5D=1234&pan=4111+1111+1111+1111&4111111111111111=x",
		"/v2/cardholders/4111%201111%201111%201111?q=%34111111111111111#t=1",
		`{"a":{"pin":[1,"2"]},"next":"https:\/\/h\/x?pin=1&c=4111111111111111"}`,
		"-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY----- 4242 4242 4242 4242",
		"%2534%31%31%31%31%31%31%31%31%31%31%31%31%31%31%31",
	}
	for i, s := range seeds {
		f.Add(uint8(i), s, "/v2/x?"+s)
	}
	r := newTestRedactor(f, RedactOptions{Rules: []*RedactRules{{Patterns: []RedactPattern{{Name: "voucher", Pattern: "VCH-[0-9]+"}}}}})
	f.Fuzz(func(t *testing.T, kind uint8, body, rawURL string) {
		rec := fuzzRecord(kind, body, rawURL)
		r.Redact(rec)
		checkNoCardNumbers(t, rec)
		once, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if n := r.Redact(rec); n != 0 {
			t.Errorf("second Redact replaced %d", n)
		}
		if twice, _ := json.Marshal(rec); !bytes.Equal(once, twice) {
			t.Errorf("second Redact changed the record:\n%s\n%s", once, twice)
		}
		if kind%3 == 0 && json.Valid([]byte(body)) && !json.Valid(bodyView(&rec.Request.Body)) {
			t.Errorf("valid JSON became invalid: %s", rec.Request.Body.Text)
		}
	})
}

var fuzzContentTypes = []string{"application/json", "application/x-www-form-urlencoded", "text/plain"}

func fuzzRecord(kind uint8, body, rawURL string) *evidence.Record {
	ct := fuzzContentTypes[int(kind)%len(fuzzContentTypes)]
	return &evidence.Record{
		Request: evidence.Request{Method: "POST", URL: rawURL,
			Header: http.Header{"Content-Type": {ct}, "X-Ref": {body}},
			Body:   evidence.NewBody([]byte(body), int64(len(body)), false)},
		Response: &evidence.Response{Status: 200, Header: http.Header{"Location": {rawURL}},
			Body: evidence.NewBody([]byte(body), int64(len(body)), false)},
		Error: &evidence.CallError{Kind: evidence.ErrUpstream, Message: "post " + rawURL + ": " + body},
		Event: &evidence.Event{Name: "e", Body: body, Attributes: fuzzAttributes(body)},
	}
}

// fuzzAttributes returns body when it is a JSON object, as event
// attributes must be.
func fuzzAttributes(body string) json.RawMessage {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return nil
	}
	return json.RawMessage(body)
}

// checkNoCardNumbers looks for Luhn-valid 13–19 digit runs in every part
// of rec, as stored and at every stage of decoding it.
func checkNoCardNumbers(t *testing.T, rec *evidence.Record) {
	t.Helper()
	check := func(what string, text []byte, mode decodeMode) {
		t.Helper()
		if run := cardNumberIn(text, mode); run != "" {
			t.Errorf("%s keeps the card number %s: %q", what, run, text)
		}
	}
	checkHeader := func(h http.Header) {
		t.Helper()
		for name, values := range h {
			check("header name", []byte(name), 0)
			for _, v := range values {
				check("header "+name, []byte(v), queryMode)
			}
		}
	}
	check("url", []byte(rec.Request.URL), queryMode)
	checkHeader(rec.Request.Header)
	check("request body", bodyView(&rec.Request.Body), bodyMode(rec.Request.Header.Get("Content-Type")))
	if rec.Response != nil {
		checkHeader(rec.Response.Header)
		check("response body", bodyView(&rec.Response.Body), bodyMode(rec.Response.Header.Get("Content-Type")))
	}
	if rec.Error != nil {
		check("error", []byte(rec.Error.Message), queryMode)
	}
	if e := rec.Event; e != nil {
		check("event name", []byte(e.Name), decodePercent)
		check("event body", []byte(e.Body), jsonStringMode)
		check("event attributes", e.Attributes, jsonStringMode)
		check("event resource", e.Resource, jsonStringMode)
	}
}

// bodyMode is how a body of the content type may be decoded; every body
// may be JSON (JSON escapes are decoded only in valid JSON).
func bodyMode(contentType string) decodeMode {
	if isForm(contentType) {
		return queryMode
	}
	return jsonStringMode
}

// cardNumberIn returns a card number found in p, as is, at any stage of
// decoding it (JSON escapes only when p is JSON), or in the value of a
// JSON number of p; "" when there is none.
func cardNumberIn(p []byte, mode decodeMode) string {
	if mode&decodeJSON != 0 {
		if !json.Valid(p) {
			mode &^= decodeJSON
		} else if n := cardNumberInJSONNumbers(p); n != "" {
			return n
		}
	}
	d := canonicalText{src: p, text: p}
	for st := (decodeStep{mode: mode}); ; {
		if run := luhnRun(d.text); run != "" {
			return run
		}
		if !st.next(&d) {
			return ""
		}
	}
}

func cardNumberInJSONNumbers(p []byte) string {
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return ""
		}
		if n, ok := tok.(json.Number); ok {
			if digits, ok := numberDigits([]byte(n), maxPANDigits); ok {
				if run := luhnRun([]byte(digits)); run != "" {
					return run
				}
			}
		}
	}
}

// luhnRun returns the first maximal run of 13–19 ASCII digits of p that
// does not start with 0 and passes the Luhn check. It is written apart
// from the scanners, as the oracle they are checked against.
func luhnRun(p []byte) string {
	for i := 0; i < len(p); {
		j := i
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		if n := j - i; n >= 13 && n <= 19 && p[i] != '0' && luhnOK(p[i:j]) {
			return string(p[i:j])
		}
		i = j + 1
	}
	return ""
}

func luhnOK(d []byte) bool {
	sum := 0
	for k := range d {
		v := int(d[len(d)-1-k] - '0')
		if k%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}
