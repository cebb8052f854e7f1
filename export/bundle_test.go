package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/google/go-cmp/cmp"
)

func TestWriteVerifyRoundTrip(t *testing.T) {
	chain := makeChain(t, 1, 40, evidence.GenesisHash, testStart, time.Second)
	tests := []struct {
		name      string
		recs      []*evidence.Record
		opts      func(*Options)
		wantFirst uint64
		wantLast  uint64
	}{
		{name: "empty store", recs: nil},
		{name: "one record", recs: chain[:1], wantFirst: 1, wantLast: 1},
		{name: "every record shape", recs: chain, wantFirst: 1, wantLast: 40},
		{name: "since", recs: chain, opts: func(o *Options) { o.Since = testStart.Add(10 * time.Second) }, wantFirst: 11, wantLast: 40},
		{name: "since and until", recs: chain, opts: func(o *Options) {
			o.Since, o.Until = testStart.Add(10*time.Second), testStart.Add(20*time.Second)
		}, wantFirst: 11, wantLast: 20},
		{name: "range selecting nothing", recs: chain, opts: func(o *Options) { o.Since = testStart.Add(time.Hour) }},
		{name: "store head", recs: chain, opts: func(o *Options) {
			o.SourceHead = &ChainPoint{Seq: 25, Hash: chain[24].Hash}
		}, wantFirst: 1, wantLast: 25},
		{name: "chain not starting at genesis", recs: chain[5:], wantFirst: 6, wantLast: 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions("replica-a", "key-a")
			if tt.opts != nil {
				tt.opts(&opts)
			}
			path := mustWrite(t, t.TempDir(), "bundle.tar.zst", tt.recs, opts)
			res, err := Verify(context.Background(), path, verifyOpts())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			s := res.Manifest.Sources[0]
			wantCount := int64(0)
			if tt.wantLast > 0 {
				wantCount = int64(tt.wantLast - tt.wantFirst + 1)
			}
			if s.Count != wantCount || s.FirstSeq != tt.wantFirst || s.LastSeq != tt.wantLast {
				t.Errorf("source = %d records %d-%d, want %d records %d-%d", s.Count, s.FirstSeq, s.LastSeq, wantCount, tt.wantFirst, tt.wantLast)
			}
			if wantCount > 0 {
				byseq := map[uint64]*evidence.Record{}
				for _, r := range chain {
					byseq[r.Seq] = r
				}
				if s.ChainHead != byseq[tt.wantLast].Hash || s.PrevHash != byseq[tt.wantFirst].PrevHash {
					t.Errorf("chain head/prev hash do not match the records")
				}
			}
			if !strings.Contains(res.Verdict, "(pinned)") || !strings.HasPrefix(res.Verdict, "OK:") || !res.Authenticated {
				t.Errorf("verdict = %q", res.Verdict)
			}
			if res.KeyID != KeyID(opts.Signer.Public().(ed25519.PublicKey)) {
				t.Errorf("key id = %s", res.KeyID)
			}
			assertRecordsMember(t, path, chain, tt.wantFirst, tt.wantLast)
		})
	}
}

// assertRecordsMember checks records.jsonl holds exactly records first..last
// of chain, equal to the originals.
func assertRecordsMember(t *testing.T, path string, chain []*evidence.Record, first, last uint64) {
	t.Helper()
	data := memberData(t, readBundle(t, path), MemberRecords)
	var got []*evidence.Record
	enc := newRecordEncoder()
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		rec, err := enc.decodeLine(line)
		if err != nil {
			t.Fatalf("decode line: %v", err)
		}
		got = append(got, rec)
	}
	var want []*evidence.Record
	for _, r := range chain {
		if last > 0 && r.Seq >= first && r.Seq <= last {
			want = append(want, r)
		}
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("records.jsonl (-got +want):\n%s", diff)
	}
}

