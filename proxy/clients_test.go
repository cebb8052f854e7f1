package proxy_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// emulatorName is the host name the real-client tests use for the
// emulator; the proxy's transport dials it at the emulator's loopback port.
const emulatorName = "emulator.test"

// clientsEnv is an emulator behind a sidecar in HTTPS_PROXY mode, reached
// by IP address (the upstream itself, on its own port) and by host name
// (an allowlisted name on 443), with the trust files every client needs.
type clientsEnv struct {
	proxyURL string
	urls     []string // by IP address, by host name
	caFile   string   // the interception CA alone (NODE_EXTRA_CA_CERTS)
	bundle   proxy.TrustBundle
	ca       *pki.Cert
	rec      *fakeRecorder
	dir      string
}

func newClientsEnv(t *testing.T) *clientsEnv {
	t.Helper()
	emu, creds := startEmulator(t)
	dir := t.TempDir()
	upCA, clientCert, clientKey := filepath.Join(dir, "emu-ca.pem"), filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	if err := os.WriteFile(upCA, creds.CA.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := creds.Client.WriteFiles(clientCert, clientKey); err != nil {
		t.Fatal(err)
	}
	tr, err := proxy.NewTransport(proxy.TransportOptions{ClientCertFile: clientCert, ClientKeyFile: clientKey, UpstreamCAFile: upCA})
	if err != nil {
		t.Fatal(err)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == emulatorName+":443" {
			addr = emu.Addr // the test's own name resolution: no /etc/hosts
		}
		return dialer.DialContext(ctx, network, addr)
	}
	up, _ := url.Parse(emu.URL)
	allow := []string{emulatorName}
	hosts, err := proxy.AllowedHosts(up, allow)
	if err != nil {
		t.Fatal(err)
	}
	caDir := filepath.Join(dir, "ca")
	ca, err := proxy.CreateCA(caDir, hosts, nil)
	if err != nil {
		t.Fatal(err)
	}
	ce := &clientsEnv{caFile: filepath.Join(caDir, proxy.CACertFile), ca: ca, rec: &fakeRecorder{}, dir: dir,
		urls: []string{emu.URL + "/cardholders", "https://" + emulatorName + "/v2/cardholders"}}
	ce.bundle, err = proxy.WriteTrustBundle(filepath.Join(dir, "trust-bundle.pem"), ca, "")
	if err != nil {
		missingTool(t, "no system roots to build an additive bundle from (apt-get install ca-certificates): "+err.Error())
	}
	p, err := proxy.New(proxy.Options{Upstream: up, Allow: allow, CA: ca, Transport: tr, Recorder: ce.rec, APIKey: emu.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	ce.proxyURL = "http://" + serveProxy(t, p)
	return ce
}

// startEmulator runs the Axys emulator with a server certificate for
// 127.0.0.1 and emulatorName.
func startEmulator(t *testing.T) (*axysemu.Server, *axysemu.Credentials) {
	t.Helper()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "emulator test CA"})
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.Issue(pki.LeafOptions{DNSNames: []string{emulatorName}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.Issue(pki.LeafOptions{CommonName: "integrator-client", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	creds := &axysemu.Credentials{CA: ca, Server: server, Client: client, APIKey: axysemu.NewAPIKey()}
	emu, err := axysemu.Start(context.Background(), axysemu.StartOptions{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	return emu, creds
}

// serveProxy serves p on a loopback port until the test ends.
func serveProxy(t *testing.T, p *proxy.Proxy) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// env is the environment of a client process: no proxy or trust setting
// inherited from the test's own environment, HTTPS_PROXY pointing at the
// sidecar, plus extra.
func (ce *clientsEnv) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
			"CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "JAVA_TOOL_OPTIONS":
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "HTTPS_PROXY="+ce.proxyURL, "https_proxy="+ce.proxyURL), extra...)
}

// run runs a client for urls and checks that it printed "200 <url>" for
// each and that the sidecar recorded each as an intercepted call.
func (ce *clientsEnv) run(t *testing.T, urls []string, name string, args []string, dir string, env []string) {
	t.Helper()
	ce.rec.reset()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, name, args...)
	c.Env, c.Dir = env, dir
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(name), err, out)
	}
	for _, u := range urls {
		if !strings.Contains(string(out), "200 "+u) {
			t.Errorf("no 200 for %s:\n%s", u, out)
		}
	}
	recs := ce.rec.records()
	if len(recs) != len(urls) {
		t.Fatalf("%d records, want %d", len(recs), len(urls))
	}
	for i, r := range recs {
		if r.Mode != evidence.ModeMITM || r.Status() != 200 || r.Request.URL != urls[i] {
			t.Errorf("record %d: mode %s, status %d, URL %s", i, r.Mode, r.Status(), r.Request.URL)
		}
	}
}

// TestRealClientsHTTPSProxy drives curl, Python requests, Node (undici's
// ProxyAgent) and Java's HttpClient through HTTPS_PROXY mode against the
// emulator, by IP address and by host name, each trusting the
// interception CA the additive way evidence-proxy ca tells: a bundle of
// the system roots plus the CA, NODE_EXTRA_CA_CERTS, or a copy of the
// JDK's cacerts. OpenSSL (curl, Python) rejects a leaf whose common name
// is an IP address under a CA with DNS name constraints, so this fails if
// leaves carry one.
func TestRealClientsHTTPSProxy(t *testing.T) {
	ce := newClientsEnv(t)
	if ce.bundle.SystemCerts == 0 {
		t.Fatalf("bundle %+v has no system roots", ce.bundle)
	}
	t.Run("curl", func(t *testing.T) {
		curl := requireTool(t, "curl", "apt-get install curl")
		for _, u := range ce.urls {
			ce.run(t, []string{u}, curl, []string{"-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code} " + u + "\n", u},
				"", ce.env("CURL_CA_BUNDLE="+ce.bundle.Path))
		}
	})
	t.Run("python requests", func(t *testing.T) {
		py := requirePythonRequests(t)
		ce.run(t, ce.urls, py, append([]string{filepath.Join("testdata", "clients", "python", "client.py")}, ce.urls...),
			"", ce.env("REQUESTS_CA_BUNDLE="+ce.bundle.Path))
	})
	t.Run("node undici", func(t *testing.T) {
		node := requireTool(t, "node", "apt-get install nodejs")
		dir := filepath.Join("testdata", "clients", "node")
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "undici")); err != nil {
			missingTool(t, "the undici package is not installed (scripts/test-deps.sh, or npm ci --prefix proxy/testdata/clients/node)")
		}
		ce.run(t, ce.urls, node, append([]string{"client.mjs"}, ce.urls...), dir, ce.env("NODE_EXTRA_CA_CERTS="+ce.caFile))
	})
	t.Run("java HttpClient", func(t *testing.T) {
		java := requireTool(t, "java", "apt-get install openjdk-17-jdk-headless")
		requireTool(t, "keytool", "apt-get install openjdk-17-jdk-headless")
		if proxy.DefaultJavaCacerts() == "" {
			missingTool(t, "the JDK's default cacerts was not found")
		}
		steps := proxy.JavaTrustSteps(ce.caFile, filepath.Join(ce.dir, "app-cacerts"), "", ce.ca)
		for _, line := range steps.Commands {
			if out, err := exec.Command("sh", "-c", line).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
		}
		src, _ := filepath.Abs(filepath.Join("testdata", "clients", "java", "Client.java"))
		ce.run(t, ce.urls, java, append([]string{src}, ce.urls...), "", ce.env("JAVA_TOOL_OPTIONS="+steps.Options))
	})
}

