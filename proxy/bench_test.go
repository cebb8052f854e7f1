package proxy_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// nopRecorder accepts every record at once.
type nopRecorder struct{}

func (nopRecorder) Record(context.Context, *evidence.Record) error { return nil }
func (nopRecorder) Healthy() error                                 { return nil }

// BenchmarkHop measures one proxy hop over loopback against an mTLS
// upstream answering 1.5 KB of JSON: a plain httputil.ReverseProxy (the
// floor for a Go hop) and evidence-proxy's base-URL mode recording into a
// no-op recorder (also with the access log on, written to io.Discard),
// all with the same upstream transport, with 1 client
// (ns/op is the latency of a call) and 32 keep-alive clients (ns/op is the
// inverse of throughput). Compare lines of one run.
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

	rp := httputil.NewSingleHostReverseProxy(upURL)
	rp.Transport = newTransport()
	revproxy := serve(b, rp)
	evidence := serveEvidenceProxy(b, proxy.Options{Upstream: upURL, Transport: newTransport(), Recorder: nopRecorder{}})
	accessLogged := serveEvidenceProxy(b, proxy.Options{Upstream: upURL, Transport: newTransport(), Recorder: nopRecorder{},
		AccessLog: io.Discard, AccessLogSeq: true})
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("revproxy/c%d", clients), func(b *testing.B) { runHop(b, revproxy, payload, clients) })
		b.Run(fmt.Sprintf("evidence-proxy/c%d", clients), func(b *testing.B) { runHop(b, evidence, payload, clients) })
		b.Run(fmt.Sprintf("evidence-proxy+accesslog/c%d", clients), func(b *testing.B) { runHop(b, accessLogged, payload, clients) })
	}
}

// serveEvidenceProxy serves a proxy built with o on a loopback port.
func serveEvidenceProxy(b *testing.B, o proxy.Options) string {
	b.Helper()
	ep, err := proxy.New(o)
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
	return "http://" + ln.Addr().String()
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

// runHop sends GETs from the given number of keep-alive clients; with one
// client ns/op is the latency of a call through the hop.
func runHop(b *testing.B, base string, want []byte, clients int) {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	target := base + "/v2/cards?page=1"
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0))) // RunParallel starts GOMAXPROCS×p goroutines
	b.ReportAllocs()
	b.ResetTimer()
	if clients == 1 {
		for range b.N {
			getOnce(b, client, target, want)
		}
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !getOnce(b, client, target, want) {
				return
			}
		}
	})
}

func getOnce(b *testing.B, client *http.Client, target string, want []byte) bool {
	resp, err := client.Get(target)
	if err != nil {
		b.Error(err)
		return false
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n != int64(len(want)) {
		b.Errorf("got %d bytes", n)
		return false
	}
	return true
}
