package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// canonicalReference is the encoding/json definition of the canonical form,
// as Canonical was first written. AppendCanonical must match it byte for
// byte on every record, errors included.
func canonicalReference(r *Record) ([]byte, error) {
	c := *r
	c.Hash = ""
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("encode record %d: %w", r.Seq, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// checkSameAsReference fails t unless AppendCanonical and Canonical agree
// with canonicalReference on r: same bytes, or an error from all three.
func checkSameAsReference(t testing.TB, r *Record) {
	t.Helper()
	want, wantErr := canonicalReference(r)
	got, gotErr := r.AppendCanonical(nil)
	canon, canonErr := r.Canonical()
	checkJSONSameAsReference(t, r)
	switch {
	case (gotErr != nil) != (wantErr != nil):
		t.Fatalf("AppendCanonical error = %v, reference error = %v", gotErr, wantErr)
	case (canonErr != nil) != (wantErr != nil):
		t.Fatalf("Canonical error = %v, reference error = %v", canonErr, wantErr)
	case wantErr != nil:
		return
	case !bytes.Equal(got, want):
		t.Fatalf("AppendCanonical differs from encoding/json\n got: %s\nwant: %s", got, want)
	case !bytes.Equal(canon, want):
		t.Fatalf("Canonical differs from encoding/json\n got: %s\nwant: %s", canon, want)
	}
}

// checkJSONSameAsReference fails t unless AppendJSON agrees with
// encoding/json on r, Hash included.
func checkJSONSameAsReference(t testing.TB, r *Record) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	wantErr := enc.Encode(r)
	want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	got, gotErr := r.AppendJSON([]byte("prefix:"))
	switch {
	case (gotErr != nil) != (wantErr != nil):
		t.Fatalf("AppendJSON error = %v, encoding/json error = %v", gotErr, wantErr)
	case wantErr != nil:
		if string(got) != "prefix:" {
			t.Fatalf("AppendJSON after an error = %q, want dst unchanged", got)
		}
	case !bytes.Equal(got, append([]byte("prefix:"), want...)):
		t.Fatalf("AppendJSON differs from encoding/json\n got: %s\nwant: prefix:%s", got, want)
	}
}

// trickyStrings returns strings that exercise every branch of JSON string
// escaping.
func trickyStrings() []string {
	return []string{
		"",
		"plain ascii",
		`quote " and backslash \ and slash /`,
		"short escapes \b\f\n\r\t",
		"other controls \x00\x01\x0b\x0e\x1f and DEL \x7f",
		"html <script>&amp;</script>",
		"line sep \u2028 para sep \u2029 next \u202a",
		"multi-byte é ñ 日本語 🎉 \U0010ffff",
		"invalid \xff\xfe utf-8 \xc3",
		"truncated rune at end \xe6\x97",
		"surrogate half \xed\xa0\x80 overlong \xc0\xaf",
		"replacement char itself \ufffd",
		"\x00",
		`{"card":{"pan":"4111********1111","cvv":"***"},"memo":"a\\b"}`,
	}
}

func typicalHeader() http.Header {
	return http.Header{
		"Content-Type":    {"application/json"},
		"Accept":          {"application/json"},
		"Authorization":   {"[REDACTED]"},
		"User-Agent":      {"axys-client/3.2 (go)"},
		"X-Request-Id":    {"6f1c2d9e-4b1a-4f7e-9c3a-1f2e3d4c5b6a"},
		"Accept-Encoding": {"gzip", "deflate"},
	}
}

// typicalRecord is a call of about 2 KiB with JSON bodies, like the ones the
// proxy records in front of a card-issuing API.
func typicalRecord() *Record {
	reqBody := `{"card_holder":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com",` +
		`"address":{"line1":"12 Analytical Row","city":"London","postcode":"N1 9GU","country":"GB"}},` +
		`"product":"virtual-debit","currency":"EUR","limits":{"daily":150000,"monthly":1000000},` +
		`"metadata":{"order_id":"ord_8f2a61","channel":"web","note":"line1\nline2 <b>&</b>"}}`
	respBody := `{"status":"success","data":{"card_id":"crd_01HXYZ8Q6V3R2T","pan":"4111********1111",` +
		`"expiry":"11/29","state":"active","created_at":"2026-11-25T09:00:01.123Z",` +
		`"limits":{"daily":150000,"monthly":1000000,"remaining":{"daily":150000,"monthly":1000000}},` +
		`"holder":{"id":"hld_77AB","name":"Ada Lovelace"},"links":[{"rel":"self","href":"/v2/cards/crd_01HXYZ8Q6V3R2T"},` +
		`{"rel":"transactions","href":"/v2/cards/crd_01HXYZ8Q6V3R2T/transactions"}]},"request_id":"req_5d1e"}`
	respHeader := typicalHeader()
	delete(respHeader, "Authorization")
	respHeader["Date"] = []string{"Wed, 25 Nov 2026 09:00:01 GMT"}
	return &Record{
		V: Version, Seq: 4182, Kind: KindCall,
		Time:       time.Date(2026, 11, 25, 9, 0, 1, 123456000, time.UTC),
		DurationUS: 48211, UpstreamUS: 45102,
		Mode: ModeMITM, ClientAddr: "127.0.0.1:53122",
		TLS: &TLSFacts{Version: "TLS 1.3", ServerCertSHA256: strings.Repeat("ab", 32), ClientCertSHA256: strings.Repeat("cd", 32)},
		Request: Request{
			Method: "POST", URL: "https://staging.api.axyscards.com/v2/cards?expand=holder&dry_run=false", Proto: "HTTP/1.1",
			Header: typicalHeader(), Body: NewBody([]byte(reqBody), int64(len(reqBody)), false),
		},
		Response: &Response{
			Status: 201, Proto: "HTTP/2.0", Header: respHeader,
			Body: NewBody([]byte(respBody), int64(len(respBody)), false),
		},
		Redactions: 3,
		PrevHash:   strings.Repeat("0f", 32),
		Hash:       strings.Repeat("e1", 32),
	}
}

func TestAppendCanonicalMatchesEncodingJSON(t *testing.T) {
	utc := time.Date(2026, 11, 25, 9, 0, 1, 0, time.UTC)
	tests := []struct {
		name string
		edit func(r *Record)
	}{
		{"typical", func(r *Record) {}},
		{"zero record", func(r *Record) { *r = Record{} }},
		{"gap record", func(r *Record) {
			*r = Record{V: 1, Seq: 9, Kind: KindGap, Time: utc, Gap: &Gap{Lost: 17, Reason: "queue full"}, PrevHash: GenesisHash}
		}},
		{"refused call with error", func(r *Record) {
			r.Response = &Response{Status: 502, Synthetic: true, Body: NewBody([]byte("refused"), 7, false)}
			r.Error = &CallError{Kind: ErrGuardRefused, Message: `host "prod.example.com" not allowlisted`}
		}},
		{"empty error kind and message", func(r *Record) { r.Error = &CallError{} }},
		{"empty gap", func(r *Record) { r.Gap = &Gap{} }},
		{"hash is omitted", func(r *Record) { r.Hash = "not part of the canonical form" }},
		{"nil response tls error gap", func(r *Record) { r.Response, r.TLS, r.Error, r.Gap = nil, nil, nil, nil }},
		{"empty tls struct is kept", func(r *Record) { r.TLS = &TLSFacts{} }},
		{"tls with only the last field", func(r *Record) { r.TLS = &TLSFacts{AppClientCertSHA256: "ff"} }},
		{"tls with every field", func(r *Record) {
			r.TLS = &TLSFacts{Version: "TLS 1.2", ServerCertSHA256: "a", ClientCertSHA256: "b", AppClientCertSHA256: "c"}
		}},
		{"zero values of omitempty fields", func(r *Record) {
			r.Mode, r.ClientAddr, r.Redactions, r.Request.Proto = "", "", 0, ""
			r.Response.Proto, r.Response.Synthetic = "", false
			r.Response.Body = Body{}
		}},
		{"empty response", func(r *Record) { r.Response = &Response{} }},
		{"body with every field", func(r *Record) {
			r.Request.Body = Body{Size: -1, ContentEncoding: "br", Text: "t", Base64: "AAE=", Truncated: true, DecodeError: "bad br"}
		}},
		{"base64 body", func(r *Record) { r.Response.Body = NewBody([]byte{0xff, 0x00, 0x80}, 3, true) }},
		{"nil header", func(r *Record) { r.Request.Header, r.Response.Header = nil, nil }},
		{"empty header map", func(r *Record) { r.Request.Header, r.Response.Header = http.Header{}, http.Header{} }},
		{"nil header value", func(r *Record) { r.Request.Header = http.Header{"X-Nil": nil} }},
		{"empty header value", func(r *Record) { r.Request.Header = http.Header{"X-Empty": {}} }},
		{"empty string header value", func(r *Record) { r.Request.Header = http.Header{"X-Blank": {""}} }},
		{"header keys sort bytewise", func(r *Record) {
			r.Request.Header = http.Header{"b": {"1"}, "B": {"2"}, "a": {"3"}, "A-": {"4"}, "A": {"5"}, "": {"6"}, "é": {"7"}, "~": {"8"}}
		}},
		{"header keys escaping to the same text", func(r *Record) {
			r.Request.Header = http.Header{"\xff": {"1"}, "\xfe": {"2"}, "\ufffd": {"3"}, "k\"": {"4"}, "<&>": {"5"}}
		}},
		{"more header keys than the stack array", func(r *Record) {
			h := http.Header{}
			for i := range 3 * maxStackHeaderKeys {
				h[fmt.Sprintf("X-Field-%03d", (i*37)%100)] = []string{fmt.Sprint(i)}
			}
			r.Response.Header = h
		}},
		{"extreme ints high", func(r *Record) {
			r.V, r.Seq, r.DurationUS, r.UpstreamUS, r.Redactions = math.MaxInt, math.MaxUint64, math.MaxInt64, math.MaxInt64, math.MaxInt
			r.Response.Status, r.Request.Body.Size = math.MaxInt, math.MaxInt64
			r.Gap = &Gap{Lost: math.MaxUint64}
		}},
		{"extreme ints low", func(r *Record) {
			r.V, r.DurationUS, r.UpstreamUS, r.Redactions = math.MinInt, math.MinInt64, math.MinInt64, math.MinInt
			r.Response.Status, r.Request.Body.Size = math.MinInt, math.MinInt64
		}},
		{"unknown kind mode and error kind", func(r *Record) {
			r.Kind, r.Mode, r.Error = "new\tkind", "<mode>", &CallError{Kind: "weird\"kind"}
		}},
		{"time without nanoseconds", func(r *Record) { r.Time = utc }},
		{"time with one nanosecond", func(r *Record) { r.Time = utc.Add(time.Nanosecond) }},
		{"time with trailing zeros", func(r *Record) { r.Time = utc.Add(100 * time.Millisecond) }},
		{"time with nine digits", func(r *Record) { r.Time = utc.Add(999999999) }},
		{"time with monotonic reading", func(r *Record) { r.Time = time.Now() }},
		{"time east of utc", func(r *Record) { r.Time = utc.In(time.FixedZone("IST", 5*3600+30*60)) }},
		{"time west of utc", func(r *Record) { r.Time = utc.In(time.FixedZone("PST", -8*3600)) }},
		{"time zone offset in seconds", func(r *Record) { r.Time = utc.In(time.FixedZone("", -30)) }},
		{"time zone offset 23:59", func(r *Record) { r.Time = utc.In(time.FixedZone("", 24*3600-60)) }},
		{"time zone offset 24h", func(r *Record) { r.Time = utc.In(time.FixedZone("", 24*3600)) }},
		{"time zone offset -100h", func(r *Record) { r.Time = utc.In(time.FixedZone("", -100*3600)) }},
		{"time year 0", func(r *Record) { r.Time = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"time year 9999", func(r *Record) { r.Time = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC) }},
		{"time year 10000", func(r *Record) { r.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"time year -1", func(r *Record) { r.Time = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"time year 9999 pushed over by zone", func(r *Record) {
			r.Time = time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC).In(time.FixedZone("", 2*3600))
		}},
	}
	for i, s := range trickyStrings() {
		tests = append(tests, struct {
			name string
			edit func(r *Record)
		}{fmt.Sprintf("tricky string %d", i), func(r *Record) { setEveryString(r, s) }})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := typicalRecord()
			tt.edit(r)
			checkSameAsReference(t, r)
		})
	}
}