// missingTool skips, or fails under CI=true.
func missingTool(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// requirePythonRequests returns a python3 that can import requests.
func requirePythonRequests(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import requests").Run() == nil {
			return path
		}
	}
	missingTool(t, "no python3 with requests (apt-get install python3-requests)")
	return ""
}

// TestTrustBundleIsAdditive: the bundle holds every system root plus the
// CA, once, and rewriting it over itself after a rotation drops the old
// CA.
func TestTrustBundleIsAdditive(t *testing.T) {
	dir := t.TempDir()
	sys1, _ := pki.NewCA(pki.CAOptions{CommonName: "System Root One"})
	sys2, _ := pki.NewCA(pki.CAOptions{CommonName: "System Root Two"})
	roots := filepath.Join(dir, "system.pem")
	if err := os.WriteFile(roots, append(sys1.CertPEM(), sys2.CertPEM()...), 0o644); err != nil {
		t.Fatal(err)
	}
	caDir := filepath.Join(dir, "ca")
	ca, err := proxy.CreateCA(caDir, []string{proxy.StagingHost}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "bundle.pem")
	b, err := proxy.WriteTrustBundle(bundle, ca, roots)
	if err != nil || b.SystemCerts != 2 || b.SystemRoots != roots {
		t.Fatalf("WriteTrustBundle: %+v %v", b, err)
	}
	if got := bundleNames(t, bundle); strings.Join(got, "|") != "System Root One|System Root Two|evidence-proxy interception CA" {
		t.Errorf("bundle holds %v", got)
	}
	rot, err := proxy.RotateCA(caDir, []string{proxy.StagingHost}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = proxy.WriteTrustBundle(bundle, rot.CA, bundle); err != nil || b.SystemCerts != 2 {
		t.Fatalf("rewrite over itself: %+v %v", b, err)
	}
	data, _ := os.ReadFile(bundle)
	if strings.Count(string(data), "BEGIN CERTIFICATE") != 3 || !strings.Contains(string(data), rot.CA.Fingerprint()) {
		t.Errorf("rewritten bundle:\n%s", data)
	}
	if _, err := proxy.WriteTrustBundle(filepath.Join(dir, "x.pem"), ca, filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("a missing system bundle was accepted")
	}
}

func bundleNames(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, c.Subject.CommonName)
	}
	return names
}

