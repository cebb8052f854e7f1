package buildinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-11-25T09:00:00Z"},
			{Key: "vcs.modified", Value: modified},
		}
	}
	info := func(version string, settings []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/evidence-proxy/evidence-proxy", Version: version}, Settings: settings}
	}
	tests := []struct {
		name   string
		bi     *debug.BuildInfo
		linked string
		want   string
	}{
		{"linked version wins", info("v1.0.0", vcs("false")), "v2.0.0-rc1", "v2.0.0-rc1"},
		{"module version", info("v1.4.0", nil), "", "v1.4.0"},
		{"pseudo-version of a git build", info("v0.0.0-20261125090000-0123456789ab+dirty", vcs("true")), "", "v0.0.0-20261125090000-0123456789ab+dirty"},
		{"devel with a clean revision", info("(devel)", vcs("false")), "", "0123456789ab"},
		{"devel with a modified tree", info("(devel)", vcs("true")), "", "0123456789ab-modified"},
		{"devel without vcs", info("(devel)", nil), "", "dev"},
		{"no build info", nil, "", "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromBuildInfo(tt.bi, tt.linked)
			if got.Version != tt.want {
				t.Errorf("Version = %q, want %q", got.Version, tt.want)
			}
			if tt.bi != nil && tt.bi.Settings != nil && (got.Revision != rev || got.Time == "") {
				t.Errorf("raw parts not kept: %+v", got)
			}
			if got.GoVersion == "" {
				t.Error("GoVersion is empty")
			}
		})
	}
}

// TestMakeBuildStampsRevision builds a program the way "make build" builds
// evidence-proxy and checks that its version names the checked-out
// revision instead of "dev" (GOFLAGS=-buildvcs=false on our machines would
// otherwise hide it).
func TestMakeBuildStampsRevision(t *testing.T) {
	gobin, gitbin := needTool(t, "go"), needTool(t, "git")
	root := filepath.Join("..", "..")
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^build:.*\n\t.*-buildvcs=true`).Match(makefile) {
		t.Fatal("the Makefile's build target does not pass -buildvcs=true")
	}
	before := gitHead(t, gitbin, root)
	bin := filepath.Join(t.TempDir(), "printversion")
	cmd := exec.Command(gobin, "build", "-buildvcs=true", "-o", bin, "./internal/buildinfo/testdata/printversion")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	after := gitHead(t, gitbin, root)
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	if strings.Contains(got, "version=dev\n") {
		t.Fatalf("a -buildvcs=true build says dev:\n%s", got)
	}
	// Someone may commit while we build: either head will do.
	if !strings.Contains(got, before[:shortRevision]) && !strings.Contains(got, after[:shortRevision]) {
		t.Errorf("version does not name HEAD %s:\n%s", before[:shortRevision], got)
	}
}

func gitHead(t *testing.T, gitbin, dir string) string {
	t.Helper()
	cmd := exec.Command(gitbin, "rev-parse", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): nothing to stamp", err)
	}
	return strings.TrimSpace(string(out))
}

// needTool finds an outside tool: missing, it fails under CI=true and
// skips otherwise.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not installed: the build-stamping test needs it", name)
	}
	t.Skipf("%s not installed: skipping the build-stamping test", name)
	return ""
}
