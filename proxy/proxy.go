package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/elazarl/goproxy"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// Recorder takes one record per call.
type Recorder interface {
	// Record stores rec; with sync durability it returns once rec is committed.
	Record(ctx context.Context, rec *evidence.Record) error
	// Healthy returns nil while new calls may be forwarded.
	Healthy() error
}

const (
	// DefaultBodyCap is the default capture cap of a body.
	DefaultBodyCap = 1 << 20
	// DefaultMaxHeaderBytes is the default limit of an app request head.
	DefaultMaxHeaderBytes = 1 << 20
	// tunnelHeadSlack is what a MITM tunnel may read besides request heads
	// between calls: the TLS handshake and read-ahead.
	tunnelHeadSlack = 64 << 10
)

// Options configure a Proxy. The zero value is valid except for Recorder,
// which is required.
type Options struct {
	// Upstream is where base-URL mode forwards to; it must be https. Nil
	// means DefaultUpstream (https://staging.api.axyscards.com/v2). Its
	// host is always allowlisted; its path is the base path (see doc).
	Upstream *url.URL
	// Allow lists the targets calls may be forwarded to besides the
	// upstream (always allowed on its own port): host names or IP
	// addresses, each optionally with a port; without one it is 443.
	// Empty means StagingHost (on 443). Production hosts are refused.
	Allow []string
	// Passthrough lists the targets (host or host:port, default port 443)
	// whose CONNECT tunnels are relayed blind: counted in metrics, not
	// intercepted, not recorded. Such a tunnel ends when the app sends
	// nothing for Timeouts.Idle, and at Shutdown.
	Passthrough []string
	// ListenAddrs are the addresses the sidecar's other listeners are
	// bound to (ip:port, :port or localhost:port; pass
	// net.Listener.Addr().String() of the admin listener). The proxy never
	// dials them, nor any listener Serve runs: a target naming one is
	// refused (403, own_listener), and an upstream connection that reaches
	// one is closed before a byte is sent. Nil: only Serve's listeners.
	ListenAddrs []string
	// CA is the interception CA (see LoadCA and CreateCA). Nil disables
	// HTTPS_PROXY mode: CONNECTs to allowlisted hosts get a 403 answer. A
	// CA that cannot sign for an allowlisted host (it expired, or predates
	// the host) is used as it is: CONNECTs to that host get a 502 saying
	// to rotate it.
	CA *pki.Cert
	// Transport is the upstream transport (see NewTransport). The proxy
	// uses a clone with Proxy forced to nil and DisableCompression on. Nil
	// means a transport with the system roots and no client certificate.
	Transport *http.Transport
	// UpstreamHandshake, when set, is called once per new upstream TLS
	// connection, after its handshake succeeded and before its first
	// request, with the host and port dialled and the connection's state
	// (the server's certificate chain as presented and as verified).
	// Calls over a kept-alive connection do not call it again, nor do
	// failed handshakes and the upstream probe. It runs on the dialling
	// goroutine, so it must be quick and safe for concurrent use
	// (provenance.Collector.ObserveHandshake is). Nil: nothing.
	UpstreamHandshake func(host, port string, cs tls.ConnectionState)
	// Recorder receives one record per call; required. Record must return
	// when its context ends (after Timeouts.Record).
	Recorder Recorder
	// APIKey is set as X-API-Key on calls that carry none. Empty: never set.
	APIKey string
	// BodyCap is how many bytes of each body are recorded; longer bodies
	// are forwarded whole and recorded truncated. Zero or less means
	// DefaultBodyCap (1 MiB).
	BodyCap int64
	// MaxHeaderBytes limits an app request head, in both modes. Zero or
	// less means DefaultMaxHeaderBytes (1 MiB).
	MaxHeaderBytes int
	// Timeouts bound every stage; zero fields take their defaults. Those
	// that are set also override the TLSHandshake, ResponseHeader and Idle
	// timeouts of Options.Transport.
	Timeouts Timeouts
	// ListenerTLS, when set, makes Serve speak TLS to the app (see
	// ListenerTLSConfig, which can also require a client certificate).
	ListenerTLS *tls.Config
	// Logger receives the proxy's logs; nil discards them.
	Logger *slog.Logger
	// Registerer receives the proxy's metrics; nil registers none.
	Registerer prometheus.Registerer
	// EndpointLabel maps a method and a path relative to the upstream base
	// path (/cardholders/7) to a bounded endpoint label; it must return
	// few distinct values. Nil (or an empty result) means "other".
	EndpointLabel func(method, path string) string
	// LogEvery is the interval of rate-limited warnings: the first of a
	// burst of one kind (upstream connect or TLS failures, guard
	// refusals, MITM handshake failures, a CA that cannot sign, record
	// failures) is logged at once, then a summary at most once per
	// interval. Zero means DefaultLogEvery (30s).
	LogEvery time.Duration
	// UnhealthyAfter is how many consecutive upstream transport failures
	// make UpstreamState report the upstream unhealthy (a TLS or
	// certificate failure does at once). Zero or less means
	// DefaultUnhealthyAfter (3).
	UnhealthyAfter int
	// AccessLog, when set, receives one JSON line per call (see the
	// package doc), written off the caller's path by a goroutine the
	// proxy owns; Shutdown flushes it. Nil: no access log, no cost.
	AccessLog io.Writer
	// AccessLogSeq says that Recorder.Record returns only once the record
	// is committed and its Seq set (the recorder's sync durability), so
	// access log lines carry seq. False: lines carry no seq (an async
	// recorder sets it later, on its own goroutine).
	AccessLogSeq bool
	// Now is the clock of record timestamps, interception certificates
	// and log limits; nil means time.Now. Durations and deadlines always
	// use the monotonic wall clock.
	Now func() time.Time
}

