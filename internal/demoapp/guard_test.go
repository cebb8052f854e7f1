package demoapp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
)

// fakeSidecar stands in for the proxy's HTTPS_PROXY listener: it answers
// every request (a CONNECT, or an absolute-form request) with status.
type fakeSidecar struct {
	status int
	seen   atomic.Int32
	keys   atomic.Int32
	// notPost counts requests other than a CONNECT or the documented POST.
	notPost atomic.Int32
}

func (f *fakeSidecar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.seen.Add(1)
	if r.Method != http.MethodConnect && r.Method != http.MethodPost {
		f.notPost.Add(1)
	}
	if r.Header.Get("X-API-Key") != "" {
		f.keys.Add(1)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	w.Write([]byte(`{"status":"error","message":"refused: production.api.axyscards.com is not an allowed upstream"}`))
}

func TestGuardProbe(t *testing.T) {
	tests := []struct {
		name      string
		probe     string
		status    int
		viaProxy  bool
		want      Outcome
		wantCalls int32
	}{
		{"CONNECT refused", "https://production.api.axyscards.com/v2/staging/kyc/validate", http.StatusForbidden, true, OutcomeOK, 1},
		{"request refused", "http://production.api.axyscards.com/v2/staging/kyc/validate", http.StatusForbidden, true, OutcomeOK, 1},
		{"let through", "http://production.api.axyscards.com/v2/staging/kyc/validate", http.StatusOK, true, OutcomeFailed, 1},
		{"no proxy: never sent", "http://production.api.axyscards.com/v2/staging/kyc/validate", http.StatusForbidden, false, OutcomeSkipped, 0},
		{"no probe configured", "", http.StatusForbidden, true, OutcomeSkipped, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			side := &fakeSidecar{status: tt.status}
			srv := httptest.NewServer(side)
			defer srv.Close()
			proxyURL, _ := url.Parse(srv.URL)
			tr := &http.Transport{}
			if tt.viaProxy {
				tr.Proxy = http.ProxyURL(proxyURL)
			}
			o := Options{BaseURL: srv.URL, APIKey: "k", MITMClient: &http.Client{Transport: tr}, MITMBaseURL: srv.URL, GuardProbeURL: tt.probe}
			s := newScript(o.withDefaults())
			r := s.play(context.Background(), scenario{name: "production-guard", covers: []string{"G1"}, run: s.runGuardProbe})
			if r.Outcome != tt.want {
				t.Errorf("outcome %s (%s), want %s", r.Outcome, r.Detail, tt.want)
			}
			if got := side.seen.Load(); got != tt.wantCalls {
				t.Errorf("sidecar saw %d calls, want %d", got, tt.wantCalls)
			}
			if side.keys.Load() != 0 {
				t.Error("the probe sent the API key")
			}
			if side.notPost.Load() != 0 {
				t.Error("the probe was not the documented POST")
			}
		})
	}
}

func TestViaProxyLooksThroughWrappers(t *testing.T) {
	proxied := &http.Transport{Proxy: http.ProxyFromEnvironment}
	tests := []struct {
		name string
		c    *http.Client
		want bool
	}{
		{"nil client", nil, false},
		{"default transport", &http.Client{}, false},
		{"direct", &http.Client{Transport: &http.Transport{}}, false},
		{"proxied", &http.Client{Transport: proxied}, true},
		{"wrapped", &http.Client{Transport: unwrapper{proxied}}, true},
		{"opaque wrapper", &http.Client{Transport: roundTripFunc(proxied.RoundTrip)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := viaProxy(tt.c); got != tt.want {
				t.Errorf("viaProxy = %v, want %v", got, tt.want)
			}
		})
	}
}

type unwrapper struct{ next http.RoundTripper }

func (u unwrapper) RoundTrip(r *http.Request) (*http.Response, error) { return u.next.RoundTrip(r) }
func (u unwrapper) Unwrap() http.RoundTripper                         { return u.next }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
