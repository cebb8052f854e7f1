package events

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// draft is an event decoded from either endpoint, before the limits and
// the mapping apply.
type draft struct {
	source   string
	name     string
	time     time.Time
	severity string
	traceID  string
	spanID   string
	attrs    []member // sorted, keys unique
	// resource is the emitting service's attributes, already encoded
	// within the limits (shared by the events of one OTLP resource).
	resource []byte
	body     string
	// size is the entry's size as sent; cut says decoding already had
	// to truncate (values nested too deep).
	size int
	cut  bool
}

// rejection is why an entry was refused: reason is a metric label, msg
// is for the app.
type rejection struct {
	reason string
	msg    string
}

// Rejection reasons (the values of the rejected_total metric's label).
const (
	reasonNoName    = "no_name"
	reasonOversized = "oversized"
	reasonInvalid   = "invalid"
)

func reject(reason, format string, args ...any) *rejection {
	return &rejection{reason: reason, msg: fmt.Sprintf(format, args...)}
}

// record applies the limits and the mapping to d and builds its record,
// stamped with the time the request was received and the client's
// address.
func (r *Receiver) record(d *draft, received time.Time, client string) (*evidence.Record, *rejection) {
	o := &r.opts
	switch {
	case d.size > o.MaxEventBytes:
		return nil, reject(reasonOversized, "entry of %d bytes exceeds the limit of %d bytes per event", d.size, o.MaxEventBytes)
	case strings.TrimSpace(d.name) == "":
		return nil, reject(reasonNoName, "no event name (set the log record's event_name, or an event.name string attribute)")
	case len(d.name) > maxNameBytes:
		return nil, reject(reasonOversized, "event name of %d bytes exceeds the limit of %d bytes", len(d.name), maxNameBytes)
	}
	attrs := r.opts.Mapping.apply(d.attrs)
	cut := d.cut
	ev := &evidence.Event{
		Name: validText(d.name), Source: d.source, Severity: validText(d.severity),
		TraceID: d.traceID, SpanID: d.spanID,
	}
	if !d.time.IsZero() {
		ev.Time = d.time.UTC().Round(0)
	}
	ev.Attributes = capObject(attrs, o.MaxAttributesBytes, o.MaxValueBytes, &cut)
	// Each record gets its own copy: the recorder may rewrite what it
	// redacts.
	ev.Resource = slices.Clone(d.resource)
	ev.Body = capText(d.body, o.MaxBodyBytes, &cut)
	ev.Truncated = cut
	return &evidence.Record{Kind: evidence.KindEvent, Time: received, ClientAddr: client, Event: ev}, nil
}

// apply adds, for each mapped app attribute present, the documented
// attribute with the same value, unless the event already has it (the
// app's own value of a documented name wins). ms must be sorted; the
// result is sorted.
func (m Mapping) apply(ms []member) []member {
	if len(m) == 0 || len(ms) == 0 {
		return ms
	}
	for _, from := range m.sorted() {
		src, ok := findMember(ms, from)
		if !ok {
			continue
		}
		if _, exists := findMember(ms, m[from]); exists {
			continue
		}
		ms = append(ms, member{key: m[from], raw: src.raw})
		slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	}
	return ms
}

// findMember finds key in sorted members.
func findMember(ms []member, key string) (member, bool) {
	i, ok := slices.BinarySearchFunc(ms, key, func(m member, k string) int { return strings.Compare(m.key, k) })
	if !ok {
		return member{}, false
	}
	return ms[i], true
}

// kept reports attributes never dropped for size: the documented ones.
func kept(key string) bool {
	return key == AttrEventName || key == AttrTraceparent || IsEntityAttribute(key)
}

// capObject encodes sorted members as a JSON object within the limits:
// values over maxValue become strings of their first bytes, and past
// maxTotal the members that are not kept are dropped from the end of the
// key order. It returns nil for no members.
func capObject(ms []member, maxTotal, maxValue int, cut *bool) []byte {
	if len(ms) == 0 {
		return nil
	}
	total := 2
	for i := range ms {
		if len(ms[i].raw) > maxValue {
			ms[i].raw = truncatedValue(ms[i].raw, maxValue)
			*cut = true
		}
		total += len(ms[i].key) + len(ms[i].raw) + 4
	}
	if total > maxTotal {
		ms = dropToFit(ms, total, maxTotal)
		*cut = true
	}
	return appendObject(make([]byte, 0, total), ms)
}

// dropToFit drops members that are not kept, last key first, until the
// estimated size fits.
func dropToFit(ms []member, total, maxTotal int) []member {
	drop := make([]bool, len(ms))
	for i := len(ms) - 1; i >= 0 && total > maxTotal; i-- {
		if !kept(ms[i].key) {
			drop[i] = true
			total -= len(ms[i].key) + len(ms[i].raw) + 4
		}
	}
	out := ms[:0]
	for i, m := range ms {
		if !drop[i] {
			out = append(out, m)
		}
	}
	return out
}

// truncatedValue replaces an over-long JSON value by a JSON string: a
// string value keeps its first characters, any other value its first
// bytes of JSON text.
func truncatedValue(raw []byte, max int) []byte {
	text := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		text = jsonStringText(raw)
	}
	return appendJSONString(nil, cutUTF8(text, max-16))
}

// jsonStringText decodes a JSON string value.
func jsonStringText(raw []byte) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw)
	}
	return s
}

// capText cuts s to max bytes at a character boundary.
func capText(s string, max int, cut *bool) string {
	s = validText(s)
	if len(s) <= max {
		return s
	}
	*cut = true
	return cutUTF8(s, max)
}

// cutUTF8 returns the longest prefix of s of at most n bytes that ends on
// a character boundary.
func cutUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// validText replaces invalid UTF-8, which the canonical form cannot keep.
func validText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
