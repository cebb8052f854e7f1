package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// fakeAttaching is a fakeCoverage that is Attaching: attached, its runs
// also render contract.json (from the records and the description
// attachment) and readiness.md (from the checklist attachment).
type fakeAttaching struct{ *fakeCoverage }

// defaultSpec is the description fakeAttaching uses when none is given.
const defaultSpec = "openapi: 3.1.0 # the default\n"

func (c fakeAttaching) Attach(given []Attachment) (Coverage, []Attachment, error) {
	a := &fakeAttached{cov: c.fakeCoverage, spec: []byte(defaultSpec)}
	for _, g := range given {
		switch g.Name {
		case MemberSpec:
			a.spec = g.Data
		case MemberChecklist:
			if bytes.Contains(g.Data, []byte("unknown-item")) {
				return nil, nil, fmt.Errorf("%s: line 2: unknown item", MemberChecklist)
			}
			a.checklist = g.Data
		}
	}
	used := []Attachment{{Name: MemberSpec, Data: a.spec}}
	if a.checklist != nil {
		used = append(used, Attachment{Name: MemberChecklist, Data: a.checklist})
	}
	return a, used, nil
}

type fakeAttached struct {
	cov             *fakeCoverage
	spec, checklist []byte
}

func (a *fakeAttached) New() CoverageRun {
	return &fakeAttachedRun{fakeRun: a.cov.New().(*fakeRun), a: a}
}

func (a *fakeAttached) Contract() ContractInfo {
	return ContractInfo{Title: "Test API", Version: "7", SHA256: sha256Hex(a.spec)}
}

type fakeAttachedRun struct {
	*fakeRun
	a *fakeAttached
}

func (r *fakeAttachedRun) Files() (map[string][]byte, MatrixInfo, error) {
	files, m, err := r.fakeRun.Files()
	if err != nil {
		return nil, m, err
	}
	files[MemberContract] = fmt.Appendf(nil, `{"calls":%d,"spec":%q}`+"\n", r.count, r.a.spec)
	files[MemberReadinessMD] = fmt.Appendf(nil, "## Audit readiness\n\nchecklist: %q\n", r.a.checklist)
	return files, m, nil
}

// fakeAttachingLoader loads fakeAttaching computations.
type fakeAttachingLoader struct{}

func (fakeAttachingLoader) LoadMatrix(canonical []byte) (Coverage, MatrixDiff, error) {
	c, d, err := fakeLoader{}.load(canonical)
	if err != nil {
		return nil, d, err
	}
	return fakeAttaching{c}, d, nil
}

const testChecklist = "setup:\n  ptr-records: {confirmed: true, note: \"in DNS\"}\n"

// attachedOptions export with a checklist and a go-live result attached.
func attachedOptions(instance, keySeed string) Options {
	o := testOptions(instance, keySeed)
	o.Coverage = fakeAttaching{newFakeCoverage()}
	o.Attachments = []Attachment{
		{Name: MemberGoliveResult, Data: []byte(`{"payloadType":"x"}`)},
		{Name: MemberChecklist, Data: []byte(testChecklist)},
	}
	return o
}

func attachedVerifyOpts() VerifyOptions {
	o := verifyOpts()
	o.Matrices = fakeAttachingLoader{}
	return o
}

