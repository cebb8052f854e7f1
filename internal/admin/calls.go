package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// CallRecords is the store /calls reads (recorder.Store): its head and its
// records in sequence order, as stored: redacted before they were written,
// so nothing /calls shows was ever secret.
type CallRecords interface {
	Head() (seq uint64, hash string)
	Iterate(ctx context.Context, fromSeq uint64, fn func(*evidence.Record) error) error
}

// Limits of GET /calls.
const (
	// DefaultCallLimit is how many calls /calls lists without ?limit=.
	DefaultCallLimit = 100
	// MaxCallLimit is the most ?limit= may ask for.
	MaxCallLimit = 1000
	// callScanMax is the most records one /calls request reads, newest
	// first: a filter that matches little on a large store says where it
	// stopped rather than reading everything.
	callScanMax = 200_000
	// callBlock is how many records are read at a time, going back.
	callBlock = 1000
)

// CallList is the answer of GET /calls?format=json.
type CallList struct {
	// Calls are the latest matching records, in ascending sequence order.
	Calls []coverage.CallSummary `json:"calls"`
	// Head is the store's last sequence number.
	Head uint64 `json:"head"`
	// Limit is the most calls listed.
	Limit int `json:"limit"`
	// More is set when older records may match too: more than Limit
	// matched, or the scan stopped at ScannedFrom.
	More bool `json:"more"`
	// ScannedFrom is the oldest sequence number read.
	ScannedFrom uint64 `json:"scanned_from"`
}

// CallDetail is the answer of GET /calls/{seq}?format=json.
type CallDetail struct {
	// Record is the record as stored (redacted), with its chain hashes.
	Record *evidence.Record `json:"record"`
	// EvidenceFor are the requirements whose evidence in the live report
	// names this record.
	EvidenceFor []EvidenceRef `json:"evidence_for"`
	// Contract is what holding the call against the API description
	// found (nil for events and gaps, or when no description was given).
	// Values are masked where they name or hold a secret.
	Contract *contract.Result `json:"contract,omitempty"`
}

// CheckContract returns d with the contract check of its record by check
// (Options.CheckCall); records that are not calls are left unchecked.
func (d CallDetail) CheckContract(check func(*evidence.Record) contract.Result) CallDetail {
	if check == nil || d.Record == nil || d.Record.Kind != evidence.KindCall {
		return d
	}
	res := check(d.Record)
	d.Contract = &res
	return d
}

// EvidenceRef is a requirement a record is evidence for (or, violated, the
// mishandling it shows).
type EvidenceRef struct {
	ID     string          `json:"id"`
	Title  string          `json:"title"`
	Status coverage.Status `json:"status"`
}

// CallQuery encodes a filter and a limit (0: the default) as the query of
// GET /calls; ParseCallQuery reads it back. Times are RFC 3339.
func CallQuery(f coverage.CallFilter, limit int) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.FromSeq != 0 {
		set("from", strconv.FormatUint(f.FromSeq, 10))
	}
	if f.ToSeq != 0 {
		set("to", strconv.FormatUint(f.ToSeq, 10))
	}
	if !f.Window.Since.IsZero() {
		set("since", f.Window.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Window.Until.IsZero() {
		set("until", f.Window.Until.UTC().Format(time.RFC3339Nano))
	}
	set("kind", f.Kind)
	set("method", f.Method)
	set("endpoint", f.Endpoint)
	set("status", f.Status)
	set("entity", f.Entity)
	if limit > 0 {
		set("limit", strconv.Itoa(limit))
	}
	return q
}

// ParseCallQuery reads the filter and limit of a GET /calls query; since
// and until may also be relative (2h, 7d) to now.
func ParseCallQuery(q url.Values, now time.Time) (coverage.CallFilter, int, error) {
	var f coverage.CallFilter
	var err error
	if f.FromSeq, err = seqParam(q, "from"); err != nil {
		return f, 0, err
	}
	if f.ToSeq, err = seqParam(q, "to"); err != nil {
		return f, 0, err
	}
	if f.Window, err = evidence.ParseWindow(q.Get("since"), q.Get("until"), now); err != nil {
		return f, 0, err
	}
	f.Kind, f.Method, f.Endpoint = q.Get("kind"), q.Get("method"), q.Get("endpoint")
	f.Status, f.Entity = q.Get("status"), q.Get("entity")
	if err := f.Validate(); err != nil {
		return f, 0, err
	}
	limit := DefaultCallLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxCallLimit {
			return f, 0, fmt.Errorf("limit %q: want 1 to %d", v, MaxCallLimit)
		}
		limit = n
	}
	return f, limit, nil
}

func seqParam(q url.Values, name string) (uint64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%s %q: want a sequence number (1 or more)", name, v)
	}
	return n, nil
}

// errStop ends an iteration early.
var errStop = errors.New("stop")

