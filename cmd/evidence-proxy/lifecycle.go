package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// run serves until ctx is cancelled, then shuts down in order: stop
// probing the upstream, stop accepting and drain in-flight calls (the
// proxy flushes its access log), answer the event requests in flight,
// stop the admin listener, stop the provenance recount and save the
// provenance, flush and close the store, close the access log.
func (sc *sidecar) run(ctx context.Context) error {
	sc.log.Info("serving",
		"listen", sc.ln.Addr().String(), "admin", sc.adminL.Addr().String(), "otlp", sc.otlpAddr(),
		"upstream", sc.cfg.Upstream, "durability", sc.cfg.Durability, "store", sc.store.Path())
	servers := sc.servers()
	var wg sync.WaitGroup
	errc := make(chan error, len(servers))
	for _, serve := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := serve(); err != nil {
				errc <- err
			}
		}()
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watch := startUpstreamWatch(watchCtx, sc.proxy, sc.cfg.UpstreamProbeInterval, sc.log)
	var runErr error
	select {
	case <-ctx.Done():
		sc.log.Info("shutting down", "timeout", sc.cfg.ShutdownTimeout.String())
	case runErr = <-errc:
	}
	stopWatch()
	watch.wait()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sc.cfg.ShutdownTimeout)
	defer cancel()
	runErr = errors.Join(runErr, sc.shutdown(shutCtx))
	wg.Wait()
	sc.prov.close()
	sc.lane.close()
	runErr = errors.Join(runErr, sc.trust.close())
	if err := sc.store.Close(shutCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("close store: %w", err))
	}
	sc.feed.close()
	if err := sc.access.close(); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("close access log: %w", err))
	}
	if runErr == nil {
		sc.log.Info("stopped")
	}
	return runErr
}

// servers are the Serve loops of the listeners; each returns nil once
// shut down.
func (sc *sidecar) servers() []func() error {
	serve := func(name string, f func() error) func() error {
		return func() error {
			if err := f(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("%s listener: %w", name, err)
			}
			return nil
		}
	}
	out := []func() error{
		serve("proxy", func() error { return sc.proxy.Serve(sc.ln) }),
		serve("admin", func() error { return sc.admin.Serve(sc.adminL) }),
	}
	if sc.events != nil {
		out = append(out, serve("event", func() error { return sc.events.Serve(sc.otlpL) }))
	}
	return out
}

// shutdown stops the servers, the proxy first: the event receiver answers
// its requests in flight (their events committed) before the store
// closes.
func (sc *sidecar) shutdown(ctx context.Context) error {
	var errs []error
	if err := sc.proxy.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("drain proxy: %w", err))
	}
	if sc.events != nil {
		if err := sc.events.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop event receiver: %w", err))
		}
	}
	if err := sc.admin.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("stop admin: %w", err))
	}
	return errors.Join(errs...)
}

// otlpAddr is the event receiver's address, or "off".
func (sc *sidecar) otlpAddr() string {
	if sc.otlpL == nil {
		return otlpOff
	}
	return sc.otlpL.Addr().String()
}

// closeEarly releases what openSidecar opened before it failed.
func (sc *sidecar) closeEarly() {
	for _, l := range []net.Listener{sc.ln, sc.adminL, sc.otlpL} {
		if l != nil {
			l.Close()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if sc.proxy != nil {
		sc.proxy.Shutdown(ctx) // stops its access log and log limiter
	}
	if sc.prov != nil {
		sc.prov.close()
	}
	if sc.trust != nil {
		sc.trust.close()
	}
	if sc.lane != nil {
		sc.lane.close()
	}
	if sc.store != nil {
		sc.store.Close(ctx)
	}
	if sc.feed != nil {
		sc.feed.close()
	}
	if sc.access.close != nil {
		sc.access.close()
	}
}
