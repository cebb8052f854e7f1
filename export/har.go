package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The HAR member (traces.har) is HAR 1.2 (log.version "1.2") of the calls
// of a bundle, derived from its records so the auditor can open them in
// browser devtools, Charles, Fiddler or mitmproxy. It is written one entry
// at a time, so its size does not bound memory.
//
// Mapping from a record:
//   - startedDateTime is the time the proxy received the call (UTC, µs);
//     time is the whole call as the app saw it, in ms; timings split it
//     into wait (the upstream part) and receive (the rest), send is 0.
//   - request and response headers are listed sorted by name, as recorded,
//     redacted values included; cookies are not parsed out of redacted
//     headers, so cookies lists are empty; headersSize is -1 (unknown);
//     bodySize is the body's size on the wire.
//   - content.text holds the captured, decoded body, base64 with
//     encoding "base64" when it was not UTF-8; content._truncated marks a
//     body longer than the capture cap.
//   - a call without a response (refused, failed upstream) has status 0
//     and an _error {kind, message}; a proxy-made error answer keeps its
//     response and also gets _error and response._synthetic.
//   - _evidence carries the record's seq and hash (and instance in merged
//     bundles) so every entry can be traced to its record.
//   - gap records (calls that could not be recorded) have no entry; the
//     log's trailing _evidence object counts them.
//
// The HAR is a pure function of the records and the tool version, so
// verify can derive it again and compare.

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	Error           *harError   `json:"_error,omitempty"`
	Evidence        harEvidence `json:"_evidence"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []struct{}   `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int64        `json:"headersSize"`
	BodySize    int64        `json:"bodySize"`
}

type harPostData struct {
	MimeType  string `json:"mimeType"`
	Text      string `json:"text"`
	Encoding  string `json:"_encoding,omitempty"`
	Truncated bool   `json:"_truncated,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []struct{} `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int64      `json:"headersSize"`
	BodySize    int64      `json:"bodySize"`
	Synthetic   bool       `json:"_synthetic,omitempty"`
}

