package proxy_test

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestCALifecycle: LoadCA creates nothing, CreateCA refuses to overwrite,
// RotateCA replaces the CA for the current hosts keeping the old one as a
// backup and says what to re-trust.
func TestCALifecycle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	if _, err := proxy.LoadCA(dir); !errors.Is(err, proxy.ErrNoCA) {
		t.Fatalf("LoadCA of an empty directory: %v, want ErrNoCA", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadCA created %s", dir)
	}
	old, err := proxy.CreateCA(dir, []string{proxy.StagingHost}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proxy.CreateCA(dir, []string{proxy.StagingHost}, nil); !errors.Is(err, proxy.ErrCAExists) {
		t.Errorf("CreateCA over an existing CA: %v, want ErrCAExists", err)
	}
	loaded, err := proxy.LoadCA(dir)
	if err != nil || loaded.Fingerprint() != old.Fingerprint() {
		t.Fatalf("LoadCA: %v", err)
	}

	now := time.Date(2027, 3, 4, 5, 6, 7, 0, time.UTC)
	hosts := []string{proxy.StagingHost, "127.0.0.1"}
	rot, err := proxy.RotateCA(dir, hosts, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if rot.Previous == nil || rot.Previous.Fingerprint() != old.Fingerprint() || rot.CA.Fingerprint() == old.Fingerprint() {
		t.Fatalf("rotation: previous %v, new %s", rot.Previous, rot.CA.Fingerprint())
	}
	if len(proxy.UnpermittedHosts(rot.CA, hosts)) != 0 {
		t.Errorf("the new CA does not permit %v", proxy.UnpermittedHosts(rot.CA, hosts))
	}
	current, err := proxy.LoadCA(dir)
	if err != nil || current.Fingerprint() != rot.CA.Fingerprint() {
		t.Fatalf("LoadCA after rotation: %v", err)
	}
	wantBackup := filepath.Join(dir, proxy.CACertFile+".20270304T050607Z.bak")
	if rot.BackupCertFile != wantBackup {
		t.Errorf("backup %q, want %q", rot.BackupCertFile, wantBackup)
	}
	if info, err := os.Stat(rot.BackupKeyFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key backup %s: %v %v", rot.BackupKeyFile, info, err)
	}
	backupPEM, _ := os.ReadFile(rot.BackupCertFile)
	if string(backupPEM) != string(old.CertPEM()) {
		t.Error("the backup is not the previous certificate")
	}
	text := strings.Join(rot.Retrust, "\n")
	for _, want := range []string{rot.CA.Fingerprint(), old.Fingerprint(), "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "keytool", "restart the sidecar"} {
		if !strings.Contains(text, want) {
			t.Errorf("re-trust text lacks %q:\n%s", want, text)
		}
	}
	// A second rotation in the same second does not overwrite the first backup.
	again, err := proxy.RotateCA(dir, hosts, func() time.Time { return now })
	if err != nil || again.BackupCertFile == rot.BackupCertFile {
		t.Errorf("second rotation: %v, backup %s", err, again.BackupCertFile)
	}
}

// TestCAMissingHostRefusedAtConnect: a CA made before a host was
// allowlisted is loaded as it is; a CONNECT to that host gets a 502 that
// says to rotate, is recorded, and warns once per burst, while base-URL
// mode and the hosts the CA permits keep working.
func TestCAMissingHostRefusedAtConnect(t *testing.T) {
	e := newEnv(t, envConfig{opts: func(o *proxy.Options) {
		o.Allow = []string{proxy.StagingHost, "sandbox.example.com"}
	}})
	for range 3 {
		e.rec.reset()
		_, _, resp := rawConnect(t, e.addr, "sandbox.example.com:443")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("status %d, want 502: %s", resp.StatusCode, body)
		}
		msg := decodeError(t, body).Message
		if !strings.Contains(msg, "does not permit sandbox.example.com") || !strings.Contains(msg, proxy.RotateCommand) {
			t.Errorf("message %q", msg)
		}
		if rec := e.rec.only(t); rec.Request.Method != http.MethodConnect || rec.Response.Status != http.StatusBadGateway {
			t.Errorf("record %+v", rec.Request)
		}
	}
	if n := strings.Count(e.logs.String(), "interception CA cannot sign"); n != 1 {
		t.Errorf("%d warnings for three refusals in one burst, want 1:\n%s", n, e.logs.String())
	}
	for _, m := range modes {
		if resp, body := do(t, m.client(e), newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil)); resp.StatusCode != 200 {
			t.Errorf("%s: status %d: %s", m.name, resp.StatusCode, body)
		}
	}
}
