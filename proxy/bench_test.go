package proxy_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/proxy"
	"github.com/evidence-proxy/evidence-proxy/recorder/evidence"
)

// nopRecorder accepts every record at once.
type nopRecorder struct{}

func (nopRecorder) Record(context.Context, *evidence.Record) error { return nil }
func (nopRecorder) Healthy() error                                 { return nil }

// BenchmarkHop measures one proxy hop over loopback against an mTLS
// upstream answering 1.5 KB of JSON: a plain httputil.ReverseProxy (the
// floor for a Go hop) and evidence-proxy's base-URL mode recording into a
// no-op recorder, both with the same upstream transport, 32 keep-alive
// clients. Compare the two lines of one run.
func BenchmarkHop(b *testing.B) {
	payload := []byte(`{"data":[` + strings.Repeat(`{"id":"c_0001","status":"ACTIVE","last4":"4242"},`, 29) +
		`{"id":"c_0030","status":"ACTIVE","last4":"4242"}],"page":1}`)
	p := newTestPKI(b)
	up := startUpstream(b, p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(payload)
	}))
	upURL, _ := url.Parse(up.URL + "/v2")
	newTransport := func() *http.Transport {
		tr, err := proxy.NewTransport(proxy.TransportOptions{ClientCertFile: p.certFile, ClientKeyFile: p.keyFile, UpstreamCAFile: p.caFile})
		if err != nil {
			b.Fatal(err)
		}
		return tr
	}

	b.Run("revproxy", func(b *testing.B) {
		rp := httputil.NewSingleHostReverseProxy(upURL)
		rp.Transport = newTransport()
		runHop(b, serve(b, rp), payload)
	})
	b.Run("evidence-proxy", func(b *testing.B) {
		ep, err := proxy.New(proxy.Options{Upstream: upURL, Transport: newTransport(), Recorder: nopRecorder{}})
		if err != nil {
			b.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go func() { _ = ep.Serve(ln) }()
		b.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = ep.Shutdown(ctx)
		})
		runHop(b, "http://"+ln.Addr().String(), payload)
	})
}

func serve(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ErrorLog: discardLog()}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func runHop(b *testing.B, base string, want []byte) {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	target := base + "/v2/cards?page=1"
	b.SetParallelism(16) // 32 clients on two cores
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 4096)
		for pb.Next() {
			resp, err := client.Get(target)
			if err != nil {
				b.Error(err)
				return
			}
			w := bytes.NewBuffer(buf[:0])
			_, _ = io.Copy(w, resp.Body)
			resp.Body.Close()
			if w.Len() != len(want) {
				b.Errorf("got %d bytes", w.Len())
				return
			}
		}
	})
}