// setEveryString puts s in every string of r, header keys and values
// included.
func setEveryString(r *Record, s string) {
	r.Kind, r.Mode, r.ClientAddr, r.PrevHash, r.Hash = Kind(s), Mode(s), s, s, s
	r.TLS = &TLSFacts{Version: s, ServerCertSHA256: s, ClientCertSHA256: s, AppClientCertSHA256: s}
	r.Request.Method, r.Request.URL, r.Request.Proto = s, s, s
	r.Request.Header = http.Header{s: {s, s}, "K": {s}}
	r.Request.Body = Body{ContentEncoding: s, Text: s, Base64: s, DecodeError: s}
	r.Response.Proto, r.Response.Header = s, http.Header{s: {s}}
	r.Response.Body = r.Request.Body
	r.Error = &CallError{Kind: ErrorKind(s), Message: s}
	r.Gap = &Gap{Reason: s}
}

func TestAppendCanonicalRefusesInvalidEventJSON(t *testing.T) {
	r := typicalRecord()
	r.Event = &Event{Name: "card.shown", Source: EventSourceEvents, Attributes: json.RawMessage(`{"a":`)}
	got, err := r.AppendCanonical([]byte("kept"))
	if err == nil || !strings.Contains(err.Error(), "event: attributes") {
		t.Fatalf("AppendCanonical of invalid attributes: err = %v, want an event attributes error", err)
	}
	if string(got) != "kept" {
		t.Errorf("on error dst = %q, want it back unchanged", got)
	}
	if _, err := canonicalReference(r); err == nil {
		t.Error("encoding/json accepted the invalid attributes too: the test no longer mirrors it")
	}
}

