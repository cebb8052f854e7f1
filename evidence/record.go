// Package evidence defines the evidence record: the one shape in which a
// proxied call is handed from the proxy to the recorder, stored, classified
// for coverage and exported in bundles.
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
	DurationUS int64      `json:"duration_us"`
	UpstreamUS int64      `json:"upstream_us"`
	Mode       Mode       `json:"mode,omitempty"`
	ClientAddr string     `json:"client_addr,omitempty"`
	TLS        *TLSFacts  `json:"tls,omitempty"`
	Request    Request    `json:"request"`
	Response   *Response  `json:"response,omitempty"`
	Error      *CallError `json:"error,omitempty"`
	Gap        *Gap       `json:"gap,omitempty"`
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

// Gap stands for Lost calls that could not be recorded.
type Gap struct {
	Lost   uint64 `json:"lost"`
	Reason string `json:"reason"`
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
