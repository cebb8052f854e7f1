package proxy_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestShutdownDrains starts a call the upstream holds, shuts the proxy
// down, and checks that Shutdown waits for the call, that the app gets
// its whole response and that the call is recorded, in both modes (MITM
// tunnels are hijacked connections net/http does not track).
func TestShutdownDrains(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			entered, release := make(chan struct{}), make(chan struct{})
			body := bytes.Repeat([]byte("z"), 100<<10)
			e := newEnv(t, envConfig{handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(entered)
				<-release
				_, _ = w.Write(body)
			})})
			client := m.client(e)
			type result struct {
				body []byte
				err  error
			}
			got := make(chan result, 1)
			go func() {
				resp, err := client.Get(m.url(e, "/v2/slow"))
				if err != nil {
					got <- result{err: err}
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				got <- result{b, err}
			}()
			<-entered

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shut := make(chan error, 1)
			go func() { shut <- e.p.Shutdown(ctx) }()
			select {
			case err := <-shut:
				t.Fatalf("Shutdown returned (%v) while a call was in flight", err)
			case <-time.After(200 * time.Millisecond):
			}
			close(release)

			r := <-got
			if r.err != nil || !bytes.Equal(r.body, body) {
				t.Fatalf("in-flight call: %d bytes, %v", len(r.body), r.err)
			}
			if err := <-shut; err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if rec := e.rec.only(t); rec.Response == nil || rec.Response.Status != 200 {
				t.Errorf("record response %+v", rec.Response)
			}
			if resp, err := client.Get(m.url(e, "/v2/slow")); err == nil {
				resp.Body.Close()
				t.Errorf("a call after Shutdown got %d", resp.StatusCode)
			}
		})
	}
}
