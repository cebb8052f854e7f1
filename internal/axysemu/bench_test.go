package axysemu

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkServeMTLS measures small calls (GET /v2/cardholders, a page of
// three) over keep-alive mTLS connections, client and server in one
// process. The target is ≥ 5,000 req/s on two cores; see the req/s metric.
func BenchmarkServeMTLS(b *testing.B) {
	srv := startServer(b, StartOptions{})
	client := srv.Client()
	for range 3 {
		req, _ := http.NewRequest("POST", srv.URL+"/cardholders", jsonBody(b, validCardholder()))
		req.Header.Set("X-API-Key", srv.APIKey)
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("seed cardholder: %v", err)
		}
		resp.Body.Close()
	}
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", srv.URL+"/cardholders", nil)
		req.Header.Set("X-API-Key", srv.APIKey)
		for pb.Next() {
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkHandler is the same call without TLS or sockets: the emulator's
// own cost.
func BenchmarkHandler(b *testing.B) {
	h := newHarness(b, Options{})
	for range 3 {
		h.createCardholder()
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/v2/cardholders", nil)
		req.Header.Set("X-API-Key", testKey)
		rec := httptest.NewRecorder()
		h.emu.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
