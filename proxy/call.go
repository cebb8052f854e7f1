package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// unhealthyRecordWait bounds the attempt to record a call refused because
// the store is unhealthy.
const unhealthyRecordWait = time.Second

// call is one app call on its way through the proxy: the record being
// built and the bookkeeping that ends with it. It is created when the
// request arrives (newCall), recorded once (finish) and released when the
// app's response body is closed (release).
//
// All fields but released are used by one goroutine at a time: the one
// serving the request, then the one reading the response body.
type call struct {
	p        *Proxy
	rec      evidence.Record
	ctx      context.Context // the app's request context
	conn     *trackedConn    // the MITM tunnel carrying the call, or nil
	appHost  string          // the host the app addressed, normalized
	target   string          // the upstream host:port the call is sent to
	endpoint string          // metric label

	began    time.Time // monotonic start, for durations
	upBegan  time.Time
	upDur    time.Duration
	reqBody  *forwardBody // set when the request body streams past the cap
	finished bool
	released atomic.Bool
	certReq  certRequestSlot // what the upstream asked for, if this call dialled
}

func (p *Proxy) newCall(mode evidence.Mode, r *http.Request, conn *trackedConn) *call {
	c := &call{p: p, ctx: r.Context(), conn: conn, began: time.Now()}
	c.rec = evidence.Record{
		V:          evidence.Version,
		Kind:       evidence.KindCall,
		Time:       p.now().UTC(),
		Mode:       mode,
		ClientAddr: r.RemoteAddr,
	}
	c.endpoint = labelOther
	p.metrics.inFlight.Inc()
	if conn != nil {
		conn.beginCall()
	}
	return c
}

// release ends the call's bookkeeping; it is safe to call more than once.
func (c *call) release() {
	if !c.released.CompareAndSwap(false, true) {
		return
	}
	c.p.metrics.inFlight.Dec()
	if c.conn != nil {
		c.conn.endCall()
	}
}

func (c *call) setAppCert(cs *tls.ConnectionState) {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return
	}
	c.tlsFacts().AppClientCertSHA256 = pki.Fingerprint(cs.PeerCertificates[0].Raw)
}

func (c *call) setUpstreamTLS(cs *tls.ConnectionState) {
	t := c.tlsFacts()
	t.Version = tls.VersionName(cs.Version)
	if len(cs.PeerCertificates) > 0 {
		t.ServerCertSHA256 = c.p.fingerprints.of(cs.PeerCertificates[0])
	}
	t.ClientCertSHA256 = c.p.clientCertSHA
}

func (c *call) tlsFacts() *evidence.TLSFacts {
	if c.rec.TLS == nil {
		c.rec.TLS = &evidence.TLSFacts{}
	}
	return c.rec.TLS
}

// captureRequest records the request head as it is about to be forwarded.
func (c *call) captureRequest(req *http.Request) {
	c.rec.Request = evidence.Request{
		Method: req.Method,
		URL:    req.URL.String(),
		Proto:  req.Proto,
		Header: req.Header.Clone(),
	}
	c.rec.Trace = traceOf(req.Header)
}

func (c *call) captureResponse(resp *http.Response) {
	c.rec.Response = &evidence.Response{
		Status: resp.StatusCode,
		Proto:  resp.Proto,
		Header: resp.Header.Clone(),
	}
}

func (c *call) upstreamStart() { c.upBegan = time.Now() }

func (c *call) upstreamDone() {
	if !c.upBegan.IsZero() && c.upDur == 0 {
		c.upDur = time.Since(c.upBegan)
	}
}

// answer records a call the proxy answered itself (a refusal or a
// failure) and returns the answer as the response. A canceled call has no
// answer in its record: nobody received one.
func (c *call) answer(req *http.Request, a answer) *http.Response {
	if c.rec.Request.Method == "" {
		c.captureRequest(req)
	}
	body := a.body()
	c.rec.Error = &evidence.CallError{Kind: a.kind, Message: a.message}
	if a.status != StatusClientClosed {
		c.rec.Response = &evidence.Response{
			Status:    a.status,
			Proto:     "HTTP/1.1",
			Header:    a.header(len(body)),
			Body:      evidence.NewBody(body, int64(len(body)), false),
			Synthetic: true,
		}
	}
	err := c.finish()
	resp := a.response(req, body, &answerBody{Reader: bytes.NewReader(body), c: c})
	if err != nil {
		resp.Header.Set(HeaderWarning, warningNotRecorded)
	}
	return resp
}

// streamed completes the record of a response longer than the cap: head
// holds its first bytes, read the bytes read from the upstream in all, and
// err why it ended early (nil at its end).
func (c *call) streamed(head []byte, read int64, err error) {
	resp := c.rec.Response
	resp.Body = c.p.decoders.body(head, read, true, resp.Header.Get("Content-Encoding"), c.p.bodyCap)
	if err != nil {
		kind, cause := classify(err), causeText(err)
		if kind != evidence.ErrCanceled {
			cause = failureMessage(kind, c.target, err)
		}
		c.rec.Error = &evidence.CallError{Kind: kind, Message: fmt.Sprintf("response cut after %d bytes: %s", read, cause)}
	}
	_ = c.finish() // too late to tell the app; finish logged and counted it
}

// finish completes the record and hands it to the recorder, waiting at
// most Timeouts.Record. It runs once per call; the record is not read or
// touched afterwards: the recorder owns it.
func (c *call) finish() error {
	if c.finished {
		return nil
	}
	c.finished = true
	if c.reqBody != nil {
		c.rec.Request.Body.Size = c.reqBody.sent.Load()
	}
	c.rec.DurationUS = time.Since(c.began).Microseconds()
	c.rec.UpstreamUS = c.upDur.Microseconds()
	c.p.metrics.observe(c)
	wait := c.p.timeouts.Record
	if c.rec.Error != nil && c.rec.Error.Kind == evidence.ErrStoreUnavailable {
		wait = min(wait, unhealthyRecordWait) // the store is known to be broken
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), wait)
	defer cancel()
	mode, method := c.rec.Mode, c.rec.Request.Method // the recorder owns the record from here
	var entry accessEntry
	if c.p.access != nil {
		entry = entryOf(c)
	}
	err := record(ctx, c.p.recorder, &c.rec)
	if c.p.access != nil {
		var seq uint64
		if err == nil && c.p.access.seq {
			seq = c.rec.Seq // set before a sync Record returns
		}
		c.p.access.add(entry, seq)
	}
	if err != nil {
		c.p.metrics.recordFailures.Inc()
		c.p.logs.add(logRecordFailed, "call not recorded", "mode", string(mode), "method", methodLabel(method),
			"endpoint", c.endpoint, "err", err.Error())
	}
	return err
}

// record calls the recorder, turning a panic into an error: a broken
// recorder must not take the proxy down.
func record(ctx context.Context, r Recorder, rec *evidence.Record) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("record call: recorder panicked: %v", v)
		}
	}()
	if err := r.Record(ctx, rec); err != nil {
		return fmt.Errorf("record call: %w", err)
	}
	return nil
}

// fingerprintCache remembers the fingerprint of the last upstream leaf
// seen: every call on a connection presents the same one.
type fingerprintCache struct {
	last atomic.Pointer[fingerprint]
}

type fingerprint struct {
	cert *x509.Certificate
	hex  string
}

func (f *fingerprintCache) of(cert *x509.Certificate) string {
	if l := f.last.Load(); l != nil && l.cert == cert {
		return l.hex
	}
	fp := &fingerprint{cert: cert, hex: pki.Fingerprint(cert.Raw)}
	f.last.Store(fp)
	return fp.hex
}
