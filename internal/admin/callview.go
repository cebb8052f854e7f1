package admin

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The HTML views of /calls and /calls/{seq}. Everything shown comes from
// the record as stored, through html/template's escaping: a header or a
// body holding markup is shown as text.

func pageFuncs() template.FuncMap {
	return template.FuncMap{
		"when":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") },
		"answer": coverage.CallSummary.Answer,
		"class":  statusClass,
		"anchor": coverage.RequirementAnchor,
	}
}

// statusClass is the colour class of a status: s2xx … s5xx, or snone.
func statusClass(status int) string {
	if status == 0 {
		return "snone"
	}
	return "s" + evidence.StatusClass(status)
}

// callsView is the /calls page.
type callsView struct {
	List CallList
	// Newest are the calls newest first.
	Newest []coverage.CallSummary
	// Form holds the filter fields as given, to fill the form again.
	Form map[string]string
	// Fields are the filter form's fields in order.
	Fields []formField
}

type formField struct {
	Name, Label, Hint string
}

func filterFields() []formField {
	return []formField{
		{"from", "From seq", "12"}, {"to", "To seq", "400"},
		{"since", "Since", "2h, 2026-03-14T09:00:00Z"}, {"until", "Until", "now"},
		{"method", "Method", "PUT"}, {"endpoint", "Endpoint", "/cards/{cardId} or /cards/*"},
		{"status", "Status", "404, 4xx, none, error"}, {"entity", "Entity id", "10001"},
		{"kind", "Kind", "call, event, gap, all"}, {"limit", "Limit", strconv.Itoa(DefaultCallLimit)},
	}
}

func newCallsView(q url.Values, list CallList) callsView {
	v := callsView{List: list, Newest: slices.Clone(list.Calls), Form: map[string]string{}, Fields: filterFields()}
	slices.Reverse(v.Newest)
	for _, f := range v.Fields {
		v.Form[f.Name] = q.Get(f.Name)
	}
	return v
}

// callView is the /calls/{seq} page.
type callView struct {
	CallDetail
	Summary  coverage.CallSummary
	Request  messageView
	Response *messageView
	// Duration is the whole call; Upstream the part spent on the upstream.
	Duration, Upstream string
}

// messageView is a request or a response as recorded.
type messageView struct {
	Line    string
	Headers []headerLine
	Body    bodyView
}

type headerLine struct{ Name, Value string }

// bodyView is a body as recorded: its text, or its bytes in base64.
type bodyView struct {
	Size      int64
	Encoding  string
	Text      string
	Base64    string
	Truncated bool
	Decode    string
	Empty     bool
}

func newCallView(d CallDetail) callView {
	rec := d.Record
	v := callView{CallDetail: d, Summary: coverage.SummarizeCall(rec),
		Duration: usText(rec.DurationUS), Upstream: usText(rec.UpstreamUS)}
	v.Request = messageView{Line: strings.TrimSpace(rec.Request.Method + " " + rec.Request.URL + " " + rec.Request.Proto),
		Headers: headerLines(rec.Request.Header), Body: newBodyView(rec.Request.Body)}
	if r := rec.Response; r != nil {
		line := strings.TrimSpace(r.Proto + " " + strconv.Itoa(r.Status) + " " + http.StatusText(r.Status))
		if r.Synthetic {
			line += " (answered by the proxy)"
		}
		v.Response = &messageView{Line: line, Headers: headerLines(r.Header), Body: newBodyView(r.Body)}
	}
	return v
}

func newBodyView(b evidence.Body) bodyView {
	return bodyView{Size: b.Size, Encoding: b.ContentEncoding, Text: b.Text, Base64: b.Base64,
		Truncated: b.Truncated, Decode: b.DecodeError, Empty: b.Text == "" && b.Base64 == ""}
}

// headerLines lists headers sorted by name, each value on its own line.
func headerLines(h http.Header) []headerLine {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []headerLine
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, headerLine{Name: k, Value: v})
		}
	}
	return out
}

func usText(us int64) string {
	return (time.Duration(us) * time.Microsecond).String()
}
