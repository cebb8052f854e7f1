package proxy_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestUpstreamFailures makes the upstream fail each way and checks, in
// both modes, that the app gets a JSON answer naming the cause and that
// the failure is recorded.
func TestUpstreamFailures(t *testing.T) {
	slow := make(chan struct{})
	e := newEnv(t, envConfig{
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/v2/slow":
				select {
				case <-slow:
				case <-r.Context().Done():
				}
			case "/v2/reset":
				resetMidBody(w)
			default:
				echoHandler(w, r)
			}
		}),
		opts: func(o *proxy.Options) { o.Timeouts.ResponseHeader = 300 * time.Millisecond },
		// Each case dials afresh, so a changed dial target takes effect.
		transport: func(tr *http.Transport) { tr.DisableKeepAlives = true },
	})
	t.Cleanup(func() { close(slow) }) // runs before the proxy's shutdown
	tests := []struct {
		name   string
		path   string
		setup  func(t *testing.T)
		status int
		kind   evidence.ErrorKind
		says   string
	}{
		{"connection refused", "/v2/cards", func(t *testing.T) { e.setDial(proxy.StagingHost+":443", closedPort(t)) },
			http.StatusBadGateway, evidence.ErrConnectRefused, "refused the connection"},
		{"unknown host", "/v2/cards", func(t *testing.T) { e.setDial(proxy.StagingHost+":443", "") },
			http.StatusBadGateway, evidence.ErrDNS, "could not be resolved"},
		{"upstream certificate from another CA", "/v2/cards", func(t *testing.T) { e.setDial(proxy.StagingHost+":443", foreignTLS(t)) },
			http.StatusBadGateway, evidence.ErrTLS, "certificate"},
		{"reset mid-response", "/v2/reset", nil,
			http.StatusBadGateway, evidence.ErrReset, "answered 200 OK"},
		{"slow upstream", "/v2/slow", nil,
			http.StatusGatewayTimeout, evidence.ErrTimeout, "did not answer in time"},
	}
	upstream := e.up.Listener.Addr().String()
	for _, m := range modes {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				e.setDial(proxy.StagingHost+":443", upstream)
				if tt.setup != nil {
					tt.setup(t)
				}
				e.rec.reset()
				c := m.client(e)
				resp, body := do(t, c, newRequest(t, http.MethodGet, m.url(e, tt.path), nil))
				if resp.StatusCode != tt.status {
					t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.status, body)
				}
				got := decodeError(t, body)
				if got.ErrorKind != string(tt.kind) || !strings.Contains(got.Message, tt.says) {
					t.Errorf("answer = %+v, want kind %s saying %q", got, tt.kind, tt.says)
				}
				if h := resp.Header.Get(proxy.HeaderError); h != string(tt.kind) {
					t.Errorf("%s = %q", proxy.HeaderError, h)
				}
				rec := e.rec.only(t)
				if rec.Error == nil || rec.Error.Kind != tt.kind || rec.Response == nil ||
					!rec.Response.Synthetic || rec.Response.Status != tt.status || rec.Mode != m.mode {
					t.Errorf("record: error %+v, response %+v, mode %s", rec.Error, rec.Response, rec.Mode)
				}
				if strings.Contains(rec.Error.Message, "/v2/") {
					t.Errorf("error message repeats the URL: %q", rec.Error.Message)
				}
				// The proxy still serves the next call.
				e.setDial(proxy.StagingHost+":443", upstream)
				if resp, _ := do(t, c, newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil)); resp.StatusCode != 200 {
					t.Errorf("next call: status %d", resp.StatusCode)
				}
			})
		}
	}
	if got := metricValue(t, e, "evidence_proxy_proxy_errors_total", "kind", "timeout"); got != float64(len(modes)) {
		t.Errorf("timeout errors metric = %v, want %d", got, len(modes))
	}
}

// resetMidBody promises 1000 bytes, sends 10 and drops the connection.
func resetMidBody(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n{\"cards\":")
	_ = buf.Flush()
	if tc, ok := conn.(*tls.Conn); ok {
		if tcp, ok := tc.NetConn().(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // RST
		}
	}
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// foreignTLS starts a TLS server whose certificate comes from a CA the
// proxy does not trust.
func foreignTLS(t *testing.T) string {
	t.Helper()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "someone else"})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(pki.LeafOptions{CommonName: proxy.StagingHost, DNSNames: []string{proxy.StagingHost}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(echoHandler))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLS()}}
	srv.Config.ErrorLog = discardLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// TestStreamedResponseCut cuts a response longer than the cap after its
// head was sent, from either side, and checks that the record keeps the
// upstream's answer, truncated, with the cause.
func TestStreamedResponseCut(t *testing.T) {
	const promised, sent = 4 << 20, 2 << 20
	e := newEnv(t, envConfig{handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/reset" {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(promised) + "\r\n\r\n")
			_, _ = buf.Write(bytes.Repeat([]byte("r"), sent))
			_ = buf.Flush()
			return
		}
		// Far more than loopback socket buffers hold, so the proxy is
		// still writing when the app goes away.
		chunk := bytes.Repeat([]byte("s"), 1<<20)
		for range 64 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})})
	for _, m := range modes {
		t.Run(m.name+"/upstream resets", func(t *testing.T) {
			e.rec.reset()
			resp, err := m.client(e).Get(m.url(e, "/v2/reset"))
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil || n >= promised {
				t.Errorf("the app read %d bytes without error", n)
			}
			rec := e.rec.only(t)
			if rec.Error == nil || rec.Error.Kind != evidence.ErrReset || rec.Response.Synthetic ||
				rec.Response.Status != 200 || !rec.Response.Body.Truncated || rec.Response.Body.Size != sent {
				t.Errorf("record: error %+v, status %d, body size %d truncated %v", rec.Error,
					rec.Response.Status, rec.Response.Body.Size, rec.Response.Body.Truncated)
			}
		})
		t.Run(m.name+"/app goes away", func(t *testing.T) {
			e.rec.reset()
			resp, err := m.client(e).Get(m.url(e, "/v2/big"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(resp.Body, make([]byte, 1<<20)); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close() // closes the connection mid-body
			waitFor(t, "the record", func() bool { return len(e.rec.records()) == 1 })
			rec := e.rec.only(t)
			if rec.Error == nil || rec.Error.Kind != evidence.ErrCanceled || rec.Response.Status != 200 {
				t.Errorf("record: error %+v, response %+v", rec.Error, rec.Response.Status)
			}
		})
	}
}
