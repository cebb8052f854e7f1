package coverage

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// trace builds a record sequence the way the proxy would record it: one
// call record per call, sequence numbers from 1, times from a fixed start,
// each call one second after the one before unless told otherwise.
type trace struct {
	recs []*evidence.Record
	now  time.Time
	last time.Time
	gap  time.Duration
}

var traceStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newTrace() *trace { return &trace{now: traceStart, last: traceStart, gap: time.Second} }

// wait moves the clock of the next call forward by d (on top of the usual
// second).
func (tr *trace) wait(d time.Duration) *trace {
	tr.now = tr.now.Add(d)
	return tr
}

// then makes the next call start d after the previous one started.
func (tr *trace) then(d time.Duration) *trace {
	tr.now = tr.last.Add(d)
	return tr
}

// callOpt changes a record before it is added.
type callOpt func(*evidence.Record)

func withHeader(k, v string) callOpt {
	return func(r *evidence.Record) {
		if r.Response.Header == nil {
			r.Response.Header = http.Header{}
		}
		r.Response.Header.Set(k, v)
	}
}

func withHost(h string) callOpt {
	return func(r *evidence.Record) {
		r.Request.URL = strings.Replace(r.Request.URL, "staging.api.axyscards.com", h, 1)
	}
}

// refused makes the record a guard refusal: a synthetic 403.
func refused(message string) callOpt {
	return func(r *evidence.Record) {
		r.Response = &evidence.Response{Status: 403, Synthetic: true, Body: evidence.NewBody([]byte(`{"status":"error"}`), 18, false)}
		r.Error = &evidence.CallError{Kind: evidence.ErrGuardRefused, Message: message}
	}
}

func synthetic() callOpt { return func(r *evidence.Record) { r.Response.Synthetic = true } }

func truncatedResponse() callOpt {
	return func(r *evidence.Record) { r.Response.Body.Truncated = true }
}

func lasting(d time.Duration) callOpt {
	return func(r *evidence.Record) { r.DurationUS = d.Microseconds() }
}

// call adds a call to path (below /v2, query allowed) answered with status
// (0: no response) and returns its sequence number.
func (tr *trace) call(method, path string, status int, reqBody, respBody string, opts ...callOpt) uint64 {
	seq := uint64(len(tr.recs) + 1)
	r := &evidence.Record{
		V: evidence.Version, Seq: seq, Kind: evidence.KindCall, Time: tr.now, DurationUS: 1000, Mode: evidence.ModeBaseURL,
		Request: evidence.Request{Method: method, URL: "https://staging.api.axyscards.com/v2" + path,
			Body: evidence.NewBody([]byte(reqBody), int64(len(reqBody)), false)},
	}
	if status != 0 {
		r.Response = &evidence.Response{Status: status, Body: evidence.NewBody([]byte(respBody), int64(len(respBody)), false)}
	}
	for _, o := range opts {
		o(r)
	}
	tr.recs = append(tr.recs, r)
	tr.last = tr.now
	tr.now = tr.now.Add(tr.gap)
	return seq
}

func (tr *trace) get(path string, respBody string, opts ...callOpt) uint64 {
	return tr.call("GET", path, 200, "", respBody, opts...)
}

// gapRecord adds a gap record.
func (tr *trace) gapRecord(lost uint64) uint64 {
	seq := uint64(len(tr.recs) + 1)
	tr.recs = append(tr.recs, &evidence.Record{V: evidence.Version, Seq: seq, Kind: evidence.KindGap, Time: tr.now, Gap: &evidence.Gap{Lost: lost, Reason: "queue full"}})
	return seq
}

// report classifies the trace against the built-in matrix.
func (tr *trace) report(t *testing.T) *Report {
	t.Helper()
	return classify(t, DefaultMatrix(), tr.recs)
}

func classify(t *testing.T, m *Matrix, recs []*evidence.Record) *Report {
	t.Helper()
	e := NewEngine(m)
	for _, r := range recs {
		e.Observe(r)
	}
	return e.Report()
}

// result returns the verdict on one requirement.
func result(t *testing.T, r *Report, id string) RequirementResult {
	t.Helper()
	for _, res := range r.Requirements {
		if res.ID == id {
			return res
		}
	}
	t.Fatalf("no requirement %q in the report", id)
	return RequirementResult{}
}

// readJSONL reads records, one JSON object a line.
func readJSONL(t *testing.T, path string) []*evidence.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*evidence.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var r evidence.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, &r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// writeJSONL writes records one a line, hash-chained as the recorder
// would store them.
func writeJSONL(t *testing.T, path string, recs []*evidence.Record) {
	t.Helper()
	prev := evidence.GenesisHash
	for _, r := range recs {
		if err := r.Seal(prev); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Response bodies the emulator gives, in short.
func cardholderBody(id, status int) string {
	return `{"cardholderId":` + itoa(id) + `,"status":` + itoa(status) + `,"firstName":"Jordan","lastName":"Reyes"}`
}

func cardBody(id, issuer int) string {
	return `{"status":"success","cardId":` + itoa(id) + `,"cardholderId":10001,"type":"virtual","issuerCardStatus":` + itoa(issuer) +
		`,"cryptoAddresses":[{"chain":"evm","address":"0xabc"}]}`
}

func balanceBody(id, ledger, available int) string {
	return `{"status":"success","cardId":` + itoa(id) + `,"ledgerBalance":` + itoa(ledger) + `,"availableBalance":` + itoa(available) + `,"currency":0}`
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

const okBody = `{"status":"success"}`
