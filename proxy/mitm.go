package proxy

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/elazarl/goproxy"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// tunnel is what a CONNECT leaves for the calls made inside it
// (goproxy copies ProxyCtx.UserData into each of them).
type tunnel struct {
	conn    *trackedConn // nil when served through Handler only
	appCert string       // fingerprint of the certificate the app showed the listener
}

// newMITM builds HTTPS_PROXY mode on goproxy. Security-relevant choices:
//
//   - CONNECT to an allowlisted host is intercepted with certificates from
//     our own per-install CA (never goproxy's built-in CA, whose key is
//     public); CONNECT to a passthrough host is tunnelled blind; anything
//     else gets a 403 JSON answer and a record.
//   - Every request inside a tunnel, and every absolute-form request
//     (GET http://host/…), goes through the same recording round trip as
//     base-URL mode, whose guard checks the host the request is really
//     sent to: goproxy takes it from the inner Host header, which need
//     not match the CONNECT.
//   - Requests are always sent upstream over TLS, even when the app spoke
//     plain HTTP to the proxy.
//   - ConnectDial is nil and Tr is our transport: nothing follows
//     HTTPS_PROXY from the environment.
//   - The app's Accept-Encoding is kept, so bodies are forwarded exactly
//     as the upstream encoded them.
func (p *Proxy) newMITM() *goproxy.ProxyHttpServer {
	gp := goproxy.NewProxyHttpServer()
	gp.Logger = goproxyLog{log: p.log, limit: p.logs}
	gp.Tr = p.transport
	gp.ConnectDial = nil
	gp.ConnectDialWithReq = nil
	gp.KeepAcceptEncoding = true
	gp.AllowHTTP2 = false
	gp.NonproxyHandler = http.HandlerFunc(p.serveReverse)
	gp.OnRequest().HandleConnectFunc(p.handleConnect)
	gp.OnRequest().DoFunc(p.onRequest)
	return gp
}

// Connect actions, built here so no goproxy default (which carries the
// built-in CA) is ever used.
func (p *Proxy) connectActions() {
	p.mitmAction = &goproxy.ConnectAction{Action: goproxy.ConnectMitm, TLSConfig: p.mitmTLSConfig}
	p.acceptAction = &goproxy.ConnectAction{Action: goproxy.ConnectAccept}
	p.rejectAction = &goproxy.ConnectAction{Action: goproxy.ConnectReject}
}

// handleConnect decides what a CONNECT becomes.
func (p *Proxy) handleConnect(host string, ctx *goproxy.ProxyCtx) (action *goproxy.ConnectAction, _ string) {
	defer func() {
		if v := recover(); v != nil {
			p.panicked("handle connect", v)
			action = p.rejectAction
		}
	}()
	t, _ := parseHostPort(host)
	h := t.host
	tc := connFrom(ctx.Req.Context())
	reason := p.guard.check(t)
	switch {
	case reason == refuseNone && p.leaves != nil:
		if err := p.leaves.usable(h); err != nil {
			p.logs.add(logCAUnusable, "interception CA cannot sign for an allowlisted host; HTTPS_PROXY calls to it are refused",
				"host", h, "reason", err.Error(), "fix", "run "+RotateCommand+", then trust the new CA in the app")
			ctx.Resp = p.refuseConnect(ctx.Req, host, caAnswer(t, err))
			return p.rejectAction, host
		}
		t := &tunnel{conn: tc}
		if cs := ctx.Req.TLS; cs != nil && len(cs.PeerCertificates) > 0 {
			t.appCert = pki.Fingerprint(cs.PeerCertificates[0].Raw)
		}
		if tc != nil {
			tc.markTunnel(false, p.conns.headBudget)
		}
		ctx.UserData = t
		return p.mitmAction, host
	case reason == refuseNotAllowed && p.guard.isPassthrough(t):
		p.metrics.passthrough.Inc()
		if tc != nil {
			tc.markTunnel(true, 0)
		}
		return p.acceptAction, host
	case reason == refuseNone:
		ctx.Resp = p.refuseConnect(ctx.Req, host, noCAAnswer(h))
	default:
		p.guardRefused(reason, t, evidence.ModeMITM)
		ctx.Resp = p.refuseConnect(ctx.Req, host, p.guard.refusalAnswer(reason, t))
	}
	return p.rejectAction, host
}

// refuseConnect records a refused CONNECT and returns the answer goproxy
// writes before closing the connection.
func (p *Proxy) refuseConnect(req *http.Request, host string, a answer) *http.Response {
	c := p.newCall(evidence.ModeMITM, req, nil)
	defer c.release()
	c.setAppCert(req.TLS)
	c.rec.Request = evidence.Request{Method: http.MethodConnect, URL: host, Proto: req.Proto, Header: req.Header.Clone()}
	return c.answer(req, a)
}

// mitmTLSConfig is the TLS server configuration presented to the app
// inside a tunnel. It also starts the clock on the app's handshake and
// first request head.
func (p *Proxy) mitmTLSConfig(host string, ctx *goproxy.ProxyCtx) (cfg *tls.Config, err error) {
	defer func() {
		if v := recover(); v != nil {
			p.panicked("issue interception certificate", v)
			cfg, err = nil, errPanicked
		}
	}()
	if t, ok := ctx.UserData.(*tunnel); ok && t.conn != nil {
		t.conn.expectHead(p.timeouts.TLSHandshake + p.timeouts.ReadHeader)
	}
	return p.leaves.config(host)
}

// onRequest prepares each request inside a tunnel, and each absolute-form
// request, for the recording round trip.
func (p *Proxy) onRequest(req *http.Request, ctx *goproxy.ProxyCtx) (_ *http.Request, resp *http.Response) {
	t, _ := ctx.UserData.(*tunnel)
	var conn *trackedConn
	if t != nil {
		conn = t.conn
	}
	c := p.newCall(evidence.ModeMITM, req, conn)
	defer func() {
		if v := recover(); v != nil {
			p.panicked("prepare call", v)
			resp = c.answer(req, internalAnswer())
		}
	}()
	c.appHost = normalizeHost(req.URL.Host)
	if t != nil && t.appCert != "" {
		c.tlsFacts().AppClientCertSHA256 = t.appCert
	} else {
		c.setAppCert(req.TLS)
	}
	req.URL.Scheme = "https"
	c.endpoint = p.metrics.endpointLabel(req.Method, p.relativePath(req.URL.Path))
	ctx.RoundTripper = goproxy.RoundTripperFunc(func(r *http.Request, _ *goproxy.ProxyCtx) (*http.Response, error) {
		return c.roundTrip(r), nil
	})
	return req, nil
}

// goproxyLog adapts goproxy's Printf logging. Only the constant format is
// logged (at debug level): its arguments may hold URLs. A failed handshake
// with the app is logged as a warning with the host and error, because it
// almost always means the app does not trust the interception CA.
// The warning is rate-limited: an app retrying in a loop cannot flood the
// log.
type goproxyLog struct {
	log   *slog.Logger
	limit *logLimiter
}

func (g goproxyLog) Printf(format string, v ...any) {
	if strings.Contains(format, "Cannot handshake client") && len(v) >= 3 {
		g.limit.add(logMITMHandshake, "app rejected the interception certificate; does it trust the evidence-proxy CA?",
			"host", fmt.Sprint(v[1]), "err", fmt.Sprint(v[2]))
		return
	}
	g.log.Debug("goproxy", "event", strings.TrimSpace(format))
}
