package axysemu

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRouting(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		name, method, path string
		status             int
		allow              string
	}{
		{"unknown resource", "GET", "/v2/accounts", 404, ""},
		{"unknown sub-resource", "GET", "/v2/cards/8001/sensitive", 404, ""},
		{"outside /v2", "GET", "/v1/cardholders", 404, ""},
		{"root", "GET", "/", 404, ""},
		{"trailing slash", "GET", "/v2/cardholders/", 404, ""},
		{"double slash", "GET", "/v2//cardholders", 404, ""},
		{"too deep", "GET", "/v2/cards/8001/balance/extra", 404, ""},
		{"DELETE on a collection", "DELETE", "/v2/cardholders", 405, "GET, POST"},
		{"PATCH a cardholder", "PATCH", "/v2/cardholders/10001", 405, "DELETE, GET, PUT"},
		{"GET the transfer endpoint", "GET", "/v2/wallets/transfer", 405, "POST"},
		{"POST the transactions list", "POST", "/v2/cards/transactions", 405, "GET"},
		{"GET an issue endpoint", "GET", "/v2/cards/virtual/10001", 405, "POST"},
		{"HEAD", "HEAD", "/v2/cardholders", 405, "GET, POST"},
		{"GET kyc validate", "GET", "/v2/staging/kyc/validate", 405, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			req.Header.Set("X-API-Key", testKey)
			rec := httptest.NewRecorder()
			h.emu.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.method != "HEAD" {
				decodeResponse(t, rec.Code, rec.Header(), rec.Body.Bytes()).wantError(t, tt.status, "")
			}
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Fatalf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

func TestBodyLimits(t *testing.T) {
	h := newHarness(t, Options{MaxBodyBytes: 1024})
	big := `{"firstName":"` + strings.Repeat("x", 2000) + `"}`
	h.call("POST", "/v2/cardholders", big).wantError(t, 413, "request body exceeds 1024 bytes")

	// Chunked, without a Content-Length.
	req := httptest.NewRequest("POST", "/v2/cardholders", struct{ *strings.Reader }{strings.NewReader(big)})
	req.ContentLength = -1
	req.Header.Set("X-API-Key", testKey)
	rec := httptest.NewRecorder()
	h.emu.ServeHTTP(rec, req)
	decodeResponse(t, rec.Code, rec.Header(), rec.Body.Bytes()).wantError(t, 413, "exceeds")

	deep := strings.Repeat("[", 400) + strings.Repeat("]", 400)
	h.call("POST", "/v2/wallets", deep).wantError(t, 400, "")
	h.call("POST", "/v2/wallets", "null").wantError(t, 422, "name: is required")
	h.call("POST", "/v2/wallets", `{"name":"a\ud800b"}`).must(t, 200)
}

// TestBadInputLeavesStateAlone sends a barrage of bad requests and checks
// nothing changed.
func TestBadInputLeavesStateAlone(t *testing.T) {
	h := newHarness(t, Options{})
	holder := h.approved()
	card := h.virtualCard(holder)
	h.fundCard(card, "10.00")
	before := snapshot(h)
	bodies := []string{``, `{`, `}`, `null`, `[]`, `"x"`, `42`, `{"amount":"1.00"}{`, `{"a":1}`, `{"cardId":"x"}`,
		`{"newStatus":1e400}`, `{"transactionLimit":-1}`, `{"amount":9223372036854775808}`, "\x00\x01", `{"name":` + strings.Repeat(`"x",`, 10) + `}`}
	for _, p := range h.emu.routes.patterns {
		for method := range p.methods {
			if method == "GET" {
				continue
			}
			segs := append([]string(nil), p.segs...)
			for i, s := range segs {
				if s == "" {
					segs[i] = "x1"
				}
			}
			url := "/v2/" + strings.Join(segs, "/")
			for _, b := range bodies {
				r := h.call(method, url, b)
				if r.status < 400 || r.status >= 500 {
					t.Errorf("%s %s with %q: status %d", method, url, b, r.status)
				}
			}
		}
	}
	if after := snapshot(h); after != before {
		t.Fatalf("bad input changed the state:\nbefore %s\nafter  %s", before, after)
	}
}

func snapshot(h *harness) string {
	var b strings.Builder
	for _, p := range []string{"/v2/cardholders", "/v2/cards", "/v2/wallets", "/v2/cards/transactions", "/v2/cards/fees", "/v2/wallets/transactions"} {
		b.WriteString(h.call("GET", p, nil).raw)
	}
	return b.String()
}

// FuzzHandler: any body to any endpoint gets a JSON answer, never a panic
// or a 500.
func FuzzHandler(f *testing.F) {
	f.Add(0, `{"firstName":"Jordan"}`)
	f.Add(1, `{"cardId":8001,"amount":"1.00"}`)
	f.Add(2, `{"sourceWalletId":3001,"destinationType":1,"destinationId":8001,"amount":5}`)
	f.Add(3, `{"newStatus":2}`)
	f.Add(4, `[`)
	f.Fuzz(func(t *testing.T, which int, body string) {
		h := newHarness(t, Options{})
		holder := h.approved()
		h.virtualCard(holder)
		h.wallet("5.00")
		var targets []string
		for _, p := range h.emu.routes.patterns {
			for method := range p.methods {
				segs := append([]string(nil), p.segs...)
				for i, s := range segs {
					if s == "" {
						segs[i] = "8001"
						if p.segs[0] == "cardholders" {
							segs[i] = "10001"
						}
					}
				}
				targets = append(targets, method+" /v2/"+strings.Join(segs, "/"))
			}
		}
		target := targets[(which%len(targets)+len(targets))%len(targets)]
		method, url, _ := strings.Cut(target, " ")
		req := httptest.NewRequest(method, url, bytes.NewReader([]byte(body)))
		req.Header.Set("X-API-Key", testKey)
		rec := httptest.NewRecorder()
		h.emu.ServeHTTP(rec, req)
		if rec.Code >= http.StatusInternalServerError {
			t.Fatalf("%s with %q: %d %s", target, body, rec.Code, rec.Body)
		}
		decodeResponse(t, rec.Code, rec.Header(), rec.Body.Bytes())
	})
}
