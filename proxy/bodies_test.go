package proxy_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

const testCap = 64 << 10

// TestBodiesByteIdentical sends bodies from 0 B to several MB both ways
// in both modes, with and without Content-Length, and checks that they
// arrive byte-identical, that Content-Length is kept, and what is recorded.
func TestBodiesByteIdentical(t *testing.T) {
	e := newEnv(t, envConfig{
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			w.Header().Set("X-Seen-Length", r.Header.Get("Content-Length"))
			w.Header().Set("X-Seen-Sum", fmt.Sprintf("%x", sum(body)))
			if r.URL.Query().Get("chunked") == "" {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			} else {
				http.NewResponseController(w).Flush() // no Content-Length: chunked
			}
			_, _ = w.Write(body)
		}),
		opts: func(o *proxy.Options) { o.BodyCap = testCap },
	})
	sizes := []int{0, 1, 1500, testCap - 1, testCap, testCap + 1, 3<<20 + 17}
	for _, m := range modes {
		for _, size := range sizes {
			for _, chunked := range []bool{false, true} {
				name := fmt.Sprintf("%s/%d/chunked=%v", m.name, size, chunked)
				t.Run(name, func(t *testing.T) {
					e.rec.reset()
					body := randomBytes(t, size)
					target := m.url(e, "/v2/files")
					if chunked {
						target += "?chunked=1"
					}
					req := newRequest(t, http.MethodPut, target, body)
					resp, got := do(t, m.client(e), req)
					if resp.StatusCode != 200 {
						t.Fatalf("status %d: %s", resp.StatusCode, got)
					}
					if !bytes.Equal(got, body) {
						t.Fatalf("response body differs: got %d bytes, want %d", len(got), len(body))
					}
					if resp.Header.Get("X-Seen-Sum") != fmt.Sprintf("%x", sum(body)) {
						t.Errorf("upstream received a different request body")
					}
					if want := strconv.Itoa(size); resp.Header.Get("X-Seen-Length") != want && size > 0 {
						t.Errorf("upstream saw Content-Length %q, want %s", resp.Header.Get("X-Seen-Length"), want)
					}
					if !chunked && resp.ContentLength != int64(size) {
						t.Errorf("app saw Content-Length %d, want %d", resp.ContentLength, size)
					}
					rec := e.rec.only(t)
					checkBody(t, "request", rec.Request.Body, body)
					checkBody(t, "response", rec.Response.Body, body)
				})
			}
		}
	}
}

func checkBody(t *testing.T, what string, got evidence.Body, sent []byte) {
	t.Helper()
	truncated := len(sent) > testCap
	want := sent
	if truncated {
		want = sent[:testCap]
	}
	if got.Size != int64(len(sent)) || got.Truncated != truncated || !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%s body: size %d truncated %v, %d bytes captured; want %d, %v, %d",
			what, got.Size, got.Truncated, len(got.Bytes()), len(sent), truncated, len(want))
	}
}

// TestContentEncodings checks that encoded bodies reach the app exactly as
// the upstream sent them and are recorded decoded, and that a body
// claiming an encoding it does not have is forwarded as is and recorded
// raw with a decode error.
func TestContentEncodings(t *testing.T) {
	plain := []byte(`{"cards":[{"id":"c1","status":"ACTIVE","last4":"0005"}],"page":1}`)
	bodies := map[string][]byte{
		"gzip":     gzipBytes(t, plain),
		"br":       brotliBytes(t, plain),
		"bad gzip": []byte("this is not gzip at all"),
	}
	e := newEnv(t, envConfig{handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.URL.Query().Get("kind")
		enc := kind
		if kind == "bad gzip" {
			enc = "gzip"
		}
		w.Header().Set("Content-Encoding", enc)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[kind])
	})})
	tests := []struct {
		kind        string
		wantText    string
		decodeError bool
	}{
		{"gzip", string(plain), false},
		{"br", string(plain), false},
		{"bad gzip", "", true},
	}
	for _, m := range modes {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.kind, func(t *testing.T) {
				e.rec.reset()
				req := newRequest(t, http.MethodGet, m.url(e, "/v2/cards?kind="+url.QueryEscape(tt.kind)), nil)
				req.Header.Set("Accept-Encoding", "gzip, br")
				resp, got := do(t, m.client(e), req)
				if !bytes.Equal(got, bodies[tt.kind]) {
					t.Errorf("app got %q, want the upstream's bytes %q", got, bodies[tt.kind])
				}
				if resp.ContentLength != int64(len(bodies[tt.kind])) {
					t.Errorf("Content-Length %d, want %d", resp.ContentLength, len(bodies[tt.kind]))
				}
				b := e.rec.only(t).Response.Body
				if b.Text != tt.wantText || (b.DecodeError != "") != tt.decodeError || b.Size != int64(len(bodies[tt.kind])) {
					t.Errorf("recorded %+v", b)
				}
				if tt.decodeError && b.Base64 != base64.StdEncoding.EncodeToString(bodies[tt.kind]) {
					t.Errorf("raw bytes not recorded: %+v", b)
				}
			})
		}
	}
	t.Run("gzip request body", func(t *testing.T) {
		e.rec.reset()
		req := newRequest(t, http.MethodPost, "http://"+e.addr+"/v2/cards?kind=gzip", gzipBytes(t, plain))
		req.Header.Set("Content-Encoding", "gzip")
		do(t, e.baseClient(), req)
		if b := e.rec.only(t).Request.Body; b.Text != string(plain) || b.ContentEncoding != "gzip" {
			t.Errorf("recorded request body %+v", b)
		}
	})
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func sum(b []byte) uint64 {
	var h uint64 = 14695981039346656037
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

func gzipBytes(t *testing.T, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func brotliBytes(t *testing.T, p []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	bw := brotli.NewWriter(&buf)
	if _, err := bw.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