func TestAppendCanonicalErrors(t *testing.T) {
	r := typicalRecord()
	r.Time = time.Date(12026, 1, 1, 0, 0, 0, 0, time.UTC)
	prefix := []byte("kept")
	got, err := r.AppendCanonical(prefix)
	if err == nil {
		t.Fatal("AppendCanonical accepted year 12026")
	}
	if !strings.Contains(err.Error(), "encode record 4182") || !strings.Contains(err.Error(), "year outside of range") {
		t.Errorf("error = %q, want the record and the time package's reason", err)
	}
	if string(got) != "kept" {
		t.Errorf("on error dst = %q, want it back unchanged", got)
	}
	if canon, err := r.Canonical(); err == nil || canon != nil {
		t.Errorf("Canonical = %q, %v; want nil and an error", canon, err)
	}
}

// fillEveryField sets every field reachable from v to a non-zero value, so
// that a field added to Record later and forgotten by AppendCanonical shows
// up as a difference with encoding/json.
func fillEveryField(t *testing.T, v reflect.Value, path string) {
	switch v.Interface().(type) {
	case time.Time:
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)))
		return
	case http.Header:
		v.Set(reflect.ValueOf(http.Header{path: {path}}))
		return
	case json.RawMessage:
		v.Set(reflect.ValueOf(json.RawMessage(`{ "` + path + `": [1, 2.5, "<&>\u2028", null] }`)))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fillEveryField(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillEveryField(t, v.Elem(), path)
	case reflect.String:
		v.SetString(path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(len(path)))
	case reflect.Uint64:
		v.SetUint(uint64(len(path)))
	default:
		t.Fatalf("%s: field of kind %s: teach AppendCanonical and this test about it", path, v.Kind())
	}
}