type harContent struct {
	Size        int64  `json:"size"`
	MimeType    string `json:"mimeType"`
	Text        string `json:"text,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
	Truncated   bool   `json:"_truncated,omitempty"`
	DecodeError string `json:"_decodeError,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

type harError struct {
	Kind    evidence.ErrorKind `json:"kind"`
	Message string             `json:"message"`
}

type harEvidence struct {
	Seq        uint64             `json:"seq"`
	Hash       string             `json:"hash"`
	Instance   string             `json:"instance,omitempty"`
	Mode       evidence.Mode      `json:"mode,omitempty"`
	TLS        *evidence.TLSFacts `json:"tls,omitempty"`
	Redactions int                `json:"redactions,omitempty"`
}

// harLogEvidence closes the log: it counts what the entries stand for.
type harLogEvidence struct {
	Records    int64 `json:"records"`
	Entries    int64 `json:"entries"`
	GapRecords int64 `json:"gap_records"`
}

// harWriter streams a HAR document.
type harWriter struct {
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
	sum harLogEvidence
}

func newHARWriter(w io.Writer) *harWriter {
	h := &harWriter{w: w}
	h.enc = json.NewEncoder(&h.buf)
	h.enc.SetEscapeHTML(false)
	return h
}

// begin writes the log header; version is the tool version.
func (h *harWriter) begin(version string) error {
	creator, err := json.Marshal(Tool{Name: ToolName, Version: version})
	if err != nil {
		return fmt.Errorf("encode har creator: %w", err)
	}
	_, err = fmt.Fprintf(h.w, "{\"log\":{\"version\":\"1.2\",\"creator\":%s,\"entries\":[", creator)
	return err
}

// add writes the entry of rec; instance is set in merged bundles.
func (h *harWriter) add(rec *evidence.Record, instance string) error {
	h.sum.Records++
	if rec.Kind == evidence.KindGap {
		h.sum.GapRecords++
		return nil
	}
	h.buf.Reset()
	if h.sum.Entries > 0 {
		h.buf.WriteByte(',')
	}
	h.buf.WriteByte('\n')
	if err := h.enc.Encode(harEntryOf(rec, instance)); err != nil {
		return fmt.Errorf("encode har entry %d: %w", rec.Seq, err)
	}
	h.buf.Truncate(h.buf.Len() - 1) // the encoder's newline
	h.sum.Entries++
	_, err := h.w.Write(h.buf.Bytes())
	return err
}

// end closes the entries and the log.
func (h *harWriter) end() error {
	tail, err := json.Marshal(h.sum)
	if err != nil {
		return fmt.Errorf("encode har summary: %w", err)
	}
	_, err = fmt.Fprintf(h.w, "\n],\"_evidence\":%s}}\n", tail)
	return err
}

func harEntryOf(rec *evidence.Record, instance string) *harEntry {
	// Times are split in whole microseconds, then shown in milliseconds.
	total := max(rec.DurationUS, 0)
	wait := min(max(rec.UpstreamUS, 0), total)
	e := &harEntry{
		StartedDateTime: rec.Time.UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		Time:            ms(total),
		Request:         harRequestOf(&rec.Request),
		Response:        harResponseOf(rec.Response),
		Timings:         harTimings{Wait: ms(wait), Receive: ms(total - wait)},
		Evidence: harEvidence{Seq: rec.Seq, Hash: rec.Hash, Instance: instance,
			Mode: rec.Mode, TLS: rec.TLS, Redactions: rec.Redactions},
	}
	if rec.Error != nil {
		e.Error = &harError{Kind: rec.Error.Kind, Message: rec.Error.Message}
	}
	return e
}

func ms(us int64) float64 { return float64(us) / 1000 }

func harRequestOf(r *evidence.Request) harRequest {
	hr := harRequest{
		Method:      r.Method,
		URL:         r.URL,
		HTTPVersion: r.Proto,
		Cookies:     []struct{}{},
		Headers:     harHeaders(r.Header),
		QueryString: harQuery(r.URL),
		HeadersSize: -1,
		BodySize:    r.Body.Size,
	}
	if r.Body.Size > 0 || r.Body.Text != "" || r.Body.Base64 != "" {
		hr.PostData = &harPostData{MimeType: r.Header.Get("Content-Type"), Text: r.Body.Text, Truncated: r.Body.Truncated}
		if r.Body.Base64 != "" {
			hr.PostData.Text, hr.PostData.Encoding = r.Body.Base64, "base64"
		}
	}
	return hr
}

func harResponseOf(r *evidence.Response) harResponse {
	if r == nil {
		return harResponse{Cookies: []struct{}{}, Headers: []harNV{}, HeadersSize: -1, BodySize: -1}
	}
	c := harContent{
		Size:        int64(len(r.Body.Text)),
		MimeType:    r.Header.Get("Content-Type"),
		Text:        r.Body.Text,
		Truncated:   r.Body.Truncated,
		DecodeError: r.Body.DecodeError,
	}
	if r.Body.Base64 != "" {
		c.Size, c.Text, c.Encoding = base64Len(r.Body.Base64), r.Body.Base64, "base64"
	}
	return harResponse{
		Status:      r.Status,
		StatusText:  http.StatusText(r.Status),
		HTTPVersion: r.Proto,
		Cookies:     []struct{}{},
		Headers:     harHeaders(r.Header),
		Content:     c,
		RedirectURL: r.Header.Get("Location"),
		HeadersSize: -1,
		BodySize:    r.Body.Size,
		Synthetic:   r.Synthetic,
	}
}

// harHeaders lists h sorted by name, values in recorded order.
func harHeaders(h http.Header) []harNV {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]harNV, 0, len(h))
	for _, name := range names {
		for _, v := range h[name] {
			out = append(out, harNV{Name: name, Value: v})
		}
	}
	return out
}

// harQuery lists the query parameters of raw in their order.
func harQuery(raw string) []harNV {
	out := []harNV{}
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return out
	}
	for _, part := range strings.Split(u.RawQuery, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, harNV{Name: unescapeQuery(name), Value: unescapeQuery(value)})
	}
	return out
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// base64Len is the decoded length of a padded standard base64 string.
func base64Len(s string) int64 {
	n := int64(len(s)) / 4 * 3
	for i := len(s) - 1; i >= 0 && i >= len(s)-2 && s[i] == '='; i-- {
		n--
	}
	return n
}
