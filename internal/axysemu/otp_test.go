package axysemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// webhookSink records the bodies POSTed to it; failFirst makes the first n
// deliveries answer 500.
type webhookSink struct {
	mu        sync.Mutex
	bodies    []string
	failFirst int
	got       chan struct{}
}

func newWebhookSink(t *testing.T, failFirst int) (*webhookSink, string) {
	s := &webhookSink{failFirst: failFirst, got: make(chan struct{}, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		if s.failFirst > 0 {
			s.failFirst--
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		s.bodies = append(s.bodies, string(b))
		s.got <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL + "/callbacks/3ds"
}

func (s *webhookSink) wait(t *testing.T) string {
	t.Helper()
	select {
	case <-s.got:
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook within 5 s")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[len(s.bodies)-1]
}

func TestOTPListenerValidation(t *testing.T) {
	h := newHarness(t, Options{})
	holder := h.approved()
	card := h.virtualCard(holder)
	physical := h.physicalCard(holder)
	draft := h.createCardholder()
	tests := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"neither key", map[string]any{"webhookUrl": "https://example.com/x"}, 422, "cardId: is required"},
		{"both keys", map[string]any{"cardId": card, "cardholderId": holder}, 422, "not both"},
		{"bad webhook URL", map[string]any{"cardId": card, "webhookUrl": "ftp://example.com"}, 422, "webhookUrl: must be an absolute http or https URL"},
		{"relative webhook URL", map[string]any{"cardId": card, "webhookUrl": "/callback"}, 422, "webhookUrl"},
		{"cardId as string", map[string]any{"cardId": "8001"}, 400, "cardId: must be an integer"},
		{"unknown card", map[string]any{"cardId": 1}, 404, "card 1 not found"},
		{"card not activated", map[string]any{"cardId": physical}, 409, "not active (issuerCardStatus 4, Not Activated)"},
		{"cardholder not approved", map[string]any{"cardholderId": draft}, 409, "not approved"},
		{"unknown cardholder", map[string]any{"cardholderId": 2}, 404, "cardholder 2 not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.call("POST", "/v2/otp/listeners", tt.body).wantError(t, tt.status, tt.msg)
		})
	}
	for _, body := range []map[string]any{{"cardId": card}, {"cardholderId": holder, "webhookUrl": "https://example.com/cb"}} {
		r := h.call("POST", "/v2/otp/listeners", body).must(t, 200)
		if r.str("status") != "success" || len(r.str("token")) != 32 || r.body["expiresAt"] != nil {
			t.Fatalf("subscribe = %s", r.raw)
		}
		if _, present := r.body["expiresAt"]; !present {
			t.Fatalf("expiresAt missing: %s", r.raw)
		}
	}
}

func TestOTPFlow(t *testing.T) {
	h := newHarness(t, Options{TimeScale: 0.001})
	sink, url := newWebhookSink(t, 1) // the first delivery fails and is retried
	holder := h.approved()
	card := h.virtualCard(holder)
	other := h.virtualCard(holder)
	token := h.call("POST", "/v2/otp/listeners", map[string]any{"cardId": card, "webhookUrl": url}).must(t, 200).str("token")
	legacy := h.call("POST", "/v2/otp/listeners", map[string]any{"cardholderId": holder}).must(t, 200).str("token")

	if r := h.call("GET", "/v2/otp/"+token, nil).must(t, 200); r.str("status") != "pending" || r.body["code"] != nil {
		t.Fatalf("before any challenge: %s", r.raw)
	}
	h.call("POST", path("/v2/staging/cards/%d/3ds-challenge", card), map[string]any{"amount": "ten"}).wantError(t, 422, "amount")
	h.call("POST", path("/v2/staging/cards/%d/3ds-challenge", card), map[string]any{"expiresInSeconds": 7200}).wantError(t, 422, "expiresInSeconds")

	c := h.call("POST", path("/v2/staging/cards/%d/3ds-challenge", card), map[string]any{"merchantName": "Shop", "amount": "25.00", "expiresInSeconds": 120}).must(t, 200)
	if c.num("listeners") != 2 || c.num("webhooks") != 1 {
		t.Fatalf("challenge = %s", c.raw)
	}
	var hook map[string]any
	if err := json.Unmarshal([]byte(sink.wait(t)), &hook); err != nil || len(hook) != 1 || hook["cardId"] != float64(card) {
		t.Fatalf("webhook body = %v (%v); want exactly {cardId}", hook, err)
	}

	r := h.call("GET", "/v2/otp/"+token, nil).must(t, 200)
	code := r.str("code")
	if r.str("status") != "received" || len(code) != 6 || r.num("expiresAt") < h.clock.Now().Unix() {
		t.Fatalf("after challenge: %s", r.raw)
	}
	if l := h.call("GET", "/v2/otp/"+legacy, nil); l.str("code") != code {
		t.Fatalf("cardholder-wide listener did not get the OTP: %s", l.raw)
	}

	h.clock.Advance(120 * time.Second / 1000)
	r = h.call("GET", "/v2/otp/"+token, nil).must(t, 200)
	if r.str("status") != "expired" || r.body["code"] != nil {
		t.Fatalf("after expiry: %s", r.raw)
	}

	// A challenge on another card reaches the legacy listener only.
	c = h.call("POST", path("/v2/staging/cards/%d/3ds-challenge", other), map[string]any{}).must(t, 200)
	if c.num("listeners") != 1 || c.num("webhooks") != 0 {
		t.Fatalf("challenge on the other card = %s", c.raw)
	}

	h.call("DELETE", "/v2/otp/listeners/"+token, nil).must(t, 200)
	h.call("GET", "/v2/otp/"+token, nil).wantError(t, 404, "not found")
	h.call("DELETE", "/v2/otp/listeners/"+token, nil).wantError(t, 404, "not found")
	h.call("DELETE", "/v2/otp/listeners/"+legacy, nil).must(t, 200)
	h.call("POST", path("/v2/staging/cards/%d/3ds-challenge", card), map[string]any{}).wantError(t, 409, "has no OTP listener")

	h.forceCard(card, cardOnHold)
	h.call("POST", path("/v2/staging/cards/%d/3ds-challenge", card), map[string]any{}).wantError(t, 409, "not active")
}

// TestCloseStopsWebhooks: Close cancels deliveries in flight and waits for
// them, and later challenges start none.
func TestCloseStopsWebhooks(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	h := newHarness(t, Options{})
	card := h.virtualCard(h.approved())
	h.call("POST", "/v2/otp/listeners", map[string]any{"cardId": card, "webhookUrl": srv.URL}).must(t, 200)
	if h.call("POST", path("/v2/staging/cards/%d/3ds-challenge", card), nil).must(t, 200).num("webhooks") != 1 {
		t.Fatal("no webhook started")
	}
	done := make(chan struct{})
	go func() { h.emu.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the blocked webhook")
	}
	if h.call("POST", path("/v2/staging/cards/%d/3ds-challenge", card), nil).must(t, 200).num("webhooks") != 0 {
		t.Fatal("a webhook started after Close")
	}
}