func TestAttachmentsRoundTrip(t *testing.T) {
	recs := makeChain(t, 1, 6, evidence.GenesisHash, testStart, time.Second)
	path := mustWrite(t, t.TempDir(), "b.tar.zst", recs, attachedOptions("replica-a", "key-a"))
	var names []string
	for _, m := range readBundle(t, path) {
		names = append(names, m.name)
	}
	want := []string{MemberManifest, MemberSignature, MemberMatrix, MemberSpec, MemberChecklist, MemberGoliveResult,
		MemberRecords, MemberHAR, CoverageJSON, CoverageMD, CoverageHTML, MemberContract, MemberReadinessMD}
	if !slices.Equal(names, want) {
		t.Fatalf("members %v, want %v", names, want)
	}
	res, err := Verify(context.Background(), path, attachedVerifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.Format != FormatV3 || m.Contract == nil || m.Contract.Version != "7" || m.Contract.SHA256 != sha256Hex([]byte(defaultSpec)) {
		t.Errorf("format %q, contract %+v", m.Format, m.Contract)
	}
	var got []string
	for _, a := range res.Attachments {
		got = append(got, a.Name+"="+string(a.Data))
	}
	if want := []string{MemberSpec + "=" + defaultSpec, MemberChecklist + "=" + testChecklist, MemberGoliveResult + `={"payloadType":"x"}`}; !slices.Equal(got, want) {
		t.Errorf("attachments %q, want %q", got, want)
	}
	if !strings.Contains(res.Verdict, "provenance, coverage, contract findings and HAR recomputed identically") {
		t.Errorf("verdict %q", res.Verdict)
	}
}

// TestAttachmentsWithoutAttaching: a coverage that is not Attaching
// carries the attachments as given and derives nothing more.
func TestAttachmentsWithoutAttaching(t *testing.T) {
	recs := makeChain(t, 1, 3, evidence.GenesisHash, testStart, time.Second)
	o := testOptions("replica-a", "key-a")
	o.Attachments = []Attachment{{Name: MemberGoliveResult, Data: []byte("{}")}}
	path := mustWrite(t, t.TempDir(), "b.tar.zst", recs, o)
	res, err := Verify(context.Background(), path, verifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Format != FormatV3 || res.Manifest.Contract != nil || len(res.Attachments) != 1 {
		t.Errorf("format %q, contract %+v, attachments %d", res.Manifest.Format, res.Manifest.Contract, len(res.Attachments))
	}
}

func TestAttachmentsRefusedAtWrite(t *testing.T) {
	recs := makeChain(t, 1, 2, evidence.GenesisHash, testStart, time.Second)
	tests := []struct {
		name string
		atts []Attachment
		want string
	}{
		{"unknown name", []Attachment{{Name: "notes.txt", Data: []byte("x")}}, `unknown attachment "notes.txt"`},
		{"twice", []Attachment{{Name: MemberChecklist, Data: []byte("a")}, {Name: MemberChecklist, Data: []byte("a")}}, "given twice"},
		{"too large", []Attachment{{Name: MemberChecklist, Data: make([]byte, 2<<20)}}, "more than the"},
		{"unusable", []Attachment{{Name: MemberChecklist, Data: []byte("unknown-item: {}")}}, "line 2: unknown item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := attachedOptions("replica-a", "key-a")
			o.Attachments = tt.atts
			_, err := Write(context.Background(), filepath.Join(t.TempDir(), "b.tar.zst"), &fakeSource{recs: recs}, o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// rewriteManifest copies a bundle after editing its members and then its
// manifest (whose member entries are brought up to date first), signed
// again by key.
func rewriteManifest(t *testing.T, in, out string, key ed25519.PrivateKey, members func([]bundleMember) []bundleMember, manifest func(*Manifest)) {
	t.Helper()
	ms := readBundle(t, in)
	body := members(cloneMembers(ms[2:]))
	m, err := decodeManifest(MemberManifest, ms[0].data)
	if err != nil {
		t.Fatal(err)
	}
	m.Members = nil
	for _, mem := range body {
		m.Members = append(m.Members, memberOf(mem.name, mem.data))
	}
	manifest(m)
	if ms[0].data, err = encodeManifest(m); err != nil {
		t.Fatal(err)
	}
	if ms[1].data, err = signManifest(key, ms[0].data); err != nil {
		t.Fatal(err)
	}
	writeMembers(t, out, append(ms[:2:2], body...))
}

func editMember(name string, edit func([]byte) []byte) func([]bundleMember) []bundleMember {
	return func(ms []bundleMember) []bundleMember {
		for i := range ms {
			if ms[i].name == name {
				ms[i].data = edit(ms[i].data)
			}
		}
		return ms
	}
}

func dropMember(name string) func([]bundleMember) []bundleMember {
	return func(ms []bundleMember) []bundleMember {
		return slices.DeleteFunc(ms, func(m bundleMember) bool { return m.name == name })
	}
}

// TestTamperAttachments: every way a bundle's attachments, derived
// members or contract can disagree, signed again by the pinned key, is
// caught by the recomputation.
func TestTamperAttachments(t *testing.T) {
	recs := makeChain(t, 1, 6, evidence.GenesisHash, testStart, time.Second)
	key := testKey("key-a")
	path := mustWrite(t, t.TempDir(), "b.tar.zst", recs, attachedOptions("replica-a", "key-a"))
	keep := func(ms []bundleMember) []bundleMember { return ms }
	same := func(*Manifest) {}
	tests := []struct {
		name     string
		members  func([]bundleMember) []bundleMember
		manifest func(*Manifest)
		opts     func(*VerifyOptions)
		want     string
	}{
		{name: "checklist edited", members: editMember(MemberChecklist, func(b []byte) []byte { return bytes.Replace(b, []byte("true"), []byte("false"), 1) }),
			manifest: same, want: "member readiness.md: differs from the one recomputed from the records and attachments"},
		{name: "contract.json edited", members: editMember(MemberContract, func(b []byte) []byte { return bytes.Replace(b, []byte(`"calls":6`), []byte(`"calls":0`), 1) }),
			manifest: same, want: "member contract.json: differs"},
		{name: "description dropped", members: dropMember(MemberSpec), manifest: same,
			want: "member openapi.yaml: missing: the bundle's reports need it"},
		{name: "description replaced", members: editMember(MemberSpec, func([]byte) []byte { return []byte("openapi: 3.1.0 # another\n") }),
			manifest: same, want: "member manifest.json: contract"},
		{name: "derived member dropped", members: dropMember(MemberReadinessMD), manifest: same,
			want: "member readiness.md: missing: the coverage recomputed from the records has it"},
		{name: "claims format v2", members: keep, manifest: func(m *Manifest) { m.Format = FormatVersion },
			want: `lists members or a contract only "evidence-proxy/bundle/v3" has`},
		{name: "unknown format", members: keep, manifest: func(m *Manifest) { m.Format = "evidence-proxy/bundle/v9" },
			want: "is neither"},
		{name: "contract version changed", members: keep, manifest: func(m *Manifest) { m.Contract.Version = "8" },
			want: "is not the description openapi.yaml holds"},
		{name: "attachment out of order", members: func(ms []bundleMember) []bundleMember {
			i := slices.IndexFunc(ms, func(m bundleMember) bool { return m.name == MemberChecklist })
			ms[i-1], ms[i] = ms[i], ms[i-1]
			return ms
		}, manifest: same, want: "want \"openapi.yaml\""},
		{name: "verifier that derives none of it", members: keep, manifest: same, opts: func(o *VerifyOptions) { o.Matrices = fakeLoader{} },
			want: "lists contract or readiness members this verifier cannot recompute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "b.tar.zst")
			rewriteManifest(t, path, out, key, tt.members, tt.manifest)
			opts := attachedVerifyOpts()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			_, err := Verify(context.Background(), out, opts)
			if !errors.Is(err, ErrInvalidBundle) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Verify error = %v, want ErrInvalidBundle containing %q", err, tt.want)
			}
		})
	}
}

func TestMergeAttachments(t *testing.T) {
	dir := t.TempDir()
	recsA := makeChain(t, 1, 5, evidence.GenesisHash, testStart, 2*time.Second)
	recsB := makeChain(t, 1, 4, evidence.GenesisHash, testStart.Add(time.Second), 2*time.Second)
	a := mustWrite(t, dir, "a.tar.zst", recsA, attachedOptions("replica-a", "key-a"))
	b := mustWrite(t, dir, "b.tar.zst", recsB, attachedOptions("replica-b", "key-b"))
	plain := mustWrite(t, dir, "c.tar.zst", makeChain(t, 1, 2, evidence.GenesisHash, testStart, time.Second), testOptions("replica-c", "a"))
	mo := mergeOpts()
	mo.Matrices = fakeAttachingLoader{}
	out := filepath.Join(dir, "all.tar.zst")
	if _, err := Merge(context.Background(), out, []string{a, b, plain}, mo); err != nil {
		t.Fatal(err)
	}
	res, err := Verify(context.Background(), out, attachedVerifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Format != FormatV3 || len(res.Attachments) != 3 || res.Manifest.Contract == nil {
		t.Errorf("merged: format %q, %d attachments, contract %+v", res.Manifest.Format, len(res.Attachments), res.Manifest.Contract)
	}

	o := attachedOptions("replica-d", "a")
	o.Attachments[1].Data = []byte("setup: {}\n")
	other := mustWrite(t, dir, "d.tar.zst", recsB, o)
	_, err = Merge(context.Background(), filepath.Join(dir, "bad.tar.zst"), []string{a, other}, mo)
	if err == nil || !strings.Contains(err.Error(), "carry different golive-checklist.yaml") {
		t.Errorf("merge of different checklists: %v", err)
	}
}
