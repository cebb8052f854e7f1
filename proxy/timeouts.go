package proxy

import (
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Timeouts bound every stage of a call. Zero fields take the defaults
// below; all are wall-clock durations.
type Timeouts struct {
	// Dial bounds the TCP connect to the upstream (and to passthrough
	// hosts), on transports built by NewTransport or New. Default 10s.
	Dial time.Duration
	// TLSHandshake bounds the upstream TLS handshake, and the app's
	// handshake with the interception certificate plus its first request
	// head inside a MITM tunnel. Default 10s.
	TLSHandshake time.Duration
	// ResponseHeader bounds the wait for the upstream's response head once
	// the request is written. Default 60s.
	ResponseHeader time.Duration
	// Call bounds a whole upstream exchange, response body included.
	// Default 5m.
	Call time.Duration
	// Idle is how long a connection may sit without a byte moving: pooled
	// upstream connections, keep-alive app connections, each read of an
	// app's request body, each write to an app, and each read inside a
	// MITM or passthrough tunnel (where net/http's own timeouts no longer
	// apply). Default 90s.
	Idle time.Duration
	// ReadHeader bounds the arrival of an app request head on the
	// listener. Default 10s.
	ReadHeader time.Duration
	// Record bounds the wait for Recorder.Record. Default 30s.
	Record time.Duration
}

// DefaultTimeouts returns the defaults documented on Timeouts.
func DefaultTimeouts() Timeouts {
	return Timeouts{
		Dial:           10 * time.Second,
		TLSHandshake:   10 * time.Second,
		ResponseHeader: 60 * time.Second,
		Call:           5 * time.Minute,
		Idle:           90 * time.Second,
		ReadHeader:     10 * time.Second,
		Record:         30 * time.Second,
	}
}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts()
	pick := func(v, def time.Duration) time.Duration {
		if v <= 0 {
			return def
		}
		return v
	}
	return Timeouts{
		Dial:           pick(t.Dial, d.Dial),
		TLSHandshake:   pick(t.TLSHandshake, d.TLSHandshake),
		ResponseHeader: pick(t.ResponseHeader, d.ResponseHeader),
		Call:           pick(t.Call, d.Call),
		Idle:           pick(t.Idle, d.Idle),
		ReadHeader:     pick(t.ReadHeader, d.ReadHeader),
		Record:         pick(t.Record, d.Record),
	}
}

// aLongTimeAgo is a deadline that interrupts blocked I/O at once.
var aLongTimeAgo = time.Unix(1, 0)

// trackedConn is an accepted app connection. It gives every write, and
// every read of a hijacked (tunnel) connection, a deadline of at most
// Timeouts.Idle from when the operation starts, on top of the deadlines
// its owner sets; it bounds the bytes of a request head inside a MITM
// tunnel; and it lets Shutdown end tunnels between calls.
//
// net/http clears deadlines when it hands a connection to goproxy, and
// goproxy's MITM loop sets none, so without this a stalled app could hold
// a tunnel forever. Reads of connections still served by net/http are not
// capped: its background read must be able to wait for as long as a call
// takes.
type trackedConn struct {
	net.Conn
	t      *connTracker
	idle   time.Duration
	tunnel atomic.Bool // hijacked by goproxy: reads are capped too

	mu            sync.Mutex // guards the fields below
	blind         bool       // a passthrough tunnel: no calls, no head limit
	calls         int        // calls in progress on a tunnel
	draining      bool
	budget        int64     // bytes a tunnel may read before its next call begins
	readDeadline  time.Time // set by the owner
	writeDeadline time.Time // set by the owner

	closeOnce sync.Once
}

func (c *trackedConn) Read(p []byte) (int, error) {
	if !c.tunnel.Load() {
		return c.Conn.Read(p)
	}
	c.mu.Lock()
	p, err := c.armRead(p)
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if c.calls == 0 && !c.blind {
			c.budget -= int64(n)
		}
		c.mu.Unlock()
	}
	return n, err
}

// armRead sets the deadline for one tunnel read and trims p to the head
// budget; c.mu is held.
func (c *trackedConn) armRead(p []byte) ([]byte, error) {
	if c.draining && c.calls == 0 {
		return nil, errDraining
	}
	if c.calls == 0 && !c.blind {
		if c.budget <= 0 {
			return nil, errHeadTooLarge
		}
		if int64(len(p)) > c.budget {
			p = p[:c.budget]
		}
	}
	return p, c.Conn.SetReadDeadline(earliest(c.readDeadline, time.Now().Add(c.idle)))
}

func (c *trackedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	err := c.Conn.SetWriteDeadline(earliest(c.writeDeadline, time.Now().Add(c.idle)))
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

func (c *trackedConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline, c.writeDeadline = t, t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *trackedConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *trackedConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeDeadline = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

func (c *trackedConn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		err = c.Conn.Close()
		c.t.remove(c)
	})
	return err
}

// markTunnel turns on the tunnel rules, before goproxy hijacks the
// connection. A blind (passthrough) tunnel carries no calls.
func (c *trackedConn) markTunnel(blind bool, headBudget int64) {
	c.mu.Lock()
	c.blind, c.budget = blind, headBudget
	c.draining = c.t.draining.Load()
	c.mu.Unlock()
	c.tunnel.Store(true)
}

// expectHead gives the app d to finish a TLS handshake and the next
// request head.
func (c *trackedConn) expectHead(d time.Duration) {
	c.mu.Lock()
	c.readDeadline = time.Now().Add(d)
	c.mu.Unlock()
}

func (c *trackedConn) beginCall() {
	c.mu.Lock()
	c.calls++
	c.readDeadline = time.Time{} // the body may take as long as Idle per read
	c.mu.Unlock()
}

// endCall resets the head budget and gives the app Idle to send its next
// request head.
func (c *trackedConn) endCall() {
	c.mu.Lock()
	c.calls--
	if c.calls == 0 {
		c.budget = c.t.headBudget
		c.readDeadline = time.Now().Add(c.idle)
	}
	c.mu.Unlock()
}

// drain ends a tunnel at its next read between calls, and at once if it
// is waiting for one now.
func (c *trackedConn) drain() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.draining = true
	if c.tunnel.Load() && c.calls == 0 {
		_ = c.Conn.SetReadDeadline(aLongTimeAgo)
	}
}

func earliest(owner, capped time.Time) time.Time {
	if !owner.IsZero() && owner.Before(capped) {
		return owner
	}
	return capped
}

// bodyDeadline bounds each read of a base-URL request body to Idle
// through the connection's read deadline, and clears it when the body
// ends so net/http's background read is not cut short. (Reads past the
// capture cap happen in the transport and are bounded by Timeouts.Call
// as well.)
type bodyDeadline struct {
	body interface {
		Read([]byte) (int, error)
		Close() error
	}
	rc    *http.ResponseController
	idle  time.Duration
	armed atomic.Bool // a deadline is set
}

func (b *bodyDeadline) Read(p []byte) (int, error) {
	b.armed.Store(true)
	_ = b.rc.SetReadDeadline(time.Now().Add(b.idle)) // writers without deadlines: none
	n, err := b.body.Read(p)
	if err == io.EOF && b.armed.CompareAndSwap(true, false) {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// Close closes the body. net/http reads what is left of it to keep the
// connection, so a deadline (the last read's, or a fresh one) bounds that.
func (b *bodyDeadline) Close() error {
	if !b.armed.Swap(true) {
		_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	}
	err := b.body.Close()
	if b.armed.CompareAndSwap(true, false) {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return err
}
