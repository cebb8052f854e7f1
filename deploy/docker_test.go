package deploy

import (
	"encoding/json"
	"net"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines
// joined.
type instruction struct {
	Op   string // upper case: FROM, RUN, …
	Args string
}

// parseDockerfile splits a Dockerfile into instructions, dropping comments
// and joining lines that end in a backslash.
func parseDockerfile(src string) []instruction {
	var out []instruction
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		op, args, _ := strings.Cut(line, " ")
		out = append(out, instruction{Op: strings.ToUpper(op), Args: strings.TrimSpace(args)})
	}
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return out
}

// finalStage returns the instructions of the last build stage, from its
// FROM on, and the instructions before it.
func finalStage(ins []instruction) (build, final []instruction) {
	last := 0
	for i, in := range ins {
		if in.Op == "FROM" {
			last = i
		}
	}
	return ins[:last], ins[last:]
}

// execForm decodes an instruction's JSON array form.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var args []string
	if err := json.Unmarshal([]byte(in.Args), &args); err != nil {
		t.Fatalf("%s %s: not the JSON exec form: %v", in.Op, in.Args, err)
	}
	return args
}

func find(ins []instruction, op string) []instruction {
	var out []instruction
	for _, in := range ins {
		if in.Op == op {
			out = append(out, in)
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(string(readFile(t, "docker/Dockerfile")))
	build, final := finalStage(ins)
	if len(build) == 0 {
		t.Fatal("Dockerfile: want a multi-stage build (a builder stage, then the runtime stage)")
	}
	var buildText strings.Builder
	for _, in := range build {
		buildText.WriteString(in.Op + " " + in.Args + "\n")
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/evidence-proxy"} {
		if !strings.Contains(buildText.String(), want) {
			t.Errorf("builder stage: no %q: the binary must be static and reproducible", want)
		}
	}
	checkLinkedVersion(t, buildText.String())

	base := final[0].Args
	if !strings.HasPrefix(base, "gcr.io/distroless/static") && base != "scratch" {
		t.Errorf("runtime base %q: want distroless/static or scratch", base)
	}
	users := find(final, "USER")
	if len(users) == 0 {
		t.Fatal("runtime stage: no USER: the image would run as root")
	}
	user := users[len(users)-1].Args
	if u, _, _ := strings.Cut(user, ":"); u == "0" || u == "root" {
		t.Errorf("USER %s: want a non-root user", user)
	}

	entry := find(final, "ENTRYPOINT")
	cmds := find(final, "CMD")
	if len(entry) != 1 || len(cmds) != 1 {
		t.Fatalf("runtime stage: want one ENTRYPOINT and one CMD, got %d and %d", len(entry), len(cmds))
	}
	ep := execForm(t, entry[0])
	if !slices.Equal(ep, []string{"/evidence-proxy", "serve"}) {
		t.Errorf("ENTRYPOINT %q: want [\"/evidence-proxy\", \"serve\"]", ep)
	}
	checkDockerPortsAndVolume(t, final, dockerFlags(t))
}

// dockerFlags returns the serve flags of the image's CMD.
func dockerFlags(t *testing.T) map[string]string {
	t.Helper()
	_, final := finalStage(parseDockerfile(string(readFile(t, "docker/Dockerfile"))))
	cmds := find(final, "CMD")
	if len(cmds) != 1 {
		t.Fatalf("runtime stage: want one CMD, got %d", len(cmds))
	}
	flags, rest := flagArgs(execForm(t, cmds[0]))
	if len(rest) > 0 {
		t.Errorf("CMD has arguments that are not flags: %q", rest)
	}
	return flags
}

// checkLinkedVersion checks that the build links the version into the
// variable internal/buildinfo reads, which must exist under that name.
func checkLinkedVersion(t *testing.T, build string) {
	t.Helper()
	m := regexp.MustCompile(`-X ([^=\s"]+)\.([A-Za-z_]\w*)=`).FindStringSubmatch(build)
	if m == nil {
		t.Fatal("builder stage: no -ldflags -X: the image would report the version \"dev\"")
	}
	const pkg = "github.com/evidence-proxy/evidence-proxy/internal/buildinfo"
	if m[1] != pkg {
		t.Errorf("-X %s.%s: want a variable of %s", m[1], m[2], pkg)
	}
	src := string(readFile(t, "../internal/buildinfo/buildinfo.go"))
	if !regexp.MustCompile(`(?m)^var ` + regexp.QuoteMeta(m[2]) + ` string$`).MatchString(src) {
		t.Errorf("-X %s.%s: internal/buildinfo has no string variable %s", m[1], m[2], m[2])
	}
}

// checkDockerPortsAndVolume checks that the admin listener is reachable
// from outside the container, that EXPOSE names exactly the ports bound
// beyond loopback (the proxy listener and the event receiver may stay on
// the loopback the app shares with the sidecar: --network container:…),
// and that the data directory is the volume. Whether the listeners' doors
// are shut is left to serve itself (TestShippedConfigurationsStart).
func checkDockerPortsAndVolume(t *testing.T, final []instruction, flags map[string]string) {
	t.Helper()
	var wantPorts []string
	for _, name := range []string{"listen", "admin-listen", "otlp-listen"} {
		addr, ok := flags[name]
		if !ok {
			t.Errorf("CMD sets no --%s: say where each listener is", name)
			continue
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Errorf("--%s=%s: %v", name, addr, err)
			continue
		}
		loopback := host == "localhost" || net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback()
		if name == "admin-listen" && loopback {
			t.Errorf("--%s=%s: Prometheus and exports cannot reach a loopback admin listener from outside the container", name, addr)
		}
		if !loopback {
			wantPorts = append(wantPorts, port)
		}
	}
	var gotPorts []string
	for _, in := range find(final, "EXPOSE") {
		gotPorts = append(gotPorts, strings.Fields(in.Args)...)
	}
	sort.Strings(gotPorts)
	sort.Strings(wantPorts)
	if !slices.Equal(gotPorts, wantPorts) {
		t.Errorf("EXPOSE %q, want the ports bound beyond loopback %q", gotPorts, wantPorts)
	}

	dataDir := flags["data-dir"]
	if dataDir == "" {
		t.Fatal("CMD sets no --data-dir: the default ./evidence-data is not the volume")
	}
	volumes := find(final, "VOLUME")
	if len(volumes) != 1 || !slices.Contains(execForm(t, volumes[0]), dataDir) {
		t.Errorf("VOLUME %v: want exactly [%q], the data directory", volumes, dataDir)
	}
}

func TestParseDockerfile(t *testing.T) {
	got := parseDockerfile("# c\nFROM a AS b\nRUN x \\\n    y\n\nfrom c\n")
	want := []instruction{{"FROM", "a AS b"}, {"RUN", "x  y"}, {"FROM", "c"}}
	if !slices.Equal(got, want) {
		t.Errorf("parseDockerfile = %q, want %q", got, want)
	}
}