// ErrNoRecord is returned by FindRecord for a sequence number the store
// does not hold.
var ErrNoRecord = errors.New("no such record")

// LatestCalls lists the latest records f selects, at most limit, reading
// back from the head in blocks and at most callScanMax records.
func LatestCalls(ctx context.Context, src CallRecords, f coverage.CallFilter, limit int) (CallList, error) {
	head, _ := src.Head()
	out := CallList{Head: head, Limit: limit, Calls: []coverage.CallSummary{}}
	hi, lo := head, max(f.FromSeq, 1)
	if f.ToSeq != 0 {
		hi = min(hi, f.ToSeq)
	}
	for scanned := uint64(0); hi >= lo && hi > 0 && len(out.Calls) <= limit; {
		if scanned >= callScanMax {
			out.More = true
			break
		}
		from := max(lo, hi-min(hi, callBlock)+1)
		block, err := matchRange(ctx, src, f, from, hi)
		if err != nil {
			return CallList{}, err
		}
		out.Calls = append(block, out.Calls...)
		out.ScannedFrom = from
		scanned += hi - from + 1
		hi = from - 1
	}
	if len(out.Calls) > limit {
		out.Calls, out.More = out.Calls[len(out.Calls)-limit:], true
	}
	return out, nil
}

// matchRange summarises the records from..to that f selects.
func matchRange(ctx context.Context, src CallRecords, f coverage.CallFilter, from, to uint64) ([]coverage.CallSummary, error) {
	var out []coverage.CallSummary
	err := src.Iterate(ctx, from, func(r *evidence.Record) error {
		if r.Seq > to {
			return errStop
		}
		if f.Match(r) {
			out = append(out, coverage.SummarizeCall(r))
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, fmt.Errorf("read calls: %w", err)
	}
	return out, nil
}

// FindRecord returns record seq of the store.
func FindRecord(ctx context.Context, src CallRecords, seq uint64) (*evidence.Record, error) {
	if head, _ := src.Head(); seq == 0 || seq > head {
		return nil, fmt.Errorf("record %d: %w (the store holds 1–%d)", seq, ErrNoRecord, head)
	}
	var found *evidence.Record
	err := src.Iterate(ctx, seq, func(r *evidence.Record) error {
		found = r
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, fmt.Errorf("read record %d: %w", seq, err)
	}
	if found == nil || found.Seq != seq {
		return nil, fmt.Errorf("record %d: %w", seq, ErrNoRecord)
	}
	return found, nil
}

// evidenceFor lists the requirements of the live report whose evidence
// names seq; none without Options.Report.
func (o Options) evidenceFor(seq uint64) []EvidenceRef {
	out := []EvidenceRef{}
	if o.Report == nil {
		return out
	}
	for _, q := range coverage.EvidenceFor(o.Report(), seq) {
		out = append(out, EvidenceRef{ID: q.ID, Title: q.Title, Status: q.Status})
	}
	return out
}

// calls serves GET /calls: the latest calls, newest first in HTML.
func (o Options) calls(w http.ResponseWriter, r *http.Request) {
	f, limit, err := ParseCallQuery(r.URL.Query(), o.Now())
	if err != nil {
		writeText(w, http.StatusBadRequest, "calls: "+err.Error()+"\n")
		return
	}
	list, err := LatestCalls(r.Context(), o.Records, f, limit)
	if err != nil {
		o.Logger.Error("list calls", "err", err)
		writeText(w, http.StatusServiceUnavailable, "calls: the store could not be read\n")
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, list)
		return
	}
	o.writePage(w, http.StatusOK, "calls.html.tmpl", newCallsView(r.URL.Query(), list))
}

// call serves GET /calls/{seq}: one record as stored.
func (o Options) call(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("calls: %q is not a sequence number\n", r.PathValue("seq")))
		return
	}
	rec, err := FindRecord(r.Context(), o.Records, seq)
	switch {
	case errors.Is(err, ErrNoRecord):
		writeText(w, http.StatusNotFound, "calls: "+err.Error()+"\n")
		return
	case err != nil:
		o.Logger.Error("read call", "seq", seq, "err", err)
		writeText(w, http.StatusServiceUnavailable, "calls: the store could not be read\n")
		return
	}
	d := CallDetail{Record: rec, EvidenceFor: o.evidenceFor(seq)}.CheckContract(o.CheckCall)
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, d)
		return
	}
	o.writePage(w, http.StatusOK, "call.html.tmpl", newCallView(d))
}

// wantsJSON: ?format=json, or an Accept header asking for JSON only.
func wantsJSON(r *http.Request) bool {
	return r.URL.Query().Get("format") == "json" || r.Header.Get("Accept") == "application/json"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeText(w, http.StatusInternalServerError, "encode: "+err.Error()+"\n")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
