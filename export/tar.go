package export

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/klauspost/compress/zstd"
)

// A bundle is a tar stream compressed as one zstd stream. Reading one
// assumes nothing about it: the decompressor's window is capped, every
// member's claimed size is checked against its limit (or the signed
// manifest) before anything is read, small members are read into memory
// only up to a cap, and nothing may follow the end of the archive.
const (
	// maxWindow caps the zstd window (and so the decoder's memory). The
	// writer uses the SpeedDefault window, far below it.
	maxWindow = 32 << 20
	// maxManifest caps manifest.json and the source manifests.
	maxManifest = 16 << 20
	// maxSignature caps manifest.sig and the source signatures.
	maxSignature = 64 << 10
	// maxCoverage caps each coverage report member.
	maxCoverage = 64 << 20
)

// zstdMagic starts every zstd frame.
const zstdMagic = "\x28\xb5\x2f\xfd"

// bundleWriter writes members into a tar inside a zstd stream.
type bundleWriter struct {
	zw    *zstd.Encoder
	tw    *tar.Writer
	mtime time.Time
}

// newBundleWriter starts a bundle on w. Members get mode 0644, owner 0 and
// mtime (to the second).
func newBundleWriter(w io.Writer, mtime time.Time) (*bundleWriter, error) {
	zw, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("start zstd stream: %w", err)
	}
	return &bundleWriter{zw: zw, tw: tar.NewWriter(zw), mtime: mtime.UTC().Truncate(time.Second)}, nil
}

// add writes a member of size bytes read from r.
func (b *bundleWriter) add(name string, size int64, r io.Reader) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size, ModTime: b.mtime}
	if err := b.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write member %s: %w", name, err)
	}
	n, err := io.Copy(b.tw, r)
	if err != nil {
		return fmt.Errorf("write member %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("write member %s: %d bytes, expected %d", name, n, size)
	}
	return nil
}

func (b *bundleWriter) addBytes(name string, data []byte) error {
	return b.add(name, int64(len(data)), bytes.NewReader(data))
}

// close ends the tar and the zstd frame.
func (b *bundleWriter) close() error {
	if err := b.tw.Close(); err != nil {
		b.zw.Close()
		return fmt.Errorf("close tar: %w", err)
	}
	if err := b.zw.Close(); err != nil {
		return fmt.Errorf("close zstd stream: %w", err)
	}
	return nil
}

// bundleReader reads the members of a bundle in order.
type bundleReader struct {
	f  *os.File
	zr *zstd.Decoder
	tr *tar.Reader
}

// openBundle opens path and checks that it starts like a zstd stream.
func openBundle(path string) (*bundleReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	magic := make([]byte, len(zstdMagic))
	n, err := io.ReadFull(f, magic)
	switch {
	case n == 0 && errors.Is(err, io.EOF):
		f.Close()
		return nil, &FormatError{Reason: "empty file"}
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		f.Close()
		return nil, fmt.Errorf("read bundle: %w", err)
	case string(magic[:n]) != zstdMagic:
		f.Close()
		return nil, &FormatError{Reason: "not zstd-compressed"}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	zr, err := zstd.NewReader(f, zstd.WithDecoderMaxMemory(maxWindow), zstd.WithDecoderMaxWindow(maxWindow),
		zstd.WithDecoderLowmem(true), zstd.WithDecoderConcurrency(1))
	if err != nil {
		f.Close()
		return nil, &FormatError{Reason: "bad zstd stream", Err: err}
	}
	return &bundleReader{f: f, zr: zr, tr: tar.NewReader(zr)}, nil
}

// next returns the next member's header, or io.EOF at the end of the
// archive. Only regular files are accepted.
func (b *bundleReader) next() (*tar.Header, error) {
	hdr, err := b.tr.Next()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil {
		return nil, archiveError(err)
	}
	if hdr.Typeflag != tar.TypeReg {
		return nil, &MemberError{Member: hdr.Name, Reason: fmt.Sprintf("not a regular file (type %q)", hdr.Typeflag)}
	}
	return hdr, nil
}

// skipTo advances to the member called name.
func (b *bundleReader) skipTo(name string) (*tar.Header, error) {
	for {
		hdr, err := b.next()
		if errors.Is(err, io.EOF) {
			return nil, &MemberError{Member: name, Reason: "missing"}
		}
		if err != nil {
			return nil, err
		}
		if hdr.Name == name {
			return hdr, nil
		}
	}
}

// finish checks that nothing follows the end of the archive and that the
// compressed stream ends cleanly (its checksum is checked at its end).
func (b *bundleReader) finish() error {
	var one [1]byte
	n, err := io.ReadFull(b.zr, one[:])
	switch {
	case n > 0:
		return &FormatError{Reason: "data after the end of the archive"}
	case errors.Is(err, io.EOF):
		return nil
	default:
		return &FormatError{Reason: "read compressed stream", Err: err}
	}
}

func (b *bundleReader) close() {
	b.zr.Close()
	b.f.Close()
}

// readMember reads the current member whole, refusing one above limit.
func (b *bundleReader) readMember(hdr *tar.Header, limit int64) ([]byte, error) {
	if hdr.Size > limit {
		return nil, &MemberError{Member: hdr.Name, Reason: fmt.Sprintf("%d bytes, more than the %d allowed", hdr.Size, limit)}
	}
	data := make([]byte, hdr.Size)
	if _, err := io.ReadFull(b.tr, data); err != nil {
		return nil, &MemberError{Member: hdr.Name, Reason: "read", Err: err}
	}
	return data, nil
}

// archiveError describes a failure to read the archive itself.
func archiveError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &FormatError{Reason: "truncated: the archive ends early", Err: err}
	}
	return &FormatError{Reason: "corrupt archive", Err: err}
}
