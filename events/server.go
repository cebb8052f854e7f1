package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
)

// Serve accepts connections on ln and serves the receiver until Shutdown,
// then returns nil. It runs on its own listener and goroutines, apart from
// the proxy's: a flood of events cannot take connections or handler
// goroutines from proxied calls. Serve may be called once.
func (r *Receiver) Serve(ln net.Listener) error {
	r.mu.Lock()
	if r.closed || r.srv != nil {
		r.mu.Unlock()
		ln.Close()
		return errors.New("serve events: receiver already serving or shut down")
	}
	r.srv = &http.Server{
		Handler:           r,
		ReadHeaderTimeout: r.opts.ReadHeaderTimeout,
		ReadTimeout:       r.opts.ReadTimeout,
		WriteTimeout:      r.opts.WriteTimeout,
		IdleTimeout:       r.opts.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(r.opts.Logger.Handler(), slog.LevelDebug),
	}
	srv := r.srv
	r.mu.Unlock()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve events: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits, up to ctx, for the
// requests in flight to be answered (their events committed). It is
// idempotent; Serve returns once it is called.
func (r *Receiver) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	srv := r.srv
	r.mu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down events listener: %w", err)
	}
	return nil
}
