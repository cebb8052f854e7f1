package proxy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestNoSecretsInLogs drives calls that carry planted secrets through
// every logging path (success, upstream failure, record failure, guard
// refusal, recovered panic) with debug logging on, and checks that no
// secret appears in the logs.
func TestNoSecretsInLogs(t *testing.T) {
	const (
		appKey = "app-secret-key-9d8e7f"
		pan    = "4111111111111111"
		cvv    = "cvv-737-planted"
	)
	e := newEnv(t, envConfig{transport: func(tr *http.Transport) { tr.DisableKeepAlives = true }})
	body := []byte(`{"pan":"` + pan + `","cvv":"` + cvv + `"}`)
	call := func(m mode, path string, host string) {
		req := newRequest(t, http.MethodPost, m.url(e, path), body)
		req.Header.Set("X-API-Key", appKey)
		req.Header.Set("Authorization", "Bearer "+cvv)
		if host != "" {
			req.Host = host
		}
		resp, err := m.client(e).Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}
	upstream := e.up.Listener.Addr().String()
	for _, m := range modes {
		call(m, "/v2/cards/"+pan+"?pin="+cvv, "")
		e.setDial(proxy.StagingHost+":443", closedPort(t))
		call(m, "/v2/cards/"+pan, "")
		e.setDial(proxy.StagingHost+":443", upstream)
		e.rec.set(func(f *fakeRecorder) { f.err = errStore })
		call(m, "/v2/cards/"+pan, "")
		e.rec.set(func(f *fakeRecorder) { f.err, f.panicIn = nil, "healthy" })
		call(m, "/v2/cards/"+pan, "")
		e.rec.set(func(f *fakeRecorder) { f.panicIn = "" })
	}
	call(modes[0], "/v2/cards/"+pan, proxy.ProductionHost)

	logs := e.logs.String()
	if !strings.Contains(logs, "call not recorded") || !strings.Contains(logs, "panic recovered") {
		t.Fatalf("the logging paths did not run; logs:\n%s", logs)
	}
	for _, secret := range []string{appKey, testAPIKey, pan, cvv} {
		if strings.Contains(logs, secret) {
			t.Errorf("secret %q appears in the logs", secret)
		}
	}
}
