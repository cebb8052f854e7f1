package axysemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Emulator is the Axys API emulated in memory. It is an http.Handler for
// paths under /v2; use Start for the mTLS server in front of it.
type Emulator struct {
	opts   Options
	log    *slog.Logger
	apiKey string
	routes *router
	deny   atomic.Bool
	chaos  *chaos

	// mu guards world, sched, dice and closed. Every call holds it while
	// its handler runs, so calls are applied one at a time, in order.
	mu     sync.Mutex
	world  *world
	sched  schedule
	dice   *dice
	closed bool

	// ctx is cancelled by Close; webhook deliveries run under it and are
	// counted in webhooks.
	ctx      context.Context
	cancel   context.CancelFunc
	webhooks sync.WaitGroup
}

var _ http.Handler = (*Emulator)(nil)

// Random streams drawn from the seed: the world's and chaos's.
const (
	streamWorld = 0x9e3779b97f4a7c15
	streamChaos = 0xc2b2ae3d27d4eb4f
)

// New returns an emulator with an empty Program. Call Close to stop its
// webhook deliveries.
func New(opts Options) *Emulator {
	opts = opts.withDefaults()
	e := &Emulator{
		opts:   opts,
		log:    opts.Logger.With("component", "axysemu"),
		apiKey: opts.APIKey,
		world:  newWorld(),
		dice:   newDice(opts.Seed, streamWorld, opts.TimeScale),
		chaos:  newChaos(opts.Chaos, opts.Seed, opts.Now),
	}
	if e.apiKey == "" {
		e.apiKey = NewAPIKey()
	}
	e.deny.Store(opts.DenyAllowlist)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.routes = newRoutes()
	return e
}

// NewAPIKey returns a random API key (32 hex characters).
func NewAPIKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// APIKey returns the X-API-Key the emulator accepts.
func (e *Emulator) APIKey() string { return e.apiKey }

// SetDenyAllowlist switches the two-cause 403 on or off at run time.
func (e *Emulator) SetDenyAllowlist(deny bool) { e.deny.Store(deny) }

// Handler returns the emulator as an http.Handler serving /v2/….
func (e *Emulator) Handler() http.Handler { return e }

// Close stops webhook deliveries in flight and waits for them. Calls
// arriving afterwards are still answered but trigger no more webhooks. It is
// idempotent.
func (e *Emulator) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	e.webhooks.Wait()
}

// ServeHTTP answers one call: security checks, routing, chaos, then the
// endpoint's handler under the state lock.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status := e.serve(w, r)
	e.log.Debug("call", "method", r.Method, "path", r.URL.Path, "status", status, "duration", time.Since(start))
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) (status int) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			writeError(w, apiErrorf(http.StatusInternalServerError, "internal error"))
			status = http.StatusInternalServerError
		}
	}()
	v, err := e.dispatch(w, r)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			e.log.Error("handler failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = apiErrorf(http.StatusInternalServerError, "internal error")
		}
		writeError(w, ae)
		return ae.status
	}
	writeJSON(w, http.StatusOK, v)
	return http.StatusOK
}

// dispatch runs the checks in the order the platform's defence layers do:
// allowlist/FCrDNS (403), API key (401), then routing (404/405).
func (e *Emulator) dispatch(w http.ResponseWriter, r *http.Request) (any, error) {
	if e.deny.Load() {
		return nil, errNoAuthorisedIPs
	}
	if err := e.checkKey(r); err != nil {
		return nil, err
	}
	rest, found := strings.CutPrefix(r.URL.Path, "/v2/")
	p, params := e.routes.match(rest)
	if !found || p == nil || (p.staging && e.opts.Profile == Production) {
		return nil, apiErrorf(http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	}
	h := p.methods[r.Method]
	if h == nil {
		w.Header().Set("Allow", p.allow)
		return nil, apiErrorf(http.StatusMethodNotAllowed, "method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, p.allow)
	}
	if !p.staging {
		if err := e.chaos.apply(r.Context(), w); err != nil {
			return nil, err
		}
	}
	body, err := readBody(w, r, e.opts.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	c := &call{params: params, query: r.URL.Query(), body: body}
	e.mu.Lock()
	defer e.mu.Unlock()
	c.now = e.opts.Now()
	e.sched.runUntil(c.now)
	return h(e, c)
}
