package recorder

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

func recordN(t testing.TB, s *Store, from, n int, clock *testClock) []*evidence.Record {
	t.Helper()
	var out []*evidence.Record
	for i := from; i < from+n; i++ {
		rec := sampleRecord(i, clock.Now(), 600)
		if err := s.Record(context.Background(), rec); err != nil {
			t.Fatalf("Record %d: %v", i, err)
		}
		out = append(out, rec)
	}
	return out
}

func readAll(t testing.TB, s *Store) []*evidence.Record {
	t.Helper()
	var out []*evidence.Record
	if err := s.Iterate(context.Background(), 0, func(r *evidence.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatalf("Iterate: %v", err)
	}
	return out
}

func TestOpenCreatesStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "evidence.db")
	s := openTestStoreAt(t, path, Options{})
	if seq, hash := s.Head(); seq != 0 || hash != evidence.GenesisHash {
		t.Errorf("Head = %d %s, want 0 and the genesis hash", seq, hash)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(s.InstanceID()) {
		t.Errorf("InstanceID = %q", s.InstanceID())
	}
	if s.Path() != path {
		t.Errorf("Path = %q, want %q", s.Path(), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("store file mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only the store (no temporary file left)", len(entries))
	}
	id := s.InstanceID()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s2 := openTestStoreAt(t, path, Options{})
	if s2.InstanceID() != id {
		t.Errorf("instance id changed on reopen: %s → %s", id, s2.InstanceID())
	}
}

func TestRecordSyncSealsAndReadsBack(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := openTestStore(t, Options{Now: clock.Now})
	written := recordN(t, s, 0, 5, clock)
	prev := evidence.GenesisHash
	for i, rec := range written {
		if rec.Seq != uint64(i+1) {
			t.Errorf("record %d got Seq %d", i, rec.Seq)
		}
		if err := rec.Check(uint64(i), prev); err != nil {
			t.Errorf("sealed record does not check: %v", err)
		}
		prev = rec.Hash
	}
	if seq, hash := s.Head(); seq != 5 || hash != prev {
		t.Errorf("Head = %d %s, want 5 %s", seq, hash, prev)
	}
	got := readAll(t, s)
	if diff := cmp.Diff(written, got); diff != "" {
		t.Errorf("read back differs from what was recorded (-written +read):\n%s", diff)
	}
	if err := s.VerifyChain(context.Background()); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
	st, err := s.Stats()
	if err != nil || st.Records != 5 || st.FileBytes <= 0 {
		t.Errorf("Stats = %+v, %v", st, err)
	}
}

// TestStoredRecordsRoundTrip covers records whose canonical form would not
// survive JSON as given: invalid UTF-8, a local time with a monotonic
// reading, no response, an error, an empty kind.
func TestStoredRecordsRoundTrip(t *testing.T) {
	local := time.FixedZone("X", 3*3600)
	tests := []struct {
		name string
		rec  *evidence.Record
	}{
		{"minimal", &evidence.Record{Request: evidence.Request{Method: "GET", URL: "/v2/cards"}}},
		{"local time with monotonic clock", &evidence.Record{Time: time.Now().In(local), Request: evidence.Request{Method: "GET"}}},
		{"invalid UTF-8 everywhere", &evidence.Record{
			ClientAddr: "a\xffb",
			Request: evidence.Request{Method: "G\xfeT", URL: "/v2/\xff", Header: map[string][]string{"X-\xff": {"v\xfe"}},
				Body: evidence.Body{Size: 3, Text: "a\xffb"}},
			Error: &evidence.CallError{Kind: evidence.ErrReset, Message: "bad \xff"},
		}},
		{"HTML characters and line separators", &evidence.Record{Request: evidence.Request{Method: "POST",
			Body: evidence.NewBody([]byte("<a href=\"x\">&amp;</a>\u2028\u2029"), 30, false)}}},
		{"binary body and synthetic response", &evidence.Record{
			Request:  evidence.Request{Method: "POST", Body: evidence.NewBody([]byte{0, 1, 2, 0xff}, 4, false)},
			Response: &evidence.Response{Status: 502, Synthetic: true, Header: map[string][]string{}},
		}},
	}
	s := openTestStore(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Record(context.Background(), tt.rec); err != nil {
				t.Fatal(err)
			}
			var back *evidence.Record
			if err := s.Iterate(context.Background(), tt.rec.Seq, func(r *evidence.Record) error {
				back = r
				return errStop
			}); !errors.Is(err, errStop) {
				t.Fatalf("Iterate: %v", err)
			}
			if err := back.Check(back.Seq-1, back.PrevHash); err != nil {
				t.Errorf("record read back does not check: %v", err)
			}
			if back.Hash != tt.rec.Hash {
				t.Errorf("read back hash %s, recorded %s", back.Hash, tt.rec.Hash)
			}
		})
	}
	if err := s.VerifyChain(context.Background()); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
}

