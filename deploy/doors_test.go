package deploy

import (
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// TestShippedConfigurationsStart runs "serve --check-config" of the real
// binary with the flags the Dockerfile, the Kubernetes sidecar and the
// systemd unit pass, the files they name replaced by real ones and each
// port by a free one (the host kept). Every check a start makes must pass,
// the door rules included: a listener beyond loopback without its token
// or client certificates is refused. Dropping --admin-token-file from a
// configuration whose admin listener is beyond loopback must then fail,
// so the run above proves those doors are shut.
func TestShippedConfigurationsStart(t *testing.T) {
	bin := buildBinary(t)
	files := shippedFiles(t)
	_, sidecarFlags := sidecar(t, manifests(t))
	for _, tt := range []struct {
		name  string
		flags map[string]string
	}{
		{"Dockerfile CMD", dockerFlags(t)},
		{"Kubernetes sidecar", sidecarFlags},
		{"systemd ExecStart", systemdFlags(t)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := checkConfigArgs(t, tt.flags, files)
			out, err := runServe(bin, args)
			if err != nil || !strings.Contains(out, "\nconfiguration ok\n") {
				t.Fatalf("evidence-proxy %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			if _, ok := tt.flags["admin-token-file"]; !ok {
				return
			}
			without := make(map[string]string)
			for k, v := range tt.flags {
				if k != "admin-token-file" {
					without[k] = v
				}
			}
			out, err = runServe(bin, checkConfigArgs(t, without, files))
			if err == nil || !strings.Contains(out, "beyond loopback") {
				t.Errorf("without --admin-token-file: %v, want a refused admin listener\n%s", err, out)
			}
		})
	}
}

// shippedFiles are real files for the flags that name one.
func shippedFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	certs := filepath.Join(dir, "emulator")
	if _, _, err := axysemu.LoadOrCreateCredentials(certs, time.Now()); err != nil {
		t.Fatal(err)
	}
	secret := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	return map[string]string{
		"client-cert":      filepath.Join(certs, axysemu.ClientCertFile),
		"client-key":       filepath.Join(certs, axysemu.ClientKeyFile),
		"upstream-ca":      filepath.Join(certs, axysemu.CAFile),
		"admin-token-file": secret("admin-token", "t0ken\n"),
		"api-key-file":     secret("api-key", "sk_staging_test\n"),
		"data-dir":         filepath.Join(dir, "data"),
	}
}

// checkConfigArgs is "serve --check-config" with flags, their files
// replaced and their ports made free.
func checkConfigArgs(t *testing.T, flags map[string]string, files map[string]string) []string {
	t.Helper()
	args := []string{"serve", "--check-config"}
	if _, ok := flags["client-cert"]; !ok {
		// The image's CMD leaves the credentials to whoever runs it.
		flags = maps.Clone(flags)
		flags["client-cert"], flags["client-key"] = "", ""
	}
	for name, v := range flags {
		switch name {
		case "listen", "admin-listen", "otlp-listen":
			host, _, err := net.SplitHostPort(v)
			if err != nil {
				t.Fatalf("--%s=%s: %v", name, v, err)
			}
			v = net.JoinHostPort(host, "0")
		default:
			if f, ok := files[name]; ok {
				v = f
			}
		}
		if v == "" { // a boolean flag
			args = append(args, "--"+name)
			continue
		}
		args = append(args, "--"+name+"="+v)
	}
	sort.Strings(args[2:])
	return args
}

func runServe(bin string, args []string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}
