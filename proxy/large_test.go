package proxy_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
)

// TestHundredMegabyteBodies streams 100 MB each way through both modes: the
// bytes arrive intact, the app is never refused, and the records keep only
// the capped prefix, flagged truncated, with the true size.
func TestHundredMegabyteBodies(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 400 MB over loopback; skipped in -short")
	}
	const size = 100 << 20
	e := newEnv(t, envConfig{handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Length", fmt.Sprint(size))
			io.Copy(w, io.LimitReader(newPattern(2), size))
			return
		}
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	})})
	wantUp := sha256.New()
	io.Copy(wantUp, io.LimitReader(newPattern(1), size))
	wantDown := sha256.New()
	io.Copy(wantDown, io.LimitReader(newPattern(2), size))

	for _, m := range modes {
		t.Run(m.name+"/upload", func(t *testing.T) {
			e.rec.reset()
			req, err := http.NewRequest(http.MethodPut, m.url(e, "/v2/files"), io.LimitReader(newPattern(1), size))
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = size
			resp, body := do(t, m.client(e), req)
			if want := fmt.Sprintf("%d %x", size, wantUp.Sum(nil)); resp.StatusCode != 200 || string(body) != want {
				t.Fatalf("upstream saw %q (status %d), want %q", body, resp.StatusCode, want)
			}
			rec := e.rec.only(t)
			if b := rec.Request.Body; b.Size != size || !b.Truncated || int64(len(b.Bytes())) > 1<<20 {
				t.Errorf("request body recorded: size %d truncated %v captured %d", b.Size, b.Truncated, len(b.Bytes()))
			}
		})
		t.Run(m.name+"/download", func(t *testing.T) {
			e.rec.reset()
			resp, err := m.client(e).Get(m.url(e, "/v2/files"))
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			n, err := io.Copy(h, resp.Body)
			resp.Body.Close()
			if err != nil || n != size || string(h.Sum(nil)) != string(wantDown.Sum(nil)) {
				t.Fatalf("app read %d bytes (err %v); content intact: %v", n, err, string(h.Sum(nil)) == string(wantDown.Sum(nil)))
			}
			waitFor(t, "the record", func() bool { return len(e.rec.records()) == 1 })
			rec := e.rec.only(t)
			if b := rec.Response.Body; b.Size != size || !b.Truncated || int64(len(b.Bytes())) > 1<<20 {
				t.Errorf("response body recorded: size %d truncated %v captured %d", b.Size, b.Truncated, len(b.Bytes()))
			}
		})
	}
}

// pattern is an endless deterministic byte stream.
type pattern struct{ r *rand.ChaCha8 }

func newPattern(seed byte) *pattern {
	var s [32]byte
	s[0] = seed
	return &pattern{r: rand.NewChaCha8(s)}
}

func (p *pattern) Read(b []byte) (int, error) { return p.r.Read(b) }