var errStop = errors.New("stop")

func TestRestartKeepsSeqAndChain(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "evidence.db")
	s := openTestStoreAt(t, path, Options{Now: clock.Now})
	recordN(t, s, 0, 3, clock)
	seq, hash := s.Head()
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s2 := openTestStoreAt(t, path, Options{Now: clock.Now})
	if seq2, hash2 := s2.Head(); seq2 != seq || hash2 != hash {
		t.Fatalf("head after restart %d %s, want %d %s", seq2, hash2, seq, hash)
	}
	more := recordN(t, s2, 3, 3, clock)
	if more[0].Seq != 4 || more[0].PrevHash != hash {
		t.Errorf("first record after restart: seq %d prev %s, want 4 %s", more[0].Seq, more[0].PrevHash, hash)
	}
	if err := s2.VerifyChain(context.Background()); err != nil {
		t.Errorf("VerifyChain: %v", err)
	}
}

func TestOpenDetectsHeadMismatch(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(tx *bolt.Tx) error
	}{
		{"head hash changed", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(metaHeadHash, make([]byte, 32))
		}},
		{"head seq behind", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(metaHeadSeq, binary.BigEndian.AppendUint64(nil, 2))
		}},
		{"last record deleted", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRecords).Delete(seqKey(3))
		}},
		{"last record content changed", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketRecords)
			v := append([]byte(nil), b.Get(seqKey(3))...)
			// Replace the record by record 2's content under record 3's hashes.
			v2 := b.Get(seqKey(2))
			v = append(v[:envHeaderAt], v2[envHeaderAt:]...)
			return b.Put(seqKey(3), v)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			path := filepath.Join(t.TempDir(), "evidence.db")
			s := openTestStoreAt(t, path, Options{Now: clock.Now})
			recordN(t, s, 0, 3, clock)
			if err := s.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(tt.tamper); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			_, err = Open(path, Options{})
			if !errors.Is(err, ErrChainMismatch) {
				t.Fatalf("Open of a tampered store: %v, want ErrChainMismatch", err)
			}
			if _, err := OpenReadOnly(path); !errors.Is(err, ErrChainMismatch) {
				t.Errorf("OpenReadOnly of a tampered store: %v, want ErrChainMismatch", err)
			}
		})
	}
}

