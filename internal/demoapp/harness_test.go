package demoapp

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// demoScale compresses the emulator's delays the way the demo does.
const demoScale = 0.001

// capture is an http.RoundTripper that records every call the app makes as
// an evidence.Record, standing in for the proxy in these tests.
type capture struct {
	next http.RoundTripper
	mode evidence.Mode
	log  *callLog
}

// callLog is the shared, ordered record stream of several captures.
type callLog struct {
	mu      sync.Mutex
	records []evidence.Record
}

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	rec := evidence.Record{
		V: evidence.Version, Kind: evidence.KindCall, Time: start.UTC(), Mode: c.mode,
		Request: evidence.Request{Method: req.Method, URL: req.URL.String(), Proto: req.Proto,
			Header: req.Header.Clone(), Body: evidence.NewBody(reqBody, int64(len(reqBody)), false)},
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		rec.Error = &evidence.CallError{Kind: evidence.ErrUpstream, Message: err.Error()}
		c.log.add(rec, start)
		return nil, err
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rec.Response = &evidence.Response{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header.Clone(),
		Body: evidence.NewBody(body, int64(len(body)), false)}
	c.log.add(rec, start)
	return resp, rerr
}

func (l *callLog) add(rec evidence.Record, start time.Time) {
	rec.DurationUS = time.Since(start).Microseconds()
	rec.UpstreamUS = rec.DurationUS
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := evidence.GenesisHash
	if n := len(l.records); n > 0 {
		prev = l.records[n-1].Hash
	}
	rec.Seq = uint64(len(l.records) + 1)
	if err := rec.Seal(prev); err != nil {
		panic(err)
	}
	l.records = append(l.records, rec)
}

func (l *callLog) all() []evidence.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]evidence.Record(nil), l.records...)
}

// world is an emulator and the app's clients for it.
type world struct {
	srv  *axysemu.Server
	log  *callLog
	opts Options
}

// startWorld serves a seeded, time-compressed emulator and returns Options
// pointing the app at it, every call captured.
func startWorld(t testing.TB, seed int64) *world {
	t.Helper()
	return startChaoticWorld(t, seed, axysemu.Chaos{})
}

// startChaoticWorld is startWorld with the emulator injecting chaos.
func startChaoticWorld(t testing.TB, seed int64, chaos axysemu.Chaos) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv, err := axysemu.Start(ctx, axysemu.StartOptions{Options: axysemu.Options{Seed: seed, TimeScale: demoScale, Chaos: chaos}})
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	w := &world{srv: srv, log: &callLog{}}
	base := srv.Client()
	w.opts = Options{
		BaseURL:     srv.URL,
		APIKey:      srv.APIKey,
		HTTPClient:  &http.Client{Transport: &capture{next: base.Transport, mode: evidence.ModeBaseURL, log: w.log}},
		MITMClient:  &http.Client{Transport: &capture{next: base.Transport, mode: evidence.ModeMITM, log: w.log}},
		MITMBaseURL: srv.URL,
		TimeScale:   demoScale,
	}
	return w
}
