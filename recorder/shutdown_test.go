package recorder

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// setRunState rewrites the clean-shutdown marker of a closed store, as a
// killed process would have left it ("" deletes it, as in a store written
// before the marker existed).
func setRunState(t *testing.T, path, state string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		if state == "" {
			return tx.Bucket(bucketMeta).Delete(metaRunState)
		}
		return putRunState(tx.Bucket(bucketMeta), state)
	}); err != nil {
		t.Fatal(err)
	}
}

func readRunState(t *testing.T, path string) string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var state string
	_ = db.View(func(tx *bolt.Tx) error {
		state = string(tx.Bucket(bucketMeta).Get(metaRunState))
		return nil
	})
	return state
}

func TestCleanShutdownMarker(t *testing.T) {
	tests := []struct {
		name string
		// left is the run state the previous run left; durability the
		// mode of the next run.
		left       string
		durability Durability
		wantGap    bool
		wantReason string
	}{
		{"closed cleanly", stateClosed, Async, false, ""},
		{"killed in async mode", stateOpenAsync, Sync, true, "calls answered after record 3"},
		{"killed in sync mode", stateOpenSync, Async, true, "every call answered after its record was committed is recorded"},
		{"store older than the marker", "", Async, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &manualClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			path := filepath.Join(t.TempDir(), "evidence.db")
			s := openTestStoreAt(t, path, Options{Now: clock.Now})
			if got := readRunStateOpen(t, s); got != stateOpenSync {
				t.Errorf("run state of an open sync store = %q", got)
			}
			written := recordN(t, s, 0, 3, &testClock{t: clock.Now()})
			if err := s.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := readRunState(t, path); got != stateClosed {
				t.Fatalf("run state after Close = %q, want %q", got, stateClosed)
			}
			setRunState(t, path, tt.left)
			clock.advance(time.Hour)
			var fed []*evidence.Record
			s2 := openTestStoreAt(t, path, Options{Durability: tt.durability, Now: clock.Now,
				OnCommit: func(recs []*evidence.Record) { fed = append(fed, recs...) }})
			if got, want := readRunStateOpen(t, s2), openState(tt.durability); got != want {
				t.Errorf("run state of the reopened store = %q, want %q", got, want)
			}
			recs := readAll(t, s2)
			if !tt.wantGap {
				if len(recs) != 3 {
					t.Fatalf("records after reopening %v, want the 3 calls and no gap", kinds(recs))
				}
				return
			}
			if len(recs) != 4 || len(fed) != 1 {
				t.Fatalf("records after reopening %v (%d fed to OnCommit), want 3 calls and the gap", kinds(recs), len(fed))
			}
			g := recs[3].Gap
			if g == nil || g.Cause != evidence.GapUncleanShutdown || g.AfterSeq != 3 ||
				!g.From.Equal(written[2].Time) || !g.Until.Equal(clock.Now()) {
				t.Fatalf("gap %+v, want unclean_shutdown after record 3, from %v until %v", g, written[2].Time, clock.Now())
			}
			if !strings.Contains(g.Reason, tt.wantReason) {
				t.Errorf("reason %q should say %q", g.Reason, tt.wantReason)
			}
			if err := s2.VerifyChain(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
}

// readRunStateOpen reads the marker through the open store's own handle
// (the file is locked).
func readRunStateOpen(t *testing.T, s *Store) string {
	t.Helper()
	var state string
	_ = s.db.View(func(tx *bolt.Tx) error {
		state = string(tx.Bucket(bucketMeta).Get(metaRunState))
		return nil
	})
	return state
}

// TestUncleanGapOnEmptyStore: a store killed before its first record says
// so without a time it cannot know.
func TestUncleanGapOnEmptyStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evidence.db")
	s := openTestStoreAt(t, path, Options{Durability: Async})
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	setRunState(t, path, stateOpenAsync)
	recs := readAll(t, openTestStoreAt(t, path, Options{}))
	if len(recs) != 1 || recs[0].Gap == nil || recs[0].Gap.AfterSeq != 0 || !recs[0].Gap.From.IsZero() {
		t.Fatalf("records %v, want one gap after record 0 with no start time", kinds(recs))
	}
}
