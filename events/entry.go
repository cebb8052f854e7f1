package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Entry is one event of POST /events, for apps without OpenTelemetry:
//
//	{"name": "card.shown", "time": "2026-11-25T09:00:01.5Z",
//	 "attributes": {"axys.card_id": "8812", "screen": "wallet"}}
//
// Only name is required. time is RFC 3339 (the app's clock; omitted, the
// event has only the time it was received). traceparent (or a traceparent
// attribute) is a W3C trace context linking the event to the calls of that
// trace; trace_id and span_id (hex) may be given instead. attributes and
// resource are JSON objects of any values. Unknown fields are refused, so a
// misspelt field is an error rather than lost evidence.
type Entry struct {
	Name        string         `json:"name"`
	Time        string         `json:"time,omitempty"`
	Severity    string         `json:"severity,omitempty"`
	Traceparent string         `json:"traceparent,omitempty"`
	TraceID     string         `json:"trace_id,omitempty"`
	SpanID      string         `json:"span_id,omitempty"`
	Attributes  map[string]any `json:"attributes,omitempty"`
	Resource    map[string]any `json:"resource,omitempty"`
	// Body is text, or any JSON value (stored as its JSON text).
	Body any `json:"body,omitempty"`
}

// Result is the answer of POST /events.
type Result struct {
	Accepted int          `json:"accepted"`
	Rejected int          `json:"rejected"`
	Errors   []EntryError `json:"errors,omitempty"`
	// Error says why the request as a whole failed (bad JSON, store
	// unavailable …); entries are then neither accepted nor rejected.
	Error string `json:"error,omitempty"`
}

// EntryError is why one entry was rejected; Index is its position in the
// request (0 for a single object).
type EntryError struct {
	Index   int    `json:"index"`
	Message string `json:"message"`
}

// splitEntries splits a POST /events body, one object or an array of
// them, into the raw entries.
func splitEntries(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return nil, errors.New("empty body: want a JSON object or an array of them")
	case body[0] == '{':
		if !json.Valid(body) {
			return nil, errors.New("body is not valid JSON")
		}
		return []json.RawMessage{body}, nil
	case body[0] == '[':
		var raws []json.RawMessage
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, fmt.Errorf("decode array of events: %w", err)
		}
		return raws, nil
	}
	return nil, errors.New("body is neither a JSON object nor an array")
}

// entryDraft decodes one raw entry.
func (r *Receiver) entryDraft(raw json.RawMessage, source string) (*draft, *rejection) {
	if len(raw) > r.opts.MaxEventBytes {
		return nil, reject(reasonOversized, "entry of %d bytes exceeds the limit of %d bytes per event", len(raw), r.opts.MaxEventBytes)
	}
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, reject(reasonInvalid, "%s", entryError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, reject(reasonInvalid, "entry: data after the object")
	}
	d := &draft{source: source, name: e.Name, severity: e.Severity, size: len(raw)}
	if rej := d.setTime(e.Time); rej != nil {
		return nil, rej
	}
	if rej := d.setTrace(&e); rej != nil {
		return nil, rej
	}
	d.attrs = anyMembers(e.Attributes, &d.cut)
	if len(e.Resource) > 0 {
		d.resource = capObject(anyMembers(e.Resource, &d.cut), r.opts.MaxAttributesBytes, r.opts.MaxValueBytes, &d.cut)
	}
	if s, ok := e.Body.(string); ok {
		d.body = s
	} else if e.Body != nil {
		d.body = string(appendJSONValue(nil, e.Body, 0, &d.cut))
	}
	return d, nil
}

// entryError words a decoding error without quoting the entry's values
// (which may hold secrets the recorder has not redacted yet).
func entryError(err error) string {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &ute):
		return fmt.Sprintf("field %q: got a JSON %s, want %s", ute.Field, ute.Value, ute.Type)
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	return err.Error()
}

// setTime parses the entry's RFC 3339 time.
func (d *draft) setTime(s string) *rejection {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return reject(reasonInvalid, "time %q is not RFC 3339 (2026-11-25T09:00:01Z)", cutUTF8(s, 64))
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return reject(reasonInvalid, "time %q is out of range", s)
	}
	d.time = t
	return nil
}

// setTrace takes the trace context from traceparent (the field, else the
// attribute), else from trace_id and span_id.
func (d *draft) setTrace(e *Entry) *rejection {
	tp := e.Traceparent
	if tp == "" {
		if s, ok := e.Attributes[AttrTraceparent].(string); ok {
			tp = s
		}
	}
	if tp != "" {
		t, err := ParseTraceparent(tp)
		if err != nil {
			return reject(reasonInvalid, "%v", err)
		}
		d.traceID, d.spanID = t.TraceID, t.SpanID
		return nil
	}
	var err error
	if d.traceID, err = hexField("trace_id", e.TraceID, 32); err != nil {
		return reject(reasonInvalid, "%v", err)
	}
	if d.spanID, err = hexField("span_id", e.SpanID, 16); err != nil {
		return reject(reasonInvalid, "%v", err)
	}
	return nil
}

// anyMembers encodes decoded attributes as sorted members.
func anyMembers(m map[string]any, cut *bool) []member {
	if len(m) == 0 {
		return nil
	}
	ms := make([]member, 0, len(m))
	for k, v := range m {
		ms = append(ms, member{key: k, raw: appendJSONValue(nil, v, 0, cut)})
	}
	return sortMembers(ms)
}

// sourceOf is the Event.Source of a POST /events request: the event
// command marks its requests with the X-Evidence-Source header.
func sourceOf(header string) string {
	if header == evidence.EventSourceCLI {
		return evidence.EventSourceCLI
	}
	return evidence.EventSourceEvents
}
