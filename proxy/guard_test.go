package proxy_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

const productionMessage = "evidence-proxy is a staging evidence recorder: refusing to forward to production.api.axyscards.com"

// TestGuardRefusesProduction sends calls aimed at production every way
// an app can, and checks each is refused with the 403 JSON answer, is
// recorded, and never reaches an upstream.
func TestGuardRefusesProduction(t *testing.T) {
	e := newEnv(t, envConfig{})
	tests := []struct {
		name string
		send func(t *testing.T) (status int, body []byte)
		mode evidence.Mode
	}{
		{"base-url Host header", func(t *testing.T) (int, []byte) {
			req := newRequest(t, http.MethodGet, "http://"+e.addr+"/v2/cards", nil)
			req.Host = proxy.ProductionHost
			resp, body := do(t, e.baseClient(), req)
			return resp.StatusCode, body
		}, evidence.ModeBaseURL},
		{"base-url Host header, odd spelling", func(t *testing.T) (int, []byte) {
			req := newRequest(t, http.MethodPost, "http://"+e.addr+"/v2/staging/kyc/validate", []byte(`{}`))
			req.Host = "Production.API.axyscards.com.:443"
			resp, body := do(t, e.baseClient(), req)
			return resp.StatusCode, body
		}, evidence.ModeBaseURL},
		{"absolute-form URL", func(t *testing.T) (int, []byte) {
			proxyURL := &url.URL{Scheme: "http", Host: e.addr}
			c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
			resp, body := do(t, c, newRequest(t, http.MethodGet, "http://"+proxy.ProductionHost+"/v2/cards", nil))
			return resp.StatusCode, body
		}, evidence.ModeMITM},
		{"CONNECT", func(t *testing.T) (int, []byte) {
			_, _, resp := rawConnect(t, e.addr, proxy.ProductionHost+":443")
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, body
		}, evidence.ModeMITM},
		{"inner Host inside an allowed tunnel", func(t *testing.T) (int, []byte) {
			resp := tunnelRequest(t, e, "GET /v2/cards HTTP/1.1\r\nHost: "+proxy.ProductionHost+"\r\n\r\n")
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, body
		}, evidence.ModeMITM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.rec.reset()
			hits := e.hits.Load()
			status, body := tt.send(t)
			if status != http.StatusForbidden {
				t.Fatalf("status = %d, want 403 (%s)", status, body)
			}
			got := decodeError(t, body)
			if got.Message != productionMessage || got.ErrorKind != "guard_refused" {
				t.Errorf("answer = %+v", got)
			}
			if e.hits.Load() != hits {
				t.Errorf("the upstream was called")
			}
			rec := e.rec.only(t)
			if rec.Mode != tt.mode || rec.Error == nil || rec.Error.Kind != evidence.ErrGuardRefused ||
				rec.Response == nil || !rec.Response.Synthetic || rec.Response.Status != 403 {
				t.Errorf("record = mode %s, error %+v, response %+v", rec.Mode, rec.Error, rec.Response)
			}
		})
	}
	if got := metricValue(t, e, "evidence_proxy_proxy_guard_refusals_total", "reason", "production"); got != float64(len(tests)) {
		t.Errorf("guard refusals metric = %v, want %d", got, len(tests))
	}
}

