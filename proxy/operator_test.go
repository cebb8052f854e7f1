package proxy_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// wrongCAClient makes the proxy present a client certificate from
// another CA than the one the upstream accepts.
func wrongCAClient(t *testing.T) func(*http.Transport) {
	t.Helper()
	other, err := pki.NewCA(pki.CAOptions{CommonName: "some other CA"})
	if err != nil {
		t.Fatal(err)
	}
	client, err := other.Issue(pki.LeafOptions{CommonName: "integrator-client", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	return func(tr *http.Transport) { tr.TLSClientConfig.Certificates = []tls.Certificate{client.TLS()} }
}

// TestWrongCAClientCertificate: a client certificate from the wrong CA is
// reported as such, in the answer and in a rate-limited warning, not as
// "certificate required"; it makes the upstream unhealthy at once.
func TestWrongCAClientCertificate(t *testing.T) {
	e := newEnv(t, envConfig{transport: wrongCAClient(t)})
	const want = "the upstream accepts client certificates issued by CN=test upstream CA,O=evidence-proxy; ours is issued by CN=some other CA,O=evidence-proxy"
	for _, m := range modes {
		resp, body := do(t, m.client(e), newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil))
		if resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("%s: status %d: %s", m.name, resp.StatusCode, body)
		}
		if got := decodeError(t, body); got.ErrorKind != "tls" || !strings.Contains(got.Message, want) {
			t.Errorf("%s: answer %+v", m.name, got)
		}
	}
	logs := e.logs.String()
	if n := strings.Count(logs, `"msg":"upstream call failed"`); n != 1 {
		t.Errorf("%d warnings for two failures in one burst, want 1:\n%s", n, logs)
	}
	for _, attr := range []string{`"client_cert_requested":true`, `"accepted_issuers":["CN=test upstream CA,O=evidence-proxy"]`, `"kind":"upstream_tls"`} {
		if !strings.Contains(logs, attr) {
			t.Errorf("warning lacks %s:\n%s", attr, logs)
		}
	}
	ok, reason, _ := e.p.UpstreamState()
	if ok || !strings.Contains(reason, want) {
		t.Errorf("UpstreamState = %v %q", ok, reason)
	}
}

// TestUpstreamStateFromCalls: one failed call does not make the upstream
// unhealthy, three in a row do, and one answered call heals it.
func TestUpstreamStateFromCalls(t *testing.T) {
	e := newEnv(t, envConfig{transport: func(tr *http.Transport) { tr.DisableKeepAlives = true }})
	upstream := e.up.Listener.Addr().String()
	call := func() int {
		resp, _ := do(t, e.baseClient(), newRequest(t, http.MethodGet, "http://"+e.addr+"/v2/cards", nil))
		return resp.StatusCode
	}
	if ok, reason, _ := e.p.UpstreamState(); !ok || reason != "no upstream call yet" {
		t.Errorf("initial state %v %q", ok, reason)
	}
	down := closedPort(t)
	// fail, answer, then fail three times: only the third failure in a row turns it.
	for i, want := range []bool{true, true, true, false} {
		e.setDial(proxy.StagingHost+":443", down)
		if status := call(); status != http.StatusBadGateway {
			t.Fatalf("status %d", status)
		}
		if ok, reason, _ := e.p.UpstreamState(); ok != want {
			t.Errorf("after failure %d: ok %v (%s)", i+1, ok, reason)
		}
		if i == 0 {
			e.setDial(proxy.StagingHost+":443", upstream)
			if status := call(); status != 200 {
				t.Fatalf("status %d", status)
			}
		}
	}
	if ok, reason, _ := e.p.UpstreamState(); ok || !strings.Contains(reason, "3 consecutive upstream failures") || !strings.Contains(reason, "refused the connection") {
		t.Errorf("state after failures: %v %q", ok, reason)
	}
	e.setDial(proxy.StagingHost+":443", upstream)
	if status := call(); status != 200 {
		t.Fatalf("status %d", status)
	}
	if ok, _, _ := e.p.UpstreamState(); !ok {
		t.Error("one answered call did not make the upstream healthy again")
	}
	if !strings.Contains(e.logs.String(), "upstream marked unhealthy") || !strings.Contains(e.logs.String(), "upstream healthy again") {
		t.Errorf("transitions not logged:\n%s", e.logs.String())
	}
}

// TestProbe: a probe reports the server's chain and that a client
// certificate was asked for and accepted; with the wrong client
// certificate it fails with the diagnosis; an unreachable upstream fails
// as such; and the Proxy's own probe counts toward UpstreamState.
func TestProbe(t *testing.T) {
	good := newEnv(t, envConfig{})
	r, err := good.p.Probe(context.Background())
	if err != nil || !r.OK {
		t.Fatalf("probe: %v %+v", err, r)
	}
	if len(r.Chain) == 0 || r.Chain[0].SHA256 != good.pki.server.Fingerprint() || r.Chain[0].Issuer != "CN=test upstream CA,O=evidence-proxy" {
		t.Errorf("chain %+v", r.Chain)
	}
	if !r.ClientCertRequested || len(r.AcceptedIssuers) != 1 || r.Addr != proxy.StagingHost+":443" || r.TLSVersion != "TLS 1.3" {
		t.Errorf("result %+v", r)
	}

	bad := newEnv(t, envConfig{transport: wrongCAClient(t)})
	r, err = bad.p.Probe(context.Background())
	if err == nil || r.OK || !strings.Contains(r.Diagnosis, "ours is issued by CN=some other CA") {
		t.Errorf("wrong-CA probe: %v %+v", err, r)
	}
	if ok, _, _ := bad.p.UpstreamState(); ok {
		t.Error("a failed probe left the upstream healthy")
	}

	down := newEnv(t, envConfig{})
	down.setDial(proxy.StagingHost+":443", closedPort(t))
	start := time.Now()
	r, err = down.p.Probe(context.Background())
	if err == nil || !strings.Contains(r.Diagnosis, "could not be reached") || time.Since(start) > 5*time.Second {
		t.Errorf("unreachable probe: %v %+v", err, r)
	}
}

// TestMITMHandshakeWarning: an app that does not trust the interception
// CA fails its handshake; the proxy says so once per burst, naming the
// likely cause.
func TestMITMHandshakeWarning(t *testing.T) {
	e := newEnv(t, envConfig{})
	untrusting := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: e.addr})}}
	for range 3 {
		if _, err := untrusting.Get("https://" + proxy.StagingHost + "/v2/cards"); err == nil {
			t.Fatal("an app without the CA completed the handshake")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(e.logs.String(), "does it trust the evidence-proxy CA") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := strings.Count(e.logs.String(), "does it trust the evidence-proxy CA"); n != 1 {
		t.Errorf("%d warnings for three failed handshakes, want 1:\n%s", n, e.logs.String())
	}
	if !strings.Contains(e.logs.String(), `"kind":"mitm_handshake"`) {
		t.Errorf("warning without its kind:\n%s", e.logs.String())
	}
}
