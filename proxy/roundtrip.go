package proxy

import (
	"context"
	"io"
	"net/http"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

const headerAPIKey = "X-API-Key"

// callKey is the request context key under which base-URL mode hands the
// call to recordingTransport.
type callKey struct{}

// recordingTransport is the http.RoundTripper of base-URL mode: it finds
// the call in the request context and runs it. MITM mode calls
// (*call).roundTrip directly through goproxy's per-request RoundTripper.
type recordingTransport struct{ p *Proxy }

func (t recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, ok := req.Context().Value(callKey{}).(*call)
	if !ok {
		// Not reachable through the proxy's own handlers; answer anyway.
		c = t.p.newCall(evidence.ModeBaseURL, req, nil)
	}
	return c.roundTrip(req), nil
}

// roundTrip runs one call: guard, store health, API key, request capture,
// the upstream exchange and the response capture. It never returns an
// error: every refusal and failure becomes a JSON answer that is recorded
// like any response, so the app always learns what happened and both
// forwarding paths write it the same way.
func (c *call) roundTrip(req *http.Request) (resp *http.Response) {
	defer func() {
		if v := recover(); v != nil {
			c.p.panicked("forward call", v)
			resp = c.answer(req, internalAnswer())
		}
	}()
	c.target = req.URL.Host
	target, _ := parseHostPort(req.URL.Host)
	if reason := c.p.guard.checkCall(target, c.appHost); reason != refuseNone {
		if reason == refuseProduction && isProduction(c.appHost) {
			target = hostPort{host: c.appHost}
		}
		c.p.guardRefused(reason, target, c.rec.Mode)
		return c.answer(req, c.p.guard.refusalAnswer(reason, target))
	}
	if err := c.p.recorder.Healthy(); err != nil {
		return c.answer(req, storeAnswer())
	}
	if c.p.apiKey != "" && req.Header.Get(headerAPIKey) == "" {
		req.Header.Set(headerAPIKey, c.p.apiKey)
	}
	c.captureRequest(req)
	if err := c.readRequestBody(req); err != nil {
		return c.answer(req, requestBodyAnswer(err))
	}
	base := req.Context()
	if c.rec.Mode == evidence.ModeMITM {
		base = context.WithValue(base, callKey{}, c) // base-URL mode has it already
	}
	ctx, cancel := context.WithTimeout(base, c.p.timeouts.Call)
	c.upstreamStart()
	resp, err := c.p.transport.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		c.upstreamDone()
		return c.answer(req, c.p.upstreamFailure(c, err, ""))
	}
	c.p.health.success()
	if resp.TLS != nil {
		c.setUpstreamTLS(resp.TLS)
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return c.upgraded(resp, cancel)
	}
	out := c.respond(req, resp, cancel)
	if c.conn != nil && c.p.draining.Load() {
		out.Header.Set("Connection", "close") // end the MITM tunnel after this call
	}
	return out
}

// readRequestBody reads the request body ahead, up to the cap, records it
// and puts a forwardBody in its place. The app's bytes are forwarded
// unchanged (Content-Length and framing included); only the record is
// decoded. A body longer than the cap streams on and is recorded truncated.
func (c *call) readRequestBody(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	limit := c.p.bodyCap
	buf := c.p.bufs.get()
	if req.ContentLength > 0 && req.ContentLength <= limit {
		buf.Grow(int(req.ContentLength) + 1)
	}
	complete, err := readCapped(buf, req.Body, limit)
	if err != nil {
		c.p.bufs.put(buf)
		req.Body.Close()
		return err
	}
	enc := req.Header.Get("Content-Encoding")
	c.rec.Request.Body = c.p.decoders.body(buf.Bytes(), int64(buf.Len()), !complete, enc, limit)
	fb := &forwardBody{pool: c.p.bufs, orig: req.Body, more: !complete, buf: buf}
	if !complete {
		c.reqBody = fb
	}
	req.Body = fb
	return nil
}

// respond reads the response body ahead, up to the cap. A body within the
// cap is recorded (and, in sync durability, committed) before the app
// gets any of it, so a record failure can still be announced with
// HeaderWarning. A longer body streams, and is recorded before its last
// byte is handed on (see streamBody).
func (c *call) respond(req *http.Request, resp *http.Response, cancel context.CancelFunc) *http.Response {
	limit := c.p.bodyCap
	buf := c.p.bufs.get()
	if resp.ContentLength > 0 && resp.ContentLength <= limit && req.Method != http.MethodHead {
		buf.Grow(int(resp.ContentLength) + 1)
	}
	complete, err := readCapped(buf, resp.Body, limit)
	if err != nil {
		resp.Body.Close()
		cancel()
		c.p.bufs.put(buf)
		c.upstreamDone()
		return c.answer(req, c.p.upstreamFailure(c, err, "upstream answered "+resp.Status+", then: "))
	}
	c.captureResponse(resp)
	enc := resp.Header.Get("Content-Encoding")
	if !complete {
		resp.Body = &streamBody{c: c, buf: buf, head: buf.Bytes(), rest: resp.Body, cancel: cancel,
			length: resp.ContentLength, read: int64(buf.Len())}
		return resp
	}
	resp.Body.Close()
	cancel()
	c.upstreamDone()
	c.rec.Response.Body = c.p.decoders.body(buf.Bytes(), int64(buf.Len()), false, enc, limit)
	if err := c.finish(); err != nil {
		resp.Header.Set(HeaderWarning, warningNotRecorded)
	}
	resp.Body = &bufferedBody{c: c, buf: buf}
	return resp
}

// upgraded records a 101 Switching Protocols answer (the handshake only:
// the upgraded bytes are relayed, not recorded) and keeps the body an
// io.ReadWriteCloser.
func (c *call) upgraded(resp *http.Response, cancel context.CancelFunc) *http.Response {
	c.upstreamDone()
	c.captureResponse(resp)
	err := c.finish()
	if err != nil {
		resp.Header.Set(HeaderWarning, warningNotRecorded)
	}
	if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
		resp.Body = &upgradeBody{ReadWriteCloser: rwc, c: c, cancel: cancel}
		return resp
	}
	cancel()
	c.release()
	return resp
}
