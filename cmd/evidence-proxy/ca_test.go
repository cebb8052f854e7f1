package main

import (
	"bytes"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// fakeSystemRoots points SSL_CERT_FILE (where the trust bundle's system
// roots come from) at a bundle of one made-up root, and returns that root.
func fakeSystemRoots(t *testing.T) *pki.Cert {
	t.Helper()
	root, err := pki.NewCA(pki.CAOptions{CommonName: "system root for the test"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(path, root.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", path)
	return root
}

// pemCerts returns the DER certificates of a PEM file, in order.
func pemCerts(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if b.Type == "CERTIFICATE" {
			out = append(out, b.Bytes)
		}
	}
	return out
}

// TestCALifecycle follows an operator: ca --bundle for additive trust, a
// grown allowlist that --check-config flags, ca rotate, and the sidecar
// serving the new CA at /ca.pem.
func TestCALifecycle(t *testing.T) {
	root := fakeSystemRoots(t)
	p := newServePKI(t)
	dataDir := t.TempDir()
	serveArgs := p.args(dataDir, p.goodCert, p.goodKey)
	bundle := filepath.Join(t.TempDir(), "trust bundle.pem")
	out, _, err := runCmd(t, append([]string{"ca", "--bundle", bundle}, serveArgs[1:]...)...)
	if err != nil {
		t.Fatalf("ca --bundle: %v", err)
	}
	certPath := filepath.Join(dataDir, caDir, proxy.CACertFile)
	for _, want := range []string{"certificate:  " + certPath, "trust bundle: " + bundle + " (1 system roots",
		"export SSL_CERT_FILE='" + bundle + "'", "export NODE_EXTRA_CA_CERTS=" + certPath, "keytool -importcert"} {
		if !strings.Contains(out, want) {
			t.Errorf("ca output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "SSL_CERT_FILE="+certPath) || strings.Contains(out, "REQUESTS_CA_BUNDLE="+certPath) {
		t.Errorf("ca tells a store-replacing variable to use the CA alone:\n%s", out)
	}
	first := pemCerts(t, certPath)
	got := pemCerts(t, bundle)
	if len(got) != 2 || !bytes.Equal(got[0], root.Cert.Raw) || !bytes.Equal(got[1], first[0]) {
		t.Fatalf("trust bundle holds %d certificates, want the system root then the CA", len(got))
	}

	grown := append(serveArgs, "--allow-host", "other.staging.example")
	_, _, err = runCmd(t, append(grown, "--check-config")...)
	if err == nil || !strings.Contains(err.Error(), "does not permit other.staging.example") || !strings.Contains(err.Error(), "run evidence-proxy ca rotate") {
		t.Fatalf("check-config with a grown allowlist: %v", err)
	}
	out, _, err = runCmd(t, append([]string{"ca", "rotate"}, grown[1:]...)...)
	if err != nil {
		t.Fatalf("ca rotate: %v", err)
	}
	for _, want := range []string{"may now sign for", "other.staging.example", "restart the sidecar", "evidence-proxy ca --bundle FILE", certPath + "."} {
		if !strings.Contains(out, want) {
			t.Errorf("ca rotate output lacks %q:\n%s", want, out)
		}
	}
	rotated := pemCerts(t, certPath)
	if bytes.Equal(rotated[0], first[0]) {
		t.Fatal("ca rotate left the old certificate in place")
	}
	if out, _, err := runCmd(t, append(grown, "--check-config")...); err != nil || !strings.Contains(out, "ok    interception CA: "+certPath+": permits") {
		t.Fatalf("check-config after the rotation: %v\n%s", err, out)
	}

	token := writeSecret(t, "t0ken\n")
	s := startServe(t, append(grown, "--admin-token-file", token))
	defer s.stop(t)
	status, body := get(t, "http://"+s.admin+"/ca.pem")
	if status != http.StatusOK {
		t.Fatalf("GET /ca.pem without a token: %d %s", status, body)
	}
	if b, _ := pem.Decode([]byte(body)); b == nil || !bytes.Equal(b.Bytes, rotated[0]) {
		t.Errorf("/ca.pem is not the rotated CA:\n%s", body)
	}
}
