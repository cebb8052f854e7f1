package events

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"

	"github.com/evidence-proxy/evidence-proxy/recorder"
)

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

// logsRequest wraps log records in one resource and scope.
func logsRequest(lrs ...*logspb.LogRecord) *collogspb.ExportLogsServiceRequest {
	return &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource:  &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", str("issuing-app"))}},
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: lrs}},
	}}}
}

func named(name string, attrs ...*commonpb.KeyValue) *logspb.LogRecord {
	return &logspb.LogRecord{EventName: name, TimeUnixNano: 1795683601000000000, Attributes: attrs}
}

func mustProto(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var protoHeader = map[string]string{"Content-Type": "application/x-protobuf"}

// TestOTLPJSONMapping posts a request written by hand the way the OTLP
// JSON mapping specifies (hex ids in either case, lowerCamelCase and
// .proto names, 64-bit integers as strings and numbers, enums as numbers
// and names, unknown fields) and checks each event.
func TestOTLPJSONMapping(t *testing.T) {
	store := openStore(t, recorder.Sync)
	_, url := startReceiver(t, store, Options{})
	body, err := os.ReadFile("testdata/otlpjson/spec.json")
	if err != nil {
		t.Fatal(err)
	}
	code, hdr, raw := post(t, url+PathOTLPLogs, body, map[string]string{"Content-Type": "application/json"})
	if code != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("answer %d %s: %s", code, hdr.Get("Content-Type"), raw)
	}
	var resp collogspb.ExportLogsServiceResponse
	if err := protojson.Unmarshal(raw, &resp); err != nil || resp.PartialSuccess != nil {
		t.Fatalf("answer %s: %v, partial success %v", raw, err, resp.PartialSuccess)
	}
	evs := byName(storedEvents(t, store))
	shown, support := evs["card.shown"], evs["cardholder.support_case_opened"]
	if shown == nil || support == nil {
		t.Fatalf("events stored: %v", evs)
	}
	checks := []struct{ what, got, want string }{
		{"trace id (upper-case hex)", shown.Event.TraceID, "5b8efff798038103d269b633813fc60c"},
		{"span id", shown.Event.SpanID, "eee19b7ec3c1b174"},
		{"time", shown.Event.Time.Format("2006-01-02T15:04:05.999999999Z07:00"), "2026-11-26T09:00:01.0000005Z"},
		{"severity text wins", shown.Event.Severity, "Information"},
		{"body", shown.Event.Body, "card shown to the cardholder"},
		{"attributes", string(shown.Event.Attributes), `{"attempt":9007199254740993,"axys.card_id":"8812","blob":"AAH/","count":3,"first":true,"ratio":0.5}`},
		{"resource", string(shown.Event.Resource), `{"service.name":"issuing-app","service.version":"1.4.2"}`},
		{"name from event.name", support.Event.Name, "cardholder.support_case_opened"},
		{"severity from number", support.Event.Severity, "WARN"},
		{"proto-named trace id", support.Event.TraceID, "5b8efff798038103d269b633813fc60c"},
		{"all-zero span id is none", support.Event.SpanID, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
}

// TestAnyValueMapping pins the JSON of every OTLP value type.
func TestAnyValueMapping(t *testing.T) {
	deep := str("bottom")
	for range maxDepth + 2 {
		deep = &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{deep}}}}
	}
	tests := []struct {
		name    string
		v       *commonpb.AnyValue
		want    string
		wantCut bool
	}{
		{"string", str(`a "q" \ <b>&` + "\n\u2028"), `"a \"q\" \\ <b>&\n\u2028"`, false},
		{"invalid utf-8", str("a\xffb"), `"a\ufffdb"`, false},
		{"bool", &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: false}}, `false`, false},
		{"int max", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: math.MaxInt64}}, `9223372036854775807`, false},
		{"int min", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: math.MinInt64}}, `-9223372036854775808`, false},
		{"double", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 12.5}}, `12.5`, false},
		{"double integral", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 3}}, `3`, false},
		{"double tiny", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 1e-7}}, `1e-7`, false},
		{"double huge", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 1e21}}, `1e+21`, false},
		{"NaN", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: math.NaN()}}, `"NaN"`, false},
		{"+Inf", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: math.Inf(1)}}, `"Infinity"`, false},
		{"-Inf", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: math.Inf(-1)}}, `"-Infinity"`, false},
		{"bytes", &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{0xfb, 0xff}}}, `"+/8="`, false},
		{"empty bytes", &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{}}, `""`, false},
		{"array", &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{
			Values: []*commonpb.AnyValue{str("x"), {Value: &commonpb.AnyValue_IntValue{IntValue: 1}}, {}}}}}, `["x",1,null]`, false},
		{"empty array", &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{}}}, `[]`, false},
		{"kvlist sorted, last duplicate wins", &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{
			Values: []*commonpb.KeyValue{kv("b", str("1")), kv("a", str("2")), kv("b", str("3"))}}}}, `{"a":"2","b":"3"}`, false},
		{"unset", &commonpb.AnyValue{}, `null`, false},
		{"nil", nil, `null`, false},
		{"too deep", deep, strings.Repeat("[", maxDepth) + tooDeep + strings.Repeat("]", maxDepth), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cut := false
			got := string(appendAnyValue(nil, tc.v, 0, &cut))
			if got != tc.want || cut != tc.wantCut {
				t.Errorf("got %s (cut %v), want %s (cut %v)", got, cut, tc.want, tc.wantCut)
			}
		})
	}
}

