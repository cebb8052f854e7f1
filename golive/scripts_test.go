package golive_test

import (
	"bytes"
	"errors"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestScriptsGolden compares every file written for a store without
// evidence (all requirements missing) with testdata/scripts; -update
// rewrites them.
func TestScriptsGolden(t *testing.T) {
	dir, _ := writeAllScripts(t, coverage.DefaultMatrix())
	golden := filepath.Join("testdata", "scripts")
	got := readDir(t, dir)
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(golden, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range got {
			if err := os.WriteFile(filepath.Join(golden, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := readDir(t, golden)
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s: in testdata/scripts, not written", name)
		}
	}
	for name, data := range got {
		if w, ok := want[name]; !ok {
			t.Errorf("%s: written, not in testdata/scripts (go test -update)", name)
		} else if !bytes.Equal(data, w) {
			t.Errorf("%s differs from testdata/scripts/%s (go test -update)", name, name)
		}
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = data
	}
	return out
}

// TestEveryRequirementHasAScriptOrAnExplanation: for a store without
// evidence, every requirement of the built-in matrix gets a script or a
// reason why none can exist, and nothing is left without either.
func TestEveryRequirementHasAScriptOrAnExplanation(t *testing.T) {
	m := coverage.DefaultMatrix()
	_, set := writeAllScripts(t, m)
	covered := map[string]string{}
	for _, s := range set.Scripts {
		covered[s.Requirement] = string(s.Kind)
		if s.Kind == golive.ScriptComposite && len(s.Runs) == 0 {
			t.Errorf("%s: a composite script that runs nothing", s.Requirement)
		}
	}
	for _, e := range set.Manual {
		if e.Why == "" {
			t.Errorf("%s: an explanation without a reason", e.Requirement)
		}
		covered[e.Requirement] = "manual"
	}
	for _, r := range m.Requirements() {
		if covered[r.ID] == "" {
			t.Errorf("%s (%s): neither a script nor an explanation", r.ID, r.Title)
		}
	}
	if len(set.Unscripted) > 0 || len(set.Violated) > 0 {
		t.Errorf("unscripted %v, violated %v", set.Unscripted, set.Violated)
	}
	if set.MatrixMismatch != "" {
		t.Errorf("%s: run the closed loop, review the scripts, then update scripts/catalog.yaml", set.MatrixMismatch)
	}
	for id, want := range map[string]string{"row-4": "manual", "row-5": "manual", "row-7": "long", "C12": "long", "L4": "composite", "C17": "composite", "row-1": "quick"} {
		if covered[id] != want {
			t.Errorf("%s: %q, want %q", id, covered[id], want)
		}
	}
}

// TestScriptsLint runs dash -n on every script and, when it is installed,
// shellcheck as POSIX sh.
func TestScriptsLint(t *testing.T) {
	dir, set := writeAllScripts(t, coverage.DefaultMatrix())
	dash := needTool(t, "dash", "dash")
	files := []string{"lib.sh", "run-all.sh"}
	for _, s := range set.Scripts {
		files = append(files, s.File)
	}
	for _, f := range files {
		if out, err := exec.Command(dash, "-n", filepath.Join(dir, f)).CombinedOutput(); err != nil {
			t.Errorf("dash -n %s: %v\n%s", f, err, out)
		}
	}
	sc := needTool(t, "shellcheck", "shellcheck")
	for _, f := range files {
		// One file at a time, lib.sh on its own: following it from
		// every script costs a second of CPU each.
		cmd := exec.Command(sc, "-s", "sh", "-S", "info", "-e", "SC1091", f)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("shellcheck %s: %v\n%s", f, err, out)
		}
	}
}

// TestScriptSelection: by default the missing and partial requirements
// (with the unmet parts of composites); with ids exactly those; a
// violated requirement gets no script, an unknown id is an error.
func TestScriptSelection(t *testing.T) {
	m := coverage.DefaultMatrix()
	base := coverage.NewEngine(m).Report()
	with := func(status map[string]coverage.Status) *coverage.Report {
		r := *base
		r.Requirements = slices.Clone(base.Requirements)
		for i, q := range r.Requirements {
			if s, ok := status[q.ID]; ok {
				r.Requirements[i].Status = s
			} else {
				r.Requirements[i].Status = coverage.StatusMet
			}
		}
		return &r
	}
	tests := []struct {
		name   string
		report *coverage.Report
		ids    []string
		want   []string
		viol   []string
		err    error
	}{
		{name: "gaps only", report: with(map[string]coverage.Status{"row-2": coverage.StatusPartial, "E404": coverage.StatusMissing}), want: []string{"row-2", "E404"}},
		{name: "composite with its unmet parts", report: with(map[string]coverage.Status{"C17": coverage.StatusMissing, "E429": coverage.StatusMissing}), want: []string{"C17", "E429"}},
		{name: "violated gets none", report: with(map[string]coverage.Status{"E5xx": coverage.StatusViolated, "G2": coverage.StatusMissing}), want: []string{"G2"}, viol: []string{"E5xx"}},
		{name: "asked for, met or not", report: with(nil), ids: []string{"row-1", "L4"}, want: []string{"row-1", "row-8", "L4"}},
		{name: "unknown id", report: with(nil), ids: []string{"row-99"}, err: golive.ErrUnknownRequirement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := golive.WriteScripts(golive.ScriptOptions{Report: tt.report, Matrix: m, Dir: t.TempDir(), Requirements: tt.ids})
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			var got []string
			for _, s := range set.Scripts {
				got = append(got, s.Requirement)
			}
			if !slices.Equal(got, tt.want) || !slices.Equal(set.Violated, tt.viol) {
				t.Errorf("scripts %v violated %v, want %v %v", got, set.Violated, tt.want, tt.viol)
			}
		})
	}
}

// TestScriptsRefuseBadEnvironments: without the variables, against a
// production URL, with AXYS_ENV=production, against a sidecar that is not
// running or a server that is not the sidecar, a script says why and exits
// 2 before any call: the sidecar records nothing, and a server that is not
// the sidecar sees only the probe for a .invalid host.
func TestScriptsRefuseBadEnvironments(t *testing.T) {
	needTool(t, "curl", "curl")
	dir, _ := writeAllScripts(t, coverage.DefaultMatrix())
	sc := startSidecar(t, sidecarOptions{})
	var other atomic.Int64
	var otherHosts atomic.Value
	notSidecar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		otherHosts.Store(r.Host)
		w.Write([]byte(`{"status":"success"}`))
	}))
	defer notSidecar.Close()
	closed := closedURL(t)
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"no proxy URL", []string{"AXYS_API_KEY=k"}, "EVIDENCE_PROXY_URL is not set"},
		{"no API key", []string{"EVIDENCE_PROXY_URL=" + sc.URL}, "AXYS_API_KEY is not set"},
		{"production URL", []string{"EVIDENCE_PROXY_URL=https://production.api.axyscards.com/v2", "AXYS_API_KEY=k"}, "points at Axys production"},
		{"Axys itself", []string{"EVIDENCE_PROXY_URL=https://staging.api.axyscards.com", "AXYS_API_KEY=k"}, "not at the sidecar"},
		{"production environment", []string{"EVIDENCE_PROXY_URL=" + sc.URL, "AXYS_API_KEY=", "AXYS_ENV=production"}, "only run against staging"},
		{"not a URL", []string{"EVIDENCE_PROXY_URL=127.0.0.1:8080", "AXYS_API_KEY="}, "must be an http:// or https:// URL"},
		{"sidecar not running", []string{"EVIDENCE_PROXY_URL=" + closed, "AXYS_API_KEY="}, "is not answering"},
		{"not the sidecar", []string{"EVIDENCE_PROXY_URL=" + notSidecar.URL, "AXYS_API_KEY="}, "not as evidence-proxy"},
	}
	for _, script := range []string{"row-1.sh", "G2.sh", "run-all.sh"} {
		for _, tt := range tests {
			t.Run(script+"/"+tt.name, func(t *testing.T) {
				res := run(t, nil, filepath.Join(dir, script), tt.env...)
				if res.code != 2 || !strings.Contains(res.stderr, tt.want) {
					t.Errorf("exit %d, stderr %q; want 2 and %q", res.code, res.stderr, tt.want)
				}
				if res.stdout != "" {
					t.Errorf("made calls: %s", res.stdout)
				}
			})
		}
	}
	if n := len(sc.records(t)); n != 0 {
		t.Errorf("the sidecar recorded %d calls", n)
	}
	if h, _ := otherHosts.Load().(string); other.Load() > 0 && !strings.HasSuffix(h, ".invalid") {
		t.Errorf("the server that is not the sidecar was called for %q", h)
	}
}

