package coverage

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// CallFilter selects recorded records to list (evidence-proxy calls, the
// admin listener's /calls). Its zero value selects every call record.
// Every condition set must hold.
type CallFilter struct {
	// FromSeq and ToSeq bound the sequence numbers, both included; 0 is
	// open.
	FromSeq, ToSeq uint64
	// Window bounds the record times (evidence.Window: since included,
	// until excluded).
	Window evidence.Window
	// Kind is the record kind: "" or "call" for calls, "event", "gap", or
	// "all".
	Kind string
	// Method is the request method, any case; "" any.
	Method string
	// Endpoint is a catalogue template (/cards/{cardId}), "other" for calls
	// outside the catalogue, or a prefix ending in "/*" (/cards/*); "" any.
	Endpoint string
	// Status is a comma-separated list of codes (404), classes (4xx), none
	// (no response) and error (the call has an error kind); "" any.
	Status string
	// Entity is an entity id (10001, a token): a path parameter, a query
	// parameter, or a top-level id member (cardholderId, cardId, …, token)
	// of the request or response body; "" any.
	Entity string
}

// Validate checks the filter, saying what is wrong.
func (f CallFilter) Validate() error {
	if f.FromSeq != 0 && f.ToSeq != 0 && f.FromSeq > f.ToSeq {
		return fmt.Errorf("sequence range %d–%d is empty", f.FromSeq, f.ToSeq)
	}
	switch f.Kind {
	case "", "call", "event", "gap", "all":
	default:
		return fmt.Errorf("kind %q: want call, event, gap or all", f.Kind)
	}
	if err := checkEndpointFilter(f.Endpoint); err != nil {
		return err
	}
	for _, s := range statusTerms(f.Status) {
		if !validStatusTerm(s) {
			return fmt.Errorf("status %q: want a code (404), a class (4xx), none or error, joined by commas", s)
		}
	}
	return nil
}

func checkEndpointFilter(ep string) error {
	if ep == "" || ep == OtherEndpoint || strings.HasSuffix(ep, "/*") {
		return nil
	}
	for _, e := range catalogue {
		if e.Template == ep {
			return nil
		}
	}
	return fmt.Errorf("endpoint %q is not in the catalogue: want a template such as /cards/{cardId}, other, or a prefix such as /cards/* (evidence-proxy matrix show lists them)", ep)
}

func statusTerms(s string) []string {
	var out []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func validStatusTerm(t string) bool {
	switch {
	case t == "none" || t == "error":
		return true
	case len(t) == 3 && t[0] >= '1' && t[0] <= '5' && t[1:] == "xx":
		return true
	}
	n, err := strconv.Atoi(t)
	return err == nil && n >= 100 && n <= 599 && len(t) == 3
}

// Match reports whether rec is selected.
func (f CallFilter) Match(rec *evidence.Record) bool {
	if !f.kindMatches(rec.Kind) || !f.seqMatches(rec.Seq) || !f.timeMatches(rec) {
		return false
	}
	if rec.Kind != evidence.KindCall {
		return f.Method == "" && f.Endpoint == "" && f.Status == "" && f.Entity == ""
	}
	if f.Method != "" && !strings.EqualFold(f.Method, rec.Request.Method) {
		return false
	}
	if f.Endpoint != "" && !endpointMatches(f.Endpoint, recordEndpoint(rec)) {
		return false
	}
	if f.Status != "" && !statusMatches(f.Status, rec) {
		return false
	}
	return f.Entity == "" || entityMatches(f.Entity, rec)
}

func (f CallFilter) kindMatches(k evidence.Kind) bool {
	switch f.Kind {
	case "", "call":
		return k == evidence.KindCall
	case "all":
		return true
	}
	return string(k) == f.Kind
}

func (f CallFilter) seqMatches(seq uint64) bool {
	return (f.FromSeq == 0 || seq >= f.FromSeq) && (f.ToSeq == 0 || seq <= f.ToSeq)
}

func (f CallFilter) timeMatches(rec *evidence.Record) bool {
	w := f.Window
	return (w.Since.IsZero() || !rec.Time.Before(w.Since)) && (w.Until.IsZero() || rec.Time.Before(w.Until))
}

func endpointMatches(want, got string) bool {
	if prefix, ok := strings.CutSuffix(want, "/*"); ok {
		return got != OtherEndpoint && (got == prefix || strings.HasPrefix(got, prefix+"/"))
	}
	return want == got
}

func statusMatches(terms string, rec *evidence.Record) bool {
	status := rec.Status()
	for _, t := range statusTerms(terms) {
		switch {
		case t == "none" && status == 0, t == "error" && rec.Error != nil:
			return true
		case strings.HasSuffix(t, "xx") && status != 0 && evidence.StatusClass(status) == t:
			return true
		case t == strconv.Itoa(status):
			return true
		}
	}
	return false
}

// entityMatches looks for the id among the call's path parameters, its
// query values and the top-level id members of its bodies.
func entityMatches(id string, rec *evidence.Record) bool {
	_, path, query := splitURL(rec.Request.URL)
	if ep := endpointIndex(rec.Request.Method, rec.Request.URL); ep >= 0 {
		var vals [maxParams]string
		defaultRoutes.lookup(rec.Request.Method, apiPath(path), &vals)
		for _, v := range vals[:len(defaultRoutes.params[ep])] {
			if v == id {
				return true
			}
		}
	}
	if q, err := url.ParseQuery(query); err == nil {
		for _, vs := range q {
			for _, v := range vs {
				if v == id {
					return true
				}
			}
		}
	}
	if bodyHasID(rec.Request.Body, id) {
		return true
	}
	return rec.Response != nil && bodyHasID(rec.Response.Body, id)
}

// bodyHasID reports whether a JSON object body has a top-level id member
// (a key ending in Id, or token or authRefNum) whose value is id, as a
// number or a string.
func bodyHasID(b evidence.Body, id string) bool {
	if b.Text == "" || !strings.Contains(b.Text, id) {
		return false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(b.Text), &obj) != nil {
		return false
	}
	for k, raw := range obj {
		if !strings.HasSuffix(k, "Id") && k != "id" && k != "token" && k != "authRefNum" {
			continue
		}
		v := strings.TrimSpace(string(raw))
		if v == id || v == strconv.Quote(id) {
			return true
		}
	}
	return false
}