// TestTrustGuide: the ca text sends every store-replacing variable to the
// bundle, never to the CA alone, gives Node the CA alone, Java a copy of
// cacerts, and names NO_PROXY and --passthrough-host.
func TestTrustGuide(t *testing.T) {
	ca, err := proxy.CreateCA(t.TempDir(), []string{proxy.StagingHost}, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := proxy.TrustGuide(proxy.TrustGuideOptions{ProxyURL: "http://127.0.0.1:8080", CA: ca,
		CACertFile: "/data/ca/ca-cert.pem", BundleFile: "/data/trust bundle.pem", SystemRoots: "/etc/ssl/certs/ca-certificates.crt",
		JavaCacerts: "/usr/lib/jvm/default/lib/security/cacerts"})
	for _, want := range []string{
		"export HTTPS_PROXY=http://127.0.0.1:8080",
		"NO_PROXY", "--passthrough-host",
		"export SSL_CERT_FILE='/data/trust bundle.pem'",
		"export CURL_CA_BUNDLE='/data/trust bundle.pem'",
		"export REQUESTS_CA_BUNDLE='/data/trust bundle.pem'",
		"export NODE_EXTRA_CA_CERTS=/data/ca/ca-cert.pem",
		"cp /usr/lib/jvm/default/lib/security/cacerts /data/ca/evidence-proxy-cacerts",
		"keytool -importcert -noprompt -alias evidence-proxy-" + ca.Fingerprint()[:12] + " -file /data/ca/ca-cert.pem -keystore /data/ca/evidence-proxy-cacerts -storepass changeit",
		"-Djavax.net.ssl.trustStore=/data/ca/evidence-proxy-cacerts",
		"REPLACES", "additive",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("guide lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"SSL_CERT_FILE=/data/ca/ca-cert.pem", "REQUESTS_CA_BUNDLE=/data/ca/ca-cert.pem"} {
		if strings.Contains(text, bad) {
			t.Errorf("guide replaces a trust store with the CA alone: %q", bad)
		}
	}
	if !strings.Contains(proxy.TrustGuide(proxy.TrustGuideOptions{CA: ca, CACertFile: "/d/ca-cert.pem"}), "evidence-proxy ca --bundle") {
		t.Error("without a bundle the guide does not say how to write one")
	}
}
