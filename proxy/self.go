package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
)

// errOwnListener fails an upstream dial that reached one of the sidecar's
// own listeners.
var errOwnListener = errors.New("the target is one of evidence-proxy's own listeners: refusing to dial it")

// selfAddrs are the addresses the sidecar listens on: Options.ListenAddrs
// (the admin listener's, given by the caller) and every listener Serve
// runs. The proxy never dials them: a call to its own admin listener would
// carry the staging client certificate and API key to an endpoint that
// exports the store, and a call to its proxy listener would loop.
//
// The list is copied on write; matching reads it without a lock.
type selfAddrs struct {
	mu   sync.Mutex // serializes writers
	list atomic.Pointer[[]netip.AddrPort]
}

// parseListenAddr reads a listen address: ip:port, :port (all addresses)
// or localhost:port (loopback).
func parseListenAddr(s string) ([]netip.AddrPort, error) {
	host, portText, err := net.SplitHostPort(s)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", s, err)
	}
	port, ok := parsePort(portText)
	if !ok {
		return nil, fmt.Errorf("listen address %q: bad port", s)
	}
	switch strings.ToLower(host) {
	case "":
		return []netip.AddrPort{netip.AddrPortFrom(netip.IPv6Unspecified(), port)}, nil
	case "localhost":
		return []netip.AddrPort{netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port),
			netip.AddrPortFrom(netip.IPv6Loopback(), port)}, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: not an IP address and port", s)
	}
	return []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), port)}, nil
}

func (s *selfAddrs) add(addrs ...netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next []netip.AddrPort
	if cur := s.list.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, addrs...)
	s.list.Store(&next)
}

// addListener adds the address a listener is bound to.
func (s *selfAddrs) addListener(ln net.Listener) {
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok {
		s.add(tcp.AddrPort())
	}
}

// matches reports whether ip:port reaches one of the listeners: the same
// address, any loopback address for a loopback or all-addresses listener,
// and any address of this machine for an all-addresses listener.
func (s *selfAddrs) matches(ip netip.Addr, port uint16) bool {
	cur := s.list.Load()
	if cur == nil {
		return false
	}
	ip = ip.Unmap()
	for _, a := range *cur {
		if a.Port() != port {
			continue
		}
		la := a.Addr().Unmap()
		switch {
		case la == ip:
			return true
		case ip.IsLoopback() || ip.IsUnspecified():
			if la.IsLoopback() || la.IsUnspecified() {
				return true
			}
		case la.IsUnspecified() && isLocalAddr(ip):
			return true
		}
	}
	return false
}

// target reports whether a call target names a listener without a
// lookup: an IP address, or localhost and the names under it (which
// resolve to loopback).
func (s *selfAddrs) target(t hostPort) bool {
	if s.list.Load() == nil {
		return false
	}
	if ip, err := netip.ParseAddr(t.host); err == nil {
		return s.matches(ip, t.port)
	}
	if t.host == "localhost" || strings.HasSuffix(t.host, ".localhost") {
		return s.matches(netip.IPv6Loopback(), t.port)
	}
	return false
}

// isLocalAddr reports whether ip is assigned to an interface of this
// machine.
func isLocalAddr(ip netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if local, ok := netip.AddrFromSlice(n.IP); ok && local.Unmap() == ip {
				return true
			}
		}
	}
	return false
}

// dialFunc is the DialContext of a transport.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// guardDial wraps dial so that a connection that reached one of the
// sidecar's own listeners is closed before a byte is sent and the dial
// fails: whatever a name resolved to, the peer address is what counts.
func (s *selfAddrs) guardDial(dial dialFunc) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if tcp, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
			if ap := tcp.AddrPort(); s.matches(ap.Addr(), ap.Port()) {
				conn.Close()
				return nil, &net.OpError{Op: "dial", Net: network, Addr: tcp, Err: errOwnListener}
			}
		}
		return conn, nil
	}
}
