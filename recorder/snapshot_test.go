package recorder

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	bolt "go.etcd.io/bbolt"
)

// throttledWriter takes its time over every write until released: a
// snapshot download over a slow link.
type throttledWriter struct {
	delay    time.Duration
	released <-chan struct{}
	n        int64
}

func (w *throttledWriter) Write(p []byte) (int, error) {
	select {
	case <-w.released:
	case <-time.After(w.delay):
	}
	w.n += int64(len(p))
	return len(p), nil
}

// dataSize is the part of the store file in use, free pages included:
// what a pinned reader makes grow (the file itself grows in steps).
func dataSize(t *testing.T, s *Store) int64 {
	t.Helper()
	var n int64
	if err := s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// loadWithReader records 900 calls from 8 producers on a store holding
// 300 already, while read (if set) reads a snapshot through a throttled
// writer, and returns the store's data size afterwards.
func loadWithReader(t *testing.T, read func(s *Store, w io.Writer) (int64, error)) int64 {
	t.Helper()
	s := openTestStore(t, Options{})
	ctx := context.Background()
	produce := func(from, n int) {
		var wg sync.WaitGroup
		for p := range 8 {
			wg.Go(func() {
				for i := p; i < n; i += 8 {
					if err := s.Record(ctx, sampleRecord(from+i, time.Now(), 300)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	produce(0, 300)
	loaded := make(chan struct{})
	var wg sync.WaitGroup
	if read != nil {
		w := &throttledWriter{delay: 100 * time.Millisecond, released: loaded}
		wg.Go(func() {
			if _, err := read(s, w); err != nil {
				t.Errorf("snapshot: %v", err)
			}
		})
	}
	produce(300, 900)
	close(loaded)
	wg.Wait()
	return dataSize(t, s)
}

// TestSlowSnapshotReaderDoesNotPinTheStore is the regression test for a
// store that grew 7× while a throttled /snapshot download ran: the
// snapshot held one read transaction for the whole transfer, so no page
// freed meanwhile could be reused. The control case reads the old way and
// shows the test can tell.
func TestSlowSnapshotReaderDoesNotPinTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("records 3600 calls")
	}
	base := loadWithReader(t, nil)
	tests := []struct {
		name      string
		read      func(s *Store, w io.Writer) (int64, error)
		wantBloat bool
	}{
		{"WriteSnapshot", (*Store).WriteSnapshot, false},
		{"control: one read transaction for the whole transfer", func(s *Store, w io.Writer) (int64, error) {
			var n int64
			err := s.db.View(func(tx *bolt.Tx) (err error) { n, err = tx.WriteTo(w); return err })
			return n, err
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadWithReader(t, tt.read)
			ratio := float64(got) / float64(base)
			t.Logf("store %d bytes with a slow reader, %d without (%.2f×)", got, base, ratio)
			if bloated := ratio > 1.5; bloated != tt.wantBloat {
				t.Errorf("store grew %.2f× under a slow reader; want within 1.5×: %v", ratio, !tt.wantBloat)
			}
		})
	}
}

// failingWriter accepts limit bytes, then fails like a client that hung
// up.
type failingWriter struct{ limit int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, errors.New("write tcp: broken pipe")
	}
	w.limit -= len(p)
	return len(p), nil
}

func snapshotErrors(t *testing.T, s *Store) float64 {
	t.Helper()
	return testutil.ToFloat64(s.metrics.errors.WithLabelValues("snapshot"))
}

// snapshotCopies lists the temporary snapshot copies beside the store.
func snapshotCopies(t *testing.T, s *Store) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), filepath.Base(s.Path())+snapshotInfix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSnapshotErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		w    io.Writer
		// want is the error expected; wantCounted whether it is a store
		// error (errors_total{op="snapshot"}).
		want        error
		wantCounted bool
	}{
		{"client hangs up", Options{}, &failingWriter{limit: 20 << 10}, ErrSnapshotSend, false},
		{"not enough space for the copy", Options{SnapshotReserve: 1 << 62}, io.Discard, ErrSnapshotSpace, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Registerer = prometheus.NewPedanticRegistry()
			s := openTestStore(t, tt.opts)
			recordN(t, s, 0, 50, &testClock{t: time.Now()})
			_, err := s.WriteSnapshot(tt.w)
			if !errors.Is(err, tt.want) {
				t.Fatalf("WriteSnapshot = %v, want %v", err, tt.want)
			}
			if got, want := snapshotErrors(t, s), map[bool]float64{true: 1}[tt.wantCounted]; got != want {
				t.Errorf("errors_total{op=snapshot} = %v, want %v", got, want)
			}
			if left := snapshotCopies(t, s); len(left) != 0 {
				t.Errorf("temporary copies left behind: %v", left)
			}
			if s.Healthy() != nil {
				t.Errorf("store unhealthy after a snapshot error: %v", s.Healthy())
			}
		})
	}
}

// TestSnapshotIsReusable: the copy a Snapshot makes opens as a store (what
// an export through the admin listener reads), stays as of the moment it
// was taken, and goes with Remove; copies left by a killed run are removed
// by the next Open.
func TestSnapshotIsReusable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evidence.db")
	s := openTestStoreAt(t, path, Options{})
	recordN(t, s, 0, 10, &testClock{t: time.Now()})
	sn, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	recordN(t, s, 10, 5, &testClock{t: time.Now()})
	if filepath.Dir(sn.Path()) != filepath.Dir(path) || sn.Size() <= 0 || sn.Head() != 10 {
		t.Errorf("snapshot %s of %d bytes at record %d, want beside the store at record 10", sn.Path(), sn.Size(), sn.Head())
	}
	ro, err := OpenReadOnly(sn.Path())
	if err != nil {
		t.Fatal(err)
	}
	if seq, _ := ro.Head(); seq != 10 {
		t.Errorf("copy's head %d, want 10", seq)
	}
	if err := ro.VerifyChain(context.Background()); err != nil {
		t.Error(err)
	}
	_ = ro.Close(context.Background())
	if err := sn.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sn.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("copy still there after Remove: %v", err)
	}
	if err := sn.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}

	stale, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	openTestStoreAt(t, path, Options{})
	if _, err := os.Stat(stale.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a copy left by the previous run survived Open: %v", err)
	}
}
