package export

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// indexedSource is a fakeSource with a TimeIndex; it counts the records
// its Iterate hands out.
type indexedSource struct {
	fakeSource
	spans, read int
}

var _ TimeIndex = (*indexedSource)(nil)

func (s *indexedSource) Span(_ context.Context, w evidence.Window, through uint64) (first, last uint64, err error) {
	s.spans++
	for _, r := range s.recs {
		if (through == 0 || r.Seq <= through) && w.Contains(r.Time) {
			if first == 0 {
				first = r.Seq
			}
			last = r.Seq
		}
	}
	return first, last, nil
}

func (s *indexedSource) Iterate(ctx context.Context, from uint64, fn func(*evidence.Record) error) error {
	return s.fakeSource.Iterate(ctx, from, func(r *evidence.Record) error {
		s.read++
		return fn(r)
	})
}

// TestWriteUsesTimeIndex exports a time range from a source with a time
// index: the span comes from the index, only the span's records are read,
// and the bundle is byte for byte the one a plain source gives.
func TestWriteUsesTimeIndex(t *testing.T) {
	chain := makeChain(t, 1, 40, evidence.GenesisHash, testStart, time.Second)
	// A slow call received in the range committed after it: the span
	// takes it, and the record in between received outside it.
	chain[25].Time = testStart.Add(12 * time.Second)
	chain = rechain(t, chain)
	opts := testOptions("replica-a", "key-a")
	opts.Since, opts.Until = testStart.Add(10*time.Second), testStart.Add(20*time.Second)
	dir := t.TempDir()
	plain := mustWrite(t, dir, "plain.tar.zst", chain, opts)
	src := &indexedSource{fakeSource: fakeSource{recs: chain}}
	indexed := filepath.Join(dir, "indexed.tar.zst")
	m, err := Write(context.Background(), indexed, src, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Sources[0]; s.FirstSeq != 11 || s.LastSeq != 26 {
		t.Errorf("span %d-%d, want 11-26", s.FirstSeq, s.LastSeq)
	}
	if src.spans != 1 {
		t.Errorf("Span called %d times, want 1", src.spans)
	}
	if src.read > 26 {
		t.Errorf("%d records read for a span ending at 26: the index was not used", src.read)
	}
	a, _ := os.ReadFile(plain)
	b, _ := os.ReadFile(indexed)
	if !bytes.Equal(a, b) {
		t.Error("the bundle from a time index differs from the one from reading every record")
	}
}

// rechain recomputes the hashes of recs after an edit.
func rechain(t *testing.T, recs []*evidence.Record) []*evidence.Record {
	t.Helper()
	prev := recs[0].PrevHash
	for _, r := range recs {
		r.PrevHash = prev
		h, err := r.ComputeHash()
		if err != nil {
			t.Fatal(err)
		}
		r.Hash, prev = h, h
	}
	return recs
}
