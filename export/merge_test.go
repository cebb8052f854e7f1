package export

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/google/go-cmp/cmp"
)

func mergeOpts() MergeOptions {
	return MergeOptions{
		ToolVersion: "v0.0.0-test",
		Signer:      testKey("merger"),
		Matrices:    fakeLoader{},
		Now:         func() time.Time { return testStart.Add(48 * time.Hour) },
	}
}

// twoReplicas exports two replicas' stores, their calls interleaved in
// time, each signed by its own key.
func twoReplicas(t *testing.T, dir string) (a, b string, recsA, recsB []*evidence.Record) {
	t.Helper()
	recsA = makeChain(t, 1, 10, evidence.GenesisHash, testStart, 2*time.Second)
	recsB = makeChain(t, 1, 7, evidence.GenesisHash, testStart.Add(time.Second), 2*time.Second)
	a = mustWrite(t, dir, "a.tar.zst", recsA, testOptions("replica-a", "key-a"))
	b = mustWrite(t, dir, "b.tar.zst", recsB, testOptions("replica-b", "key-b"))
	return a, b, recsA, recsB
}

func TestMergeTwoReplicas(t *testing.T) {
	dir := t.TempDir()
	a, b, recsA, recsB := twoReplicas(t, dir)
	out := filepath.Join(dir, "merged.tar.zst")
	m, err := Merge(context.Background(), out, []string{b, a}, mergeOpts())
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	res, err := Verify(context.Background(), out, verifyOpts())
	if err != nil {
		t.Fatalf("Verify merged: %v", err)
	}
	if !strings.HasPrefix(res.Verdict, "OK: other; 17 records (replica-a: seq 1-10, replica-b: seq 1-7)") ||
		!strings.Contains(res.Verdict, "sources "+KeyID(testKey("key-a").Public().(ed25519.PublicKey))+" (replica-a)") {
		t.Errorf("verdict = %q", res.Verdict)
	}
	if res.KeyID != KeyID(testKey("merger").Public().(ed25519.PublicKey)) || m.Kind != KindMerge || m.Records.Count != 17 {
		t.Errorf("merged manifest: key %s kind %s count %d", res.KeyID, m.Kind, m.Records.Count)
	}
	var got []string
	for _, s := range m.Sources {
		got = append(got, s.InstanceID+" "+s.Records+" "+s.ChainHead+" "+s.KeyID)
	}
	want := []string{
		"replica-a sources/replica-a/records.jsonl " + recsA[9].Hash + " " + KeyID(testKey("key-a").Public().(ed25519.PublicKey)),
		"replica-b sources/replica-b/records.jsonl " + recsB[6].Hash + " " + KeyID(testKey("key-b").Public().(ed25519.PublicKey)),
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("sources (-got +want):\n%s", diff)
	}

	// Coverage observed every record once, in time order: a1 b1 a2 b2 …
	var cov struct {
		Records int      `json:"records"`
		Order   []uint64 `json:"order"`
	}
	if err := json.Unmarshal(memberData(t, readBundle(t, out), CoverageJSON), &cov); err != nil {
		t.Fatal(err)
	}
	var wantOrder []uint64
	for i := range 10 {
		wantOrder = append(wantOrder, uint64(i+1))
		if i < 7 {
			wantOrder = append(wantOrder, uint64(i+1))
		}
	}
	if cov.Records != 17 || !cmp.Equal(cov.Order, wantOrder) {
		t.Errorf("coverage saw %d records in order %v, want 17 in %v", cov.Records, cov.Order, wantOrder)
	}
}

func TestVerifyMergedSourceKeys(t *testing.T) {
	dir := t.TempDir()
	a, b, _, _ := twoReplicas(t, dir)
	out := filepath.Join(dir, "merged.tar.zst")
	if _, err := Merge(context.Background(), out, []string{a, b}, mergeOpts()); err != nil {
		t.Fatal(err)
	}
	pub := func(seed string) ed25519.PublicKey { return testKey(seed).Public().(ed25519.PublicKey) }
	tests := []struct {
		name    string
		keys    []ed25519.PublicKey
		wantErr bool
	}{
		{name: "the merger's and both replica keys", keys: []ed25519.PublicKey{pub("merger"), pub("key-a"), pub("key-b")}},
		{name: "one replica key missing", keys: []ed25519.PublicKey{pub("merger"), pub("key-a")}, wantErr: true},
		{name: "the merger's key missing", keys: []ed25519.PublicKey{pub("key-a"), pub("key-b")}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := unpinnedOpts()
			opts.PublicKeys = tt.keys
			_, err := Verify(context.Background(), out, opts)
			var se *SignatureError
			if tt.wantErr != errors.As(err, &se) {
				t.Fatalf("Verify error = %v, want a SignatureError: %v", err, tt.wantErr)
			}
		})
	}
}

