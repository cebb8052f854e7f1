package proxy_test

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestModesEndToEnd sends the same call in both modes and checks what the
// upstream saw, what the app got and what was recorded.
func TestModesEndToEnd(t *testing.T) {
	e := newEnv(t, envConfig{})
	body := []byte(`{"firstName":"Ada","lastName":"Lovelace"}`)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e.rec.reset()
			req := newRequest(t, http.MethodPost, m.url(e, "/v2/cardholders?program=p1&x=%2F"), body)
			req.Header.Set("Content-Type", "application/json")
			resp, got := do(t, m.client(e), req)

			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200 (body %s)", resp.StatusCode, got)
			}
			if diff := cmp.Diff(string(got), string(body)); diff != "" {
				t.Errorf("response body (-got +want):\n%s", diff)
			}
			if resp.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length = %d, want %d", resp.ContentLength, len(body))
			}
			seen := map[string]string{
				"method": resp.Header.Get("X-Seen-Method"), "path": resp.Header.Get("X-Seen-Path"),
				"query": resp.Header.Get("X-Seen-Query"), "key": resp.Header.Get("X-Seen-Key"),
				"client": resp.Header.Get("X-Seen-Client"), "host": resp.Header.Get("X-Seen-Host"),
				"length": resp.Header.Get("X-Seen-Length"),
			}
			want := map[string]string{
				"method": "POST", "path": "/v2/cardholders", "query": "program=p1&x=%2F", "key": testAPIKey,
				"client": "integrator-client", "host": proxy.StagingHost, "length": strconv.Itoa(len(body)),
			}
			if diff := cmp.Diff(seen, want); diff != "" {
				t.Errorf("upstream saw (-got +want):\n%s", diff)
			}

			rec := e.rec.only(t)
			checkCallRecord(t, e, rec, m.mode)
			if rec.Request.Method != "POST" || rec.Request.URL != "https://"+proxy.StagingHost+"/v2/cardholders?program=p1&x=%2F" {
				t.Errorf("request = %s %s", rec.Request.Method, rec.Request.URL)
			}
			if rec.Request.Body.Text != string(body) || rec.Request.Body.Size != int64(len(body)) {
				t.Errorf("request body = %+v", rec.Request.Body)
			}
			if rec.Response == nil || rec.Response.Status != 200 || rec.Response.Body.Text != string(body) || rec.Response.Synthetic {
				t.Errorf("response = %+v", rec.Response)
			}
			if rec.Request.Header.Get("X-Api-Key") != testAPIKey {
				t.Errorf("recorded X-API-Key = %q, want the forwarded one (the recorder redacts)", rec.Request.Header.Get("X-Api-Key"))
			}
		})
	}
}

// checkCallRecord checks the fields every forwarded call's record has.
func checkCallRecord(t *testing.T, e *env, rec *evidence.Record, m evidence.Mode) {
	t.Helper()
	if rec.Kind != evidence.KindCall || rec.V != evidence.Version || rec.Mode != m {
		t.Errorf("kind/v/mode = %s/%d/%s, want call/%d/%s", rec.Kind, rec.V, rec.Mode, evidence.Version, m)
	}
	if rec.Error != nil {
		t.Errorf("error = %+v, want none", rec.Error)
	}
	if rec.Time.IsZero() || rec.Time.Location() != nil && rec.Time.Location().String() != "UTC" {
		t.Errorf("time = %v, want a UTC time", rec.Time)
	}
	if rec.DurationUS < rec.UpstreamUS || rec.UpstreamUS <= 0 {
		t.Errorf("durations: total %dµs, upstream %dµs", rec.DurationUS, rec.UpstreamUS)
	}
	if _, _, err := net.SplitHostPort(rec.ClientAddr); err != nil {
		t.Errorf("client addr %q: %v", rec.ClientAddr, err)
	}
	want := &evidence.TLSFacts{Version: "TLS 1.3", ServerCertSHA256: e.pki.server.Fingerprint(),
		ClientCertSHA256: e.pki.client.Fingerprint()}
	if diff := cmp.Diff(rec.TLS, want); diff != "" {
		t.Errorf("TLS facts (-got +want):\n%s", diff)
	}
}

// TestAppHeadersKept checks that the proxy sets X-API-Key only when the app
// sent none, and neither adds nor drops forwarding headers.
func TestAppHeadersKept(t *testing.T) {
	e := newEnv(t, envConfig{})
	for _, m := range modes {
		t.Run(m.name+"/app's headers", func(t *testing.T) {
			req := newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil)
			req.Header.Set("X-API-Key", "the-app-s-own-key")
			req.Header.Set("Forwarded", "for=10.1.2.3")
			req.Header.Set("X-Forwarded-For", "10.1.2.3")
			resp, _ := do(t, m.client(e), req)
			if got := resp.Header.Get("X-Seen-Key"); got != "the-app-s-own-key" {
				t.Errorf("upstream saw X-API-Key %q, want the app's", got)
			}
			if got := resp.Header.Get("X-Seen-Forwarded"); got != "for=10.1.2.3|10.1.2.3" {
				t.Errorf("upstream saw forwarding headers %q", got)
			}
		})
		t.Run(m.name+"/none added", func(t *testing.T) {
			resp, _ := do(t, m.client(e), newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil))
			if got := resp.Header.Get("X-Seen-Forwarded"); got != "|" {
				t.Errorf("upstream saw forwarding headers %q, want none", got)
			}
		})
	}
}

