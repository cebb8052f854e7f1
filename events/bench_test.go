package events

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"

	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// sdkBatch is a request as the Go SDK's batch processor sends it: 512
// event records (its default batch size) with the entity ids and a few
// attributes of an app, under one resource.
func sdkBatch(b testing.TB) []byte {
	lrs := make([]*logspb.LogRecord, 512)
	for i := range lrs {
		lr := named("card.shown",
			kv(AttrCardID, str(fmt.Sprint(880000+i))), kv(AttrCardholderID, str(fmt.Sprint(7700+i%50))),
			kv("screen", str("wallet")), kv("app.request_id", str(fmt.Sprintf("req-%08d", i))),
			kv("latency_ms", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: int64(i % 90)}}))
		lr.TraceId = bytes.Repeat([]byte{byte(i + 1)}, 16)
		lr.SpanId = bytes.Repeat([]byte{byte(i + 2)}, 8)
		lr.SeverityNumber = logspb.SeverityNumber_SEVERITY_NUMBER_INFO
		lr.Body = str("card shown to the cardholder")
		lrs[i] = lr
	}
	return mustProto(b, logsRequest(lrs...))
}

func benchmarkReceive(b *testing.B, d recorder.Durability, senders int) {
	store := openStore(b, d)
	_, url := startReceiver(b, store, Options{Async: d == recorder.Async, MaxConcurrentRequests: 8})
	body := sdkBatch(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	var refused atomic.Int64
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	b.SetParallelism(senders)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// Like an SDK exporter: a refused batch is sent again after a
			// pause, until it is accepted.
			for !sendBatch(b, client, url, body) {
				refused.Add(1)
				time.Sleep(10 * time.Millisecond)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N*512)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(refused.Load())/float64(b.N), "refused/op")
}

// sendBatch posts body and reports whether it was accepted; 429 and 503
// are refusals, anything else fails the benchmark.
func sendBatch(b *testing.B, client *http.Client, url string, body []byte) bool {
	resp, err := client.Post(url+PathOTLPLogs, "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return false
	}
	b.Fatalf("status %d", resp.StatusCode)
	return false
}

// BenchmarkReceiveOTLP measures events accepted per second through the
// HTTP listener into a real store, in SDK-sized protobuf batches.
func BenchmarkReceiveOTLP(b *testing.B) {
	for _, d := range []recorder.Durability{recorder.Async, recorder.Sync} {
		for _, senders := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/exporters=%d", d, senders), func(b *testing.B) { benchmarkReceive(b, d, senders) })
		}
	}
}

// BenchmarkHandleOTLP measures the receiver's own work per SDK-sized
// batch (decode, map, cap, build records), with a store that takes
// records for free and no network.
func BenchmarkHandleOTLP(b *testing.B) {
	benchmarkHandle(b, PathOTLPLogs, "application/x-protobuf", sdkBatch(b), 512)
}

// benchmarkHandle posts body (holding n events) to the receiver's path
// over and over, with a free store and no network.
func benchmarkHandle(b *testing.B, path, contentType string, body []byte, n int) {
	r, err := New(&fakeStore{}, Options{Async: true})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4318"+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}

// jsonBatch is a POST /events body of n entries like a shell script's or
// a small app's: a name, two entity ids and a few attributes.
func jsonBatch(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"card.shown","time":"2026-11-25T09:00:01.5Z","attributes":{"axys.card_id":"%d","axys.cardholder_id":"%d","screen":"wallet","latency_ms":%d}}`, 880000+i, 7700+i%50, i%90)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// BenchmarkHandleEvents measures the receiver's own work per POST /events
// request of 50 entries, with a store that takes records for free.
func BenchmarkHandleEvents(b *testing.B) {
	benchmarkHandle(b, PathEvents, "application/json", jsonBatch(50), 50)
}
