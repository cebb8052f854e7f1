package recorder

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// TestCompact bloats a store with a read transaction held across many
// commits, compacts it when stopped, and finds the same records, chain
// and meta in a smaller file.
func TestCompact(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "evidence.db"), filepath.Join(dir, "compacted.db")
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := openTestStoreAt(t, src, Options{Now: clock.Now})
	recordN(t, s, 0, 50, clock)
	pinned, err := s.db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	written := recordN(t, s, 50, 100, clock)
	_ = pinned.Rollback()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, _ := metaOfFile(t, src)

	if err := Compact(src, dst); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	after, _ := metaOfFile(t, dst)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("meta changed by compaction (-before +after):\n%s", diff)
	}
	srcInfo, _ := os.Stat(src)
	dstInfo, _ := os.Stat(dst)
	if dstInfo.Size() >= srcInfo.Size() {
		t.Errorf("compacted file %d bytes, source %d: nothing given back", dstInfo.Size(), srcInfo.Size())
	}
	t.Logf("compacted %d bytes into %d", srcInfo.Size(), dstInfo.Size())
	recs := readAllReadOnly(t, dst) // verifies the chain
	if len(recs) != 150 {
		t.Fatalf("%d records after compaction, want 150", len(recs))
	}
	if diff := cmp.Diff(written, recs[50:]); diff != "" {
		t.Errorf("records changed by compaction (-before +after):\n%s", diff)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want the store and its compacted copy only", len(entries))
	}
	// The compacted store opens for writing and carries on the chain.
	c := openTestStoreAt(t, dst, Options{Now: clock.Now})
	recordN(t, c, 150, 1, clock)
	if err := c.VerifyChain(context.Background()); err != nil {
		t.Error(err)
	}
}

func metaOfFile(t *testing.T, path string) (map[string][]byte, error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return metaOf(db)
}

func TestCompactRefuses(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "evidence.db")
	s := openTestStoreAt(t, src, Options{LockTimeout: 100 * time.Millisecond})
	recordN(t, s, 0, 3, &testClock{t: time.Now()})
	if err := Compact(src, filepath.Join(dir, "c.db")); !errors.Is(err, ErrLocked) {
		t.Errorf("Compact of a running store = %v, want ErrLocked", err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src, dst string
		want           error
	}{
		{"over the store itself", src, src, fs.ErrExist},
		{"over an existing file", src, filepath.Join(dir, "other"), fs.ErrExist},
		{"a missing store", filepath.Join(dir, "none.db"), filepath.Join(dir, "c2.db"), fs.ErrNotExist},
	}
	if err := os.WriteFile(filepath.Join(dir, "other"), []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Compact(tt.src, tt.dst); !errors.Is(err, tt.want) {
				t.Errorf("Compact = %v, want %v", err, tt.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "other")); string(b) != "keep me" {
		t.Error("Compact changed an existing file")
	}
}
