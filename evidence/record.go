// Package evidence defines the evidence record: the one shape in which a
// proxied call (or an event the app reports about its own handling, or a
// gap standing for what could not be recorded) is handed to the recorder,
// stored, classified for coverage and exported in bundles.
//
// A Record is plain data. It knows nothing of HTTP handling, bbolt or the
// coverage matrix; every other package of evidence-proxy imports it and it
// imports none of them.
//
// # Canonical form and the hash chain
//
// The canonical form of a record is its encoding/json encoding with Hash
// empty. Records are chained: each carries the Hash of the record before it
// in PrevHash (GenesisHash for the first), and its own Hash is
//
//	hex(SHA-256("evidence-proxy/record/v1\n" || PrevHash || "\n" || canonical))
//
// so changing, inserting, deleting or reordering any record breaks the chain
// from that point on. Text must be valid UTF-8 for the canonical form to
// survive a JSON round trip; NewBody takes care of that for bodies.
package evidence

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"
)

// Version is the schema version written in every record's V field.
const Version = 1

// Kind says what a record stands for.
type Kind string

const (
	// KindCall is one call made by the app, whatever became of it:
	// forwarded, failed upstream or refused by the proxy.
	KindCall Kind = "call"
	// KindGap stands for calls that could not be recorded (async durability
	// with a full queue). It keeps the sequence honest: nothing is dropped
	// silently.
	KindGap Kind = "gap"
	// KindEvent is an event the app reported about its own handling (an
	// OpenTelemetry log record or a POST /events entry): evidence that it
	// acted on what its calls showed.
	KindEvent Kind = "event"
)

// Mode is how the app reached the proxy.
type Mode string

const (
	// ModeBaseURL is the app pointing its base URL at the proxy.
	ModeBaseURL Mode = "base-url"
	// ModeMITM is the app using the proxy as HTTPS_PROXY (CONNECT, then TLS
	// terminated by the proxy's local CA).
	ModeMITM Mode = "mitm"
)

// ErrorKind classifies why a call did not get an upstream response. The set
// is closed so it can be used as a metric label.
type ErrorKind string

const (
	ErrNone             ErrorKind = ""
	ErrGuardRefused     ErrorKind = "guard_refused"     // host not allowlisted (production, unknown host)
	ErrConnectRefused   ErrorKind = "connect_refused"   // upstream refused the TCP connection
	ErrDNS              ErrorKind = "dns"               // upstream name did not resolve
	ErrTLS              ErrorKind = "tls"               // upstream handshake or certificate failure
	ErrReset            ErrorKind = "reset"             // connection reset or closed mid-call
	ErrTimeout          ErrorKind = "timeout"           // a dial, handshake, header or idle timeout
	ErrCanceled         ErrorKind = "canceled"          // the app went away before the answer
	ErrBadRequest       ErrorKind = "bad_request"       // the app's request could not be forwarded
	ErrStoreUnavailable ErrorKind = "store_unavailable" // refused because the store is broken
	ErrUpstream         ErrorKind = "upstream"          // any other upstream transport failure
	ErrInternal         ErrorKind = "internal"          // the proxy itself failed (a recovered panic)
)

// Record is one entry of the evidence log. Field order is part of the
// canonical form: do not reorder fields, add new ones at the end of their
// struct with omitempty.
type Record struct {
	V    int    `json:"v"`
	Seq  uint64 `json:"seq"`
	Kind Kind   `json:"kind"`
	// Time is when the proxy received the call, in UTC.
	Time time.Time `json:"time"`
	// DurationUS is the whole call as the app saw it; UpstreamUS the part
	// spent waiting on the upstream. Microseconds.
	DurationUS int64     `json:"duration_us"`
	UpstreamUS int64     `json:"upstream_us"`
	Mode       Mode      `json:"mode,omitempty"`
	ClientAddr string    `json:"client_addr,omitempty"`
	TLS        *TLSFacts `json:"tls,omitempty"`
	// Trace is the W3C trace context the app sent with the call, if any.
	Trace    *Trace     `json:"trace,omitempty"`
	Request  Request    `json:"request"`
	Response *Response  `json:"response,omitempty"`
	Error    *CallError `json:"error,omitempty"`
	Gap      *Gap       `json:"gap,omitempty"`
	// Event is set on KindEvent records, which have an empty Request.
	Event *Event `json:"event,omitempty"`
	// Redactions counts the values replaced by the recorder.
	Redactions int    `json:"redactions,omitempty"`
	PrevHash   string `json:"prev_hash"`
	Hash       string `json:"hash,omitempty"`
}

// TLSFacts are the TLS details of the call, for the auditor.
type TLSFacts struct {
	// Version of the upstream connection, e.g. "TLS 1.3".
	Version string `json:"version,omitempty"`
	// ServerCertSHA256 is the hex SHA-256 of the upstream leaf certificate.
	ServerCertSHA256 string `json:"server_cert_sha256,omitempty"`
	// ClientCertSHA256 is the hex SHA-256 of the client certificate the proxy
	// presented upstream.
	ClientCertSHA256 string `json:"client_cert_sha256,omitempty"`
	// AppClientCertSHA256 is the hex SHA-256 of the certificate the app
	// presented to the proxy's listener, when it presented one.
	AppClientCertSHA256 string `json:"app_client_cert_sha256,omitempty"`
}

// Request is the app's request as forwarded upstream.
type Request struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Proto  string      `json:"proto,omitempty"`
	Header http.Header `json:"header,omitempty"`
	Body   Body        `json:"body"`
}

