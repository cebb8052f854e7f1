package emulated

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// app plays the integrator's app against an in-process emulator on a
// controlled clock, recording each call as an evidence record the way the
// proxy does (in base-URL mode, to the staging host).
type app struct {
	t    *testing.T
	emu  *axysemu.Emulator
	now  time.Time
	key  string
	recs []*evidence.Record
	// errorSeen is set when a submission came back in status 6 and was
	// submitted again.
	errorSeen bool
}

const apiKey = "0123456789abcdef0123456789abcdef"

func newApp(t *testing.T) *app {
	t.Helper()
	a := &app{t: t, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), key: apiKey}
	a.emu = axysemu.New(axysemu.Options{Seed: 42, APIKey: apiKey, Now: func() time.Time { return a.now }})
	t.Cleanup(a.emu.Close)
	return a
}

// sleep moves the clock on.
func (a *app) sleep(d time.Duration) { a.now = a.now.Add(d) }

// do makes one call, records it and returns the status and decoded body.
// Each call takes a second of the clock.
func (a *app) do(method, path, body string) (int, map[string]any) {
	a.t.Helper()
	req := httptest.NewRequest(method, "https://staging.api.axyscards.com/v2"+path, strings.NewReader(body))
	req.Header.Set("X-API-Key", a.key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rr := httptest.NewRecorder()
	a.emu.ServeHTTP(rr, req)
	resp := rr.Result()
	respBody := rr.Body.Bytes()
	rec := &evidence.Record{
		V: evidence.Version, Seq: uint64(len(a.recs) + 1), Kind: evidence.KindCall, Time: a.now, DurationUS: 2000, Mode: evidence.ModeBaseURL,
		Request: evidence.Request{Method: method, URL: req.URL.String(), Header: http.Header{"X-Api-Key": {"[redacted:1a2b]"}},
			Body: evidence.NewBody([]byte(body), int64(len(body)), false)},
		Response: &evidence.Response{Status: resp.StatusCode, Header: resp.Header.Clone(),
			Body: evidence.NewBody(respBody, int64(len(respBody)), false)},
	}
	a.recs = append(a.recs, rec)
	a.sleep(time.Second)
	var out map[string]any
	if len(bytes.TrimSpace(respBody)) > 0 {
		if err := json.Unmarshal(respBody, &out); err != nil {
			a.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, respBody)
		}
	}
	return resp.StatusCode, out
}

// must makes a call that has to succeed.
func (a *app) must(method, path, body string) map[string]any {
	a.t.Helper()
	status, out := a.do(method, path, body)
	if status != http.StatusOK {
		a.t.Fatalf("%s %s: %d %v", method, path, status, out)
	}
	return out
}

// expect makes a call that must answer status.
func (a *app) expect(status int, method, path, body string) map[string]any {
	a.t.Helper()
	got, out := a.do(method, path, body)
	if got != status {
		a.t.Fatalf("%s %s: %d, want %d (%v)", method, path, got, status, out)
	}
	return out
}

// id reads a numeric identifier from a response.
func id(t *testing.T, m map[string]any, name string) string {
	t.Helper()
	f, ok := m[name].(float64)
	if !ok {
		t.Fatalf("no %s in %v", name, m)
	}
	return strconv.FormatInt(int64(f), 10)
}

func num(m map[string]any, name string) float64 {
	f, _ := m[name].(float64)
	return f
}