func TestMergeClashes(t *testing.T) {
	dir := t.TempDir()
	chain := makeChain(t, 1, 10, evidence.GenesisHash, testStart, time.Second)
	other := makeChain(t, 1, 10, evidence.GenesisHash, testStart, time.Second)
	other[6].Request.URL += "?forged=1"
	prev := other[5].Hash
	for _, r := range other[6:] {
		if err := r.Seal(prev); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}
	full := mustWrite(t, dir, "full.tar.zst", chain, testOptions("replica-a", "key-a"))
	part := mustWrite(t, dir, "part.tar.zst", chain[3:8], testOptions("replica-a", "key-a"))
	late := mustWrite(t, dir, "late.tar.zst", chain[8:], testOptions("replica-a", "key-a"))
	early := mustWrite(t, dir, "early.tar.zst", chain[:3], testOptions("replica-a", "key-a"))
	forked := mustWrite(t, dir, "forked.tar.zst", other, testOptions("replica-a", "key-a"))
	b := mustWrite(t, dir, "b.tar.zst", chain[:2], testOptions("replica-b", "key-b"))
	merged := filepath.Join(dir, "merged.tar.zst")
	if _, err := Merge(context.Background(), merged, []string{early, b}, mergeOpts()); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		inputs []string
		check  func(error) bool
		want   string
	}{
		{name: "same records twice", inputs: []string{full, part},
			check: func(err error) bool {
				var e *OverlapError
				return errors.As(err, &e) && e.FirstSeq == 4 && e.LastSeq == 8
			},
			want: "both hold records 4-8"},
		{name: "different records under one seq", inputs: []string{full, forked},
			check: func(err error) bool { var e *ConflictError; return errors.As(err, &e) && e.Seq == 7 },
			want:  "record 7 differs between"},
		{name: "one instance in two disjoint exports", inputs: []string{early, late},
			check: func(err error) bool { var e *DuplicateInstanceError; return errors.As(err, &e) },
			want:  "export the instance once"},
		{name: "a merged bundle as input", inputs: []string{merged, late},
			check: func(err error) bool { return err != nil },
			want:  "a merge bundle; merge the original exports"},
		{name: "an invalid input", inputs: []string{full, filepath.Join(dir, "missing.tar.zst")},
			check: func(err error) bool { return err != nil },
			want:  "missing.tar.zst"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "m.tar.zst")
			_, err := Merge(context.Background(), out, tt.inputs, mergeOpts())
			if !tt.check(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Merge error = %v, want one containing %q", err, tt.want)
			}
			assertDirEmpty(t, filepath.Dir(out))
		})
	}
}

// TestTamperMergedBundle changes single bytes of a merged bundle's members,
// source manifests and signatures included.
func TestTamperMergedBundle(t *testing.T) {
	dir := t.TempDir()
	a, b, _, _ := twoReplicas(t, dir)
	out := filepath.Join(dir, "merged.tar.zst")
	if _, err := Merge(context.Background(), out, []string{a, b}, mergeOpts()); err != nil {
		t.Fatal(err)
	}
	members := readBundle(t, out)
	rng := rand.New(rand.NewPCG(11, 13))
	tampered := filepath.Join(dir, "tampered.tar.zst")
	for i := 0; i < 4*len(members); i++ {
		ms := cloneMembers(members)
		m := &ms[i%len(ms)]
		off := rng.IntN(len(m.data))
		m.data[off] ^= byte(1 + rng.IntN(255))
		writeMembers(t, tampered, ms)
		if _, err := Verify(context.Background(), tampered, verifyOpts()); !errors.Is(err, ErrInvalidBundle) {
			t.Fatalf("change %d in %s at %d: Verify error = %v, want ErrInvalidBundle", i, m.name, off, err)
		}
	}
}

// TestVerifyMergedSourceSwap: a merged bundle whose source manifest was
// replaced by another validly signed export of the same instance is caught
// even when the merged manifest is re-signed by its legitimate key.
func TestVerifyMergedSourceSwap(t *testing.T) {
	dir := t.TempDir()
	a, b, recsA, _ := twoReplicas(t, dir)
	shorter := mustWrite(t, dir, "a-short.tar.zst", recsA[:9], testOptions("replica-a", "key-a"))
	out := filepath.Join(dir, "merged.tar.zst")
	if _, err := Merge(context.Background(), out, []string{a, b}, mergeOpts()); err != nil {
		t.Fatal(err)
	}
	short := readBundle(t, shorter)
	swapped := filepath.Join(dir, "swapped.tar.zst")
	rewriteBundle(t, out, swapped, testKey("merger"), func(ms []bundleMember) {
		for i := range ms {
			switch ms[i].name {
			case "sources/replica-a/manifest.json":
				ms[i].data = short[0].data
			case "sources/replica-a/manifest.sig":
				ms[i].data = short[1].data
			}
		}
	})
	_, err := Verify(context.Background(), swapped, verifyOpts())
	if !errors.Is(err, ErrInvalidBundle) || !strings.Contains(err.Error(), "sources/replica-a/manifest.json") {
		t.Fatalf("Verify error = %v, want one about sources/replica-a/manifest.json", err)
	}
}
