package proxy_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// countingListener stands in for the admin listener: it counts the
// connections it accepts and the bytes they send.
type countingListener struct {
	ln           net.Listener
	conns, bytes atomic.Int64
}

func listenCounting(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &countingListener{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.conns.Add(1)
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				n, _ := io.Copy(io.Discard, conn)
				c.bytes.Add(n)
			}()
		}
	}()
	return c
}

func (c *countingListener) addr() string { return c.ln.Addr().String() }

// TestGuardHostPort: the allowlist is host:port. The admin listener's
// port, staging on another port and an absolute-form request to the
// admin listener are refused with a recorded 403, and nothing is dialled.
func TestGuardHostPort(t *testing.T) {
	admin := listenCounting(t)
	e := newEnv(t, envConfig{opts: func(o *proxy.Options) { o.ListenAddrs = []string{admin.addr()} }})
	e.setDial(proxy.StagingHost+":80", admin.addr()) // were it dialled, the admin listener would see it
	absolute := func(t *testing.T, target string) (int, []byte) {
		proxyURL := &url.URL{Scheme: "http", Host: e.addr}
		c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
		resp, body := do(t, c, newRequest(t, http.MethodGet, target, nil))
		return resp.StatusCode, body
	}
	connect := func(target string) func(t *testing.T) (int, []byte) {
		return func(t *testing.T) (int, []byte) {
			_, _, resp := rawConnect(t, e.addr, target)
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, body
		}
	}
	tests := []struct {
		name, target string
		send         func(t *testing.T) (int, []byte)
	}{
		{"CONNECT admin port", admin.addr(), connect(admin.addr())},
		{"CONNECT staging:80", proxy.StagingHost + ":80", connect(proxy.StagingHost + ":80")},
		{"CONNECT proxy's own port", e.addr, connect(e.addr)},
		{"absolute-form to admin", admin.addr(), func(t *testing.T) (int, []byte) {
			return absolute(t, "http://"+admin.addr()+"/snapshot")
		}},
		{"absolute-form to staging:80", proxy.StagingHost + ":80", func(t *testing.T) (int, []byte) {
			return absolute(t, "http://"+proxy.StagingHost+":80/v2/cards")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.rec.reset()
			status, body := tt.send(t)
			if status != http.StatusForbidden {
				t.Fatalf("status = %d, want 403 (%s)", status, body)
			}
			got := decodeError(t, body)
			for _, want := range []string{tt.target, "not an allowlisted staging host:port", "NO_PROXY", "--passthrough-host"} {
				if !strings.Contains(got.Message, want) {
					t.Errorf("message %q does not name %q", got.Message, want)
				}
			}
			rec := e.rec.only(t)
			if rec.Error == nil || rec.Error.Kind != evidence.ErrGuardRefused || rec.Response.Status != 403 {
				t.Errorf("record = %+v / %+v", rec.Error, rec.Response)
			}
		})
	}
	if n := admin.conns.Load(); n != 0 {
		t.Errorf("the admin listener was dialled %d times", n)
	}
	if e.hits.Load() != 0 {
		t.Errorf("the upstream was called")
	}
	// Five refusals in one burst: one warning (the summary comes later).
	if n := strings.Count(e.logs.String(), `"msg":"call refused by the host guard"`); n != 1 {
		t.Errorf("%d guard warnings, want 1:\n%s", n, e.logs.String())
	}
}

// TestGuardOwnListener: even an allowlisted target is refused when it is
// one of the sidecar's listeners, before any dial when it is named by
// address, and at the dial, before a byte is sent, when a name resolves
// to one.
func TestGuardOwnListener(t *testing.T) {
	admin := listenCounting(t)
	e := newEnv(t, envConfig{opts: func(o *proxy.Options) {
		o.ListenAddrs = []string{admin.addr()}
		o.Allow = []string{proxy.StagingHost, admin.addr(), "sneaky.example.com"}
	}})
	e.setDial("sneaky.example.com:443", admin.addr())

	_, _, resp := rawConnect(t, e.addr, admin.addr())
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(decodeError(t, body).Message, "own listeners") {
		t.Errorf("CONNECT to the allowlisted admin address: %d %s", resp.StatusCode, body)
	}
	if n := admin.conns.Load(); n != 0 {
		t.Fatalf("the admin listener was dialled %d times", n)
	}

	proxyURL := &url.URL{Scheme: "http", Host: e.addr}
	plain := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
	resp, body = do(t, plain, newRequest(t, http.MethodGet, "http://sneaky.example.com/v2/cards", nil))
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(decodeError(t, body).Message, "own listeners") {
		t.Errorf("call to a name that reaches the admin listener: %d %s", resp.StatusCode, body)
	}
	deadline := time.Now().Add(2 * time.Second)
	for admin.conns.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := admin.bytes.Load(); n != 0 {
		t.Errorf("the admin listener received %d bytes", n)
	}
}