// TestPartialSuccess sends good and bad log records together: the bad
// ones are rejected with a count and the reasons, in the request's
// encoding, and only the good ones are stored.
func TestPartialSuccess(t *testing.T) {
	for _, enc := range []string{"application/x-protobuf", "application/json"} {
		t.Run(enc, func(t *testing.T) {
			store := openStore(t, recorder.Sync)
			_, url := startReceiver(t, store, Options{MaxEventBytes: 2048})
			req := logsRequest(
				named("card.shown", kv(AttrCardID, str("1"))),
				&logspb.LogRecord{Body: str("no name at all")},
				named("", kv(AttrEventName, &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 4}})),
				named("huge", kv("blob", str(strings.Repeat("x", 4096)))),
				named(strings.Repeat("n", maxNameBytes+1)),
				&logspb.LogRecord{EventName: "bad.trace", TraceId: []byte{1, 2, 3, 4, 5}},
				named("otp.delivered", kv(AttrCardID, str("2"))),
			)
			var body []byte
			if enc == "application/json" {
				var err error
				if body, err = protojson.Marshal(req); err != nil {
					t.Fatal(err)
				}
			} else {
				body = mustProto(t, req)
			}
			code, hdr, raw := post(t, url+PathOTLPLogs, body, map[string]string{"Content-Type": enc})
			if code != 200 || hdr.Get("Content-Type") != enc {
				t.Fatalf("answer %d %q: %s", code, hdr.Get("Content-Type"), raw)
			}
			var resp collogspb.ExportLogsServiceResponse
			var err error
			if enc == "application/json" {
				err = protojson.Unmarshal(raw, &resp)
			} else {
				err = proto.Unmarshal(raw, &resp)
			}
			if err != nil {
				t.Fatal(err)
			}
			ps := resp.GetPartialSuccess()
			if ps.GetRejectedLogRecords() != 5 {
				t.Fatalf("rejected %d, want 5: %q", ps.GetRejectedLogRecords(), ps.GetErrorMessage())
			}
			for _, want := range []string{"log_records[1]: no event name", "log_records[2]: no event name", "log_records[3]: entry of", "log_records[4]: event name of 257 bytes", "log_records[5]: trace_id is 5 bytes"} {
				if !strings.Contains(ps.GetErrorMessage(), want) {
					t.Errorf("error message %q lacks %q", ps.GetErrorMessage(), want)
				}
			}
			got := byName(storedEvents(t, store))
			if len(got) != 2 || got["card.shown"] == nil || got["otp.delivered"] == nil {
				t.Errorf("stored %v, want card.shown and otp.delivered", got)
			}
		})
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestBadRequests sends what a receiver must refuse, and checks the
// status, the OTLP Status message and that nothing was stored.
func TestBadRequests(t *testing.T) {
	good := mustProto(t, logsRequest(named("card.shown")))
	big := mustProto(t, logsRequest(named("card.shown", kv("blob", str(strings.Repeat("z", 64<<10))))))
	tests := []struct {
		name   string
		path   string
		method string
		header map[string]string
		body   []byte
		code   int
		msg    string
	}{
		{"malformed protobuf", PathOTLPLogs, "POST", protoHeader, []byte{0x0a, 0xff, 0xff, 0x01}, 400, "decode OTLP/protobuf logs request"},
		{"malformed json", PathOTLPLogs, "POST", map[string]string{"Content-Type": "application/json"}, []byte(`{"resourceLogs": [`), 400, "decode OTLP/JSON logs request"},
		{"json of the wrong shape", PathOTLPLogs, "POST", map[string]string{"Content-Type": "application/json"}, []byte(`{"resourceLogs": {"a": 1}}`), 400, "decode OTLP/JSON"},
		{"broken gzip", PathOTLPLogs, "POST", map[string]string{"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}, good, 400, "gzip"},
		{"truncated gzip", PathOTLPLogs, "POST", map[string]string{"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}, gzipped(t, good)[:20], 400, "read body"},
		{"unknown encoding", PathOTLPLogs, "POST", map[string]string{"Content-Type": "application/x-protobuf", "Content-Encoding": "br"}, good, 415, "content encoding"},
		{"unknown content type", PathOTLPLogs, "POST", map[string]string{"Content-Type": "text/plain"}, good, 415, "content type"},
		{"no content type", PathOTLPLogs, "POST", nil, good, 415, "content type"},
		{"too large", PathOTLPLogs, "POST", protoHeader, big, 413, "request body over"},
		{"too large once gunzipped", PathOTLPLogs, "POST", map[string]string{"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}, gzipped(t, big), 413, "after decompression"},
		{"GET", PathOTLPLogs, "GET", nil, nil, 405, "use POST"},
		{"unknown path", "/v1/traces", "POST", protoHeader, good, 404, "not found"},
		{"events as form", PathEvents, "POST", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(`{"name":"x"}`), 415, "application/json"},
		{"events as text/plain", PathEvents, "POST", map[string]string{"Content-Type": "text/plain"}, []byte(`{"name":"x"}`), 415, "application/json"},
		{"events not json", PathEvents, "POST", map[string]string{"Content-Type": "application/json"}, []byte(`name=x`), 400, "neither a JSON object nor an array"},
		{"events broken json", PathEvents, "POST", map[string]string{"Content-Type": "application/json"}, []byte(`{"name":`), 400, "not valid JSON"},
		{"events empty", PathEvents, "POST", map[string]string{"Content-Type": "application/json"}, nil, 400, "empty body"},
	}
	store := openStore(t, recorder.Sync)
	_, url := startReceiver(t, store, Options{MaxRequestBytes: 32 << 10})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := mustRequest(t, tc.method, url+tc.path, tc.body, tc.header)
			code, raw := do(t, req)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, raw)
			}
			if got := answerText(t, tc.path, tc.header, raw); !strings.Contains(got, tc.msg) {
				t.Errorf("answer %q lacks %q", got, tc.msg)
			}
		})
	}
	if n := len(storedEvents(t, store)); n != 0 {
		t.Errorf("%d events stored from bad requests", n)
	}
}

// answerText is the message of an error answer: an OTLP Status (protobuf
// for protobuf requests, else JSON) or an /events Result.
func answerText(t testing.TB, path string, header map[string]string, raw []byte) string {
	t.Helper()
	if path != PathOTLPLogs {
		return string(raw)
	}
	var st status.Status
	var err error
	if header["Content-Type"] == "application/x-protobuf" {
		err = proto.Unmarshal(raw, &st)
	} else {
		err = protojson.Unmarshal(raw, &st)
	}
	if err != nil {
		t.Fatalf("answer is not a Status: %v: %q", err, raw)
	}
	return st.GetMessage()
}

// TestEventSizeLimitAtTheBoundary: a log record one byte over the
// per-event limit is rejected even when it is all the request holds (the
// receiver measures each record only when the request exceeds the limit),
// and one exactly at the limit is stored.
func TestEventSizeLimitAtTheBoundary(t *testing.T) {
	const limit = 2048
	sized := func(n int) *logspb.LogRecord {
		lr := named("card.shown", kv("blob", str("")))
		pad := n - proto.Size(lr)
		lr = named("card.shown", kv("blob", str(strings.Repeat("x", pad))))
		for proto.Size(lr) > n { // the length prefix grew with the string
			pad--
			lr = named("card.shown", kv("blob", str(strings.Repeat("x", pad))))
		}
		if proto.Size(lr) != n {
			t.Fatalf("could not build a log record of %d bytes", n)
		}
		return lr
	}
	for _, tc := range []struct {
		size     int
		rejected int64
	}{{limit, 0}, {limit + 1, 1}} {
		store := openStore(t, recorder.Sync)
		_, url := startReceiver(t, store, Options{MaxEventBytes: limit})
		code, _, raw := post(t, url+PathOTLPLogs, mustProto(t, logsRequest(sized(tc.size))), map[string]string{"Content-Type": "application/x-protobuf"})
		var resp collogspb.ExportLogsServiceResponse
		if err := proto.Unmarshal(raw, &resp); code != 200 || err != nil {
			t.Fatalf("size %d: answer %d, %v", tc.size, code, err)
		}
		stored := int64(len(storedEvents(t, store)))
		if got := resp.GetPartialSuccess().GetRejectedLogRecords(); got != tc.rejected || stored != 1-tc.rejected {
			t.Errorf("log record of %d bytes (limit %d): rejected %d, stored %d; want %d rejected", tc.size, limit, got, stored, tc.rejected)
		}
	}
}
