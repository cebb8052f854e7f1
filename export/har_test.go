package export

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/google/go-cmp/cmp"
)

// harcheckDir holds the independent HAR validator (npm har-validator),
// installed by `npm ci --prefix export/testdata/harcheck`.
const harcheckDir = "testdata/harcheck"

// requireHARValidator returns node's path, or skips (fails under CI=true)
// when node or the validator package is not installed.
func requireHARValidator(t *testing.T) string {
	t.Helper()
	missing := func(reason string) {
		msg := reason + "; install with: npm ci --prefix export/testdata/harcheck"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(harcheckDir, "node_modules", "har-validator")); err != nil {
		missing("the har-validator package is not installed")
	}
	return node
}

func runHARCheck(t *testing.T, node string, har []byte, entries int) ([]byte, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "traces.har")
	if err := os.WriteFile(path, har, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "check.js", path, strconv.Itoa(entries))
	cmd.Dir = harcheckDir
	return cmd.CombinedOutput()
}

// TestHARPassesIndependentValidator exports every record shape, and merges
// two replicas, and checks each traces.har with the HAR 1.2 schema validator from npm, and that the
// validator does reject a broken HAR (so the check can fail).
func TestHARPassesIndependentValidator(t *testing.T) {
	node := requireHARValidator(t)
	recs := makeChain(t, 1, 16, evidence.GenesisHash, testStart, time.Second)
	path := mustWrite(t, t.TempDir(), "b.tar.zst", recs, testOptions("replica-a", "k"))
	har := memberData(t, readBundle(t, path), MemberHAR)
	entries := 0
	for _, r := range recs {
		if r.Kind == evidence.KindCall {
			entries++
		}
	}
	if out, err := runHARCheck(t, node, har, entries); err != nil {
		t.Fatalf("har-validator rejected traces.har: %v\n%s", err, out)
	}
	dir := t.TempDir()
	a, b, recsA, recsB := twoReplicas(t, dir)
	merged := filepath.Join(dir, "merged.tar.zst")
	if _, err := Merge(context.Background(), merged, []string{a, b}, mergeOpts()); err != nil {
		t.Fatal(err)
	}
	mergedEntries := 0
	for _, r := range append(recsA, recsB...) {
		if r.Kind == evidence.KindCall {
			mergedEntries++
		}
	}
	if out, err := runHARCheck(t, node, memberData(t, readBundle(t, merged), MemberHAR), mergedEntries); err != nil {
		t.Fatalf("har-validator rejected the merged traces.har: %v\n%s", err, out)
	}

	broken := bytes.Replace(har, []byte(`"httpVersion":"HTTP/1.1","cookies"`), []byte(`"httpVersion":1.1,"cookies"`), 1)
	if out, err := runHARCheck(t, node, broken, entries); err == nil {
		t.Fatalf("har-validator accepted a HAR with a numeric httpVersion:\n%s", out)
	}
}

func TestHAREntryOf(t *testing.T) {
	failed := makeRecord(3, testStart, 3)
	refused := makeRecord(4, testStart, 4)
	binary := makeRecord(5, testStart, 5)
	paged := makeRecord(7, testStart, 7)
	for _, r := range []*evidence.Record{failed, refused, binary, paged} {
		if err := r.Seal(evidence.GenesisHash); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		rec  *evidence.Record
		want func(*harEntry) any
		val  any
	}{
		{name: "no response: status 0 and _error", rec: failed,
			want: func(e *harEntry) any { return []any{e.Response.Status, e.Response.BodySize, e.Error.Kind} },
			val:  []any{0, int64(-1), evidence.ErrTimeout}},
		{name: "proxy answer: synthetic with _error", rec: refused,
			want: func(e *harEntry) any { return []any{e.Response.Status, e.Response.Synthetic, e.Error.Kind} },
			val:  []any{403, true, evidence.ErrGuardRefused}},
		{name: "query string in order, unescaped", rec: refused,
			want: func(e *harEntry) any { return e.Request.QueryString },
			val:  []harNV{{"limit", "10"}, {"starting_after", "card_1"}}},
		{name: "escaped query value", rec: paged,
			want: func(e *harEntry) any { return e.Request.QueryString[2] },
			val:  harNV{"cursor", "a+b"}},
		{name: "binary body as base64", rec: binary,
			want: func(e *harEntry) any { return []any{e.Response.Content.Encoding, e.Response.Content.Size} },
			val:  []any{"base64", int64(8)}},
		{name: "truncated body flagged", rec: paged,
			want: func(e *harEntry) any { return []any{e.Response.Content.Truncated, e.Response.BodySize} },
			val:  []any{true, int64(9000)}},
		{name: "timings add up to time", rec: failed,
			want: func(e *harEntry) any { return e.Timings.Send + e.Timings.Wait + e.Timings.Receive - e.Time },
			val:  0.0},
		{name: "evidence fields", rec: binary,
			want: func(e *harEntry) any { return []any{e.Evidence.Seq, e.Evidence.Hash} },
			val:  []any{uint64(5), binary.Hash}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want(harEntryOf(tt.rec, "")), tt.val); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

func TestHARSkipsGapRecords(t *testing.T) {
	var buf bytes.Buffer
	hw := newHARWriter(&buf)
	if err := hw.begin("v1"); err != nil {
		t.Fatal(err)
	}
	for _, r := range makeChain(t, 5, 3, evidence.GenesisHash, testStart, time.Second) { // seq 5, 6 (gap), 7
		if err := hw.add(r, "replica-a"); err != nil {
			t.Fatal(err)
		}
	}
	if err := hw.end(); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Entries []struct {
				Evidence harEvidence `json:"_evidence"`
			} `json:"entries"`
			Evidence harLogEvidence `json:"_evidence"`
		} `json:"log"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("HAR is not JSON: %v", err)
	}
	var seqs []uint64
	for _, e := range doc.Log.Entries {
		seqs = append(seqs, e.Evidence.Seq)
		if e.Evidence.Instance != "replica-a" {
			t.Errorf("entry %d instance = %q", e.Evidence.Seq, e.Evidence.Instance)
		}
	}
	if diff := cmp.Diff(seqs, []uint64{5, 7}); diff != "" {
		t.Errorf("entries (-got +want):\n%s", diff)
	}
	if want := (harLogEvidence{Records: 3, Entries: 2, GapRecords: 1}); doc.Log.Evidence != want {
		t.Errorf("log _evidence = %+v, want %+v", doc.Log.Evidence, want)
	}
}
