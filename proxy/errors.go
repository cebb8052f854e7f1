package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Errors returned by New and the constructors of this package.
var (
	// ErrNoRecorder is returned by New when Options.Recorder is nil: the
	// proxy never forwards a call it cannot record.
	ErrNoRecorder = errors.New("a recorder is required")
	// ErrProductionHost is returned by New when the upstream, the allowlist
	// or the passthrough list names the production API.
	ErrProductionHost = errors.New("production hosts can never be allowlisted")
	// ErrNoCA is returned by LoadCA when the directory holds no
	// interception CA (neither file exists).
	ErrNoCA = errors.New("no interception CA")
	// ErrCAExists is returned by CreateCA when the directory already
	// holds a CA (or half of one): RotateCA replaces it.
	ErrCAExists = errors.New("an interception CA already exists")
)

// Internal errors.
var (
	// errDraining fails the reads of a MITM tunnel between calls once
	// Shutdown began.
	errDraining = fmt.Errorf("proxy shutting down: %w", os.ErrDeadlineExceeded)
	// errHeadTooLarge fails the reads of a MITM tunnel whose app sent more
	// than MaxHeaderBytes without completing a request head.
	errHeadTooLarge = errors.New("request head too large")
	// errAppGone is the cause recorded when the app stops reading a
	// streamed response before its end.
	errAppGone = fmt.Errorf("the app stopped reading the response: %w", context.Canceled)
	// errPanicked stands for a recovered panic where an error is needed.
	errPanicked = errors.New("internal error")
)

// Headers the proxy adds to answers.
const (
	// HeaderWarning is set on a response the app receives although its
	// record could not be committed (value "not recorded").
	HeaderWarning = "X-Evidence-Proxy-Warning"
	// HeaderError names the error kind on every answer the proxy makes
	// itself, so the app can tell them from upstream answers.
	HeaderError = "X-Evidence-Proxy-Error"

	warningNotRecorded = "not recorded"
)

// StatusClientClosed is the status recorded in metrics for calls whose app
// went away before the answer (nginx's 499). It is never sent.
const StatusClientClosed = 499

// answer is a response the proxy makes itself: a refusal or a failure.
type answer struct {
	status  int
	kind    evidence.ErrorKind
	message string
	host    string
}

// answerJSON is the body of every answer: the Axys error shape
// ({"status":"error","message":…}) plus the error kind.
type answerJSON struct {
	Status    string `json:"status"`
	Message   string `json:"message"`
	ErrorKind string `json:"error_kind"`
	Host      string `json:"host,omitempty"`
}

func (a answer) errorKind() string { return string(a.kind) }

func (a answer) body() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Encoding a struct of strings cannot fail.
	_ = enc.Encode(answerJSON{Status: "error", Message: a.message, ErrorKind: a.errorKind(), Host: a.host})
	return buf.Bytes()
}

func (a answer) header(size int) http.Header {
	return http.Header{
		"Content-Type":   {"application/json"},
		"Content-Length": {strconv.Itoa(size)},
		"Cache-Control":  {"no-store"},
		HeaderError:      {a.errorKind()},
	}
}

