package coverage

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// CallSummary is one call as a report lists it: what identifies it, no
// URL, header or body (an id in a path is not shown either: the endpoint
// is its template). An app event (evidence for event steps) or a gap is
// summarised too: Method EVENT and the event's name, or GAP and its
// cause.
type CallSummary struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	// Method is the request method; Endpoint the catalogue template
	// (/cards/{cardId}), or "other" outside the catalogue.
	Method   string `json:"method"`
	Endpoint string `json:"endpoint"`
	// Status is the response status, 0 without a response; Synthetic is
	// set when the proxy answered itself.
	Status    int                `json:"status,omitempty"`
	Synthetic bool               `json:"synthetic,omitempty"`
	ErrorKind evidence.ErrorKind `json:"error_kind,omitempty"`
}

// Answer is the status as a list shows it: the code, with " (proxy)"
// when the proxy answered itself, "none" without a response, and "" for
// records that are not calls (events, gaps).
func (c CallSummary) Answer() string {
	switch {
	case c.Method == EventMethod || c.Method == GapMethod:
		return ""
	case c.Status == 0:
		return "none"
	case c.Synthetic:
		return strconv.Itoa(c.Status) + " (proxy)"
	}
	return strconv.Itoa(c.Status)
}

// Method values of records other than calls.
const (
	EventMethod = "EVENT"
	GapMethod   = "GAP"
)

// SummarizeCall returns the summary of a record.
func SummarizeCall(rec *evidence.Record) CallSummary {
	switch rec.Kind {
	case evidence.KindEvent:
		s := CallSummary{Seq: rec.Seq, Time: rec.Time, Method: EventMethod}
		if rec.Event != nil {
			s.Endpoint = rec.Event.Name
		}
		return s
	case evidence.KindGap:
		s := CallSummary{Seq: rec.Seq, Time: rec.Time, Method: GapMethod}
		if rec.Gap != nil {
			s.Endpoint = rec.Gap.Cause
		}
		return s
	}
	s := CallSummary{Seq: rec.Seq, Time: rec.Time, Method: rec.Request.Method, Endpoint: recordEndpoint(rec)}
	if r := rec.Response; r != nil {
		s.Status, s.Synthetic = r.Status, r.Synthetic
	}
	if rec.Error != nil {
		s.ErrorKind = rec.Error.Kind
	}
	return s
}

// recordEndpoint is the catalogue template of a call, as the classifier
// finds it: only paths below /v2 are in the catalogue.
func recordEndpoint(rec *evidence.Record) string {
	if ep := endpointIndex(rec.Request.Method, rec.Request.URL); ep >= 0 {
		return catalogue[ep].Template
	}
	return OtherEndpoint
}

func endpointIndex(method, rawURL string) int {
	if method == "CONNECT" {
		return -1
	}
	_, path, _ := splitURL(rawURL)
	if !strings.HasPrefix(path, "/v2/") {
		return -1
	}
	var vals [maxParams]string
	return defaultRoutes.lookup(method, apiPath(path), &vals)
}

// CallList collects the summaries of the calls of a record stream, to
// embed the ones a report's evidence names (a bundle's HTML links its
// evidence numbers to them). Its memory grows with the calls: about 40
// bytes each (a million calls, 40 MB), so it is meant for a one-off
// pass such as an export, not for the live sidecar. The zero value is
// ready to use; it is not safe for concurrent use.
type CallList struct {
	calls []compactCall
}

// compactCall is a CallSummary in fewer bytes: the endpoint as its
// catalogue index (-1: other), the time in nanoseconds; an event's name
// in name.
type compactCall struct {
	seq    uint64
	unixNS int64
	method string
	name   string
	event  bool
	ep     int16
	status int16
	synth  bool
	err    evidence.ErrorKind
}

// Add notes a record: calls and app events (evidence may name both);
// gaps are skipped. Records must come in sequence order.
func (l *CallList) Add(rec *evidence.Record) {
	switch rec.Kind {
	case evidence.KindEvent:
		c := compactCall{seq: rec.Seq, unixNS: rec.Time.UnixNano(), method: EventMethod, event: true, ep: -1}
		if rec.Event != nil {
			c.name = rec.Event.Name
		}
		l.calls = append(l.calls, c)
		return
	case evidence.KindCall:
	default:
		return
	}
	c := compactCall{seq: rec.Seq, unixNS: rec.Time.UnixNano(), method: rec.Request.Method,
		ep: int16(endpointIndex(rec.Request.Method, rec.Request.URL))}
	if r := rec.Response; r != nil {
		c.status, c.synth = int16(min(max(r.Status, 0), 32767)), r.Synthetic
	}
	if rec.Error != nil {
		c.err = rec.Error.Kind
	}
	l.calls = append(l.calls, c)
}

// Len is the number of calls noted.
func (l *CallList) Len() int { return len(l.calls) }

// Evidence returns the summaries of the calls that r's evidence lists
// name, in sequence order.
func (l *CallList) Evidence(r *Report) []CallSummary {
	var out []CallSummary
	for _, seq := range EvidenceSeqs(r) {
		i, ok := slices.BinarySearchFunc(l.calls, seq, func(c compactCall, s uint64) int { return cmpSeq(c.seq, s) })
		if ok {
			out = append(out, l.calls[i].summary())
		}
	}
	return out
}

func (c compactCall) summary() CallSummary {
	s := CallSummary{Seq: c.seq, Time: time.Unix(0, c.unixNS).UTC(), Method: c.method, Endpoint: OtherEndpoint,
		Status: int(c.status), Synthetic: c.synth, ErrorKind: c.err}
	switch {
	case c.event:
		s.Endpoint = c.name
	case c.ep >= 0:
		s.Endpoint = catalogue[c.ep].Template
	}
	return s
}

// EvidenceSeqs lists the sequence numbers every requirement's evidence
// names, ascending and without repeats.
func EvidenceSeqs(r *Report) []uint64 {
	var out []uint64
	for _, q := range r.Requirements {
		out = append(out, q.Evidence...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// EvidenceFor returns the requirements whose evidence names seq, in
// matrix order: what a call is evidence for (or, for a violated
// requirement, the mishandling it shows).
func EvidenceFor(r *Report, seq uint64) []RequirementResult {
	var out []RequirementResult
	for _, q := range r.Requirements {
		if slices.Contains(q.Evidence, seq) {
			out = append(out, q)
		}
	}
	return out
}
