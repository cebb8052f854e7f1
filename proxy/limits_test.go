package proxy_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestMisbehavingClients checks that slow or abusive app connections get
// a clear error or are closed, in both modes and MITM tunnels included,
// while other calls keep being served.
func TestMisbehavingClients(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 8<<20)
	e := newEnv(t, envConfig{
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/big" {
				_, _ = w.Write(big)
				return
			}
			echoHandler(w, r)
		}),
		opts: func(o *proxy.Options) {
			o.MaxHeaderBytes = 16 << 10
			o.Timeouts = proxy.Timeouts{ReadHeader: 300 * time.Millisecond, Idle: 500 * time.Millisecond,
				TLSHandshake: 300 * time.Millisecond}
		},
	})
	healthy := func(t *testing.T) {
		t.Helper()
		for _, m := range modes {
			if resp, _ := do(t, m.client(e), newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil)); resp.StatusCode != 200 {
				t.Errorf("%s: a well-behaved call got %d", m.name, resp.StatusCode)
			}
		}
	}
	t.Run("base-url slow request head", func(t *testing.T) {
		conn := dialProxy(t, e)
		writeString(t, conn, "GET /v2/cards HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		healthy(t)
		expectClosed(t, conn)
	})
	t.Run("base-url absurd header", func(t *testing.T) {
		req := newRequest(t, http.MethodGet, "http://"+e.addr+"/v2/cards", nil)
		req.Header.Set("X-Absurd", strings.Repeat("a", 64<<10))
		resp, err := e.baseClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close() // net/http may reset the connection after its 431
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("status %d, want 431", resp.StatusCode)
		}
		healthy(t)
	})
	t.Run("base-url slow request body", func(t *testing.T) {
		e.rec.reset()
		conn := dialProxy(t, e)
		writeString(t, conn, "POST /v2/cards HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"partial\":")
		healthy(t)
		checkTimeoutAnswer(t, e, conn)
	})
	t.Run("mitm slow request body", func(t *testing.T) {
		e.rec.reset()
		tc := openTunnel(t, e)
		writeString(t, tc, "POST /v2/cards HTTP/1.1\r\nHost: "+proxy.StagingHost+"\r\nContent-Length: 100\r\n\r\n{\"partial\":")
		healthy(t)
		checkTimeoutAnswer(t, e, tc)
	})
	t.Run("mitm no handshake", func(t *testing.T) {
		conn, _, resp := rawConnect(t, e.addr, proxy.StagingHost+":443")
		if resp.StatusCode != 200 {
			t.Fatalf("CONNECT %d", resp.StatusCode)
		}
		healthy(t)
		expectClosed(t, conn)
	})
	t.Run("mitm absurd request head", func(t *testing.T) {
		tc := openTunnel(t, e)
		go func() { // the proxy closes the tunnel; this write then fails
			_, _ = io.WriteString(tc, "GET /v2/cards HTTP/1.1\r\nHost: "+proxy.StagingHost+"\r\nX-Absurd: ")
			_, _ = tc.Write(bytes.Repeat([]byte("a"), 256<<10))
		}()
		healthy(t)
		expectClosed(t, tc)
	})
	t.Run("mitm idle tunnel", func(t *testing.T) {
		tc := openTunnel(t, e)
		writeString(t, tc, "GET /v2/cards HTTP/1.1\r\nHost: "+proxy.StagingHost+"\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("call in tunnel: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		expectClosed(t, tc)
	})
	t.Run("base-url app that does not read its response", func(t *testing.T) {
		conn := dialProxy(t, e)
		writeString(t, conn, "GET /v2/big HTTP/1.1\r\nHost: x\r\n\r\n")
		healthy(t)
		waitFor(t, "the stalled call to end", func() bool {
			return metricValue(t, e, "evidence_proxy_proxy_calls_in_flight") == 0
		})
		n, _ := io.Copy(io.Discard, conn)
		if n >= int64(len(big)) {
			t.Errorf("the stalled app still got the whole response")
		}
	})
}

func dialProxy(t *testing.T, e *env) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	return conn
}

// openTunnel opens an intercepted tunnel to the staging host.
func openTunnel(t *testing.T, e *env) *tls.Conn {
	t.Helper()
	conn, _, resp := rawConnect(t, e.addr, proxy.StagingHost+":443")
	if resp.StatusCode != 200 {
		t.Fatalf("CONNECT %d", resp.StatusCode)
	}
	tc := tls.Client(conn, &tls.Config{ServerName: proxy.StagingHost, RootCAs: e.mitmCA.Pool()})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	return tc
}

func writeString(t *testing.T, w io.Writer, s string) {
	t.Helper()
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
}

// expectClosed reads until the proxy closes the connection.
func expectClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("the proxy left the connection open")
	}
}

// checkTimeoutAnswer expects a 408 answer for a body that stopped
// arriving, and its record.
func checkTimeoutAnswer(t *testing.T, e *env, conn net.Conn) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || decodeError(t, body).ErrorKind != string(evidence.ErrTimeout) {
		t.Errorf("answer %d %s, want 408 timeout", resp.StatusCode, body)
	}
	waitFor(t, "the record", func() bool { return len(e.rec.records()) > 0 })
	for _, rec := range e.rec.records() {
		if rec.Request.Method == http.MethodPost && (rec.Error == nil || rec.Error.Kind != evidence.ErrTimeout) {
			t.Errorf("record error %+v", rec.Error)
		}
	}
}

// waitFor polls cond until it holds (failing after 10s).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