// Proxy is the recording proxy: base-URL mode and HTTPS_PROXY mode on one
// listener. Create it with New.
type Proxy struct {
	log           *slog.Logger
	now           func() time.Time
	recorder      Recorder
	transport     *http.Transport
	guard         *guard
	upstream      *url.URL
	basePath      string // escaped upstream path without trailing slash
	apiKey        string
	bodyCap       int64
	timeouts      Timeouts
	clientCertSHA string
	client        *clientCert
	probeTLS      *tls.Config // the upstream TLS configuration as given, for Probe
	health        *upstreamHealth
	logs          *logLimiter
	access        *accessLog // nil: no access log
	leaves        *leafCache // nil: no interception CA
	bufs          *bufferPool
	decoders      *decoders
	fingerprints  fingerprintCache
	metrics       *metrics
	conns         *connTracker
	listenerTLS   *tls.Config

	reverse                                *httputil.ReverseProxy
	mitm                                   *goproxy.ProxyHttpServer
	mitmAction, acceptAction, rejectAction *goproxy.ConnectAction
	srv                                    *http.Server
	draining                               atomic.Bool
}

// New builds a Proxy. It fails when the recorder is missing, the upstream
// is not an https URL, a list names a production host, or the metrics
// cannot be registered.
func New(o Options) (*Proxy, error) {
	if o.Recorder == nil {
		return nil, fmt.Errorf("new proxy: %w", ErrNoRecorder)
	}
	up, err := upstreamURL(o.Upstream)
	if err != nil {
		return nil, fmt.Errorf("new proxy: %w", err)
	}
	g, err := newGuardFor(up, o)
	if err != nil {
		return nil, fmt.Errorf("new proxy: %w", err)
	}
	m, err := newMetrics(o.Registerer, o.EndpointLabel)
	if err != nil {
		return nil, fmt.Errorf("new proxy: %w", err)
	}
	p := &Proxy{
		log:      orDiscard(o.Logger).With("component", "proxy"),
		now:      orNow(o.Now),
		recorder: o.Recorder,
		guard:    g,
		upstream: up,
		basePath: strings.TrimSuffix(up.EscapedPath(), "/"),
		apiKey:   o.APIKey,
		bodyCap:  orDefault(o.BodyCap, DefaultBodyCap),
		timeouts: o.Timeouts.withDefaults(),
		metrics:  m,
	}
	p.logs = newLogLimiter(p.log, slog.LevelWarn, o.LogEvery, p.now)
	p.health = newUpstreamHealth(o.UnhealthyAfter, p.now, p.upstreamChanged)
	p.setTransport(o.Transport, o.Timeouts, o.UpstreamHandshake)
	p.bufs = &bufferPool{max: int(2*p.bodyCap) + firstGrow}
	p.decoders = &decoders{bufs: p.bufs}
	maxHeader := int(orDefault(int64(o.MaxHeaderBytes), DefaultMaxHeaderBytes))
	p.conns = newConnTracker(p.timeouts.Idle, int64(maxHeader)+tunnelHeadSlack)
	if o.CA != nil {
		p.leaves = newLeafCache(o.CA, p.now, m.leavesIssued.Inc)
	}
	if o.AccessLog != nil {
		p.access = newAccessLog(o.AccessLog, o.AccessLogSeq, p.logs, m.accessDropped.Inc)
	}
	if o.ListenerTLS != nil {
		p.listenerTLS = o.ListenerTLS.Clone()
		p.listenerTLS.NextProtos = []string{"http/1.1"}
	}
	p.connectActions()
	p.reverse = p.newReverse()
	p.mitm = p.newMITM()
	p.srv = &http.Server{
		Handler:           p.Handler(),
		ReadHeaderTimeout: p.timeouts.ReadHeader,
		IdleTimeout:       p.timeouts.Idle,
		MaxHeaderBytes:    maxHeader,
		ErrorLog:          log.New(slogWriter{p.log}, "", 0),
		ConnContext:       withConn,
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // HTTP/1.1 only
	}
	return p, nil
}

