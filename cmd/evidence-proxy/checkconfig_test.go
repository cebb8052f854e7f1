package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// busyPort holds a loopback port for the test's duration.
func busyPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// copyWithMode copies a file and gives the copy mode.
func copyWithMode(t *testing.T, src string, mode os.FileMode) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeSecret(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckConfigTraps: every set-up trap makes --check-config fail, naming
// it, and none creates the data directory.
func TestCheckConfigTraps(t *testing.T) {
	p := newServePKI(t)
	lockedDir := t.TempDir()
	s := startServe(t, p.args(lockedDir, p.goodCert, p.goodKey))
	defer s.stop(t)
	caDir := t.TempDir()
	if _, _, err := runCmd(t, append([]string{"ca"}, p.args(caDir, p.goodCert, p.goodKey)[1:]...)...); err != nil {
		t.Fatalf("ca: %v", err)
	}
	busy := busyPort(t)
	tests := []struct {
		name    string
		dataDir string
		cert    string
		key     string
		extra   []string
		want    []string
	}{
		{name: "port in use", extra: []string{"--listen", busy}, want: []string{"listen " + busy, "address already in use"}},
		{name: "admin port in use", extra: []string{"--admin-listen", busy}, want: []string{"admin-listen " + busy, "address already in use"}},
		{name: "event port in use", extra: []string{"--otlp-listen", busy}, want: []string{"otlp-listen " + busy, "address already in use"}},
		{name: "access log in a missing directory", extra: []string{"--access-log", filepath.Join(t.TempDir(), "nope", "access.log")}, want: []string{"--access-log", "does not exist"}},
		{name: "access log that is a directory", extra: []string{"--access-log", t.TempDir()}, want: []string{"--access-log", "not a regular file"}},
		{name: "redaction rules with an unknown key", extra: []string{"--redact-rules", writeSecret(t, "fields: [ssn]\nheadrs: [X-A]\n")}, want: []string{"redaction rules", "--redact-rules", "headrs"}},
		{name: "locked store", dataDir: lockedDir, want: []string{"store is locked", "another sidecar is running on " + lockedDir}},
		{name: "CA that does not permit a host", dataDir: caDir, extra: []string{"--allow-host", "other.staging.example"},
			want: []string{"does not permit other.staging.example", "run evidence-proxy ca rotate", "ca-cert.pem"}},
		{name: "world-readable client key", key: copyWithMode(t, p.goodKey, 0o644), want: []string{"readable by group or others (mode 0644)", "chmod 600"}},
		{name: "group-readable client key", key: copyWithMode(t, p.goodKey, 0o640), want: []string{"readable by group or others (mode 0640)"}},
		{name: "missing client key", key: filepath.Join(t.TempDir(), "nope.key"), want: []string{"nope.key", "no such file"}},
		{name: "expired client certificate", cert: p.expiredCert, key: p.expKey, want: []string{"client certificate", "expired"}},
		{name: "empty api key file", extra: []string{"--api-key-file", writeSecret(t, "\n")}, want: []string{"--api-key-file", "empty"}},
		{name: "world-readable api key file", extra: []string{"--api-key-file", copyWithMode(t, writeSecret(t, "k\n"), 0o604)}, want: []string{"mode 0604", "chmod 600"}},
		{name: "world-readable admin token", extra: []string{"--admin-token-file", copyWithMode(t, writeSecret(t, "k\n"), 0o644)}, want: []string{"--admin-token-file", "chmod 600"}},
		{name: "bad upstream", extra: []string{"--probe"}, want: []string{"upstream probe", "127.0.0.1:1: the upstream could not be reached", "connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := tt.dataDir
			if dataDir == "" {
				dataDir = filepath.Join(t.TempDir(), "data")
			}
			cert, key := p.goodCert, p.goodKey
			if tt.cert != "" {
				cert = tt.cert
			}
			if tt.key != "" {
				key = tt.key
			}
			args := append(p.args(dataDir, cert, key), "--check-config")
			stdout, _, err := runCmd(t, append(args, tt.extra...)...)
			if exitCode(err) != exitFailure {
				t.Fatalf("exit %d (%v), want 1\n%s", exitCode(err), err, stdout)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			if !strings.Contains(stdout, "  FAIL  ") || strings.Contains(stdout, "configuration ok") {
				t.Errorf("the check list does not show the failure:\n%s", stdout)
			}
			if tt.dataDir == "" {
				if _, err := os.Stat(dataDir); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("--check-config created %s (%v)", dataDir, err)
				}
			}
		})
	}
}

// TestCheckConfigEffective: the effective configuration names each value's
// source and never shows the API key; --probe describes the upstream.
func TestCheckConfigEffective(t *testing.T) {
	upstream, certs := startMTLSUpstream(t)
	const key = "sk_staging_0123456789abcdef"
	t.Setenv("EVIDENCE_PROXY_API_KEY", key)
	t.Setenv("EVIDENCE_PROXY_BODY_CAP", "4096")
	cfgFile := filepath.Join(t.TempDir(), "serve.yaml")
	if err := os.WriteFile(cfgFile, []byte("durability: async\nqueue-size: 64\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := runCmd(t, "serve", "--check-config", "--probe", "--config", cfgFile,
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--otlp-listen", "127.0.0.1:0", "--upstream", upstream,
		"--data-dir", filepath.Join(t.TempDir(), "data"),
		"--client-cert", filepath.Join(certs.dir, "client.pem"), "--client-key", filepath.Join(certs.dir, "client.key"),
		"--upstream-ca", filepath.Join(certs.dir, "ca.pem"))
	if err != nil {
		t.Fatalf("check-config: %v\n%s", err, stdout)
	}
	if strings.Contains(stdout, key) {
		t.Fatalf("the API key is printed:\n%s", stdout)
	}
	for _, want := range []string{
		"api-key   ", "**** (27 characters)", "env EVIDENCE_PROXY_API_KEY",
		"body-cap", "4096", "env EVIDENCE_PROXY_BODY_CAP",
		"durability", "async", "file " + cfgFile,
		"listen ", "127.0.0.1:0", "flag",
		"shutdown-timeout", "30s", "default",
		"ok    client certificate: CN=app,O=evidence-proxy, issued by CN=crash test CA",
		"ok    upstream probe: 127.0.0.1:", "server certificate CN=127.0.0.1,O=evidence-proxy, issued by CN=crash test CA",
		"ok    interception CA: none yet",
		"\nconfiguration ok\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestAPIKeyFlags: the key from a file (its newline trimmed) reaches the
// upstream; both flags at once are a usage error.
func TestAPIKeyFlags(t *testing.T) {
	p := newServePKI(t)
	args := p.args(t.TempDir(), p.goodCert, p.goodKey)
	_, _, err := runCmd(t, append(args, "--api-key", "a", "--api-key-file", writeSecret(t, "b\n"))...)
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "give one of them") {
		t.Errorf("both api key flags: exit %d, %v", exitCode(err), err)
	}
	t.Setenv("EVIDENCE_PROXY_API_KEY_FILE", writeSecret(t, "b\n"))
	_, _, err = runCmd(t, append(args, "--api-key", "a")...)
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "env EVIDENCE_PROXY_API_KEY_FILE") {
		t.Errorf("flag and environment: exit %d, %v", exitCode(err), err)
	}
}

// TestServeCreatesNothingWhenItCannotStart: a start that fails on a busy
// port or a bad key leaves no data directory (so no CA that a later,
// different allowlist would have to replace).
func TestServeCreatesNothingWhenItCannotStart(t *testing.T) {
	p := newServePKI(t)
	busy := busyPort(t)
	tests := []struct {
		name  string
		key   string
		extra []string
		want  string
	}{
		{name: "busy proxy port", extra: []string{"--listen", busy}, want: "address already in use"},
		{name: "busy admin port", extra: []string{"--admin-listen", busy}, want: "address already in use"},
		{name: "busy event port", extra: []string{"--otlp-listen", busy}, want: "otlp listen"},
		{name: "world-readable key", key: copyWithMode(t, p.goodKey, 0o644), want: "chmod 600"},
		{name: "open proxy", extra: []string{"--listen", "0.0.0.0:0"}, want: "beyond loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			key := p.goodKey
			if tt.key != "" {
				key = tt.key
			}
			var stderr bytes.Buffer
			err := run(context.Background(), append(p.args(dataDir, p.goodCert, key), tt.extra...), io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if _, err := os.Stat(dataDir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a failed start left %s behind (%v)", dataDir, err)
			}
		})
	}
}

// TestServeStartsWithACAThatDoesNotPermitAHost: the allowlist grew after
// the CA was made. --check-config fails on it, but serve starts (base-URL
// mode needs no CA) and says in its log what HTTPS_PROXY mode cannot do.
func TestServeStartsWithACAThatDoesNotPermitAHost(t *testing.T) {
	p := newServePKI(t)
	dataDir := t.TempDir()
	args := p.args(dataDir, p.goodCert, p.goodKey)
	if _, _, err := runCmd(t, append([]string{"ca"}, args[1:]...)...); err != nil {
		t.Fatalf("ca: %v", err)
	}
	s := startServe(t, append(args, "--allow-host", "other.staging.example"))
	s.stop(t)
	for _, want := range []string{`"level":"WARN","msg":"HTTPS_PROXY mode cannot intercept every allowlisted host`, "does not permit other.staging.example"} {
		if !strings.Contains(s.log(), want) {
			t.Errorf("start log lacks %q:\n%s", want, s.log())
		}
	}
}