// response builds the answer as an upstream-like response for req.
func (a answer) response(req *http.Request, body []byte, rc io.ReadCloser) *http.Response {
	return &http.Response{
		Status:        strconv.Itoa(a.status) + " " + http.StatusText(a.status),
		StatusCode:    a.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        a.header(len(body)),
		Body:          rc,
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// write sends the answer on w (used where no response object is needed).
func (a answer) write(w http.ResponseWriter) {
	body := a.body()
	for k, v := range a.header(len(body)) {
		w.Header()[k] = v
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(body)
}

// failureAnswer maps an upstream transport failure to the app's answer:
// 504 for timeouts, 502 for everything else. Canceled calls get
// StatusClientClosed, which nobody reads.
func failureAnswer(err error, host string) answer {
	kind := classify(err)
	a := answer{status: http.StatusBadGateway, kind: kind, message: failureMessage(kind, host, err), host: host}
	switch kind {
	case evidence.ErrTimeout:
		a.status = http.StatusGatewayTimeout
	case evidence.ErrCanceled:
		a.status = StatusClientClosed
	}
	return a
}

// requestBodyAnswer maps a failure to read the app's own request body.
func requestBodyAnswer(err error) answer {
	switch classify(err) {
	case evidence.ErrTimeout:
		return answer{status: http.StatusRequestTimeout, kind: evidence.ErrTimeout,
			message: "the app's request body did not arrive in time"}
	case evidence.ErrCanceled:
		return answer{status: StatusClientClosed, kind: evidence.ErrCanceled,
			message: "the app canceled the call while sending its request body"}
	default:
		return answer{status: http.StatusBadRequest, kind: evidence.ErrBadRequest,
			message: "the app's request body could not be read: " + causeText(err)}
	}
}

func storeAnswer() answer {
	return answer{status: http.StatusServiceUnavailable, kind: evidence.ErrStoreUnavailable,
		message: "evidence-proxy cannot record calls right now (evidence store unavailable): not forwarding"}
}

func internalAnswer() answer {
	return answer{status: http.StatusInternalServerError, kind: evidence.ErrInternal,
		message: "evidence-proxy internal error: the call may or may not have reached the upstream"}
}

// caAnswer is the answer to a CONNECT to an allowlisted host that the
// interception CA cannot sign for (it expired, or was made before the
// host was allowlisted).
func caAnswer(t hostPort, why error) answer {
	return answer{status: http.StatusBadGateway, kind: evidence.ErrBadRequest, host: t.host,
		message: "HTTPS_PROXY mode cannot intercept " + t.String() + ": " + why.Error() +
			"; run " + RotateCommand + " and trust the new CA in the app (base-URL mode is not affected)"}
}

func noCAAnswer(host string) answer {
	return answer{status: http.StatusForbidden, kind: evidence.ErrBadRequest, host: host,
		message: "HTTPS_PROXY mode is disabled: evidence-proxy has no interception CA"}
}

// classify returns the error kind of an upstream (or app-side) I/O error.
func classify(err error) evidence.ErrorKind {
	switch {
	case err == nil:
		return evidence.ErrNone
	case errors.Is(err, context.Canceled):
		return evidence.ErrCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return evidence.ErrTimeout
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return evidence.ErrDNS
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return evidence.ErrConnectRefused
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return evidence.ErrTimeout
	}
	if isTLSError(err) {
		return evidence.ErrTLS
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return evidence.ErrReset
	}
	return evidence.ErrUpstream
}

func isTLSError(err error) bool {
	var (
		unknownCA  x509.UnknownAuthorityError
		invalid    x509.CertificateInvalidError
		hostname   x509.HostnameError
		verify     *tls.CertificateVerificationError
		recordHdr  tls.RecordHeaderError
		alert      tls.AlertError
		opErr      *net.OpError
		echRejects *tls.ECHRejectionError
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &invalid), errors.As(err, &hostname),
		errors.As(err, &verify), errors.As(err, &recordHdr), errors.As(err, &alert),
		errors.As(err, &echRejects):
		return true
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		// An alert from the peer, e.g. "remote error: tls: certificate required".
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "x509: ")
}

func failureMessage(kind evidence.ErrorKind, host string, err error) string {
	switch kind {
	case evidence.ErrConnectRefused:
		return "upstream " + host + " refused the connection"
	case evidence.ErrDNS:
		return "upstream host " + host + " could not be resolved: " + causeText(err)
	case evidence.ErrTLS:
		return "TLS with upstream " + host + " failed: " + causeText(err)
	case evidence.ErrReset:
		return "upstream " + host + " closed or reset the connection before the response was complete"
	case evidence.ErrTimeout:
		return "upstream " + host + " did not answer in time: " + causeText(err)
	case evidence.ErrCanceled:
		return "the app canceled the call before the upstream answered"
	default:
		return "call to upstream " + host + " failed: " + causeText(err)
	}
}

// causeText is the error text without any URL: a *url.Error would repeat
// the request URL, whose path or query may carry secrets.
func causeText(err error) string {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}
