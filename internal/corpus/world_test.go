package corpus

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/events"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/proxy"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// clockStart is where every script's clock starts.
var clockStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is the time the emulator and the sidecar both read; only the
// script moves it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// world is one script's emulator, sidecar and store.
type world struct {
	clock *clock
	emu   *axysemu.Server
	store *recorder.Store
	// base is the sidecar's base URL (http://127.0.0.1:port/v2); app the
	// client an integration would use; viaProxy sends through the sidecar
	// as an HTTP proxy; events is the URL of the sidecar's event receiver.
	base     string
	app      *http.Client
	viaProxy *http.Client
	events   string
}

// newWorld starts the emulator (seeded, on the script's clock), a store in
// a temporary directory and the sidecar in front of the emulator. Cleanup
// stops them in order: sidecar, store, emulator.
func newWorld(t *testing.T, seed int64) *world {
	t.Helper()
	w := &world{clock: &clock{now: clockStart}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	emu, err := axysemu.Start(ctx, axysemu.StartOptions{Options: axysemu.Options{Seed: seed, TimeScale: 1, Now: w.clock.Now}})
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	w.emu = emu
	store, err := recorder.Open(filepath.Join(t.TempDir(), "evidence.db"), recorder.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })
	w.store = store
	w.startSidecar(t)
	w.startReceiver(t)
	return w
}

// startReceiver starts the sidecar's event receiver on the same store and
// clock, as serve does.
func (w *world) startReceiver(t *testing.T) {
	t.Helper()
	r, err := events.New(w.store, events.Options{Now: w.clock.Now})
	if err != nil {
		t.Fatalf("new event receiver: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("event receiver shutdown: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("event receiver: %v", err)
		}
	})
	w.events = "http://" + ln.Addr().String()
}

func (w *world) startSidecar(t *testing.T) {
	t.Helper()
	up, err := url.Parse(w.emu.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := proxy.New(proxy.Options{
		Upstream:      up,
		Transport:     w.emu.Client().Transport.(*http.Transport),
		Recorder:      w.store,
		APIKey:        w.emu.APIKey,
		Now:           w.clock.Now,
		EndpointLabel: coverage.EndpointTemplate,
	})
	if err != nil {
		t.Fatalf("new proxy: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("sidecar shutdown: %v", err)
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("sidecar: %v", err)
		}
	})
	w.base = "http://" + ln.Addr().String() + "/v2"
	w.app = &http.Client{Timeout: 30 * time.Second}
	w.viaProxy = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: ln.Addr().String()})}}
}

// report computes coverage from every record the store holds, its calls
// held against the built-in description of the API, as the sidecar does.
func (w *world) report(t *testing.T) *coverage.Report {
	t.Helper()
	e := coverage.NewEngineWith(coverage.DefaultMatrix(), coverage.Options{Contract: contract.Default()})
	if err := w.store.Iterate(context.Background(), 1, func(r *evidence.Record) error {
		e.Observe(r)
		return nil
	}); err != nil {
		t.Fatalf("read the store: %v", err)
	}
	return e.Report()
}
