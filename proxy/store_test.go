package proxy_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// TestStoreUnhealthy checks that nothing is forwarded while the store is
// broken: the app gets a 503 JSON answer and the refusal is recorded if
// the recorder still takes it.
func TestStoreUnhealthy(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.rec.set(func(f *fakeRecorder) { f.healthy = errStore })
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e.rec.reset()
			hits := e.hits.Load()
			resp, body := do(t, m.client(e), newRequest(t, http.MethodPost, m.url(e, "/v2/cards"), []byte(`{"x":1}`)))
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("status = %d, want 503", resp.StatusCode)
			}
			if got := decodeError(t, body); got.ErrorKind != string(evidence.ErrStoreUnavailable) {
				t.Errorf("answer = %+v", got)
			}
			if e.hits.Load() != hits {
				t.Error("the call was forwarded")
			}
			if rec := e.rec.only(t); rec.Error == nil || rec.Error.Kind != evidence.ErrStoreUnavailable {
				t.Errorf("record error = %+v", rec.Error)
			}
		})
	}
}

// TestRecordFailure checks that a response the upstream gave is delivered
// even when its record cannot be committed, flagged with a header.
func TestRecordFailure(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.rec.set(func(f *fakeRecorder) { f.err = errStore })
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			body := []byte(`{"amount":"10.00"}`)
			resp, got := do(t, m.client(e), newRequest(t, http.MethodPost, m.url(e, "/v2/staging/deposits"), body))
			if resp.StatusCode != 200 || !bytes.Equal(got, body) {
				t.Fatalf("status %d body %q: the app must get the upstream's answer", resp.StatusCode, got)
			}
			if w := resp.Header.Get(proxy.HeaderWarning); w != "not recorded" {
				t.Errorf("%s = %q, want %q", proxy.HeaderWarning, w, "not recorded")
			}
		})
	}
	if got := metricValue(t, e, "evidence_proxy_proxy_record_failures_total"); got != float64(len(modes)) {
		t.Errorf("record failures metric = %v, want %d", got, len(modes))
	}
}

// TestResponseAfterCommit checks the sync-durability ordering: while
// Record runs, the app has not received its whole response. A body within
// the cap has not started; a longer one has not ended (with
// Content-Length: its last byte is held back; chunked: its end).
func TestResponseAfterCommit(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		chunked bool
	}{
		{"within cap", 1000, false},
		{"beyond cap with length", 4 * testCap, false},
		{"beyond cap chunked", 4 * testCap, true},
	}
	var current atomic.Pointer[struct {
		size    int
		chunked bool
	}]
	e := newEnv(t, envConfig{
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := current.Load()
			if !c.chunked {
				w.Header().Set("Content-Length", strconv.Itoa(c.size))
			}
			_, _ = w.Write(bytes.Repeat([]byte("a"), c.size))
		}),
		opts: func(o *proxy.Options) { o.BodyCap = testCap },
	})
	for _, m := range modes {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				current.Store(&struct {
					size    int
					chunked bool
				}{tt.size, tt.chunked})
				app := &countingReader{}
				var atRecord atomic.Int64
				var endedAtRecord atomic.Bool
				atRecord.Store(-1)
				e.rec.set(func(f *fakeRecorder) {
					f.hook = func(*evidence.Record) {
						atRecord.Store(app.n.Load())
						endedAtRecord.Store(app.eof.Load())
					}
				})
				t.Cleanup(func() { e.rec.set(func(f *fakeRecorder) { f.hook = nil }) })
				resp, err := m.client(e).Get(m.url(e, "/v2/big"))
				if err != nil {
					t.Fatal(err)
				}
				app.r = resp.Body
				total, err := io.Copy(io.Discard, app)
				resp.Body.Close()
				if err != nil || total != int64(tt.size) {
					t.Fatalf("read %d bytes (%v), want %d", total, err, tt.size)
				}
				at := atRecord.Load()
				switch {
				case at < 0:
					t.Fatal("no record")
				case endedAtRecord.Load():
					t.Errorf("the app had the whole response (%d bytes) before its record", at)
				case tt.size <= testCap && at != 0:
					t.Errorf("a body within the cap was partly sent (%d bytes) before its record", at)
				case !tt.chunked && at >= int64(tt.size):
					t.Errorf("the app had all %d bytes before the record", at)
				}
			})
		}
	}
}

// countingReader counts what the app read and whether it saw the end.
type countingReader struct {
	r   io.Reader
	n   atomic.Int64
	eof atomic.Bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if err == io.EOF {
		c.eof.Store(true)
	}
	return n, err
}

// TestPanicsAreContained makes the recorder panic and checks, in both
// modes (MITM calls run on goroutines net/http does not protect), that
// the app gets an answer and the proxy keeps serving.
func TestPanicsAreContained(t *testing.T) {
	e := newEnv(t, envConfig{opts: func(o *proxy.Options) {
		o.EndpointLabel = func(string, string) string { panic("label exploded") }
	}})
	tests := []struct {
		where  string
		status int
	}{
		{"record", http.StatusOK},
		{"healthy", http.StatusInternalServerError},
	}
	for _, m := range modes {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.where, func(t *testing.T) {
				e.rec.set(func(f *fakeRecorder) { f.panicIn = tt.where })
				resp, body := do(t, m.client(e), newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil))
				if resp.StatusCode != tt.status {
					t.Errorf("status = %d, want %d (%s)", resp.StatusCode, tt.status, body)
				}
				e.rec.set(func(f *fakeRecorder) { f.panicIn = "" })
				if resp, _ := do(t, m.client(e), newRequest(t, http.MethodGet, m.url(e, "/v2/cards"), nil)); resp.StatusCode != 200 {
					t.Errorf("next call: status %d", resp.StatusCode)
				}
			})
		}
	}
	if got := metricValue(t, e, "evidence_proxy_proxy_panics_total"); got != float64(len(modes)) {
		t.Errorf("panics metric = %v, want %d (health check panics)", got, len(modes))
	}
}
