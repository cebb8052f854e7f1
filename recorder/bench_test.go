package recorder

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// benchBodies are a request and response body making a record of about
// 2 KiB, shaped like Axys traffic.
var benchReq, benchResp = sampleJSON(1, 400), sampleJSON(2, 1500)

func benchRecord() *evidence.Record {
	return &evidence.Record{
		Time:       time.Now(),
		DurationUS: 1500,
		UpstreamUS: 1100,
		Mode:       evidence.ModeBaseURL,
		ClientAddr: "127.0.0.1:51234",
		Request: evidence.Request{Method: http.MethodPost, URL: "https://staging.api.axyscards.com/v2/cards/virtual/10532",
			Proto:  "HTTP/1.1",
			Header: http.Header{"X-Api-Key": {"sk_staging_bench"}, "Content-Type": {"application/json"}},
			Body:   evidence.NewBody(benchReq, int64(len(benchReq)), false)},
		Response: &evidence.Response{Status: 200, Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"application/json"}, "Date": {"Sun, 01 Mar 2026 12:00:00 GMT"}},
			Body:   evidence.NewBody(benchResp, int64(len(benchResp)), false)},
	}
}

// benchProducers runs fn from 64 goroutines, the load.
func benchProducers(b *testing.B, fn func()) {
	b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			fn()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRecordSync: 64 producers, ~2 KiB records, fsync on every group
// commit. Target: ≥ 10,000 records/s.
func BenchmarkRecordSync(b *testing.B) {
	s := openTestStore(b, Options{})
	ctx := context.Background()
	benchProducers(b, func() {
		if err := s.Record(ctx, benchRecord()); err != nil {
			b.Error(err)
		}
	})
}

// BenchmarkRecordSyncOneProducer is the latency a lone call pays.
func BenchmarkRecordSyncOneProducer(b *testing.B) {
	s := openTestStore(b, Options{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Record(ctx, benchRecord()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkRecordAsync(b *testing.B) {
	s := openTestStore(b, Options{Durability: Async, QueueSize: 1 << 16, QueueBytes: 1 << 30})
	ctx := context.Background()
	benchProducers(b, func() {
		if err := s.Record(ctx, benchRecord()); err != nil {
			b.Error(err)
		}
	})
	// Count the time to drain the queue too.
	if err := s.Close(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkPrepare is the producer's share: redaction, encoding, zstd.
func BenchmarkPrepare(b *testing.B) {
	s := openTestStore(b, Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.prepare(benchRecord()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRedact(b *testing.B) {
	r := newTestRedactor(b, RedactOptions{})
	b.ReportAllocs()
	for b.Loop() {
		r.Redact(benchRecord())
	}
}

// BenchmarkIterate reads ~2 KiB records back (decompress and decode).
func BenchmarkIterate(b *testing.B) {
	s := openTestStore(b, Options{Durability: Async, QueueSize: 1 << 14, QueueBytes: 1 << 30})
	ctx := context.Background()
	const n = 5000
	for range n {
		if err := s.Record(ctx, benchRecord()); err != nil {
			b.Fatal(err)
		}
	}
	waitHead(b, s, n)
	b.ReportAllocs()
	b.ResetTimer()
	read := 0
	for read < b.N {
		if err := s.Iterate(ctx, 1, func(*evidence.Record) error {
			read++
			if read >= b.N {
				return errStop
			}
			return nil
		}); err != nil && err != errStop {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func waitHead(b *testing.B, s *Store, seq uint64) {
	for {
		if h, _ := s.Head(); h >= seq {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