func TestAppendCanonicalCoversEveryField(t *testing.T) {
	var r Record
	fillEveryField(t, reflect.ValueOf(&r).Elem(), "Record")
	checkSameAsReference(t, &r)
}

func TestAppendCanonicalAppends(t *testing.T) {
	r := typicalRecord()
	want, err := canonicalReference(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, dst := range [][]byte{
		[]byte("prefix:"),
		append(make([]byte, 0, 16384), "roomy prefix:"...),
	} {
		prefix := string(dst)
		got, err := r.AppendCanonical(dst)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(got, []byte(prefix)) || !bytes.Equal(got[len(prefix):], want) {
			t.Errorf("AppendCanonical(%q) = %q, want the prefix then %q", prefix, got, want)
		}
	}
}

func TestAppendCanonicalDoesNotAllocate(t *testing.T) {
	r := typicalRecord()
	dst := make([]byte, 0, 16384)
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		dst, err = r.AppendCanonical(dst[:0])
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("AppendCanonical allocates %v times per record, want 0", allocs)
	}
}

func FuzzAppendCanonical(f *testing.F) {
	for _, s := range trickyStrings() {
		f.Add(s, "Content-Type", s, int64(1764061201), int64(123456789), 0, uint64(7), uint8(0))
	}
	f.Add("", "", "", int64(0), int64(0), 0, uint64(0), uint8(0xff))
	f.Add("a", "b", "c", int64(-62135596801), int64(0), 0, uint64(math.MaxUint64), uint8(0x0f))
	f.Add("x", "x", "x", int64(253402300799), int64(999999999), 3600, uint64(1), uint8(0xf0))
	f.Add("y", "\xff", "\u2028", int64(1), int64(1), 86400, uint64(2), uint8(0x55))
	f.Add("z", "K", "v", int64(1), int64(1), -86399, uint64(3), uint8(0xaa))
	f.Fuzz(func(t *testing.T, a, b, c string, sec, nsec int64, offset int, n uint64, flags uint8) {
		r := fuzzRecord(a, b, c, sec, nsec, offset, n, flags)
		checkSameAsReference(t, r)
	})
}

