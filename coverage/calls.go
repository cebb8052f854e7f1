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
