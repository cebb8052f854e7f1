package proxy_test

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// handshakes collects the calls of Options.UpstreamHandshake.
type handshakes struct {
	mu   sync.Mutex
	seen []handshake
}

type handshake struct {
	host, port string
	leaf       []byte
	verified   bool
}

func (h *handshakes) observe(host, port string, cs tls.ConnectionState) {
	hs := handshake{host: host, port: port, verified: len(cs.VerifiedChains) > 0}
	if len(cs.PeerCertificates) > 0 {
		hs.leaf = cs.PeerCertificates[0].Raw
	}
	h.mu.Lock()
	h.seen = append(h.seen, hs)
	h.mu.Unlock()
}

func (h *handshakes) list() []handshake {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]handshake(nil), h.seen...)
}

// remotes counts the distinct connections an upstream handler saw.
type remotes struct {
	mu    sync.Mutex
	addrs map[string]bool
}

func (r *remotes) add(addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.addrs == nil {
		r.addrs = map[string]bool{}
	}
	r.addrs[addr] = true
}

func (r *remotes) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.addrs)
}

// TestUpstreamHandshakeOncePerConnection checks that the handshake hook
// sees each new upstream connection once, with the host and port dialled
// and the server's verified chain, and that calls over a kept-alive
// connection do not call it again, in both modes.
func TestUpstreamHandshakeOncePerConnection(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			var hs handshakes
			var conns remotes
			e := newEnv(t, envConfig{
				handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					conns.add(r.RemoteAddr)
					echoHandler(w, r)
				}),
				opts: func(o *proxy.Options) { o.UpstreamHandshake = hs.observe },
			})
			client := m.client(e)
			for range 5 {
				resp, _ := do(t, client, newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil))
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
			}
			got := hs.list()
			if len(got) != conns.count() || len(got) != 1 {
				t.Fatalf("%d handshakes reported for %d upstream connections and 5 calls, want 1 and 1", len(got), conns.count())
			}
			h := got[0]
			if h.host != proxy.StagingHost || h.port != "443" {
				t.Errorf("handshake with %s:%s, want %s:443", h.host, h.port, proxy.StagingHost)
			}
			if !bytes.Equal(h.leaf, e.pki.server.Cert.Raw) || !h.verified {
				t.Errorf("the handshake's state lacks the upstream's verified certificate (verified %v)", h.verified)
			}
			for _, rec := range e.rec.records() {
				if rec.TLS == nil || rec.TLS.ServerCertSHA256 == "" {
					t.Errorf("record %s has no upstream TLS facts", rec.Request.URL)
				}
			}
		})
	}
}

// TestUpstreamHandshakeConcurrentConnections holds several calls open at
// once, so that each needs a connection of its own: each connection is
// reported once.
func TestUpstreamHandshakeConcurrentConnections(t *testing.T) {
	const n = 6
	var hs handshakes
	var conns remotes
	var arrived sync.WaitGroup
	arrived.Add(n)
	e := newEnv(t, envConfig{
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conns.add(r.RemoteAddr)
			arrived.Done()
			arrived.Wait() // every call is in flight at once
			echoHandler(w, r)
		}),
		opts: func(o *proxy.Options) { o.UpstreamHandshake = hs.observe },
	})
	client := e.baseClient()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, _ := do(t, client, newRequest(t, http.MethodGet, "http://"+e.addr+"/v2/cards", nil))
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if got := len(hs.list()); got != n || conns.count() != n {
		t.Errorf("%d handshakes reported for %d upstream connections, want %d of each", got, conns.count(), n)
	}
}

// TestUpstreamHandshakeFailures checks that a failed handshake is not
// reported and keeps its diagnosis: a certificate from an untrusted CA is
// a TLS failure, an upstream that never answers the handshake a timeout
// after Timeouts.TLSHandshake.
func TestUpstreamHandshakeFailures(t *testing.T) {
	var hs handshakes
	e := newEnv(t, envConfig{
		opts: func(o *proxy.Options) {
			o.UpstreamHandshake = hs.observe
			o.Timeouts.TLSHandshake = 300 * time.Millisecond
		},
		transport: func(tr *http.Transport) { tr.DisableKeepAlives = true },
	})
	tests := []struct {
		name   string
		addr   func(t *testing.T) string
		status int
		kind   evidence.ErrorKind
		says   string
	}{
		{"certificate from another CA", foreignTLS, http.StatusBadGateway, evidence.ErrTLS, "certificate"},
		{"no answer to the handshake", silentListener, http.StatusGatewayTimeout, evidence.ErrTimeout, "TLS handshake timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.rec.reset()
			e.setDial(proxy.StagingHost+":443", tt.addr(t))
			resp, body := do(t, e.baseClient(), newRequest(t, http.MethodGet, "http://"+e.addr+"/v2/cards", nil))
			got := decodeError(t, body)
			if resp.StatusCode != tt.status || got.ErrorKind != string(tt.kind) || !strings.Contains(got.Message, tt.says) {
				t.Errorf("got %d %s %q, want %d %s saying %q", resp.StatusCode, got.ErrorKind, got.Message, tt.status, tt.kind, tt.says)
			}
			if n := len(hs.list()); n != 0 {
				t.Errorf("%d handshakes reported for a failed one", n)
			}
		})
	}
}

// silentListener accepts connections and never says a word.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}
