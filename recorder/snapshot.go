package recorder

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// A snapshot is taken in two steps, so that a slow reader never pins the
// store: one short read transaction copies the file at disk speed into a
// temporary file beside it (while it lasts, the pages it reads cannot be
// reused, so the store grows only by what is committed during the copy),
// then the copy is streamed to the reader from that file, however slowly,
// and removed. The copy needs free space equal to the store's size in the
// data directory, plus Options.SnapshotReserve.

// snapshotInfix names the temporary copies: <store file>.snapshot-<random>.
const snapshotInfix = ".snapshot-"

// Snapshot is a consistent copy of a store, as of the moment it was taken,
// in a temporary file in the store's directory. The file is a store that
// OpenReadOnly opens. Remove deletes it; a store opened for writing
// deletes the copies a previous run left behind.
type Snapshot struct {
	s    *Store
	path string
	size int64
	seq  uint64
}

// Snapshot copies the store into a temporary file in its directory. It
// fails without copying when the copy would leave less than
// Options.SnapshotReserve free there.
func (s *Store) Snapshot() (*Snapshot, error) {
	sn, err := s.snapshot()
	if err != nil {
		s.countError("snapshot")
		return nil, fmt.Errorf("take snapshot: %w", err)
	}
	return sn, nil
}

func (s *Store) snapshot() (*Snapshot, error) {
	dir := filepath.Dir(s.path)
	f, err := os.CreateTemp(dir, filepath.Base(s.path)+snapshotInfix+"*")
	if err != nil {
		return nil, err
	}
	sn := &Snapshot{s: s, path: f.Name()}
	err = s.db.View(func(tx *bolt.Tx) error {
		sn.size, sn.seq = tx.Size(), headSeq(tx)
		if err := checkSpace(dir, sn.size, s.opts.SnapshotReserve); err != nil {
			return err
		}
		_, err := tx.WriteTo(f)
		return err
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(sn.path)
		return nil, err
	}
	return sn, nil
}

// headSeq is the head sequence number as a read transaction sees it.
func headSeq(tx *bolt.Tx) uint64 {
	m, err := readMeta(tx)
	if err != nil {
		return 0
	}
	return m.head.seq
}

// checkSpace fails when writing size bytes in dir would leave less than
// reserve free (no check for a negative reserve, or where free space is
// unknown).
func checkSpace(dir string, size, reserve int64) error {
	if reserve < 0 {
		return nil
	}
	free, ok := freeSpace(dir)
	if !ok || free-size >= reserve {
		return nil
	}
	return fmt.Errorf("%w: a copy of %d bytes in %s would leave %d bytes free, less than the %d kept for the store",
		ErrSnapshotSpace, size, dir, max(free-size, 0), reserve)
}

// Path returns the copy's file name.
func (sn *Snapshot) Path() string { return sn.path }

// Size returns the copy's size in bytes.
func (sn *Snapshot) Size() int64 { return sn.size }

// Head returns the sequence number of the copy's last record.
func (sn *Snapshot) Head() uint64 { return sn.seq }

// WriteTo streams the copy to w. A failure to write to w (a client that
// hung up) wraps ErrSnapshotSend and is not a store error.
func (sn *Snapshot) WriteTo(w io.Writer) (int64, error) {
	f, err := os.Open(sn.path)
	if err != nil {
		sn.s.countError("snapshot")
		return 0, fmt.Errorf("send snapshot: %w", err)
	}
	defer f.Close()
	dst := &sendWriter{w: w}
	n, err := io.Copy(dst, f)
	switch {
	case dst.err != nil:
		return n, fmt.Errorf("send snapshot: %w: %w", ErrSnapshotSend, dst.err)
	case err != nil:
		sn.s.countError("snapshot")
		return n, fmt.Errorf("send snapshot: read copy: %w", err)
	}
	return n, nil
}

// Remove deletes the copy. It is idempotent.
func (sn *Snapshot) Remove() error {
	if err := os.Remove(sn.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove snapshot: %w", err)
	}
	return nil
}

// sendWriter remembers why writing to the reader failed, to tell a reader
// that went away from a store that failed.
type sendWriter struct {
	w   io.Writer
	err error
}

func (s *sendWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

// WriteSnapshot writes a consistent copy of the whole store file to w
// while the store keeps running; the copy opens with OpenReadOnly. It
// takes a Snapshot, streams it and removes it, so a slow w holds up
// nothing. A failure to write to w wraps ErrSnapshotSend and is not
// counted as a store error.
func (s *Store) WriteSnapshot(w io.Writer) (int64, error) {
	sn, err := s.Snapshot()
	if err != nil {
		return 0, fmt.Errorf("write snapshot: %w", err)
	}
	defer func() { _ = sn.Remove() }()
	n, err := sn.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("write snapshot: %w", err)
	}
	return n, nil
}

// removeStaleSnapshots deletes the temporary copies a previous run left
// (killed while a snapshot was being read). Only the process holding the
// store takes snapshots, so any found at Open are stale.
func (s *Store) removeStaleSnapshots() {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(s.path), filepath.Base(s.path)+snapshotInfix+"*"))
	for _, p := range stale {
		if err := os.Remove(p); err == nil {
			s.log.Info("removed a snapshot copy left by a previous run", "path", p)
		}
	}
}
