package export

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/klauspost/compress/zstd"
)

// tamperCount is how many random single-byte changes each tamper test makes.
const tamperCount = 210

// TestTamperMemberBytes changes one byte of one decompressed member at a
// time (every member in turn, seeded random offsets and values), rebuilds
// the bundle, and requires verify to reject every one.
func TestTamperMemberBytes(t *testing.T) {
	path, _, _ := sampleBundle(t, 24)
	members := readBundle(t, path)
	rng := rand.New(rand.NewPCG(5, 1))
	out := filepath.Join(t.TempDir(), "tampered.tar.zst")
	kinds := map[string]int{}
	for i := 0; i < tamperCount; i++ {
		ms := cloneMembers(members)
		m := &ms[i%len(ms)]
		off := rng.IntN(len(m.data))
		old := m.data[off]
		m.data[off] ^= byte(1 + rng.IntN(255))
		writeMembers(t, out, ms)
		_, err := Verify(context.Background(), out, verifyOpts())
		if !errors.Is(err, ErrInvalidBundle) {
			t.Fatalf("change %d: %s byte %d %q→%q: Verify error = %v, want ErrInvalidBundle", i, m.name, off, old, m.data[off], err)
		}
		kinds[m.name+": "+errorKind(err)]++
	}
	t.Logf("detected %d/%d: %v", tamperCount, tamperCount, kinds)
}

// TestTamperCompressedBytes changes one byte of the compressed file at a
// time. Every change must be rejected, except one that leaves the
// decompressed archive byte-identical (a frame header field such as the
// window size, which alters nothing of the evidence).
func TestTamperCompressedBytes(t *testing.T) {
	path, _, _ := sampleBundle(t, 24)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	plain := decompress(t, orig)
	rng := rand.New(rand.NewPCG(7, 3))
	out := filepath.Join(t.TempDir(), "tampered.tar.zst")
	harmless := 0
	for i := 0; i < tamperCount; i++ {
		data := bytes.Clone(orig)
		off := rng.IntN(len(data))
		data[off] ^= byte(1 + rng.IntN(255))
		if err := os.WriteFile(out, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Verify(context.Background(), out, verifyOpts())
		if errors.Is(err, ErrInvalidBundle) {
			continue
		}
		if err == nil && bytes.Equal(decompressOrNil(data), plain) {
			harmless++
			continue
		}
		t.Fatalf("change %d at byte %d of %d: Verify error = %v, want ErrInvalidBundle", i, off, len(data), err)
	}
	t.Logf("%d changes rejected, %d left the archive identical", tamperCount-harmless, harmless)
}

// TestTamperRecords drops, duplicates, swaps and alters records, rewriting
// records.jsonl and the manifest's member hash consistently, as an attacker
// without the key would; then also re-signs with the attacker's key.
func TestTamperRecords(t *testing.T) {
	path, recs, key := sampleBundle(t, 12)
	lines := recordLines(t, recs)
	attacker := testKey("attacker")
	edits := []struct {
		name string
		edit func([][]byte) [][]byte
		// chainReason is what the chain check reports when only the
		// signature has been forged.
		chainReason string
	}{
		{name: "drop a record", edit: func(l [][]byte) [][]byte { return append(l[:4:4], l[5:]...) }, chainReason: "sequence gap"},
		{name: "drop the first record", edit: func(l [][]byte) [][]byte { return l[1:] }, chainReason: "sequence gap"},
		{name: "drop the last record", edit: func(l [][]byte) [][]byte { return l[:len(l)-1] }, chainReason: "11 records, the manifest lists 12"},
		{name: "duplicate a record", edit: func(l [][]byte) [][]byte { return append(l[:6:6], l[5:]...) }, chainReason: "sequence gap"},
		{name: "swap two records", edit: func(l [][]byte) [][]byte { l[3], l[4] = l[4], l[3]; return l }, chainReason: "sequence gap"},
		{name: "alter a status", edit: func(l [][]byte) [][]byte {
			l[7] = bytes.Replace(l[7], []byte(`"status":`), []byte(`"status":1`), 1)
			return l
		}, chainReason: "hash does not match the record's content"},
		{name: "alter and re-seal one record", edit: func(l [][]byte) [][]byte {
			r := *recs[7]
			r.Request.Method = "DELETE"
			if err := r.Seal(r.PrevHash); err != nil {
				t.Fatal(err)
			}
			l[7] = mustLine(t, &r)
			return l
		}, chainReason: "prev_hash does not match the previous record"},
		{name: "re-seal the whole chain after a change", edit: func([][]byte) [][]byte {
			forged := makeChain(t, 1, 12, evidence.GenesisHash, testStart, 1)
			return recordLines(t, forged)
		}, chainReason: "prev_hash does not match"},
	}
	modes := []struct {
		name   string
		key    ed25519.PrivateKey
		pinned bool
	}{
		{name: "old signature"},
		{name: "re-signed, key pinned", key: attacker, pinned: true},
		{name: "re-signed, not pinned", key: attacker},
	}
	for _, e := range edits {
		for _, mode := range modes {
			t.Run(e.name+"/"+mode.name, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "b.tar.zst")
				rewriteBundle(t, path, out, mode.key, func(ms []bundleMember) {
					for i := range ms {
						if ms[i].name == MemberRecords {
							ms[i].data = bytes.Join(e.edit(cloneLines(lines)), nil)
						}
					}
				})
				opts := unpinnedOpts()
				if mode.pinned || mode.key == nil {
					opts.PublicKey = key.Public().(ed25519.PublicKey)
				}
				_, err := Verify(context.Background(), out, opts)
				var se *SignatureError
				var re *RecordError
				switch {
				case mode.key == nil || mode.pinned:
					if !errors.As(err, &se) {
						t.Fatalf("Verify error = %v, want a SignatureError", err)
					}
				case e.name == "re-seal the whole chain after a change":
					// The forger re-sealed every record from genesis but kept
					// the manifest's chain head: the head no longer matches.
					if !errors.As(err, &re) {
						t.Fatalf("Verify error = %v, want a RecordError", err)
					}
				default:
					if !errors.As(err, &re) || !bytes.Contains([]byte(err.Error()), []byte(e.chainReason)) {
						t.Fatalf("Verify error = %v, want a RecordError about %q", err, e.chainReason)
					}
				}
			})
		}
	}
}