func TestWriteManifest(t *testing.T) {
	chain := makeChain(t, 1, 8, evidence.GenesisHash, testStart, time.Second)
	opts := testOptions("replica-a", "key-a")
	m, err := Write(context.Background(), filepath.Join(t.TempDir(), "b.tar.zst"), &fakeSource{recs: chain}, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{
		Format: FormatVersion, Kind: KindExport,
		Environment: Environment{Class: evidence.ClassOther},
		Tool:        Tool{Name: ToolName, Version: "v0.0.0-test"},
		CreatedAt:   testStart.Add(24 * time.Hour),
		Matrix:      newFakeCoverage().matrix,
		Records:     Totals{Count: 8, FirstTime: chain[0].Time, LastTime: chain[7].Time},
		Sources: []SourceChain{{
			InstanceID: "replica-a", Records: MemberRecords, Count: 8, FirstSeq: 1, LastSeq: 8,
			FirstTime: chain[0].Time, LastTime: chain[7].Time, PrevHash: evidence.GenesisHash, ChainHead: chain[7].Hash,
			Provenance: m.Sources[0].Provenance,
		}},
		Signer: m.Signer,
	}
	var names []string
	for _, mem := range m.Members {
		names = append(names, mem.Name)
	}
	got := *m
	got.Members = nil
	if diff := cmp.Diff(&got, want); diff != "" {
		t.Errorf("manifest (-got +want):\n%s", diff)
	}
	wantNames := []string{MemberMatrix, MemberRecords, MemberHAR, CoverageJSON, CoverageMD, CoverageHTML}
	if diff := cmp.Diff(names, wantNames); diff != "" {
		t.Errorf("members (-got +want):\n%s", diff)
	}
	if m.Signer.KeyID != KeyID(opts.Signer.Public().(ed25519.PublicKey)) {
		t.Errorf("signer = %+v", m.Signer)
	}
}

// TestWriteRangeKeepsChainContiguous: a slow call received before Until but
// committed after a call received after Until is still in the export, and
// so is the later call between them, so the chain has no gap.
func TestWriteRangeKeepsChainContiguous(t *testing.T) {
	recs := makeChain(t, 1, 6, evidence.GenesisHash, testStart, time.Second)
	recs[4].Time = testStart.Add(time.Second / 2) // seq 5: slow call received early
	prev := recs[3].Hash
	for _, r := range recs[4:] {
		if err := r.Seal(prev); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}
	opts := testOptions("replica-a", "key-a")
	opts.Until = testStart.Add(2 * time.Second) // seq 1, 2 and 5 were received before it
	path := mustWrite(t, t.TempDir(), "b.tar.zst", recs, opts)
	res, err := Verify(context.Background(), path, verifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Manifest.Sources[0]; s.FirstSeq != 1 || s.LastSeq != 5 {
		t.Errorf("exported %d-%d, want 1-5", s.FirstSeq, s.LastSeq)
	}
}

func TestWriteRefusesBadInput(t *testing.T) {
	chain := makeChain(t, 1, 5, evidence.GenesisHash, testStart, time.Second)
	broken := makeChain(t, 1, 5, evidence.GenesisHash, testStart, time.Second)
	broken[2].Request.Method = "DELETE" // content changed after sealing
	gap := append(append([]*evidence.Record{}, chain[:2]...), chain[3:]...)
	tests := []struct {
		name string
		recs []*evidence.Record
		opts func(*Options)
		want string
	}{
		{name: "no signer", recs: chain, opts: func(o *Options) { o.Signer = nil }, want: ErrNoSigner.Error()},
		{name: "no coverage", recs: chain, opts: func(o *Options) { o.Coverage = nil }, want: ErrNoCoverage.Error()},
		{name: "no matrix", recs: chain, opts: func(o *Options) { o.Matrix = nil }, want: ErrNoMatrix.Error()},
		{name: "not the matrix the coverage used", recs: chain, opts: func(o *Options) { o.Matrix = []byte("id: other\nversion: 1\n") },
			want: "is not the one the coverage used (test-matrix 1"},
		{name: "provenance of another instance", recs: chain, opts: func(o *Options) { o.Provenance = &evidence.Provenance{InstanceID: "replica-b"} },
			want: `the provenance given is of instance "replica-b"`},
		{name: "no instance id", recs: chain, opts: func(o *Options) { o.InstanceID = "" }, want: "instance id"},
		{name: "instance id with a slash", recs: chain, opts: func(o *Options) { o.InstanceID = "a/b" }, want: "instance id"},
		{name: "empty time range", recs: chain, opts: func(o *Options) { o.Since, o.Until = testStart, testStart }, want: "empty time range"},
		{name: "altered record", recs: broken, want: "record 3: hash does not match"},
		{name: "sequence gap", recs: gap, want: "record 4: sequence gap"},
		{name: "store head hash differs", recs: chain, opts: func(o *Options) { o.SourceHead = &ChainPoint{Seq: 3, Hash: chain[0].Hash} }, want: "differs from the given store head"},
		{name: "store shorter than its head", recs: chain, opts: func(o *Options) { o.SourceHead = &ChainPoint{Seq: 9, Hash: chain[0].Hash} }, want: "head is 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions("replica-a", "key-a")
			if tt.opts != nil {
				tt.opts(&opts)
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "b.tar.zst")
			_, err := Write(context.Background(), out, &fakeSource{recs: tt.recs}, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write error = %v, want it to contain %q", err, tt.want)
			}
			assertDirEmpty(t, dir)
		})
	}
}

// TestWriteLeavesOnlyTheBundle: the staging files are removed and the
// output appears only under its final name.
func TestWriteLeavesOnlyTheBundle(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, "b.tar.zst", makeChain(t, 1, 20, evidence.GenesisHash, testStart, time.Second), testOptions("a", "k"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "b.tar.zst" {
		t.Errorf("directory holds %v, want only b.tar.zst", entries)
	}
}

func TestWriteCanceled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Write(ctx, filepath.Join(dir, "b.tar.zst"), &fakeSource{recs: makeChain(t, 1, 5, evidence.GenesisHash, testStart, time.Second)}, testOptions("a", "k"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write error = %v, want context.Canceled", err)
	}
	assertDirEmpty(t, dir)
}

func TestWriteProgress(t *testing.T) {
	var buf bytes.Buffer
	opts := testOptions("a", "k")
	opts.Progress = &buf
	mustWrite(t, t.TempDir(), "b.tar.zst", makeChain(t, 1, 3, evidence.GenesisHash, testStart, time.Second), opts)
	if !strings.Contains(buf.String(), "export: writing bundle (3 records)") {
		t.Errorf("progress = %q", buf.String())
	}
}

func assertDirEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("directory not empty after a failed export: %v", entries)
	}
}