// closedURL is the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestScriptsForAMatrixOfOnesOwn: a requirement evidence-proxy has no
// script for is listed with its matrix steps in README.md, and the
// scripts say that they were written for another matrix.
func TestScriptsForAMatrixOfOnesOwn(t *testing.T) {
	m, err := coverage.ParseMatrix([]byte(`extends: axys-v2
id: acme-axys-v2
version: "1.0"
title: Acme
drop: [row-4]
requirements:
  - id: X1
    title: Cards listed by status
    area: call-traces
    basis: acme
    rule:
      call: GET /cards 2xx
    steps:
      - 'curl -sS "$PROXY/v2/cards?issuerCardStatus=1"'
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	set, err := golive.WriteScripts(golive.ScriptOptions{Report: coverage.NewEngine(m).Report(), Matrix: m, Dir: dir, Requirements: []string{"X1", "row-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.Unscripted, []string{"X1"}) || len(set.Scripts) != 1 || set.MatrixMismatch == "" {
		t.Fatalf("%+v", set)
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**X1** Cards listed by status", `curl -sS "$PROXY/v2/cards?issuerCardStatus=1"`, "written for matrix axys-v2"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md lacks %q:\n%s", want, readme)
		}
	}
}

// TestCompositeOfPartsWithoutScripts: a requirement that requires only
// parts no script can produce is explained, not given an empty script.
func TestCompositeOfPartsWithoutScripts(t *testing.T) {
	m, err := coverage.ParseMatrix([]byte(`extends: axys-v2
id: acme
version: "1"
title: Acme
requirements:
  - id: X2
    title: Every admin decline and error handled
    area: error-handling
    basis: acme
    rule:
      requires: [row-4, row-5]
    steps: ['# see row-4 and row-5']
`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := golive.WriteScripts(golive.ScriptOptions{Report: coverage.NewEngine(m).Report(), Matrix: m, Dir: t.TempDir(), Requirements: []string{"X2"}})
	if err != nil {
		t.Fatal(err)
	}
	var manual []string
	for _, e := range set.Manual {
		manual = append(manual, e.Requirement)
	}
	if len(set.Scripts) != 0 || !slices.Equal(manual, []string{"row-4", "row-5", "X2"}) {
		t.Errorf("scripts %+v, manual %v", set.Scripts, manual)
	}
}
