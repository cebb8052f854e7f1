package export

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// resign copies the bundle at in to out after editMembers changed members
// (everything after manifest.sig) and editManifest the manifest, updating
// member sizes and hashes and signing with the original test key seed: a
// dishonest or buggy exporter holding the real key.
func resign(t testing.TB, in, out, keySeed string, editMembers func([]bundleMember), editManifest func(*Manifest)) {
	t.Helper()
	ms := readBundle(t, in)
	if editMembers != nil {
		editMembers(ms[2:])
	}
	var m Manifest
	if err := decodeStrict(ms[0].data, &m); err != nil {
		t.Fatal(err)
	}
	for _, mem := range ms[2:] {
		for i := range m.Members {
			if m.Members[i].Name == mem.name {
				m.Members[i] = memberOf(mem.name, mem.data)
			}
		}
	}
	if editManifest != nil {
		editManifest(&m)
	}
	var err error
	if ms[0].data, err = encodeManifest(&m); err != nil {
		t.Fatal(err)
	}
	if ms[1].data, err = signManifest(testKey(keySeed), ms[0].data); err != nil {
		t.Fatal(err)
	}
	writeMembers(t, out, ms)
}

func setMember(name string, data []byte) func([]bundleMember) {
	return func(ms []bundleMember) {
		for i := range ms {
			if ms[i].name == name {
				ms[i].data = data
			}
		}
	}
}