// newGuardFor builds the guard of a proxy for up and o, its own listener
// addresses included.
func newGuardFor(up *url.URL, o Options) (*guard, error) {
	g, err := newGuard(upstreamTarget(up), o.Allow, o.Passthrough)
	if err != nil {
		return nil, err
	}
	for _, a := range o.ListenAddrs {
		addrs, err := parseListenAddr(a)
		if err != nil {
			return nil, err
		}
		g.self.add(addrs...)
	}
	return g, nil
}

// setTransport makes the upstream transport from tr (see
// upstreamTransport): it notes what the upstream asks for in each TLS
// handshake, never dials one of the sidecar's own listeners, and makes
// its TLS connections itself so that handshake, when set, learns of each
// (see tlsDialer).
func (p *Proxy) setTransport(tr *http.Transport, t Timeouts, handshake func(host, port string, cs tls.ConnectionState)) {
	p.transport = upstreamTransport(tr, t)
	p.probeTLS = p.transport.TLSClientConfig.Clone()
	p.client = newClientCert(p.transport.TLSClientConfig)
	p.client.install(p.transport.TLSClientConfig, noteCertRequest)
	dial := p.transport.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: p.timeouts.Dial, KeepAlive: 30 * time.Second}).DialContext
	}
	p.transport.DialContext = p.guard.self.guardDial(dial)
	p.transport.DialTLSContext = (&tlsDialer{dial: p.transport.DialContext, config: p.transport.TLSClientConfig,
		timeout: p.transport.TLSHandshakeTimeout, handshake: handshake}).dialTLS
	p.clientCertSHA = clientCertFingerprint(p.transport)
}

// AllowedHosts returns the host names (without ports) a Proxy built with
// upstream and allow forwards to: what the interception CA must be
// constrained to (pass it to CreateCA, RotateCA or CheckCA). A nil
// upstream means DefaultUpstream.
func AllowedHosts(upstream *url.URL, allow []string) ([]string, error) {
	up, err := upstreamURL(upstream)
	if err != nil {
		return nil, err
	}
	g, err := newGuard(upstreamTarget(up), allow, nil)
	if err != nil {
		return nil, err
	}
	return g.hosts(), nil
}

// Handler returns the proxy's HTTP handler, for tests and for callers
// that run their own server. Serve adds what a handler alone cannot:
// listener TLS, connection deadlines, MITM tunnel limits and draining.
func (p *Proxy) Handler() http.Handler { return http.HandlerFunc(p.serveHTTP) }

