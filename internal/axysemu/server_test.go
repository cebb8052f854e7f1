package axysemu

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

func startServer(t testing.TB, opts StartOptions) *Server {
	t.Helper()
	srv, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return srv
}

// get calls the server with client c and key; it returns the error when no
// HTTP response came back.
func get(t *testing.T, c *http.Client, url, key string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestStartServesMTLS(t *testing.T) {
	srv := startServer(t, StartOptions{})
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") || !strings.HasSuffix(srv.URL, "/v2") {
		t.Fatalf("URL %q", srv.URL)
	}
	status, body, err := get(t, srv.Client(), srv.URL+"/cardholders", srv.APIKey)
	if err != nil || status != 200 {
		t.Fatalf("GET /cardholders: %d %s %v", status, body, err)
	}
	if want := `{"status":"success","items":[],"total":0,"limit":50,"offset":0}` + "\n"; body != want {
		t.Fatalf("body %q, want %q", body, want)
	}
}

// clientWith returns a client trusting the server and presenting certs.
func clientWith(srv *Server, certs ...tls.Certificate) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: srv.CA.Pool(), Certificates: certs,
	}}}
}

func TestAuth(t *testing.T) {
	creds, err := NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, StartOptions{Credentials: creds})
	otherCA, err := pki.NewCA(pki.CAOptions{CommonName: "other"})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := otherCA.Issue(pki.LeafOptions{CommonName: "intruder", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := creds.CA.Issue(pki.LeafOptions{CommonName: "old", Client: true, NotBefore: time.Now().Add(-48 * time.Hour), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	serverCertAsClient := creds.Server.TLS() // right CA, wrong key usage
	tests := []struct {
		name       string
		client     *http.Client
		key        string
		wantStatus int // 0: the handshake must fail, no HTTP response
		wantBody   string
	}{
		{"no client certificate", clientWith(srv), srv.APIKey, 0, ""},
		{"certificate from another CA", clientWith(srv, foreign.TLS()), srv.APIKey, 0, ""},
		{"expired certificate", clientWith(srv, expired.TLS()), srv.APIKey, 0, ""},
		{"server certificate used as a client one", clientWith(srv, serverCertAsClient), srv.APIKey, 0, ""},
		{"missing API key", srv.Client(), "", 401, `{"status":"error","message":"missing X-API-Key header"}`},
		{"wrong API key", srv.Client(), "nope", 401, `{"status":"error","message":"invalid API key"}`},
		{"good", srv.Client(), srv.APIKey, 200, `{"status":"success","items":[],"total":0,"limit":50,"offset":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := get(t, tt.client, srv.URL+"/cardholders", tt.key)
			if tt.wantStatus == 0 {
				if err == nil {
					t.Fatalf("got an HTTP response %d %s; want the handshake refused", status, body)
				}
				return
			}
			if err != nil || status != tt.wantStatus || strings.TrimSpace(body) != tt.wantBody {
				t.Fatalf("got %d %q (%v), want %d %q", status, body, err, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestAllowlistDeny(t *testing.T) {
	const want = `{"status":"error","message":"No Authorised IPs configured"}`
	srv := startServer(t, StartOptions{Options: Options{DenyAllowlist: true}})
	c := srv.Client()
	for _, key := range []string{srv.APIKey, "wrong", ""} { // the 403 comes before the key check
		status, body, err := get(t, c, srv.URL+"/cardholders", key)
		if err != nil || status != 403 || strings.TrimSpace(body) != want {
			t.Fatalf("key %q: %d %s %v", key, status, body, err)
		}
	}
	status, _, _ := get(t, c, srv.URL+"/staging/deposits/1", srv.APIKey)
	if status != 403 {
		t.Fatalf("a staging path answered %d under a denied allowlist", status)
	}
	srv.Emulator.SetDenyAllowlist(false)
	if status, body, err := get(t, c, srv.URL+"/cardholders", srv.APIKey); err != nil || status != 200 {
		t.Fatalf("after allowing: %d %s %v", status, body, err)
	}
	srv.Emulator.SetDenyAllowlist(true)
	if status, _, _ := get(t, c, srv.URL+"/cardholders", srv.APIKey); status != 403 {
		t.Fatalf("after denying again: %d", status)
	}
}

func TestServerCloseAndContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Start(ctx, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	if status, _, err := get(t, c, srv.URL+"/cardholders", srv.APIKey); err != nil || status != 200 {
		t.Fatalf("before cancel: %d %v", status, err)
	}
	cancel()
	select {
	case <-srv.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the context did not stop the server")
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("close after cancel: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	c.CloseIdleConnections()
	if _, _, err := get(t, c, srv.URL+"/cardholders", srv.APIKey); err == nil {
		t.Fatal("the server still answers after Close")
	}
}

func TestStartOnBusyAddress(t *testing.T) {
	srv := startServer(t, StartOptions{})
	if _, err := Start(context.Background(), StartOptions{Addr: srv.Addr}); err == nil {
		t.Fatal("Start on a busy address did not fail")
	}
}

func TestCredentialsDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	now := time.Now()
	first, created, err := LoadOrCreateCredentials(dir, now)
	if err != nil || !created {
		t.Fatalf("first run: created=%v err=%v", created, err)
	}
	for name, perm := range map[string]os.FileMode{CAFile: 0o644, ClientCertFile: 0o644, ClientKeyFile: 0o600, APIKeyFile: 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != perm {
			t.Fatalf("%s: %v, mode %v, want %v", name, err, fi.Mode().Perm(), perm)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 6 {
		t.Fatalf("%d files in %s, want 6 (no CA key)", len(entries), dir)
	}
	second, created, err := LoadOrCreateCredentials(dir, now)
	if err != nil || created {
		t.Fatalf("second run: created=%v err=%v", created, err)
	}
	if second.APIKey != first.APIKey || second.CA.Fingerprint() != first.CA.Fingerprint() || second.Client.Fingerprint() != first.Client.Fingerprint() {
		t.Fatal("second run did not reuse the credentials")
	}

	// The written files work as curl would use them.
	srv := startServer(t, StartOptions{Credentials: second})
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, ClientCertFile), filepath.Join(dir, ClientKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := os.ReadFile(filepath.Join(dir, APIKeyFile))
	if status, body, err := get(t, clientWith(srv, pair), srv.URL+"/cardholders", strings.TrimSpace(string(key))); err != nil || status != 200 {
		t.Fatalf("with the files: %d %s %v", status, body, err)
	}

	tests := []struct {
		name  string
		spoil func()
		now   time.Time
	}{
		{"missing file", func() { os.Remove(filepath.Join(dir, ClientKeyFile)) }, now},
		{"corrupt CA", func() { os.WriteFile(filepath.Join(dir, CAFile), []byte("junk"), 0o644) }, now},
		{"empty API key", func() { os.WriteFile(filepath.Join(dir, APIKeyFile), []byte("\n"), 0o600) }, now},
		{"expiring within a day", func() {}, now.Add(365*24*time.Hour - time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _, err := LoadOrCreateCredentials(dir, now)
			if err != nil {
				t.Fatal(err)
			}
			tt.spoil()
			after, created, err := LoadOrCreateCredentials(dir, tt.now)
			if err != nil || !created || after.CA.Fingerprint() == before.CA.Fingerprint() {
				t.Fatalf("created=%v err=%v; want fresh credentials", created, err)
			}
		})
	}
}
