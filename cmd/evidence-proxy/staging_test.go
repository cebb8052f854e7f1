package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/provenance"
	"github.com/evidence-proxy/evidence-proxy/proxy"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// stagingHelperEnv names the directory the helper process of
// TestStagingClass records into; stagingHelperMode says how the upstream
// is trusted ("system" or "upstream-ca").
const (
	stagingHelperEnv  = "EVIDENCE_PROXY_TEST_STAGING_DIR"
	stagingHelperMode = "EVIDENCE_PROXY_TEST_STAGING_TRUST"
)

// stagingPKI is a stand-in for Axys staging: a root, a server certificate
// for the staging host name, and a client certificate whose subject holds
// a Tenant (O) and a Program (OU), as Axys issues them.
func stagingPKI(t *testing.T, dir string) {
	t.Helper()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "test staging root"})
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.Issue(pki.LeafOptions{CommonName: provenance.StagingHost, DNSNames: []string{provenance.StagingHost}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := server.WriteFiles(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "api.acme.example", Organization: []string{"Acme Cards Ltd"}, OrganizationalUnit: []string{"Acme Pilot"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "client.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "client-key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestStagingClass records calls to an upstream that presents a
// certificate for the staging host name, trusted through the system trust
// store (SSL_CERT_FILE naming the test root, in a process of its own, as
// the system pool is read once per process): the bundle is axys-staging,
// recorded by the client certificate's Tenant and Program. The same
// upstream trusted through --upstream-ca is not: the host name alone
// proves nothing, and the root's SHA-256 is shown to compare with Axys's.
func TestStagingClass(t *testing.T) {
	tests := []struct {
		trust string
		class evidence.Class
		says  []string
	}{
		{"system", evidence.ClassAxysStaging, []string{
			"environment  axys-staging: 2 calls to https://staging.api.axyscards.com:443, chain verified against the system trust store (root CN=test staging root",
			"\nOK: axys-staging; ",
		}},
		{"upstream-ca", evidence.ClassOther, []string{
			"environment  NOT AXYS STAGING: 2 calls to https://staging.api.axyscards.com:443 (other): the staging host name verified only against --upstream-ca (root CN=test staging root",
			"compare it with Axys's root",
			"\nOK: other; ",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.trust, func(t *testing.T) {
			dir := t.TempDir()
			stagingPKI(t, dir)
			cmd := exec.Command(os.Args[0], "-test.run=^TestStagingHelperProcess$", "-test.v")
			cmd.Env = append(os.Environ(), stagingHelperEnv+"="+dir, stagingHelperMode+"="+tt.trust,
				"SSL_CERT_FILE="+filepath.Join(dir, "ca.pem"), "SSL_CERT_DIR="+filepath.Join(dir, "no-such-dir"))
			if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS: TestStagingHelperProcess") {
				t.Fatalf("helper process: %v\n%s", err, out)
			}
			dataDir := filepath.Join(dir, "data")
			bundle := filepath.Join(dir, "b.tar.zst")
			if out, _, err := runCmd(t, "export", "--data-dir", dataDir, "--out", bundle); err != nil {
				t.Fatalf("export: %v\n%s", err, out)
			}
			checkBundleReportsLabelled(t, bundle, tt.class)
			out, _, err := runCmd(t, "verify", "--pubkey", signKeyPath(dataDir)+".pub", bundle)
			if err != nil {
				t.Fatalf("verify: %v\n%s", err, out)
			}
			t.Logf("verify:\n%s", out)
			says := append(tt.says, `recorded by  Tenant "Acme Cards Ltd", Programs "Acme Pilot" (client certificate CN=api.acme.example,OU=Acme Pilot,O=Acme Cards Ltd`)
			for _, want := range says {
				if !strings.Contains(out, want) {
					t.Errorf("verify output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestStagingHelperProcess is the sidecar of TestStagingClass, run in a
// process of its own: serve's store, provenance and proxy wiring, with the
// transport's dial sent to a local stand-in for staging.api.axyscards.com.
func TestStagingHelperProcess(t *testing.T) {
	dir := os.Getenv(stagingHelperEnv)
	if dir == "" {
		t.Skip("the helper process of TestStagingClass")
	}
	recordStagingStandIn(t, dir, os.Getenv(stagingHelperMode))
}

// recordStagingStandIn records two calls into dir/data through serve's
// store, provenance and proxy wiring, the transport's dial sent to a
// local stand-in for staging.api.axyscards.com (stagingPKI in dir).
// trustedBy is "system" (the system trust store) or "upstream-ca".
func recordStagingStandIn(t *testing.T, dir, trustedBy string) {
	t.Helper()
	up := stagingUpstream(t, dir)
	cfg := defaultServeConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.ClientCert, cfg.ClientKey = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	if trustedBy == "upstream-ca" {
		cfg.UpstreamCA = filepath.Join(dir, "ca.pem")
	}
	tr, err := newUpstreamTransport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, up)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	store, err := openStore(cfg, recorder.RedactOptions{}, logger, prometheus.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := openTrust(cfg, store, tr, newLiveProvenance(logger), logger)
	if err != nil {
		t.Fatal(err)
	}
	upstream, _ := url.Parse("https://" + provenance.StagingHost + "/v2")
	p, err := proxy.New(proxy.Options{Upstream: upstream, Transport: tr, Recorder: store, APIKey: "staging-key-1",
		UpstreamHandshake: trust.observeHandshake})
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(p.Handler())
	for range 2 {
		resp, err := app.Client().Get(app.URL + "/v2/cardholders")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("call through the proxy: %d", resp.StatusCode)
		}
	}
	app.Close()
	ctx := context.Background()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := trust.close(); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// stagingUpstream serves the stand-in for Axys staging, requiring a
// client certificate from the test root; it returns its address.
func stagingUpstream(t *testing.T, dir string) string {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots, err := pki.LoadCertPool(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[],"page":1}`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: roots, ClientAuth: tls.RequireAndVerifyClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}
