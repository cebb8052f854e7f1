package events

import (
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// encoding is the body encoding of an OTLP request, and of its answer.
type encoding int

const (
	encProtobuf encoding = iota
	encJSON
)

// contentType is the media type of the encoding.
func (e encoding) contentType() string {
	if e == encJSON {
		return "application/json"
	}
	return "application/x-protobuf"
}

// decodeLogs decodes an ExportLogsServiceRequest. JSON follows the OTLP
// JSON mapping: trace and span ids are hex (rewritten to the base64 that
// protojson expects), field names lowerCamelCase or as in the .proto,
// enums as numbers or names, 64-bit integers as numbers or strings, and
// unknown fields ignored.
func decodeLogs(body []byte, enc encoding) (*collogspb.ExportLogsServiceRequest, error) {
	req := &collogspb.ExportLogsServiceRequest{}
	if enc == encJSON {
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(hexIDsToBase64(body), req); err != nil {
			return nil, fmt.Errorf("decode OTLP/JSON logs request: %w", err)
		}
		return req, nil
	}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("decode OTLP/protobuf logs request: %w", err)
	}
	return req, nil
}

// indexed is a rejected entry with where it was in the request.
type indexed struct {
	where string
	*rejection
}

// otlpRecords turns every log record of req into an event record, or a
// rejection that says where the log record was; measure says whether the
// size of each log record must be checked against the per-event limit.
func (r *Receiver) otlpRecords(req *collogspb.ExportLogsServiceRequest, measure bool, received time.Time, client string) ([]*evidence.Record, []indexed) {
	var recs []*evidence.Record
	var rejected []indexed
	for i, rl := range req.GetResourceLogs() {
		var rcut bool
		res := capObject(keyValueMembers(rl.GetResource().GetAttributes(), 0, &rcut), r.opts.MaxAttributesBytes, r.opts.MaxValueBytes, &rcut)
		for j, sl := range rl.GetScopeLogs() {
			for k, lr := range sl.GetLogRecords() {
				d, rej := otlpDraft(lr, measure)
				var rec *evidence.Record
				if rej == nil {
					d.resource, d.cut = res, d.cut || rcut
					rec, rej = r.record(d, received, client)
				}
				if rej != nil {
					rejected = append(rejected, indexed{where: fmt.Sprintf("resource_logs[%d].scope_logs[%d].log_records[%d]", i, j, k), rejection: rej})
					continue
				}
				recs = append(recs, r.counted(rec))
			}
		}
	}
	return recs, rejected
}

// otlpDraft decodes one log record. The name is the record's event_name,
// else its event.name string attribute. Its size is measured only when
// measure is set (else it is known to be within the limit).
func otlpDraft(lr *logspb.LogRecord, measure bool) (*draft, *rejection) {
	d := &draft{source: evidence.EventSourceOTLP, name: lr.GetEventName()}
	if measure {
		d.size = proto.Size(lr)
	}
	d.attrs = keyValueMembers(lr.GetAttributes(), 0, &d.cut)
	if d.name == "" {
		if m, ok := findMember(d.attrs, AttrEventName); ok && len(m.raw) > 0 && m.raw[0] == '"' {
			d.name = jsonStringText(m.raw)
		}
	}
	var rej *rejection
	if d.time, rej = otlpTime(lr); rej != nil {
		return nil, rej
	}
	if d.traceID, rej = hexID("trace_id", lr.GetTraceId(), 16); rej != nil {
		return nil, rej
	}
	if d.spanID, rej = hexID("span_id", lr.GetSpanId(), 8); rej != nil {
		return nil, rej
	}
	d.severity = lr.GetSeverityText()
	if d.severity == "" {
		d.severity = severityName(lr.GetSeverityNumber())
	}
	if b := lr.GetBody(); b != nil {
		if s, ok := stringValue(b); ok {
			d.body = s
		} else {
			d.body = string(appendAnyValue(nil, b, 0, &d.cut))
		}
	}
	return d, nil
}

// otlpTime is the record's time_unix_nano, else its
// observed_time_unix_nano, else zero.
func otlpTime(lr *logspb.LogRecord) (time.Time, *rejection) {
	ns := lr.GetTimeUnixNano()
	if ns == 0 {
		ns = lr.GetObservedTimeUnixNano()
	}
	switch {
	case ns == 0:
		return time.Time{}, nil
	case ns > math.MaxInt64:
		return time.Time{}, reject(reasonInvalid, "time_unix_nano %d is out of range", ns)
	}
	return time.Unix(0, int64(ns)).UTC(), nil
}

// hexID returns an id in lower-case hex, "" for none (empty or all zero,
// which OTLP means as absent).
func hexID(field string, id []byte, size int) (string, *rejection) {
	if len(id) == 0 {
		return "", nil
	}
	if len(id) != size {
		return "", reject(reasonInvalid, "%s is %d bytes, want %d (%d hex digits in OTLP/JSON)", field, len(id), size, 2*size)
	}
	for _, b := range id {
		if b != 0 {
			return hex.EncodeToString(id), nil
		}
	}
	return "", nil
}

// severityName names a severity number as the OTLP data model does:
// TRACE, TRACE2 … FATAL4; "" when unspecified or unknown.
func severityName(n logspb.SeverityNumber) string {
	if n < logspb.SeverityNumber_SEVERITY_NUMBER_TRACE || n > logspb.SeverityNumber_SEVERITY_NUMBER_FATAL4 {
		return ""
	}
	return strings.TrimPrefix(n.String(), "SEVERITY_NUMBER_")
}

// exportAnswer is the OTLP answer: partial_success only when entries were
// rejected.
func exportAnswer(rejected []indexed) *collogspb.ExportLogsServiceResponse {
	resp := &collogspb.ExportLogsServiceResponse{}
	if len(rejected) > 0 {
		resp.PartialSuccess = &collogspb.ExportLogsPartialSuccess{
			RejectedLogRecords: int64(len(rejected)),
			ErrorMessage:       rejectionSummary(rejected),
		}
	}
	return resp
}

// rejectionSummary says why entries were rejected: the first few in full,
// then a count.
func rejectionSummary(rejected []indexed) string {
	const shown = 5
	var b strings.Builder
	fmt.Fprintf(&b, "%d rejected: ", len(rejected))
	for i, x := range rejected {
		if i == shown {
			fmt.Fprintf(&b, "; and %d more", len(rejected)-shown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(x.where + ": " + x.msg)
	}
	return b.String()
}
