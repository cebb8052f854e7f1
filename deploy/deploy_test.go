package deploy

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// needTool returns the path of an outside tool. When it is missing the test
// fails under CI=true, where .ci/run installs it, and is skipped otherwise.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := name + " not found in PATH (install the Debian package " + pkg + ", as scripts/test-deps.sh does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// buildBinary builds evidence-proxy into a temporary directory and returns
// its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	gobin := needTool(t, "go", "golang")
	bin := filepath.Join(t.TempDir(), "evidence-proxy")
	cmd := exec.Command(gobin, "build", "-o", bin, "./cmd/evidence-proxy")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/evidence-proxy: %v\n%s", err, out)
	}
	return bin
}

// serveFlags returns the flag names "serve --help" lists.
func serveFlags(t *testing.T, bin string) map[string]bool {
	t.Helper()
	out, err := execHelp(bin, "serve")
	if err != nil {
		t.Fatalf("serve --help: %v\n%s", err, out)
	}
	flags := parseHelpFlags(out)
	if len(flags) == 0 {
		t.Fatalf("serve --help lists no flags:\n%s", out)
	}
	return flags
}

// execHelp runs "evidence-proxy <sub> --help".
func execHelp(bin, sub string) ([]byte, error) {
	return exec.Command(bin, sub, "--help").CombinedOutput()
}

// parseHelpFlags reads the flag names from flag.PrintDefaults output, whose
// flag lines start with two spaces and a dash ("  -listen string").
func parseHelpFlags(help []byte) map[string]bool {
	flags := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(help))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "  -") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(line, " -"), " ")
		flags[strings.TrimSpace(name)] = true
	}
	return flags
}

// flagArgs turns "--name=value" and "--name value" arguments into a map
// from flag name to value ("" for booleans). Arguments that are not flags
// are returned separately.
func flagArgs(args []string) (flags map[string]string, rest []string) {
	flags = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			value = args[i+1]
			i++
		}
		flags[name] = value
	}
	return flags, rest
}

// unknownFlags lists the names in flags that known does not have, sorted.
func unknownFlags(flags map[string]string, known map[string]bool) []string {
	var bad []string
	for name := range flags {
		if !known[name] {
			bad = append(bad, name)
		}
	}
	sort.Strings(bad)
	return bad
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseHelpFlags(t *testing.T) {
	help := []byte("usage: evidence-proxy serve [flags]\n\nflags:\n" +
		"  -admin-listen string\n    \tadmin listener (default \"127.0.0.1:9090\")\n" +
		"  -check-config\n    \tvalidate the configuration and exit\n" +
		"  -allow-host value\n    \tstaging host\n")
	got := parseHelpFlags(help)
	want := map[string]bool{"admin-listen": true, "check-config": true, "allow-host": true}
	if len(got) != len(want) {
		t.Fatalf("parseHelpFlags = %v, want %v", got, want)
	}
	for name := range want {
		if !got[name] {
			t.Errorf("parseHelpFlags misses %q: %v", name, got)
		}
	}
}

func TestFlagArgs(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantFlags map[string]string
		wantRest  []string
	}{
		{"equals", []string{"--listen=0.0.0.0:8080"}, map[string]string{"listen": "0.0.0.0:8080"}, nil},
		{"separate value", []string{"-data-dir", "/d"}, map[string]string{"data-dir": "/d"}, nil},
		{"boolean then flag", []string{"--check-config", "--listen=x"}, map[string]string{"check-config": "", "listen": "x"}, nil},
		{"subcommand first", []string{"serve", "--listen=x"}, map[string]string{"listen": "x"}, []string{"serve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotFlags, gotRest := flagArgs(tt.args)
			if len(gotFlags) != len(tt.wantFlags) {
				t.Errorf("flags = %v, want %v", gotFlags, tt.wantFlags)
			}
			for k, v := range tt.wantFlags {
				if got, ok := gotFlags[k]; !ok || got != v {
					t.Errorf("flags[%q] = %q, %v; want %q", k, got, ok, v)
				}
			}
			if strings.Join(gotRest, " ") != strings.Join(tt.wantRest, " ") {
				t.Errorf("rest = %q, want %q", gotRest, tt.wantRest)
			}
		})
	}
}

// TestFlagsAreServeFlags checks every flag the kit passes to the binary
// against the binary's own --help, so a renamed or removed flag cannot
// leave a manifest that fails at start-up.
func TestFlagsAreServeFlags(t *testing.T) {
	bin := buildBinary(t)
	serve := serveFlags(t, bin)
	objs := manifests(t)
	_, sidecarFlags := sidecar(t, objs)
	tests := []struct {
		name  string
		flags map[string]string
	}{
		{"Dockerfile CMD", dockerFlags(t)},
		{"Kubernetes sidecar", sidecarFlags},
		{"systemd ExecStart", systemdFlags(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.flags) == 0 {
				t.Fatal("no flags found")
			}
			if bad := unknownFlags(tt.flags, serve); len(bad) > 0 {
				t.Errorf("flags %q are not listed by serve --help", bad)
			}
		})
	}

	// Other subcommands the manifests run (the export job).
	for _, c := range evidenceProxyContainers(allContainers(t, objs)) {
		if len(c.Command) < 2 || c.Command[1] == "serve" {
			continue
		}
		t.Run(c.Owner+" "+c.Command[1], func(t *testing.T) {
			out, err := execHelp(bin, c.Command[1])
			if err != nil {
				t.Fatalf("%s --help: %v\n%s", c.Command[1], err, out)
			}
			flags, _ := flagArgs(c.Args)
			if bad := unknownFlags(flags, parseHelpFlags(out)); len(bad) > 0 {
				t.Errorf("flags %q are not listed by %s --help", bad, c.Command[1])
			}
		})
	}
}
