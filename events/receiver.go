package events

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Store is where accepted events go; *recorder.Store satisfies it. The
// store redacts every record it is given, events included, before
// anything touches disk.
type Store interface {
	// RecordAll commits recs in order (sync durability: returns once
	// they are durable) or queues them (async), and returns how many it
	// did not take and the first error.
	RecordAll(ctx context.Context, recs []*evidence.Record) (failed int, err error)
	// Healthy returns an error while the store cannot commit.
	Healthy() error
}

// Paths served by the receiver.
const (
	PathOTLPLogs = "/v1/logs"
	PathEvents   = "/events"
)

// SourceHeader marks a POST /events request made by the event command
// (value "cli"), so its events say so in Event.Source.
const SourceHeader = "X-Evidence-Source"

// Receiver is the http.Handler of the event listener: POST /v1/logs
// (OTLP/HTTP logs) and POST /events. It is safe for concurrent use.
type Receiver struct {
	store   Store
	opts    Options
	slots   chan struct{}
	metrics *metrics
	log     *limitedLog
	bufs    sync.Pool // *bytes.Buffer for request bodies
	pace    pacer     // async durability: events queued, not committed

	mu sync.Mutex
	// srv is the server Serve runs, guarded by mu.
	srv    *http.Server
	closed bool
}

// New returns a Receiver that hands events to store.
func New(store Store, opts Options) (*Receiver, error) {
	if store == nil {
		return nil, errors.New("new event receiver: no store")
	}
	if err := opts.Mapping.Validate(); err != nil {
		return nil, fmt.Errorf("new event receiver: %w", err)
	}
	opts = opts.withDefaults()
	return &Receiver{
		store: store, opts: opts,
		slots:   make(chan struct{}, opts.MaxConcurrentRequests),
		metrics: newMetrics(opts.Registerer),
		log:     newLimitedLog(opts.Logger.With("component", "events"), opts.Now),
	}, nil
}

// ServeHTTP answers one request.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	endpoint := endpointOf(req.URL.Path)
	sw := &statusWriter{ResponseWriter: w}
	r.serve(sw, req, endpoint)
	r.metrics.requests.WithLabelValues(endpoint, codeLabel(sw.code)).Inc()
	if endpoint != endpointOther {
		r.metrics.duration.WithLabelValues(endpoint).Observe(time.Since(start).Seconds())
	}
}

func endpointOf(path string) string {
	switch path {
	case PathOTLPLogs:
		return endpointOTLP
	case PathEvents:
		return endpointEvents
	}
	return endpointOther
}

// serve checks the request's doors, then admits and handles it.
func (r *Receiver) serve(w http.ResponseWriter, req *http.Request, endpoint string) {
	a := answerer{w: w, endpoint: endpoint, enc: answerEncoding(req)}
	if !r.hostAllowed(req.Host) {
		a.fail(http.StatusMisdirectedRequest, fmt.Sprintf("host %q is not a name of this receiver; add it with --otlp-host", cutUTF8(req.Host, 100)))
		return
	}
	if endpoint == endpointOther {
		a.fail(http.StatusNotFound, "not found: POST OTLP logs to "+PathOTLPLogs+" or JSON events to "+PathEvents)
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		a.fail(http.StatusMethodNotAllowed, req.Method+" not allowed: use POST")
		return
	}
	if !r.authorized(req) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="evidence-proxy events"`)
		a.fail(http.StatusUnauthorized, "missing or wrong bearer token: send Authorization: Bearer <the admin token>")
		return
	}
	enc, msg := requestEncoding(req, endpoint)
	if msg != "" {
		a.fail(http.StatusUnsupportedMediaType, msg)
		return
	}
	if err := r.store.Healthy(); err != nil {
		r.log.warn("events refused: store unavailable", "err", err)
		a.retryLater(http.StatusServiceUnavailable, r.opts.RetryAfter, "evidence store unavailable; retry later")
		return
	}
	if !r.admit(req.Context()) {
		r.log.warn("events throttled: too many concurrent requests", "limit", r.opts.MaxConcurrentRequests)
		a.retryLater(http.StatusTooManyRequests, r.opts.RetryAfter, "too many concurrent requests; retry later")
		return
	}
	defer r.release()
	r.handle(a, req, enc)
}

// requestEncoding reads Content-Type and Content-Encoding; msg says why
// they are refused.
func requestEncoding(req *http.Request, endpoint string) (encoding, string) {
	if ce := strings.ToLower(strings.TrimSpace(req.Header.Get("Content-Encoding"))); ce != "" && ce != "gzip" && ce != "identity" {
		return 0, fmt.Sprintf("content encoding %q not supported: send gzip or none", cutUTF8(ce, 40))
	}
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	switch {
	case mt == "application/json":
		return encJSON, ""
	case endpoint == endpointOTLP && (mt == "application/x-protobuf" || mt == "application/protobuf"):
		return encProtobuf, ""
	case endpoint == endpointOTLP:
		return 0, fmt.Sprintf("content type %q not supported: send application/x-protobuf or application/json", cutUTF8(mt, 60))
	}
	return 0, fmt.Sprintf("content type %q not supported: send application/json", cutUTF8(mt, 60))
}

// answerEncoding is the encoding of answers: protobuf for protobuf
// requests, else JSON (readable for a person trying things with curl).
func answerEncoding(req *http.Request) encoding {
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if mt == "application/x-protobuf" || mt == "application/protobuf" {
		return encProtobuf
	}
	return encJSON
}

// admit takes a request slot, waiting at most AdmissionWait.
func (r *Receiver) admit(ctx context.Context) bool {
	select {
	case r.slots <- struct{}{}:
	default:
		t := time.NewTimer(r.opts.AdmissionWait)
		defer t.Stop()
		select {
		case r.slots <- struct{}{}:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
	r.metrics.inFlight.Inc()
	return true
}

func (r *Receiver) release() {
	r.metrics.inFlight.Dec()
	<-r.slots
}

// statusWriter remembers the status written, for the metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}
