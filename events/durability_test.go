package events

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// batchRequest is n named log records with attributes of about attrBytes.
func batchRequest(n, attrBytes int, tag string) *collogspb.ExportLogsServiceRequest {
	lrs := make([]*logspb.LogRecord, n)
	pad := strings.Repeat("p", attrBytes)
	for i := range lrs {
		lrs[i] = named("card.shown", kv(AttrCardID, str(fmt.Sprintf("%s-%d", tag, i))), kv("pad", str(pad)))
	}
	return logsRequest(lrs...)
}

// TestSyncAnswersAfterCommit holds the store's commit open and checks
// that the receiver has not answered, then lets it commit and checks that
// every event is in the store the moment the answer arrives.
func TestSyncAnswersAfterCommit(t *testing.T) {
	var gate atomic.Bool
	entered, release := make(chan struct{}, 1), make(chan struct{})
	store := openStoreOpts(t, recorder.Options{Durability: recorder.Sync, CommitHook: func(int) error {
		if gate.Load() {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
		}
		return nil
	}})
	_, url := startReceiver(t, store, Options{})
	gate.Store(true)
	const n = 50
	answered := make(chan int, 1)
	go func() {
		code, _, _ := post(t, url+PathOTLPLogs, mustProto(t, batchRequest(n, 16, "sync")), protoHeader)
		answered <- code
	}()
	<-entered
	select {
	case code := <-answered:
		t.Fatalf("answered %d while the commit was still open", code)
	case <-time.After(200 * time.Millisecond):
	}
	gate.Store(false)
	close(release)
	if code := <-answered; code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if got := len(storedEvents(t, store)); got != n {
		t.Fatalf("%d events in the store when the answer arrived, want %d", got, n)
	}
}

// TestStoreTrouble checks the answers while the store is unhealthy or
// refuses some events: 503 with Retry-After, a retryable OTLP status.
func TestStoreTrouble(t *testing.T) {
	var calls atomic.Int64
	tests := []struct {
		name  string
		store *fakeStore
		msg   string
	}{
		{"unhealthy", &fakeStore{healthy: func() error { return recorder.ErrStoreUnavailable }}, "evidence store unavailable"},
		{"refuses some", &fakeStore{record: func(context.Context, *evidence.Record) error {
			if calls.Add(1) > 1 {
				return recorder.ErrQueueFull
			}
			return nil
		}}, "9 of 10 events not recorded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, url := startReceiver(t, tc.store, Options{RetryAfter: 3 * time.Second})
			code, hdr, raw := post(t, url+PathOTLPLogs, mustProto(t, batchRequest(10, 8, "x")), protoHeader)
			if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") != "3" {
				t.Fatalf("status %d, Retry-After %q", code, hdr.Get("Retry-After"))
			}
			if msg := answerText(t, PathOTLPLogs, protoHeader, raw); !strings.Contains(msg, tc.msg) {
				t.Errorf("answer %q lacks %q", msg, tc.msg)
			}
			code, _, raw = post(t, url+PathEvents, []byte(`{"name":"a"}`), jsonHeader)
			if code != http.StatusServiceUnavailable || !strings.Contains(string(raw), `"error"`) {
				t.Errorf("/events: status %d: %s", code, raw)
			}
		})
	}
}

