package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// ListenerTLSConfig builds the optional TLS configuration of the app-facing
// listener from PEM files. With clientCAFile set, the app must present a
// certificate issued by that CA (RequireAndVerifyClientCert), so only the
// app can use the sidecar. The listener speaks HTTP/1.1 only: CONNECT
// tunnels need a hijackable connection.
func ListenerTLSConfig(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load listener certificate %s: %w", certFile, err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{pair},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
	if clientCAFile != "" {
		pool, err := loadPool(clientCAFile)
		if err != nil {
			return nil, fmt.Errorf("load listener client CA: %w", err)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// loadPool reads a PEM bundle of CA certificates.
func loadPool(file string) (*x509.CertPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("read %s: no PEM certificates in it", file)
	}
	return pool, nil
}

// connTracker knows every accepted app connection, so Shutdown can end
// MITM tunnels (which net/http no longer tracks once hijacked) and wait
// for them.
type connTracker struct {
	idle       time.Duration
	headBudget int64
	draining   atomic.Bool

	mu    sync.Mutex // guards conns
	conns map[*trackedConn]struct{}
	// gone is signalled (without blocking) whenever a connection closes.
	gone chan struct{}
}

func newConnTracker(idle time.Duration, headBudget int64) *connTracker {
	return &connTracker{idle: idle, headBudget: headBudget,
		conns: map[*trackedConn]struct{}{}, gone: make(chan struct{}, 1)}
}

// trackingListener wraps accepted connections in trackedConn.
type trackingListener struct {
	net.Listener
	t *connTracker
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, t: l.t, idle: l.t.idle}
	l.t.mu.Lock()
	l.t.conns[tc] = struct{}{}
	l.t.mu.Unlock()
	return tc, nil
}

func (t *connTracker) remove(c *trackedConn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	select {
	case t.gone <- struct{}{}:
	default:
	}
}

// drain marks every connection as draining: tunnels end at their next
// pause between calls. Tunnels opened later are born draining.
func (t *connTracker) drain() {
	t.draining.Store(true)
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.conns {
		c.drain()
	}
}

// waitTunnels waits until no tunnel is left, or ctx ends.
func (t *connTracker) waitTunnels(ctx context.Context) error {
	for t.tunnels() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for MITM tunnels: %w", ctx.Err())
		case <-t.gone:
		}
	}
	return nil
}

func (t *connTracker) tunnels() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for c := range t.conns {
		if c.tunnel.Load() {
			n++
		}
	}
	return n
}

// closeAll closes whatever is left.
func (t *connTracker) closeAll() {
	t.mu.Lock()
	left := make([]*trackedConn, 0, len(t.conns))
	for c := range t.conns {
		left = append(left, c)
	}
	t.mu.Unlock()
	for _, c := range left {
		_ = c.Close()
	}
}

// connKey is the context key under which net/http's ConnContext stores
// the trackedConn of a request.
type connKey struct{}

func withConn(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if tc, ok := c.(*trackedConn); ok {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

func connFrom(ctx context.Context) *trackedConn {
	tc, _ := ctx.Value(connKey{}).(*trackedConn)
	return tc
}