// TestVerifyEmbeddedMatrixBadInput: an embedded matrix that is not the
// one the manifest names, or not a matrix at all, fails naming matrix.yaml.
func TestVerifyEmbeddedMatrixBadInput(t *testing.T) {
	good := classedBundle(t, t.TempDir(), "b.tar.zst", evidence.ClassAxysStaging, "replica-a", "key-a", testStart)
	other := []byte("id: lenient-matrix\nversion: \"9\"\n")
	tests := []struct {
		name  string
		write func(t *testing.T, out string)
		want  string
	}{
		{"matrix.yaml edited, manifest kept", func(t *testing.T, out string) {
			ms := readBundle(t, good)
			ms[2].data = other
			writeMembers(t, out, ms)
		}, "member matrix.yaml: SHA-256 "},
		{"matrix.yaml and its member hash changed, re-signed", func(t *testing.T, out string) {
			resign(t, good, out, "key-a", setMember(MemberMatrix, other), nil)
		}, "member manifest.json: member matrix.yaml has SHA-256"},
		{"another matrix embedded and named, re-signed", func(t *testing.T, out string) {
			resign(t, good, out, "key-a", setMember(MemberMatrix, other), func(m *Manifest) {
				m.Matrix.SHA256 = memberOf(MemberMatrix, other).SHA256
			})
		}, "member matrix.yaml: the manifest's matrix test-matrix 1"},
		{"not a matrix, re-signed", func(t *testing.T, out string) {
			resign(t, good, out, "key-a", setMember(MemberMatrix, []byte("{{{")), func(m *Manifest) {
				m.Matrix.SHA256 = memberOf(MemberMatrix, []byte("{{{")).SHA256
			})
		}, "member matrix.yaml: not a valid matrix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "b.tar.zst")
			tt.write(t, out)
			_, err := Verify(context.Background(), out, verifyOpts())
			if !errors.Is(err, ErrInvalidBundle) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Verify error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestVerifyProvenanceContradictsRecords: provenance that the records do
// not bear out fails, naming the member and why, even signed by the real
// key.
func TestVerifyProvenanceContradictsRecords(t *testing.T) {
	good := classedBundle(t, t.TempDir(), "b.tar.zst", evidence.ClassEmulator, "replica-a", "key-a", testStart)
	src := func(m *Manifest) *evidence.Provenance { return m.Sources[0].Provenance }
	tests := []struct {
		name string
		edit func(m *Manifest)
		want string
	}{
		{"origin dropped", func(m *Manifest) {
			p := src(m)
			p.Origins, p.Class, m.Environment.Class = nil, evidence.ClassNone, evidence.ClassNone
		}, "records.jsonl line 1 (seq 1): the call reached https://127.0.0.1:41234, which is not among the provenance origins of replica-a"},
		{"emulator relabelled axys-staging", func(m *Manifest) {
			p := src(m)
			p.Origins[0].Chains[0].Class, p.Origins[0].Class = evidence.ClassAxysStaging, evidence.ClassAxysStaging
			p.Class, m.Environment.Class = evidence.ClassAxysStaging, evidence.ClassAxysStaging
		}, "member manifest.json: provenance of replica-a contradicts its records: origin https://127.0.0.1:41234: certificate"},
		{"calls inflated", func(m *Manifest) { src(m).Origins[0].Calls += 100 }, "calls listed, the records hold"},
		// Starts are not derived from records, but every report's header
		// shows them: an edit of the manifest alone is caught there.
		{"starts removed", func(m *Manifest) { src(m).Starts = nil }, "member coverage.json: differs from the coverage recomputed"},
		{"API key dropped", func(m *Manifest) { src(m).APIKeys = nil }, "0 API-key fingerprints listed"},
		{"client certificate dropped", func(m *Manifest) { src(m).ClientCerts = nil }, "0 calls with unobserved client certificates listed, the records hold 4"},
		{"no provenance", func(m *Manifest) { m.Sources[0].Provenance = nil }, `source "replica-a": no provenance`},
		{"unknown class", func(m *Manifest) { src(m).Class = "production" }, `provenance class "production" is not a known class`},
		{"environment not the sources'", func(m *Manifest) { m.Environment.Class = evidence.ClassAxysStaging }, `environment class "axys-staging", the sources' classes make it "emulator"`},
		{"allow_mixed on an export", func(m *Manifest) { m.Environment.AllowMixed = true }, "allow_mixed is set on a bundle that is not a merge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "b.tar.zst")
			resign(t, good, out, "key-a", nil, tt.edit)
			_, err := Verify(context.Background(), out, verifyOpts())
			if !errors.Is(err, ErrInvalidBundle) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Verify error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestMergeClasses: sources of one class merge; of different classes
// only with AllowMixed, which the merged manifest and reports then state.
func TestMergeClasses(t *testing.T) {
	dir := t.TempDir()
	stagingA := classedBundle(t, dir, "a.tar.zst", evidence.ClassAxysStaging, "replica-a", "key-a", testStart)
	stagingB := classedBundle(t, dir, "b.tar.zst", evidence.ClassAxysStaging, "replica-b", "key-b", testStart)
	emulator := classedBundle(t, dir, "emu.tar.zst", evidence.ClassEmulator, "replica-e", "key-b", testStart)
	other := classedBundle(t, dir, "other.tar.zst", evidence.ClassOther, "replica-o", "key-b", testStart)

	m, err := Merge(context.Background(), filepath.Join(t.TempDir(), "m.tar.zst"), []string{stagingA, stagingB}, mergeOpts())
	if err != nil || m.Environment != (Environment{Class: evidence.ClassAxysStaging}) {
		t.Fatalf("two staging sources: environment %+v, err %v", m, err)
	}

	for _, inputs := range [][]string{{stagingA, emulator}, {stagingA, stagingB, other}} {
		out := filepath.Join(t.TempDir(), "m.tar.zst")
		_, err := Merge(context.Background(), out, inputs, mergeOpts())
		var mc *MixedClassError
		if !errors.As(err, &mc) {
			t.Fatalf("merge %v: error %v, want a MixedClassError", inputs, err)
		}
		for _, want := range []string{stagingA + " (instance replica-a) is axys-staging", "--allow-mixed"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		assertDirEmpty(t, filepath.Dir(out))
	}

	out := filepath.Join(t.TempDir(), "m.tar.zst")
	opts := mergeOpts()
	opts.AllowMixed = true
	m, err = Merge(context.Background(), out, []string{emulator, stagingA}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if m.Environment != (Environment{Class: evidence.ClassMixed, AllowMixed: true}) {
		t.Errorf("allowed mixed merge: environment %+v", m.Environment)
	}
	res, err := Verify(context.Background(), out, verifyOpts())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	lines := strings.Join(res.Lines(), "\n")
	for _, want := range []string{"environment  NOT AXYS STAGING (mixed): replica-a: ", "replica-e: 4 calls to the evidence-proxy emulator at https://127.0.0.1:41234",
		"sources      2 sources: replica-a axys-staging (4 upstream calls), replica-e emulator (4 upstream calls); classes mixed on purpose (--allow-mixed)"} {
		if !strings.Contains(lines, want) {
			t.Errorf("verify output lacks %q:\n%s", want, lines)
		}
	}
	if md := memberData(t, readBundle(t, out), CoverageMD); !strings.Contains(string(md), `classes mixed on purpose (--allow-mixed)`) {
		t.Errorf("merged coverage.md does not state the mix:\n%.800s", md)
	}
	tampered := filepath.Join(t.TempDir(), "t.tar.zst")
	resign(t, out, tampered, "merger", nil, func(m *Manifest) { m.Environment.AllowMixed = false })
	if _, err := Verify(context.Background(), tampered, verifyOpts()); err == nil || !strings.Contains(err.Error(), "a merge of mixed classes without allow_mixed") {
		t.Errorf("merged mixed bundle without allow_mixed: %v", err)
	}
}

// TestMergeRefusesDifferentMatrices: one merged report needs one matrix.
func TestMergeRefusesDifferentMatrices(t *testing.T) {
	dir := t.TempDir()
	a := classedBundle(t, dir, "a.tar.zst", evidence.ClassAxysStaging, "replica-a", "key-a", testStart)
	recs, prov := classedChain(t, evidence.ClassAxysStaging, "replica-b", 4, testStart)
	opts := testOptions("replica-b", "key-b")
	opts.Provenance, opts.Matrix = prov, []byte("id: test-matrix\nversion: \"2\"\n")
	cov, _, err := fakeLoader{}.load(opts.Matrix)
	if err != nil {
		t.Fatal(err)
	}
	opts.Coverage = cov
	b := mustWrite(t, dir, "b.tar.zst", recs, opts)
	_, err = Merge(context.Background(), filepath.Join(t.TempDir(), "m.tar.zst"), []string{a, b}, mergeOpts())
	var mm *MatrixMismatchError
	if !errors.As(err, &mm) || !strings.Contains(err.Error(), "uses test-matrix 2") {
		t.Fatalf("Merge error = %v, want a MatrixMismatchError", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "m.tar.zst")); err == nil {
		t.Error("a merged bundle was written")
	}
}