func recordLines(t testing.TB, recs []*evidence.Record) [][]byte {
	t.Helper()
	var out [][]byte
	for _, r := range recs {
		out = append(out, mustLine(t, r))
	}
	return out
}

func mustLine(t testing.TB, r *evidence.Record) []byte {
	t.Helper()
	line, err := newRecordEncoder().line(r)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(line)
}

func cloneLines(l [][]byte) [][]byte {
	out := make([][]byte, len(l))
	for i := range l {
		out[i] = bytes.Clone(l[i])
	}
	return out
}

func cloneMembers(ms []bundleMember) []bundleMember {
	out := make([]bundleMember, len(ms))
	for i, m := range ms {
		out[i] = bundleMember{m.name, bytes.Clone(m.data)}
	}
	return out
}

func decompress(t *testing.T, data []byte) []byte {
	t.Helper()
	out := decompressOrNil(data)
	if out == nil {
		t.Fatal("cannot decompress the original bundle")
	}
	return out
}

func decompressOrNil(data []byte) []byte {
	zr, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderMaxMemory(maxWindow))
	if err != nil {
		return nil
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil
	}
	return out
}

// errorKind names an error's type for the tamper summaries.
func errorKind(err error) string {
	var (
		fe *FormatError
		me *MemberError
		re *RecordError
		se *SignatureError
	)
	switch {
	case errors.As(err, &se):
		return "signature"
	case errors.As(err, &re):
		return "record"
	case errors.As(err, &me):
		return "member"
	case errors.As(err, &fe):
		return "format"
	}
	return "other"
}