// TestBaseURLPathJoin checks the documented path joining on the wire.
func TestBaseURLPathJoin(t *testing.T) {
	e := newEnv(t, envConfig{})
	tests := []struct{ name, path, want string }{
		{"prefixed", "/v2/cardholders/7", "/v2/cardholders/7"},
		{"unprefixed", "/cardholders/7", "/v2/cardholders/7"},
		{"staging", "/v2/staging/kyc/validate", "/v2/staging/kyc/validate"},
		{"escaped slash kept", "/v2/files/a%2Fb", "/v2/files/a%2Fb"},
		{"not cleaned", "/v2/a/../b", "/v2/a/../b"},
	}
	raw := &http.Transport{}
	t.Cleanup(raw.CloseIdleConnections)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, http.MethodGet, "http://"+e.addr+"/", nil)
			req.URL.Opaque = tt.path // sent as is, no client-side cleaning
			resp, _ := do(t, &http.Client{Transport: raw}, req)
			if got := resp.Header.Get("X-Seen-Path"); got != tt.want {
				t.Errorf("upstream path = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMITMCertificate checks the certificate the app sees in HTTPS_PROXY
// mode: issued by the per-install CA for the host, and not by goproxy's
// built-in CA, with the host in the SAN only (no common name, which
// OpenSSL would check against the CA's DNS name constraints).
func TestMITMCertificate(t *testing.T) {
	e := newEnv(t, envConfig{})
	resp, _ := do(t, e.mitmClient(), newRequest(t, http.MethodGet, "https://"+proxy.StagingHost+"/v2/cards", nil))
	leaf := resp.TLS.PeerCertificates[0]
	mustVerifyChain(t, leaf, e.mitmCA.Pool(), proxy.StagingHost)
	if leaf.Issuer.CommonName != e.mitmCA.Cert.Subject.CommonName || leaf.Issuer.CommonName == "GoProxy" {
		t.Errorf("leaf issued by %q", leaf.Issuer.CommonName)
	}
	if leaf.Subject.CommonName != "" || !cmp.Equal(leaf.DNSNames, []string{proxy.StagingHost}) || len(leaf.IPAddresses) != 0 {
		t.Errorf("leaf subject %q, DNS SANs %v, IP SANs %v", leaf.Subject, leaf.DNSNames, leaf.IPAddresses)
	}
	if got := e.mitmCA.Cert.PermittedDNSDomains; !cmp.Equal(got, []string{proxy.StagingHost}) {
		t.Errorf("CA permitted domains = %v", got)
	}
}

// TestListenerClientCert checks --require-client-ca: only an app with a
// certificate from the configured CA may use the sidecar, and its
// certificate's fingerprint is recorded.
func TestListenerClientCert(t *testing.T) {
	appPKI := newTestPKI(t) // the app's CA, listener certificate and app certificate
	listener, err := appPKI.ca.Issue(pki.LeafOptions{CommonName: "sidecar", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "l.pem"), filepath.Join(dir, "l-key.pem")
	if err := listener.WriteFiles(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	cfg, err := proxy.ListenerTLSConfig(certFile, keyFile, appPKI.caFile)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envConfig{opts: func(o *proxy.Options) { o.ListenerTLS = cfg }})

	roots := appPKI.ca.Pool()
	roots.AddCert(e.mitmCA.Cert)
	proxyURL := &url.URL{Scheme: "https", Host: e.addr}
	clients := map[string]func(certs []tls.Certificate) *http.Client{
		"base-url": func(certs []tls.Certificate) *http.Client {
			return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs}}}
		},
		"mitm": func(certs []tls.Certificate) *http.Client {
			return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL),
				TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs}}}
		},
	}
	urls := map[string]string{"base-url": "https://" + e.addr + "/v2/cards", "mitm": "https://" + proxy.StagingHost + "/v2/cards"}
	for _, m := range modes {
		t.Run(m.name+"/without certificate", func(t *testing.T) {
			c := clients[m.name](nil)
			defer c.CloseIdleConnections()
			if resp, err := c.Get(urls[m.name]); err == nil {
				resp.Body.Close()
				t.Fatalf("got %d without a client certificate, want a handshake failure", resp.StatusCode)
			}
		})
		t.Run(m.name+"/with certificate", func(t *testing.T) {
			e.rec.reset()
			c := clients[m.name]([]tls.Certificate{appPKI.client.TLS()})
			defer c.CloseIdleConnections()
			resp, _ := do(t, c, newRequest(t, http.MethodGet, urls[m.name], nil))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			rec := e.rec.only(t)
			if rec.TLS == nil || rec.TLS.AppClientCertSHA256 != appPKI.client.Fingerprint() {
				t.Errorf("app certificate fingerprint = %+v, want %s", rec.TLS, appPKI.client.Fingerprint())
			}
		})
	}
}
