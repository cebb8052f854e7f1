package events

import (
	"net/http"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// TestDoors checks the Host check and the bearer token on both
// endpoints.
func TestDoors(t *testing.T) {
	store := openStore(t, recorder.Sync)
	_, open := startReceiver(t, store, Options{Hosts: []string{"events.pod.local"}})
	_, locked := startReceiver(t, store, Options{BearerToken: "s3cret-token"})
	event := []byte(`{"name":"card.shown"}`)
	tests := []struct {
		name   string
		url    string
		host   string
		auth   string
		code   int
		answer string
	}{
		{"loopback ip", open, "", "", 200, `"accepted":1`},
		{"localhost with port", open, "localhost:4318", "", 200, `"accepted":1`},
		{"ipv6 loopback", open, "[::1]:4318", "", 200, `"accepted":1`},
		{"configured host", open, "EVENTS.pod.local:4318", "", 200, `"accepted":1`},
		{"rebinding host", open, "attacker.example:4318", "", 421, "--otlp-host"},
		{"other ip", open, "10.0.0.7:4318", "", 421, "not a name of this receiver"},
		{"token missing", locked, "", "", 401, "bearer token"},
		{"token wrong", locked, "", "Bearer s3cret-tokem", 401, "bearer token"},
		{"token of another scheme", locked, "", "Basic s3cret-token", 401, "bearer token"},
		{"token right", locked, "", "Bearer s3cret-token", 200, `"accepted":1`},
		{"host checked before token", locked, "evil.example", "Bearer s3cret-token", 421, "not a name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{PathEvents, PathOTLPLogs} {
				body, ct := event, "application/json"
				if path == PathOTLPLogs {
					body, ct = mustProto(t, logsRequest(named("card.shown"))), "application/x-protobuf"
				}
				req := mustRequest(t, http.MethodPost, tc.url+path, body, map[string]string{"Content-Type": ct})
				if tc.host != "" {
					req.Host = tc.host
				}
				if tc.auth != "" {
					req.Header.Set("Authorization", tc.auth)
				}
				code, raw := do(t, req)
				if code != tc.code {
					t.Fatalf("%s: status %d, want %d: %s", path, code, tc.code, raw)
				}
				msg := answerText(t, path, map[string]string{"Content-Type": ct}, raw)
				if path == PathOTLPLogs && code == 200 {
					continue // an empty ExportLogsServiceResponse
				}
				if !strings.Contains(msg, tc.answer) {
					t.Errorf("%s: answer %q lacks %q", path, msg, tc.answer)
				}
			}
		})
	}
}