// Serve accepts app connections on ln until Shutdown; it returns nil
// after Shutdown. It may be called for several listeners.
func (p *Proxy) Serve(ln net.Listener) error {
	p.guard.self.addListener(ln)
	var l net.Listener = &trackingListener{Listener: ln, t: p.conns}
	if p.listenerTLS != nil {
		l = tls.NewListener(l, p.listenerTLS)
	}
	if err := p.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve proxy: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections, lets calls in progress finish
// (base-URL requests and calls inside MITM tunnels alike, each tunnel
// ending at its next pause between calls; passthrough tunnels are cut at
// once), then closes what is left. ctx bounds the wait; past it the
// remaining connections are closed and ctx's error is returned.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.draining.Store(true)
	p.conns.drain()
	err := p.srv.Shutdown(ctx)
	if werr := p.conns.waitTunnels(ctx); err == nil {
		err = werr
	}
	p.conns.closeAll()
	p.transport.CloseIdleConnections()
	if p.access != nil {
		p.access.close()
	}
	p.logs.close()
	if err != nil {
		return fmt.Errorf("shut down proxy: %w", err)
	}
	return nil
}

// serveHTTP sends CONNECT and absolute-form requests to the MITM side and
// origin-form requests to base-URL mode. A panic ends only its own call.
func (p *Proxy) serveHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				panic(v)
			}
			p.panicked("serve request", v)
			internalAnswer().write(w)
		}
	}()
	if r.Method == http.MethodConnect || r.URL.IsAbs() {
		p.mitm.ServeHTTP(w, r)
		return
	}
	p.serveReverse(w, r)
}

func (p *Proxy) panicked(where string, v any) {
	p.metrics.panics.Inc()
	p.log.Error("panic recovered", "where", where, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
}

func upstreamURL(u *url.URL) (*url.URL, error) {
	if u == nil {
		def, err := url.Parse(DefaultUpstream)
		if err != nil {
			return nil, fmt.Errorf("parse default upstream: %w", err)
		}
		return def, nil
	}
	switch {
	case u.Scheme != "https":
		return nil, fmt.Errorf("upstream %s: must be an https URL", u.Redacted())
	case u.Hostname() == "":
		return nil, fmt.Errorf("upstream %s: no host", u.Redacted())
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("upstream %s: only scheme, host, port and path are allowed", u.Redacted())
	case isProduction(normalizeHost(u.Host)):
		return nil, fmt.Errorf("upstream %s: %w", u.Redacted(), ErrProductionHost)
	}
	if _, ok := parseHostPort(u.Host); !ok {
		return nil, fmt.Errorf("upstream %s: not a valid host:port", u.Redacted())
	}
	c := *u
	return &c, nil
}

// upstreamTarget is the upstream's host:port (443 when the URL names no
// port); upstreamURL has checked that it parses.
func upstreamTarget(u *url.URL) hostPort {
	t, _ := parseHostPort(u.Host)
	return t
}

// upstreamTransport is the transport the proxy forwards with: a clone of
// tr with the timeouts set in t applied, or a fresh one.
func upstreamTransport(tr *http.Transport, t Timeouts) *http.Transport {
	if tr == nil {
		return baseTransport(t)
	}
	c := tr.Clone()
	if c.TLSClientConfig == nil {
		c.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	c.Proxy = nil
	c.DisableCompression = true
	if t.TLSHandshake > 0 {
		c.TLSHandshakeTimeout = t.TLSHandshake
	}
	if t.ResponseHeader > 0 {
		c.ResponseHeaderTimeout = t.ResponseHeader
	}
	if t.Idle > 0 {
		c.IdleConnTimeout = t.Idle
	}
	return c
}

func clientCertFingerprint(tr *http.Transport) string {
	if tr.TLSClientConfig == nil || len(tr.TLSClientConfig.Certificates) == 0 ||
		len(tr.TLSClientConfig.Certificates[0].Certificate) == 0 {
		return ""
	}
	return pki.Fingerprint(tr.TLSClientConfig.Certificates[0].Certificate[0])
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

func orNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

func orDefault(v, def int64) int64 {
	if v <= 0 {
		return def
	}
	return v
}
