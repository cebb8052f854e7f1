package axysemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a hand-moved clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testKey = "test-api-key"

// harness drives an emulator's handler in process, on a fake clock.
type harness struct {
	t     testing.TB
	emu   *Emulator
	clock *fakeClock
}

// newHarness returns a staging emulator with seed 1 unless opts say
// otherwise; the clock and API key are always the harness's.
func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	clock := newFakeClock()
	opts.Now, opts.APIKey = clock.Now, testKey
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	emu := New(opts)
	t.Cleanup(emu.Close)
	return &harness{t: t, emu: emu, clock: clock}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// call sends a request; body is JSON-encoded unless it is a string, sent
// as is.
func (h *harness) call(method, path string, body any) response {
	h.t.Helper()
	return h.callKey(method, path, body, testKey)
}

func (h *harness) callKey(method, path string, body any, key string) response {
	h.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			h.t.Fatalf("encode body: %v", err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.emu.ServeHTTP(rec, req)
	return decodeResponse(h.t, rec.Code, rec.Header(), rec.Body.Bytes())
}

func decodeResponse(t testing.TB, status int, header http.Header, raw []byte) response {
	t.Helper()
	r := response{status: status, header: header, raw: string(raw)}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json; body %s", ct, raw)
	}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, raw)
	}
	return r
}

// must fails the test unless the response has the wanted status.
func (r response) must(t testing.TB, want int) response {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.raw)
	}
	return r
}

func (r response) num(key string) int64 {
	v, _ := r.body[key].(float64)
	return int64(v)
}

func (r response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

func (r response) items() []map[string]any {
	list, _ := r.body["items"].([]any)
	out := make([]map[string]any, len(list))
	for i, it := range list {
		out[i], _ = it.(map[string]any)
	}
	return out
}

// wantError checks the error envelope and that the message contains
// fragment (typically the field name).
func (r response) wantError(t testing.TB, status int, fragment string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	if r.str("status") != "error" {
		t.Fatalf(`envelope status = %q, want "error": %s`, r.str("status"), r.raw)
	}
	if !strings.Contains(r.str("message"), fragment) {
		t.Fatalf("message %q does not contain %q", r.str("message"), fragment)
	}
}

// validCardholder is a complete, valid POST /cardholders body.
func validCardholder() map[string]any {
	return map[string]any{
		"firstName": "Jordan", "lastName": "Reyes", "emailAdr": "jordan@example.com", "gender": 0,
		"nationality": "American", "placeOfBirth": "USA", "dob": "1990-05-14",
		"adrLine1": "123 Market Street", "city": "San Francisco", "state": "CA", "country": "US",
		"zipCode": "94105", "callingCode": "1", "cellNum": "4155550100", "countryCallingCode": "US",
	}
}

func with(base map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func (h *harness) createCardholder() int64 {
	h.t.Helper()
	return h.call("POST", "/v2/cardholders", validCardholder()).must(h.t, 200).num("cardholderId")
}

// underReview returns a cardholder in status 3, resubmitting past the rare
// immediate processing error.
func (h *harness) underReview() int64 {
	h.t.Helper()
	id := h.createCardholder()
	for range 10 {
		h.call("PUT", fmt.Sprintf("/v2/cardholders/%d/kyc-submit", id), nil).must(h.t, 200)
		if h.holderStatus(id) == chUnderReview {
			return id
		}
	}
	h.t.Fatalf("cardholder %d never reached status 3", id)
	return 0
}

func (h *harness) approved() int64 {
	h.t.Helper()
	id := h.underReview()
	h.call("POST", "/v2/staging/kyc/validate", map[string]any{"cardholderId": id, "result": "pass"}).must(h.t, 200)
	return id
}

func (h *harness) holderStatus(id int64) int {
	h.t.Helper()
	return int(h.call("GET", fmt.Sprintf("/v2/cardholders/%d", id), nil).must(h.t, 200).num("status"))
}

func (h *harness) virtualCard(holder int64) int64 {
	h.t.Helper()
	return h.call("POST", fmt.Sprintf("/v2/cards/virtual/%d", holder), map[string]any{"nameOnCard": "JORDAN REYES"}).must(h.t, 200).num("cardId")
}

func (h *harness) physicalCard(holder int64) int64 {
	h.t.Helper()
	return h.call("POST", fmt.Sprintf("/v2/cards/assign/%d", holder), map[string]any{"nameOnCard": "JORDAN REYES", "cardType": 0}).must(h.t, 200).num("cardId")
}

// fundCard deposits amount with instant clearing.
func (h *harness) fundCard(card int64, amount string) {
	h.t.Helper()
	h.call("POST", "/v2/staging/deposits", map[string]any{"cardId": card, "amount": amount, "clearing": "instant"}).must(h.t, 200)
}

func (h *harness) balance(card int64) (ledger, available int64) {
	h.t.Helper()
	r := h.call("GET", fmt.Sprintf("/v2/cards/%d/balance", card), nil).must(h.t, 200)
	return r.num("ledgerBalance"), r.num("availableBalance")
}

func (h *harness) cardStatus(card int64) int {
	h.t.Helper()
	return int(h.call("GET", fmt.Sprintf("/v2/cards/%d", card), nil).must(h.t, 200).num("issuerCardStatus"))
}

func (h *harness) wallet(funded string) int64 {
	h.t.Helper()
	id := h.call("POST", "/v2/wallets", map[string]any{"name": "Treasury"}).must(h.t, 200).num("walletId")
	if funded != "" {
		h.call("POST", "/v2/staging/deposits", map[string]any{"walletId": id, "amount": funded, "clearing": "instant"}).must(h.t, 200)
	}
	return id
}

// force puts an object straight into a state, for transition tables.
func (h *harness) forceHolder(id int64, status int) {
	h.emu.mu.Lock()
	defer h.emu.mu.Unlock()
	ch, err := h.emu.world.holder(id)
	if err != nil {
		h.t.Fatal(err)
	}
	ch.status = status
	ch.review++
}

func (h *harness) forceCard(id int64, issuer int) {
	h.emu.mu.Lock()
	defer h.emu.mu.Unlock()
	cd, err := h.emu.world.card(id)
	if err != nil {
		h.t.Fatal(err)
	}
	cd.issuer = issuer
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func jsonBody(t testing.TB, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}
