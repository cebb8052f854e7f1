package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/golive"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// scriptsEmulator is the emulator the command-line closed loop runs
// against: its delays fifty times shorter than the documented ones, so
// that the natural deposit timing C7 watches still outlasts a script's
// two-second poll while the whole run takes under a minute.
func scriptsEmulator() axysemu.Options { return axysemu.Options{TimeScale: 0.02, Seed: 7} }

// runAll runs a directory's run-all.sh with sh through the sidecar at
// proxy, which adds the API key.
func runAll(t *testing.T, dir, proxy string) string {
	t.Helper()
	sh := requireTool(t, "sh", "apt-get install dash; scripts/test-deps.sh")
	requireTool(t, "curl", "apt-get install curl; scripts/test-deps.sh")
	cmd := exec.Command(sh, filepath.Join(dir, "run-all.sh"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LC_ALL=C", "TMPDIR=" + t.TempDir(),
		"EVIDENCE_PROXY_URL=http://" + proxy, "AXYS_API_KEY="}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("sh run-all.sh: %v\n%s", err, out.String())
	}
	return out.String()
}

// TestScriptsCloseTheGapsThroughTheCommandLine is the closed loop through
// the real command line: from a store with gaps (a sidecar that saw an
// app read cardholders), "scripts --data-dir" writes the scripts, and
// their run-all.sh through a fresh sidecar in front of a fresh emulator
// meets every requirement a quick script closes, with nothing violated;
// the report says the evidence came from test scripts.
func TestScriptsCloseTheGapsThroughTheCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("run-all.sh runs every quick script in real time (about a minute); skipped in -short")
	}
	requireTool(t, "sh", "apt-get install dash; scripts/test-deps.sh")
	requireTool(t, "curl", "apt-get install curl; scripts/test-deps.sh")
	t.Parallel()
	_, f := startEmulator(t, scriptsEmulator())
	gapsDir := t.TempDir()
	s := startServe(t, f.serveArgs(gapsDir))
	call(t, s.proxy, "GET", "/cardholders", "")
	s.stop(t)
	before := coverageReport(t, "--data-dir", gapsDir)

	dir := t.TempDir()
	out := runOK(t, "scripts", "--data-dir", gapsDir, "--out", dir)
	m := coverage.DefaultMatrix()
	set, err := golive.WriteScripts(golive.ScriptOptions{Report: before, Matrix: m, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"wrote " + strconv.Itoa(len(set.Scripts)) + " scripts to " + dir, "no script can honestly produce these", "row-4", "sh " + filepath.Join(dir, "run-all.sh")} {
		if !strings.Contains(out, want) {
			t.Errorf("scripts said, without %q:\n%s", want, out)
		}
	}

	_, f2 := startEmulator(t, scriptsEmulator())
	freshDir := t.TempDir()
	s2 := startServe(t, f2.serveArgs(freshDir))
	log := runAll(t, dir, s2.proxy)
	s2.stop(t)
	after := coverageReport(t, "--data-dir", freshDir)
	for _, id := range quickScripts(set) {
		if got := statusIn(after, id); got.Status != coverage.StatusMet {
			t.Errorf("%s after run-all.sh: %s (%s)", id, got.Status, got.Explanation)
		}
	}
	for _, q := range after.Requirements {
		if q.Status == coverage.StatusViolated {
			t.Errorf("%s violated after run-all.sh: %s", q.ID, q.Explanation)
		}
	}
	if t.Failed() {
		t.Logf("run-all.sh:\n%s", log)
	}
	md := runOK(t, "coverage", "--data-dir", freshDir, "--format", "md")
	if !strings.Contains(md, "test script `row-1`") || !strings.Contains(md, "by test scripts alone") {
		t.Error("the report does not say the evidence came from test scripts")
	}
}

// quickScripts are the requirements run-all.sh closes without --long:
// neither a long script nor a composite with a long part.
func quickScripts(set *golive.ScriptSet) []string {
	long := map[string]bool{}
	for _, s := range set.Scripts {
		long[s.Requirement] = s.Kind == golive.ScriptLong
	}
	var ids []string
	for _, s := range set.Scripts {
		if !long[s.Requirement] && !slices.ContainsFunc(s.Runs, func(id string) bool { return long[id] }) {
			ids = append(ids, s.Requirement)
		}
	}
	return ids
}

func statusIn(r *coverage.Report, id string) coverage.RequirementResult {
	for _, q := range r.Requirements {
		if q.ID == id {
			return q
		}
	}
	return coverage.RequirementResult{ID: id, Status: "absent"}
}

// TestScriptsFromABundle: a bundle's own records and matrix give the
// gaps; --requirement names some whatever their status.
func TestScriptsFromABundle(t *testing.T) {
	_, f := startEmulator(t, axysemu.Options{TimeScale: 0.001})
	dataDir := t.TempDir()
	s := startServe(t, f.serveArgs(dataDir))
	call(t, s.proxy, "GET", "/cardholders", "")
	s.stop(t)
	bundle := filepath.Join(t.TempDir(), "b.tar.zst")
	runOK(t, "export", "--data-dir", dataDir, "--out", bundle)
	dir := t.TempDir()
	out := runOK(t, "scripts", "--bundle", bundle, "--out", dir, "--requirement", "C3", "--requirement", "L9")
	if !strings.Contains(out, "wrote 3 scripts") || !strings.Contains(out, "C3.sh") || !strings.Contains(out, "runs C2") {
		t.Errorf("scripts --bundle --requirement C3 --requirement L9:\n%s", out)
	}
	for _, name := range []string{"C3.sh", "C2.sh", "L9.sh", "lib.sh", "run-all.sh", "README.md"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
}

func TestScriptsUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no --out", []string{"scripts", "--db", "x.db"}, "needs --out"},
		{"two sources", []string{"scripts", "--bundle", "b.tar.zst", "--db", "x.db", "--out", t.TempDir()}, "--bundle and --db"},
		{"matrix with a bundle", []string{"scripts", "--bundle", "b.tar.zst", "--matrix", "m.yaml", "--out", t.TempDir()}, "carries its own matrix"},
		{"unknown requirement", []string{"scripts", "--data-dir", emptyDataDir(t), "--out", t.TempDir(), "--requirement", "row-99"}, "row-99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCmd(t, tt.args...)
			if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("exit %d, %v; want 2 naming %q", exitCode(err), err, tt.want)
			}
		})
	}
}

// emptyDataDir holds a store with no record.
func emptyDataDir(t *testing.T) string {
	t.Helper()
	dataDir := t.TempDir()
	writeStore(t, dataDir, 0)
	return dataDir
}
