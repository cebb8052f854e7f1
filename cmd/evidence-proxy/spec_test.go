package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/contract"
)

func TestSpecCommand(t *testing.T) {
	out := runOK(t, "spec")
	if out != string(contract.Default().Bytes()) {
		t.Error("spec does not print the built-in description as it is")
	}
	out = runOK(t, "spec", "--format", "table")
	def := contract.Default()
	if !strings.HasPrefix(out, def.Title()+" "+def.Version()+" ("+strconv.Itoa(len(def.Endpoints()))+" operations, sha256 "+sha256Hex(def.Bytes())+")") {
		t.Errorf("spec --format table starts %.120q", out)
	}
	for _, want := range []string{"METHOD", "POST    /cardholders", "/staging/kyc/validate", "staging-only", "emulator"} {
		if !strings.Contains(out, want) {
			t.Errorf("spec --format table lacks %q", want)
		}
	}
	if got := strings.Count(out, "\n"); got != len(def.Endpoints())+3 {
		t.Errorf("table of %d lines for %d operations", got, len(def.Endpoints()))
	}
	minimal := "../../contract/testdata/valid-minimal.json"
	if out := runOK(t, "spec", "--spec", minimal, "--format", "table"); strings.Contains(out, "/cardholders") {
		t.Errorf("spec --spec %s shows the built-in description:\n%s", minimal, out)
	}
	if _, _, err := runCmd(t, "spec", "--format", "xml"); exitCode(err) != exitUsage {
		t.Errorf("spec --format xml: exit %d", exitCode(err))
	}
}
