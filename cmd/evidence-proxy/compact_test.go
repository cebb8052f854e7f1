package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// writeStore makes a stopped store of n records in dataDir and returns
// its chain head.
func writeStore(t *testing.T, dataDir string, n int) (uint64, string) {
	t.Helper()
	s, err := recorder.Open(filepath.Join(dataDir, storeFile), recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		rec := &evidence.Record{Kind: evidence.KindCall, Time: time.Now(), Mode: evidence.ModeBaseURL,
			Request: evidence.Request{Method: "GET", URL: fmt.Sprintf("https://staging.api.axyscards.com/v2/cards/%d", i)}}
		if err := s.Record(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	seq, hash := s.Head()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return seq, hash
}

// TestCompact: in place (the previous file kept as a backup), to --out
// (the store untouched), and refused while a sidecar holds the store.
func TestCompact(t *testing.T) {
	dataDir := t.TempDir()
	seq, hash := writeStore(t, dataDir, 50)
	db := filepath.Join(dataDir, storeFile)

	out := filepath.Join(t.TempDir(), "copy.db")
	stdout, _, err := runCmd(t, "compact", "--db", db, "--out", out)
	if err != nil || !strings.Contains(stdout, "wrote "+out) || !strings.Contains(stdout, "unchanged") {
		t.Fatalf("compact --out: %v, %q", err, stdout)
	}
	if gotSeq, gotHash, err := storeHead(out); err != nil || gotSeq != seq || gotHash != hash {
		t.Errorf("the --out copy: head %d %s (%v), want %d %s", gotSeq, gotHash, err, seq, hash)
	}
	if _, _, err := runCmd(t, "compact", "--db", db, "--out", out); err == nil || !strings.Contains(err.Error(), "must be a new file") {
		t.Errorf("compact onto an existing file: %v", err)
	}

	stdout, _, err = runCmd(t, "compact", "--data-dir", dataDir)
	if err != nil || !strings.Contains(stdout, "compacted "+db) {
		t.Fatalf("compact in place: %v, %q", err, stdout)
	}
	backups, _ := filepath.Glob(db + ".before-compact-*")
	if len(backups) != 1 || !strings.Contains(stdout, "kept as "+backups[0]) {
		t.Errorf("backups %v, output %q: want the previous file kept and named", backups, stdout)
	}
	if gotSeq, gotHash, err := storeHead(db); err != nil || gotSeq != seq || gotHash != hash {
		t.Errorf("compacted store: head %d %s (%v), want %d %s", gotSeq, gotHash, err, seq, hash)
	}
	if len(storeRecords(t, dataDir)) != 50 {
		t.Error("the compacted store lost records")
	}
	if leftovers, _ := filepath.Glob(db + ".compact-*"); len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	p := newServePKI(t)
	s := startServe(t, p.args(dataDir, p.goodCert, p.goodKey))
	defer s.stop(t)
	before, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, "compact", "--data-dir", dataDir)
	if err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("compact of a running store: %v", err)
	}
	after, err := os.Stat(db)
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("a refused compaction replaced the running store's file (%v)", err)
	}
}
