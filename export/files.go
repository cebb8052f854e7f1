package export

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// atomicFile is an output written under a temporary name in its final
// directory and renamed into place only once complete and fsynced: a crash
// never leaves a partial file under the real name.
type atomicFile struct {
	*os.File
	final string
}

func createAtomic(path string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create output: %w", err)
	}
	return &atomicFile{File: f, final: path}, nil
}

// commit syncs, closes and renames the file into place, then syncs the
// directory so the rename itself is durable.
func (a *atomicFile) commit() error {
	if err := a.Sync(); err != nil {
		return fmt.Errorf("sync output: %w", err)
	}
	if err := a.Close(); err != nil {
		return fmt.Errorf("close output: %w", err)
	}
	if err := os.Rename(a.Name(), a.final); err != nil {
		return fmt.Errorf("rename output: %w", err)
	}
	return syncDir(filepath.Dir(a.final))
}

// abort removes the temporary file; it is a no-op after commit.
func (a *atomicFile) abort() {
	a.Close()
	os.Remove(a.Name())
}

// scratch is a temporary file beside the output that hashes what is written
// to it; a member too large for memory is staged in one before the tar is
// assembled, because a tar header needs the member's size.
type scratch struct {
	f *os.File
	w *bufio.Writer
	h hash.Hash
	n int64
}

func newScratch(dir, prefix string) (*scratch, error) {
	f, err := os.CreateTemp(dir, prefix)
	if err != nil {
		return nil, fmt.Errorf("create scratch file: %w", err)
	}
	return &scratch{f: f, w: bufio.NewWriterSize(f, 256<<10), h: sha256.New()}, nil
}

func (s *scratch) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	return n, err
}

// member flushes the file and returns its manifest entry under name.
func (s *scratch) member(name string) (Member, error) {
	if err := s.w.Flush(); err != nil {
		return Member{}, fmt.Errorf("write %s: %w", name, err)
	}
	return Member{Name: name, Size: s.n, SHA256: hex.EncodeToString(s.h.Sum(nil))}, nil
}

// reader rewinds the file for copying into the bundle.
func (s *scratch) reader() (io.Reader, error) {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind scratch file: %w", err)
	}
	return bufio.NewReaderSize(s.f, 256<<10), nil
}

// remove closes and deletes the file.
func (s *scratch) remove() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// memberOf returns the manifest entry of in-memory bytes.
func memberOf(name string, data []byte) Member {
	sum := sha256.Sum256(data)
	return Member{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
}

// writeTempFile writes data to a new 0600 file in dir and syncs it.
func writeTempFile(dir, base string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

// scratchHash counts and hashes what is written to it, keeping nothing.
type scratchHash struct {
	h hash.Hash
	n int64
}

func newScratchHash() *scratchHash { return &scratchHash{h: sha256.New()} }

func (s *scratchHash) Write(p []byte) (int, error) {
	s.h.Write(p)
	s.n += int64(len(p))
	return len(p), nil
}

func (s *scratchHash) member(name string) Member {
	return Member{Name: name, Size: s.n, SHA256: hex.EncodeToString(s.h.Sum(nil))}
}
