package demoapp

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// scripted answers calls with the statuses in order (the last repeats),
// with Retry-After on 429s, and counts the calls it saw.
type scripted struct {
	mu       sync.Mutex
	statuses []int
	calls    int
	keys     []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st := s.statuses[min(s.calls, len(s.statuses)-1)]
	s.calls++
	s.keys = append(s.keys, r.Header.Get("X-API-Key"))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case st == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(st)
		w.Write([]byte(`{"status":"error","message":"rate limit exceeded"}`))
	case st >= 400:
		w.WriteHeader(st)
		w.Write([]byte(`{"status":"error","message":"nope"}`))
	case st == 299: // a 2xx whose envelope says error
		w.Write([]byte(`{"status":"error","message":"envelope error"}`))
	default:
		w.Write([]byte(`{"status":"success","cardId":8001}`))
	}
}

func newTestClient(t *testing.T, h http.Handler) (*client, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var waits []time.Duration
	return &client{
		base: srv.URL, key: "k", http: srv.Client(), log: slog.New(slog.DiscardHandler),
		sleep:    func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
		attempts: 4, timeout: 5 * time.Second, stats: &callStats{},
	}, &waits
}

func TestClientRetries(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name      string
		statuses  []int
		policy    retryPolicy
		wantCalls int
		wantWaits []time.Duration
		wantErr   int // status of the final error; 0 for success
	}{
		{"success at once", []int{200}, retrySafe, 1, nil, 0},
		{"429 honours Retry-After", []int{429, 200}, retrySafe, 2, []time.Duration{2 * time.Second}, 0},
		{"429 retried even for creations", []int{429, 200}, retryThrottle, 2, []time.Duration{2 * time.Second}, 0},
		{"5xx retried with growing backoff", []int{500, 503, 200}, retrySafe, 3, []time.Duration{200 * ms, 400 * ms}, 0},
		{"5xx not retried for creations", []int{503, 200}, retryThrottle, 1, nil, 503},
		{"4xx never retried", []int{422, 200}, retrySafe, 1, nil, 422},
		{"never policy", []int{429, 200}, retryNever, 1, nil, 429},
		{"attempts bounded", []int{500}, retrySafe, 4, []time.Duration{200 * ms, 400 * ms, 800 * ms}, 500},
		{"error envelope on 2xx is a failure", []int{299}, retrySafe, 1, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &scripted{statuses: tt.statuses}
			cl, waits := newTestClient(t, h)
			var out struct {
				CardID int64 `json:"cardId"`
			}
			err := cl.do(context.Background(), call{method: http.MethodGet, path: "/cards/8001", retry: tt.policy}, &out)
			if got := StatusOf(err); got != tt.wantErr || (tt.wantErr == 0 && err != nil) {
				t.Fatalf("error %v (status %d), want status %d", err, got, tt.wantErr)
			}
			if err == nil && out.CardID != 8001 {
				t.Errorf("decoded cardId %d, want 8001", out.CardID)
			}
			if h.calls != tt.wantCalls {
				t.Errorf("calls %d, want %d", h.calls, tt.wantCalls)
			}
			if diff := cmp.Diff(*waits, tt.wantWaits); diff != "" {
				t.Errorf("waits (-got +want):\n%s", diff)
			}
		})
	}
}

func TestClientAPIKeyOverride(t *testing.T) {
	h := &scripted{statuses: []int{200}}
	cl, _ := newTestClient(t, h)
	for _, key := range []string{"", "other"} {
		if err := cl.do(context.Background(), call{method: http.MethodGet, path: "/x", apiKey: key}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(h.keys, []string{"k", "other"}); diff != "" {
		t.Errorf("keys sent (-got +want):\n%s", diff)
	}
}

func TestClientStopsWhenContextEnds(t *testing.T) {
	h := &scripted{statuses: []int{500}}
	cl, _ := newTestClient(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	cl.sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	err := cl.do(ctx, call{method: http.MethodGet, path: "/x"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if h.calls != 1 {
		t.Errorf("calls %d, want 1", h.calls)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "3", 3 * time.Second},
		{"zero", "0", 0},
		{"negative", "-1", 0},
		{"http date", now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{"date in the past", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"garbage", "soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
