package golive_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/golive"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// writeAllScripts writes the scripts for a store with no evidence at all:
// every requirement missing.
func writeAllScripts(t *testing.T, m *coverage.Matrix) (string, *golive.ScriptSet) {
	t.Helper()
	dir := t.TempDir()
	set, err := golive.WriteScripts(golive.ScriptOptions{Report: coverage.NewEngine(m).Report(), Matrix: m, Dir: dir, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, set
}

// loopSettings are the emulator settings a requirement's closed loop uses:
// the documented timing, except for row 7, whose review must outlast the
// two hours of polling (the emulator's reviews take 20 minutes at the
// median; ten times slower is a slow review, which the script waits for
// honestly on the virtual clock).
func loopSettings(id string) sidecarOptions {
	o := sidecarOptions{timeScale: 1, seed: 16}
	if id == "row-7" {
		o.timeScale = 10
	}
	return o
}

// TestScriptsCloseTheirGaps is the closed loop: for every requirement with
// a script, a fresh sidecar in front of a fresh emulator runs it with sh,
// and the requirement goes from missing to met with nothing violated, in
// the coverage computed from the sidecar's own store. Waits run on a
// virtual clock (see vclock), so the long scripts run too.
func TestScriptsCloseTheirGaps(t *testing.T) {
	needTool(t, "curl", "curl")
	m := coverage.DefaultMatrix()
	dir, set := writeAllScripts(t, m)
	for _, s := range set.Scripts {
		t.Run(s.Requirement, func(t *testing.T) {
			t.Parallel()
			o := loopSettings(s.Requirement)
			o.clock = newVClock(t)
			o.appKey = strings.HasPrefix(s.Requirement, "C1")
			sc := startSidecar(t, o)
			if got := statusOf(t, sc.report(t, m), s.Requirement).Status; got != coverage.StatusMissing {
				t.Fatalf("before the script: %s", got)
			}
			res := run(t, o.clock, filepath.Join(dir, s.File), sc.env(o.appKey)...)
			if res.code != 0 {
				t.Fatalf("%s exited %d\nstdout:\n%s\nstderr:\n%s", s.File, res.code, res.stdout, res.stderr)
			}
			t.Log(res.stdout)
			rep := sc.report(t, m)
			if got := statusOf(t, rep, s.Requirement); got.Status != coverage.StatusMet {
				t.Errorf("after the script: %s (%s)\nstdout:\n%s", got.Status, got.Explanation, res.stdout)
			}
			if v := violated(rep); len(v) > 0 {
				t.Errorf("violated after the script:\n%s\nstdout:\n%s", strings.Join(v, "\n"), res.stdout)
			}
		})
	}
}

// TestRunAllClosesEveryQuickGap: from a store with gaps (no evidence at
// all), run-all.sh through one sidecar closes every gap a quick script can
// close, composites included, with nothing violated; every call it made
// carries its script's tag. The scripts send the API key themselves here.
func TestRunAllClosesEveryQuickGap(t *testing.T) {
	needTool(t, "curl", "curl")
	m := coverage.DefaultMatrix()
	dir, set := writeAllScripts(t, m)
	clock := newVClock(t)
	sc := startSidecar(t, sidecarOptions{clock: clock, timeScale: 1, seed: 7, appKey: true})
	res := run(t, clock, filepath.Join(dir, "run-all.sh"), sc.env(true)...)
	if res.code != 0 {
		t.Fatalf("run-all.sh exited %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	rep := sc.report(t, m)
	long := map[string]bool{}
	for _, s := range set.Scripts {
		if s.Kind == golive.ScriptLong {
			long[s.Requirement] = true
		}
	}
	for _, s := range set.Scripts {
		if s.Kind == golive.ScriptLong || slices.ContainsFunc(s.Runs, func(id string) bool { return long[id] }) {
			continue
		}
		if got := statusOf(t, rep, s.Requirement); got.Status != coverage.StatusMet {
			t.Errorf("%s: %s (%s)", s.Requirement, got.Status, got.Explanation)
		}
	}
	if v := violated(rep); len(v) > 0 {
		t.Errorf("violated:\n%s", strings.Join(v, "\n"))
	}
	for _, r := range sc.records(t) {
		if r.Kind != evidence.KindCall {
			continue
		}
		tag := r.Request.Header.Get("X-Evidence-Script")
		ua := r.Request.Header.Get("User-Agent")
		if tag == "" || ua != "evidence-proxy-script/test ("+tag+")" {
			t.Errorf("record %d (%s %s): X-Evidence-Script %q, User-Agent %q", r.Seq, r.Request.Method, r.Request.URL, tag, ua)
		}
	}
	if !strings.Contains(res.stdout, "not run (hours of polling; use --long): row-7 C12") || !strings.Contains(res.stdout, "no script can produce (see README.md): row-4 row-5") {
		t.Errorf("run-all.sh does not say what it left out:\n%s", res.stdout)
	}
}

// TestScriptsOnTheRealClock runs a few scripts with the system's own sleep
// and date (no virtual clock) and the emulator's timing compressed, so
// the test doubles hide nothing.
func TestScriptsOnTheRealClock(t *testing.T) {
	needTool(t, "curl", "curl")
	m := coverage.DefaultMatrix()
	dir, _ := writeAllScripts(t, m)
	for _, id := range []string{"row-1", "C15-expiry", "E5xx"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			sc := startSidecar(t, sidecarOptions{timeScale: 0.1, seed: 3})
			res := run(t, nil, filepath.Join(dir, id+".sh"), sc.env(false)...)
			if res.code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			rep := sc.report(t, m)
			if got := statusOf(t, rep, id); got.Status != coverage.StatusMet {
				t.Errorf("%s (%s)", got.Status, got.Explanation)
			}
			if v := violated(rep); len(v) > 0 {
				t.Errorf("violated:\n%s", strings.Join(v, "\n"))
			}
		})
	}
}

// TestScriptsAgainstAnotherUpstream: with the sidecar in front of an API
// without the simulation endpoints (the emulator's production profile
// stands in for it), a script that needs the emulator's own endpoint stops
// with exit 3 saying so, and one whose documented simulation endpoint is
// missing stops with exit 1 saying the upstream is not staging.
func TestScriptsAgainstAnotherUpstream(t *testing.T) {
	needTool(t, "curl", "curl")
	dir, _ := writeAllScripts(t, coverage.DefaultMatrix())
	sc := startSidecar(t, sidecarOptions{profile: axysemu.Production})
	tests := []struct {
		script string
		code   int
		want   string
	}{
		{"E429.sh", 3, "simulation endpoint of evidence-proxy's local emulator"},
		{"row-1.sh", 1, "the sidecar's upstream is not Axys staging"},
	}
	for _, tt := range tests {
		res := run(t, nil, filepath.Join(dir, tt.script), sc.env(false)...)
		if res.code != tt.code || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.script, res.code, res.stderr, tt.code, tt.want)
		}
	}
}