func TestVerifyChainDetectsTampering(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "evidence.db")
	s := openTestStoreAt(t, path, Options{Now: clock.Now})
	recordN(t, s, 0, 4, clock)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Swap the content of records 1 and 2 (a reordering the head check
	// cannot see).
	if err := db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		v1 := append([]byte(nil), b.Get(seqKey(1))...)
		v2 := append([]byte(nil), b.Get(seqKey(2))...)
		if err := b.Put(seqKey(1), v2); err != nil {
			return err
		}
		return b.Put(seqKey(2), v1)
	}); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	defer func() { _ = ro.Close(context.Background()) }()
	var ce *evidence.ChainError
	if err := ro.VerifyChain(context.Background()); !errors.As(err, &ce) || ce.Seq != 1 {
		t.Errorf("VerifyChain = %v, want a chain error at record 1", err)
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evidence.db")
	openTestStoreAt(t, path, Options{})
	start := time.Now()
	_, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("error %q should name the file and say it is locked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v", d)
	}
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrLocked) {
		t.Errorf("OpenReadOnly of a running store: %v, want ErrLocked", err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	t.Run("missing file is not created", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "none.db")
		if _, err := OpenReadOnly(path); err == nil {
			t.Fatal("OpenReadOnly of a missing file succeeded")
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("OpenReadOnly created %s", path)
		}
	})
	t.Run("not a store", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		if err := os.WriteFile(path, []byte("hello"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenReadOnly(path); err == nil {
			t.Fatal("OpenReadOnly of a text file succeeded")
		}
	})
	t.Run("stopped store", func(t *testing.T) {
		clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		path := filepath.Join(t.TempDir(), "evidence.db")
		s := openTestStoreAt(t, path, Options{Now: clock.Now})
		written := recordN(t, s, 0, 3, clock)
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		ro, err := OpenReadOnly(path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = ro.Close(context.Background()) }()
		if diff := cmp.Diff(written, readAll(t, ro)); diff != "" {
			t.Errorf("read-only read differs (-want +got):\n%s", diff)
		}
		if err := ro.Record(context.Background(), sampleRecord(9, clock.Now(), 10)); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Record on a read-only store: %v, want ErrReadOnly", err)
		}
	})
}

func TestSnapshotIsAnOpenableStore(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := openTestStore(t, Options{Now: clock.Now})
	written := recordN(t, s, 0, 20, clock)
	snap := filepath.Join(t.TempDir(), "snapshot.db")
	f, err := os.Create(snap)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.WriteSnapshot(f)
	if err != nil || n == 0 {
		t.Fatalf("WriteSnapshot = %d, %v", n, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	recordN(t, s, 20, 2, clock) // the live store moves on
	ro, err := OpenReadOnly(snap)
	if err != nil {
		t.Fatalf("OpenReadOnly(snapshot): %v", err)
	}
	defer func() { _ = ro.Close(context.Background()) }()
	if seq, _ := ro.Head(); seq != 20 {
		t.Errorf("snapshot head %d, want 20", seq)
	}
	if ro.InstanceID() != s.InstanceID() {
		t.Errorf("snapshot instance id %s, want %s", ro.InstanceID(), s.InstanceID())
	}
	if err := ro.VerifyChain(context.Background()); err != nil {
		t.Errorf("snapshot VerifyChain: %v", err)
	}
	if diff := cmp.Diff(written, readAll(t, ro)); diff != "" {
		t.Errorf("snapshot records differ (-want +got):\n%s", diff)
	}
}

func TestCloseIsIdempotentAndFinal(t *testing.T) {
	s := openTestStore(t, Options{})
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Record(context.Background(), sampleRecord(1, time.Now(), 10)); !errors.Is(err, ErrClosed) {
		t.Errorf("Record after Close: %v, want ErrClosed", err)
	}
}

func TestOpenRefusesForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err })
	_ = db.Close()
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "not an evidence store") {
		t.Errorf("Open of a foreign bbolt file: %v", err)
	}
}

func TestParseDurability(t *testing.T) {
	tests := []struct {
		in      string
		want    Durability
		wantErr bool
	}{
		{"sync", Sync, false},
		{"", Sync, false},
		{"async", Async, false},
		{"fast", Sync, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d Durability
			err := d.UnmarshalText([]byte(tt.in))
			if (err != nil) != tt.wantErr || (err == nil && d != tt.want) {
				t.Fatalf("UnmarshalText(%q) = %v, %v", tt.in, d, err)
			}
			if err == nil {
				if txt, _ := d.MarshalText(); tt.in != "" && string(txt) != tt.in {
					t.Errorf("MarshalText = %q, want %q", txt, tt.in)
				}
			}
		})
	}
}
