package corpus

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden verdict tables")

// minScripts is how many scripts the corpus holds at least.
const minScripts = 40

// TestCorpus runs every script through the sidecar in front of the
// emulator and checks its hand-written labels, then its whole verdict
// table against the golden file.
func TestCorpus(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "scripts", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < minScripts {
		t.Fatalf("%d scripts, want at least %d", len(paths), minScripts)
	}
	labels := 0
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		s := readScript(t, path)
		if len(s.labels) == 0 {
			t.Errorf("%s: no label", name)
		}
		labels += len(s.labels)
		t.Run(name, func(t *testing.T) { runScript(t, s, strings.TrimSuffix(path, ".txt")+".golden") })
	}
	t.Logf("%d scripts, %d labels", len(paths), labels)
}

func runScript(t *testing.T, s *script, golden string) {
	w := newWorld(t, s.seed)
	r := &runner{t: t, w: w, pace: time.Second, vars: map[string]string{
		"start": strconv.FormatInt(clockStart.Unix(), 10),
		"end":   strconv.FormatInt(clockStart.Add(30*24*time.Hour).Unix(), 10),
	}}
	r.run(s.cmds)
	rep := w.report(t)
	got, why := map[string]string{}, map[string]string{}
	var table strings.Builder
	for _, res := range rep.Requirements {
		got[res.ID], why[res.ID] = string(res.Status), res.Explanation
		// Explanations may name durations the wall clock measured (a
		// call's own length): the table keeps what is deterministic.
		fmt.Fprintf(&table, "%-11s %-8s %v\n", res.ID, res.Status, res.Evidence)
	}
	for _, l := range s.labels {
		if got[l.req] != string(l.status) {
			t.Errorf("line %d: %s is %s, labelled %s (%s)", l.line, l.req, got[l.req], l.status, why[l.req])
		}
	}
	if *update {
		if err := os.WriteFile(golden, []byte(table.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != table.String() {
		t.Errorf("verdicts differ from %s (-want +got):\n%s", golden, diffLines(string(want), table.String()))
	}
}

// diffLines lists the lines that differ, by position.
func diffLines(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			fmt.Fprintf(&out, "-%s\n+%s\n", x, y)
		}
	}
	return out.String()
}