// TestReadinessMarksScriptEvidence: through one sidecar, the app creates a
// cardholder (L1) and a script produces E404; the readiness view built
// from the sidecar's records says which came from where.
func TestReadinessMarksScriptEvidence(t *testing.T) {
	needTool(t, "curl", "curl")
	m := coverage.DefaultMatrix()
	dir, _ := writeAllScripts(t, m)
	sc := startSidecar(t, sidecarOptions{})
	resp, err := http.Post(sc.URL+"/v2/cardholders", "application/json", strings.NewReader(person))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the app's POST /cardholders: %s", resp.Status)
	}
	if res := run(t, nil, filepath.Join(dir, "E404.sh"), sc.env(false)...); res.code != 0 {
		t.Fatalf("E404.sh exited %d: %s", res.code, res.stderr)
	}
	var idx golive.ScriptCalls
	e := coverage.NewEngine(m)
	for _, r := range sc.records(t) {
		e.Observe(r)
		idx.Observe(r)
	}
	v, err := golive.BuildReadiness(e.Report(), golive.ReadinessOptions{Scripts: &idx})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]golive.RequirementView{}
	for _, k := range v.Kinds {
		for _, r := range k.Requirements {
			got[r.ID] = r
		}
	}
	if r := got["L1"]; r.Status != coverage.StatusMet || r.Source != golive.SourceApp {
		t.Errorf("L1: %s from %s", r.Status, r.Source)
	}
	if r := got["E404"]; r.Status != coverage.StatusMet || r.Source != golive.SourceScript || !slices.Equal(r.Scripts, []string{"E404"}) {
		t.Errorf("E404: %s from %s %v", r.Status, r.Source, r.Scripts)
	}
	if v.Summary.MetByScripts != 1 {
		t.Errorf("summary %+v", v.Summary)
	}
}

const person = `{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com","gender":0,"nationality":"American",` +
	`"placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US",` +
	`"zipCode":"94105","callingCode":"001","cellNum":"4155550100","countryCallingCode":"US"}`

// TestScriptsKeepSecretsOffDisk: the API key, the card number a script
// reads to activate a card and the OTP it reads never reach a file, the
// script's output or a command line: the temporary directory stays
// empty, and the output holds neither the key nor the card's number.
func TestScriptsKeepSecretsOffDisk(t *testing.T) {
	needTool(t, "curl", "curl")
	dir, _ := writeAllScripts(t, coverage.DefaultMatrix())
	for _, id := range []string{"C1", "C15", "E401"} {
		t.Run(id, func(t *testing.T) {
			sc := startSidecar(t, sidecarOptions{appKey: true})
			tmp := t.TempDir()
			res := run(t, nil, filepath.Join(dir, id+".sh"), append(sc.env(true), "TMPDIR="+tmp)...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Errorf("left %d files in TMPDIR", len(entries))
			}
			out := res.stdout + res.stderr
			if strings.Contains(out, sc.key) {
				t.Error("the output holds the API key")
			}
			if id == "C1" {
				pan := sensitive(t, sc, "8001")
				if pan == "" || strings.Contains(out, pan) {
					t.Errorf("card number %q in the output:\n%s", pan, out)
				}
			}
		})
	}
}

// sensitive reads a card's number from the emulator directly.
func sensitive(t *testing.T, sc *sidecar, card string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, sc.emu.URL+"/staging/cards/"+card+"/sensitive", nil)
	req.Header.Set("X-API-Key", sc.key)
	resp, err := sc.emu.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		CardNumber string `json:"cardNumber"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.CardNumber
}