// Response is the upstream's response (or the proxy's own error answer, in
// which case Synthetic is true).
type Response struct {
	Status    int         `json:"status"`
	Proto     string      `json:"proto,omitempty"`
	Header    http.Header `json:"header,omitempty"`
	Body      Body        `json:"body"`
	Synthetic bool        `json:"synthetic,omitempty"`
}

// Body is a captured message body. Size is the length on the wire (as
// forwarded, still content-encoded); Text or Base64 hold the captured,
// decoded bytes: Text when they are valid UTF-8, Base64 otherwise.
type Body struct {
	Size            int64  `json:"size"`
	ContentEncoding string `json:"content_encoding,omitempty"`
	Text            string `json:"text,omitempty"`
	Base64          string `json:"base64,omitempty"`
	// Truncated is set when the body was longer than the capture cap: it was
	// forwarded whole but only its first bytes are recorded.
	Truncated bool `json:"truncated,omitempty"`
	// DecodeError says why a body that claimed a Content-Encoding could not
	// be decoded; the raw bytes are then kept in Base64.
	DecodeError string `json:"decode_error,omitempty"`
}

// CallError says why a call got no upstream response, or got a proxy answer.
type CallError struct {
	Kind    ErrorKind `json:"kind"`
	Message string    `json:"message"`
}

// Gap causes, in Gap.Cause.
const (
	// GapQueueFull: async durability, records that found the queue full.
	GapQueueFull = "queue_full"
	// GapStoreOutage: the store was failing; the proxy refused calls
	// without forwarding them from From to Until.
	GapStoreOutage = "store_outage"
	// GapUncleanShutdown: the process stopped without closing the store in
	// async durability; calls answered after AfterSeq, up to Until, may
	// be missing.
	GapUncleanShutdown = "unclean_shutdown"
)

// Gap stands for calls that could not be recorded: Lost records that were
// made and could not be kept, and Refused calls the proxy turned away
// without forwarding while the store was failing.
type Gap struct {
	Lost   uint64 `json:"lost"`
	Reason string `json:"reason"`
	// Cause is one of the Gap* constants (empty in gap records written
	// before causes existed).
	Cause string `json:"cause,omitempty"`
	// From and Until bound the time the gap covers, when known.
	From  time.Time `json:"from,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Refused counts calls refused during a store outage.
	Refused uint64 `json:"refused,omitempty"`
	// Error is the store error behind an outage.
	Error string `json:"error,omitempty"`
	// AfterSeq is the last sequence number known committed before the gap.
	AfterSeq uint64 `json:"after_seq,omitempty"`
}

// Trace is a W3C trace context (the traceparent header): lower-case hex
// ids, neither all zeros.
type Trace struct {
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
}

// Event sources, in Event.Source.
const (
	EventSourceOTLP   = "otlp"   // an OTLP/HTTP log record
	EventSourceEvents = "events" // a POST /events entry
	EventSourceCLI    = "cli"    // evidence-proxy event
)

// Event is one structured log record of the app. Attributes and Resource
// are JSON objects, compact (no insignificant space), so that the same
// redaction as JSON bodies applies to them and the canonical form stays
// stable; their keys are the app's attribute names (axys.card_id, …).
type Event struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	// Time is when the app says the event happened, in UTC; Record.Time is
	// when the sidecar received it.
	Time     time.Time `json:"time,omitzero"`
	Severity string    `json:"severity,omitempty"`
	TraceID  string    `json:"trace_id,omitempty"`
	SpanID   string    `json:"span_id,omitempty"`
	// Attributes are the event's own attributes, Resource those of the
	// emitting service (service.name, service.version, …).
	Attributes json.RawMessage `json:"attributes,omitempty"`
	Resource   json.RawMessage `json:"resource,omitempty"`
	// Body is the log record's body as text (JSON text when structured).
	Body string `json:"body,omitempty"`
	// Truncated is set when attributes or the body were cut to the size
	// cap.
	Truncated bool `json:"truncated,omitempty"`
}

// NewBody builds a Body from captured bytes, choosing Text for valid UTF-8
// and Base64 otherwise.
func NewBody(captured []byte, size int64, truncated bool) Body {
	b := Body{Size: size, Truncated: truncated}
	b.SetBytes(captured)
	return b
}

// SetBytes replaces the captured bytes of b.
func (b *Body) SetBytes(p []byte) {
	b.Text, b.Base64 = "", ""
	switch {
	case len(p) == 0:
	case utf8.Valid(p):
		b.Text = string(p)
	default:
		b.Base64 = base64.StdEncoding.EncodeToString(p)
	}
}

// Bytes returns the captured bytes of b.
func (b Body) Bytes() []byte {
	if b.Base64 != "" {
		p, err := base64.StdEncoding.DecodeString(b.Base64)
		if err == nil {
			return p
		}
	}
	return []byte(b.Text)
}

// Status returns the response status, or 0 when there was no response.
func (r *Record) Status() int {
	if r.Response == nil {
		return 0
	}
	return r.Response.Status
}

// StatusClass returns "2xx" … "5xx" for the response status, or "none".
func (r *Record) StatusClass() string {
	return StatusClass(r.Status())
}

// StatusClass returns "1xx" … "5xx" for a status, or "none" outside 100–599.
func StatusClass(status int) string {
	if status < 100 || status > 599 {
		return "none"
	}
	return string(rune('0'+status/100)) + "xx"
}
