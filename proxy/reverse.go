package proxy

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// newReverse builds base-URL mode: net/http/httputil's ReverseProxy (RFC
// 9110 hop-by-hop handling, 1xx, trailers, upgrades, flushing) over the
// recording transport. It adds no X-Forwarded-* headers: the upstream
// sees the app's request as the app would send it directly.
func (p *Proxy) newReverse() *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:    p.rewrite,
		Transport:  recordingTransport{p: p},
		BufferPool: newCopyBuffers(256),
		ErrorLog:   log.New(slogWriter{p.log}, "", 0),
		// The recording transport answers every failure itself; this
		// only runs if ReverseProxy fails on its own.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			failureAnswer(err, p.upstream.Host).write(w)
		},
	}
}

// serveReverse handles an origin-form request (GET /v2/cardholders): a
// call in base-URL mode.
func (p *Proxy) serveReverse(w http.ResponseWriter, r *http.Request) {
	c := p.newCall(evidence.ModeBaseURL, r, nil)
	defer c.release()
	c.appHost = normalizeHost(r.Host)
	c.setAppCert(r.TLS)
	c.endpoint = p.metrics.endpointLabel(r.Method, p.relativePath(r.URL.Path))
	// A shallow copy: net/http must still see its own body to decide
	// whether the connection can be reused.
	out := r.WithContext(context.WithValue(r.Context(), callKey{}, c))
	if r.Body != nil && r.Body != http.NoBody {
		out.Body = &bodyDeadline{body: r.Body, rc: http.NewResponseController(w), idle: p.timeouts.Idle}
	}
	p.reverse.ServeHTTP(w, out)
}

// rewrite points the outgoing request at the upstream (see joinPath). The
// Host header becomes the upstream's. Forwarded and X-Forwarded-* headers
// the app sent itself (ReverseProxy drops them before Rewrite) are put
// back; none is added.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	out := pr.Out.URL
	out.Scheme, out.Host = p.upstream.Scheme, p.upstream.Host
	out.Path, out.RawPath = joinPath(p.basePath, pr.In.URL)
	pr.Out.Host = ""
	for _, h := range [...]string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
		if v, ok := pr.In.Header[h]; ok {
			pr.Out.Header[h] = v
		}
	}
}

// joinPath maps the path the app requested on the listener to the
// upstream path. With the upstream base path B (e.g. /v2, without a
// trailing slash) and the requested path P, both in escaped form:
//
//   - B empty: P;
//   - P is B or starts with B + "/": P unchanged (the app's base URL is
//     http://sidecar/v2, so /v2/cardholders → /v2/cardholders);
//   - otherwise B + P (the app's base URL is http://sidecar, so
//     /cardholders → /v2/cardholders).
//
// The path is never cleaned: "..", "//" and escapes such as %2F reach the
// upstream as the app sent them. The query is forwarded unchanged.
func joinPath(base string, in *url.URL) (path, rawPath string) {
	ep := in.EscapedPath()
	joined := ep
	if base != "" && ep != base && !strings.HasPrefix(ep, base+"/") {
		joined = base + ep
	}
	unescaped, err := url.PathUnescape(joined)
	if err != nil {
		return in.Path, ""
	}
	if unescaped == joined {
		return unescaped, ""
	}
	return unescaped, joined
}

// relativePath is path without the upstream base path, as given to
// EndpointLabel: /v2/cardholders/7 → /cardholders/7.
func (p *Proxy) relativePath(path string) string {
	if p.basePath == "" {
		return path
	}
	if rest, ok := strings.CutPrefix(path, p.basePath); ok && (rest == "" || rest[0] == '/') {
		if rest == "" {
			return "/"
		}
		return rest
	}
	return path
}

// slogWriter adapts log.Logger output (ReverseProxy's, net/http's) to
// slog at debug level (failed listener handshakes at info): those lines
// carry addresses and error texts, no secrets, and are noisy.
type slogWriter struct{ log *slog.Logger }

func (s slogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if strings.Contains(msg, "TLS handshake error") {
		// Usually an app without the client certificate the listener requires.
		s.log.Info("app TLS handshake with the listener failed", "detail", msg)
		return len(p), nil
	}
	s.log.Debug(msg)
	return len(p), nil
}
