package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// ready backs /readyz: nil when the sidecar can record calls and forward
// them, else an error saying which part is not ready, the store or the
// upstream, and why (its text is the 503 body).
//
// An unhealthy upstream makes the sidecar not ready: every call would get
// a 502 or 504, so "ready" would be a lie. It does not flap: the proxy
// marks the upstream unhealthy only after several consecutive transport
// failures of real calls (or at once on a TLS or certificate failure,
// which no retry fixes), and healthy again after one call that got any
// answer. While it is unhealthy the sidecar probes it every
// --upstream-probe-interval (see upstreamWatch), so readiness comes back
// by itself even when a not-ready pod gets no traffic.
func (sc *sidecar) ready() error {
	var bad, fine []string
	if err := sc.store.Healthy(); err != nil {
		bad = append(bad, "store: "+err.Error())
	} else {
		fine = append(fine, "store ok")
	}
	if ok, reason, since := sc.proxy.UpstreamState(); !ok {
		bad = append(bad, "upstream: "+reason+" (since "+since.UTC().Format(time.RFC3339)+")")
	} else {
		fine = append(fine, "upstream ok")
	}
	if len(bad) == 0 {
		return nil
	}
	msg := strings.Join(bad, "; ")
	if len(fine) > 0 {
		msg += "; " + strings.Join(fine, "; ")
	}
	return errors.New(msg)
}

// upstreamWatch probes the upstream once at start, logging what it found
// (the server certificate, or the diagnosis) without failing the start,
// and then, while the proxy reports the upstream unhealthy, every
// interval. A probe is one TLS handshake with the client certificate and
// no request: nothing reaches the API. The proxy logs each change of the
// upstream's state itself.
type upstreamWatch struct {
	done chan struct{}
}

func startUpstreamWatch(ctx context.Context, p *proxy.Proxy, every time.Duration, log *slog.Logger) *upstreamWatch {
	w := &upstreamWatch{done: make(chan struct{})}
	go func() {
		defer close(w.done)
		r, err := p.Probe(ctx)
		logProbe(log, r, err)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if ok, _, _ := p.UpstreamState(); !ok {
					r, err := p.Probe(ctx)
					log.Debug("upstream probe", "ok", err == nil, "probe", r)
				}
			}
		}
	}()
	return w
}

// wait returns once the watch has stopped (its context ended).
func (w *upstreamWatch) wait() { <-w.done }

// logProbe logs the start probe: info with the server certificate when
// the upstream accepted the session, a warning with the diagnosis when
// not (the start goes on: the upstream may come up later).
func logProbe(log *slog.Logger, r proxy.ProbeResult, err error) {
	switch {
	case err == nil:
		log.Info("upstream probe ok", "probe", r)
	case errors.Is(err, context.Canceled):
	default:
		log.Warn("upstream probe failed; serving anyway, calls will fail until it answers", "probe", r)
	}
}
