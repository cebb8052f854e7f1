package proxy

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// firstGrow is the first allocation of a capture buffer whose final size
// is unknown; it then doubles as bytes.Buffer does.
const firstGrow = 4 << 10

// bufferPool recycles capture buffers so the hot path does not allocate a
// new one per call. Buffers that grew past max are dropped.
type bufferPool struct {
	pool sync.Pool
	max  int
}

func (b *bufferPool) get() *bytes.Buffer {
	if v, ok := b.pool.Get().(*bytes.Buffer); ok {
		return v
	}
	return new(bytes.Buffer)
}

func (b *bufferPool) put(buf *bytes.Buffer) {
	if buf == nil || buf.Cap() > b.max {
		return
	}
	buf.Reset()
	b.pool.Put(buf)
}

// copyBuffers is the httputil.BufferPool of base-URL mode: a bounded free
// list (a channel, so that Put does not allocate as sync.Pool would for a
// slice).
type copyBuffers struct{ free chan []byte }

const copyBufferSize = 32 << 10

func newCopyBuffers(n int) *copyBuffers { return &copyBuffers{free: make(chan []byte, n)} }

func (c *copyBuffers) Get() []byte {
	select {
	case b := <-c.free:
		return b
	default:
		return make([]byte, copyBufferSize)
	}
}

func (c *copyBuffers) Put(b []byte) {
	if cap(b) < copyBufferSize {
		return
	}
	select {
	case c.free <- b[:copyBufferSize]:
	default:
	}
}

// readCapped reads r into buf until EOF or until buf holds more than limit
// bytes; complete reports that EOF came first. Memory is bounded by
// limit+1 bytes plus the buffer's slack.
func readCapped(buf *bytes.Buffer, r io.Reader, limit int64) (complete bool, err error) {
	for {
		room := limit + 1 - int64(buf.Len())
		if room <= 0 {
			return false, nil
		}
		if buf.Available() == 0 {
			buf.Grow(int(min(room, max(firstGrow, int64(buf.Cap())))))
		}
		p := buf.AvailableBuffer()
		p = p[:min(int64(cap(p)), room)]
		n, err := r.Read(p)
		buf.Write(p[:n])
		switch {
		case err == io.EOF:
			return true, nil
		case err != nil:
			return false, err
		}
	}
}

// forwardBody is the request body as sent upstream: the bytes read ahead
// for the record, then the rest of the app's body when it was longer than
// the cap. The transport may read and close it from its own goroutine,
// even after the round trip returned, so it is locked.
type forwardBody struct {
	pool *bufferPool
	orig io.ReadCloser // the app's body
	more bool          // orig has bytes past buf

	mu     sync.Mutex // guards buf and closed
	buf    *bytes.Buffer
	closed bool

	sent atomic.Int64 // bytes handed to the transport
}

func (f *forwardBody) Read(p []byte) (int, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return 0, http.ErrBodyReadAfterClose
	}
	if f.buf.Len() > 0 {
		n, _ := f.buf.Read(p)
		f.mu.Unlock()
		f.sent.Add(int64(n))
		return n, nil
	}
	f.mu.Unlock()
	if !f.more {
		return 0, io.EOF
	}
	n, err := f.orig.Read(p)
	f.sent.Add(int64(n))
	return n, err
}

func (f *forwardBody) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.pool.put(f.buf)
	f.buf = nil
	f.mu.Unlock()
	return f.orig.Close()
}

// bufferedBody is a whole response body read before the response was
// handed on (and, in sync durability, before it was recorded).
type bufferedBody struct {
	c   *call
	buf *bytes.Buffer
}

func (b *bufferedBody) Read(p []byte) (int, error) {
	if b.buf == nil {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.buf.Read(p)
}

// WriteTo lets io.Copy send the body in one write.
func (b *bufferedBody) WriteTo(w io.Writer) (int64, error) {
	if b.buf == nil {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.buf.WriteTo(w)
}

func (b *bufferedBody) Close() error {
	if b.buf != nil {
		b.c.p.bufs.put(b.buf)
		b.buf = nil
		b.c.release()
	}
	return nil
}

// streamBody is a response body longer than the cap: its first bytes were
// read ahead (they are the recorded part), the rest streams from the
// upstream. The record is completed and committed before the last byte is
// handed to the app, so a response the app received in full is a recorded
// one. Read and Close are called from one goroutine.
type streamBody struct {
	c      *call
	buf    *bytes.Buffer
	head   []byte // buf's bytes: limit+1 of them
	off    int
	rest   io.ReadCloser
	cancel context.CancelFunc
	length int64 // Content-Length, -1 when unknown

	read      int64 // bytes read from the upstream
	delivered int64 // bytes handed to the app
	done      bool  // record completed
	closed    bool
}

func (s *streamBody) Read(p []byte) (n int, err error) {
	if s.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if s.off < len(s.head) {
		n = copy(p, s.head[s.off:])
		s.off += n
	} else {
		n, err = s.rest.Read(p)
		s.read += int64(n)
	}
	s.delivered += int64(n)
	if !s.done {
		switch {
		case err == io.EOF, err == nil && s.length >= 0 && s.delivered == s.length:
			s.complete(nil)
		case err != nil:
			s.complete(err)
		}
	}
	return n, err
}

func (s *streamBody) complete(err error) {
	s.done = true
	s.c.upstreamDone()
	s.c.streamed(s.head, s.read, err)
}

func (s *streamBody) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if !s.done {
		s.complete(errAppGone)
	}
	err := s.rest.Close()
	s.cancel()
	s.c.p.bufs.put(s.buf)
	s.buf, s.head = nil, nil
	s.c.release()
	return err
}

// upgradeBody is the connection of a 101 Switching Protocols response. It
// stays an io.ReadWriteCloser, which both forwarding paths need to relay
// the upgraded protocol.
type upgradeBody struct {
	io.ReadWriteCloser
	c      *call
	cancel context.CancelFunc
	once   sync.Once
}

func (u *upgradeBody) Close() error {
	err := u.ReadWriteCloser.Close()
	u.once.Do(func() {
		u.cancel()
		u.c.release()
	})
	return err
}

// answerBody is the body of an answer the proxy made itself.
type answerBody struct {
	*bytes.Reader
	c *call
}

func (a *answerBody) Close() error {
	a.c.release()
	return nil
}