// fuzzRecord spreads the fuzzer's inputs over the fields of a record; each
// bit of flags turns an optional part on or off.
func fuzzRecord(a, b, c string, sec, nsec int64, offset int, n uint64, flags uint8) *Record {
	on := func(bit uint) bool { return flags&(1<<bit) != 0 }
	r := &Record{
		V: int(n), Seq: n, Kind: Kind(a), DurationUS: sec, UpstreamUS: -nsec,
		Time: time.Unix(sec, nsec).In(time.FixedZone(b, offset%(200*3600))),
		Mode: Mode(b), ClientAddr: c, Redactions: int(nsec), PrevHash: a + c, Hash: b,
		Request: Request{Method: a, URL: b, Proto: c, Body: Body{Size: sec, Text: c, ContentEncoding: a}},
	}
	switch {
	case on(0):
		r.Request.Header = http.Header{a: {b, c}, b: nil, c: {}}
	case on(1):
		r.Request.Header = http.Header{}
	}
	if on(2) {
		r.TLS = &TLSFacts{Version: a, ClientCertSHA256: b}
		r.Trace = &Trace{TraceID: b, SpanID: c}
	}
	if on(3) {
		r.Response = &Response{Status: int(sec), Proto: b, Synthetic: on(4),
			Header: http.Header{c: {a}, b: {}}, Body: Body{Base64: a, Truncated: on(5), DecodeError: b}}
	}
	if on(6) {
		r.Error = &CallError{Kind: ErrorKind(b), Message: c}
	}
	if on(7) {
		r.Gap = &Gap{Lost: n, Reason: a, Cause: b, From: r.Time, Refused: n / 2, AfterSeq: n}
	}
	if on(1) {
		attrs, _ := json.Marshal(map[string]any{a: b, c: []any{sec, on(4)}})
		r.Event = &Event{Name: a, Source: b, Time: r.Time, TraceID: c, Attributes: attrs, Body: c, Truncated: on(5)}
	}
	return r
}

func BenchmarkCanonical(b *testing.B) {
	r := typicalRecord()
	want, err := canonicalReference(r)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("reference", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := canonicalReference(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendCanonical", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		b.ReportAllocs()
		dst := make([]byte, 0, 2*len(want))
		for b.Loop() {
			if dst, err = r.AppendCanonical(dst[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Canonical", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Canonical(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