// tunnelRequest opens an intercepted tunnel to the staging host and sends
// a raw request inside it.
func tunnelRequest(t *testing.T, e *env, raw string) *http.Response {
	t.Helper()
	conn, br, resp := rawConnect(t, e.addr, proxy.StagingHost+":443")
	if resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %d", resp.StatusCode)
	}
	if br.Buffered() > 0 {
		t.Fatal("unexpected bytes after the CONNECT answer")
	}
	tc := tls.Client(conn, &tls.Config{ServerName: proxy.StagingHost, RootCAs: e.mitmCA.Pool()})
	if _, err := io.WriteString(tc, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestGuardOtherHosts checks CONNECT to a host that is neither allowlisted
// nor passthrough (refused, recorded) and a passthrough host (tunnelled
// blind, counted, not recorded).
func TestGuardOtherHosts(t *testing.T) {
	echo := startEcho(t)
	e := newEnv(t, envConfig{opts: func(o *proxy.Options) { o.Passthrough = []string{"telemetry.example.com"} }})
	e.setDial("telemetry.example.com:443", echo)

	t.Run("not allowlisted", func(t *testing.T) {
		e.rec.reset()
		_, _, resp := rawConnect(t, e.addr, "api.example.com:443")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 403 {
			t.Fatalf("status = %d, want 403", resp.StatusCode)
		}
		if got := decodeError(t, body); got.ErrorKind != "guard_refused" || got.Host != "api.example.com" {
			t.Errorf("answer = %+v", got)
		}
		rec := e.rec.only(t)
		if rec.Request.Method != http.MethodConnect || rec.Request.URL != "api.example.com:443" || rec.Error.Kind != evidence.ErrGuardRefused {
			t.Errorf("record = %+v / %+v", rec.Request, rec.Error)
		}
	})
	t.Run("passthrough", func(t *testing.T) {
		e.rec.reset()
		conn, br, resp := rawConnect(t, e.addr, "telemetry.example.com:443")
		if resp.StatusCode != 200 {
			t.Fatalf("status = %d, want 200", resp.StatusCode)
		}
		if _, err := io.WriteString(conn, "ping"); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 4)
		if _, err := io.ReadFull(br, got); err != nil || string(got) != "ping" {
			t.Fatalf("echo = %q, %v", got, err)
		}
		conn.Close()
		if n := len(e.rec.records()); n != 0 {
			t.Errorf("%d records for a passthrough tunnel, want 0", n)
		}
		if got := metricValue(t, e, "evidence_proxy_proxy_passthrough_tunnels_total"); got != 1 {
			t.Errorf("passthrough metric = %v, want 1", got)
		}
	})
	t.Run("allowlisted plain HTTP is sent over TLS", func(t *testing.T) {
		e.rec.reset()
		proxyURL := &url.URL{Scheme: "http", Host: e.addr}
		c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
		resp, _ := do(t, c, newRequest(t, http.MethodGet, "http://"+proxy.StagingHost+"/v2/cards", nil))
		if resp.StatusCode != 200 || resp.Header.Get("X-Seen-Client") != "integrator-client" {
			t.Errorf("status %d, client %q", resp.StatusCode, resp.Header.Get("X-Seen-Client"))
		}
		if rec := e.rec.only(t); rec.Request.URL != "https://"+proxy.StagingHost+"/v2/cards" {
			t.Errorf("recorded URL %q", rec.Request.URL)
		}
	})
}

// TestNewRefusesProductionConfig checks that no configuration can make
// production reachable.
func TestNewRefusesProductionConfig(t *testing.T) {
	prod, _ := url.Parse("https://" + proxy.ProductionHost + "/v2")
	tests := []struct {
		name string
		opts proxy.Options
	}{
		{"upstream", proxy.Options{Upstream: prod}},
		{"allow", proxy.Options{Allow: []string{"PRODUCTION.api.axyscards.com"}}},
		{"allow subdomain", proxy.Options{Allow: []string{"eu." + proxy.ProductionHost}}},
		{"passthrough", proxy.Options{Passthrough: []string{proxy.ProductionHost + ":443"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Recorder = &fakeRecorder{}
			_, err := proxy.New(tt.opts)
			if !errors.Is(err, proxy.ErrProductionHost) {
				t.Errorf("New: %v, want ErrProductionHost", err)
			}
		})
	}
	if _, err := proxy.New(proxy.Options{}); !errors.Is(err, proxy.ErrNoRecorder) {
		t.Errorf("New without recorder: %v, want ErrNoRecorder", err)
	}
}

// startEcho starts a TCP echo server and returns its address.
func startEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}