// TestFloodIsBounded sends many large requests at once: at most
// MaxConcurrentRequests are read and recorded together, the rest get 429
// with Retry-After, heap stays bounded, and the store keeps answering:
// every acknowledged event is stored and a new one is accepted after.
func TestFloodIsBounded(t *testing.T) {
	store := openStore(t, recorder.Sync)
	r, url := startReceiver(t, store, Options{AdmissionWait: 20 * time.Millisecond})
	const senders, perSender, records = 16, 2, 300
	body := mustProto(t, batchRequest(records, 4<<10, "flood")) // about 1.3 MiB
	var acked, throttled, other atomic.Int64
	var maxInFlight atomic.Int64
	stop := make(chan struct{})
	var peakHeap uint64
	var sampler sync.WaitGroup
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	sampler.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if v := int64(testutil.ToFloat64(r.metrics.inFlight)); v > maxInFlight.Load() {
				maxInFlight.Store(v)
			}
			runtime.ReadMemStats(&ms)
			peakHeap = max(peakHeap, ms.HeapInuse)
		}
	})
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for range perSender {
				code, hdr, _ := post(t, url+PathOTLPLogs, body, protoHeader)
				switch {
				case code == http.StatusOK:
					acked.Add(1)
				case code == http.StatusTooManyRequests && hdr.Get("Retry-After") != "":
					throttled.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	sampler.Wait()
	t.Logf("acked %d, throttled %d, max in flight %d, peak heap +%d MiB", acked.Load(), throttled.Load(), maxInFlight.Load(), (peakHeap-base)>>20)
	if other.Load() != 0 || throttled.Load() == 0 || acked.Load() == 0 {
		t.Fatalf("acked %d, throttled %d, other %d: want some of each of the first two only", acked.Load(), throttled.Load(), other.Load())
	}
	if m := maxInFlight.Load(); m > defaultMaxConcurrent {
		t.Errorf("%d requests in flight, limit %d", m, defaultMaxConcurrent)
	}
	if grown := peakHeap - base; grown > 160<<20 {
		t.Errorf("heap grew by %d MiB under the flood", grown>>20)
	}
	if err := store.Healthy(); err != nil {
		t.Fatalf("store unhealthy after the flood: %v", err)
	}
	if code, _, raw := post(t, url+PathEvents, []byte(`{"name":"after.flood"}`), jsonHeader); code != http.StatusOK {
		t.Fatalf("after the flood: %d %s", code, raw)
	}
	if got, want := len(storedEvents(t, store)), int(acked.Load())*records+1; got != want {
		t.Errorf("stored %d events, want %d (every acknowledged one)", got, want)
	}
}

// TestShutdownWaitsForCommits checks that Shutdown lets a request in
// flight finish (its events committed and answered) before it returns.
func TestShutdownWaitsForCommits(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var stored atomic.Int64
	store := &fakeStore{record: func(context.Context, *evidence.Record) error {
		once.Do(func() { close(started) })
		<-release
		stored.Add(1)
		return nil
	}}
	r, url := startReceiver(t, store, Options{})
	answered := make(chan int, 1)
	go func() {
		code, _, _ := post(t, url+PathEvents, []byte(`[{"name":"a"},{"name":"b"}]`), jsonHeader)
		answered <- code
	}()
	<-started
	shut := make(chan error, 1)
	go func() { shut <- r.Shutdown(context.Background()) }()
	close(release)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if code := <-answered; code != http.StatusOK || stored.Load() != 2 {
		t.Fatalf("status %d, %d stored", code, stored.Load())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Serve(ln); err == nil {
		t.Error("Serve after Shutdown: no error")
	}
	if !errors.Is(r.Shutdown(context.Background()), nil) {
		t.Error("second Shutdown failed")
	}
}

// TestAsyncPacesInsteadOfOverflowing floods an async store with
// SDK-sized batches from several exporters: the receiver paces itself on
// the store's head, so every batch is accepted and no gap record appears.
func TestAsyncPacesInsteadOfOverflowing(t *testing.T) {
	store := openStoreOpts(t, recorder.Options{Durability: recorder.Async, QueueSize: 2048})
	_, url := startReceiver(t, store, Options{Async: true})
	body := mustProto(t, batchRequest(512, 64, "async"))
	var wg sync.WaitGroup
	var refused atomic.Int64
	for range 4 {
		wg.Go(func() {
			for range 4 {
				if code, _, _ := post(t, url+PathOTLPLogs, body, protoHeader); code != http.StatusOK {
					refused.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if refused.Load() != 0 {
		t.Fatalf("%d batches refused", refused.Load())
	}
	if err := store.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	ro, err := recorder.OpenReadOnly(store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close(context.Background())
	events, gaps := 0, 0
	ro.Iterate(context.Background(), 1, func(r *evidence.Record) error {
		switch r.Kind {
		case evidence.KindEvent:
			events++
		case evidence.KindGap:
			gaps++
		}
		return nil
	})
	if events != 16*512 || gaps != 0 {
		t.Errorf("%d events and %d gap records, want %d and none", events, gaps, 16*512)
	}
}
