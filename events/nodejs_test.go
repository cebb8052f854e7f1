package events

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// otlpjsDir holds a real OpenTelemetry JS log exporter, installed by
// `npm ci --prefix events/testdata/otlpjs` (scripts/test-deps.sh).
const otlpjsDir = "testdata/otlpjs"

// requireNodeExporter returns node's path, or skips (fails under CI=true)
// when node or the exporter packages are missing.
func requireNodeExporter(t *testing.T) string {
	t.Helper()
	missing := func(reason string) {
		msg := reason + "; install with: npm ci --prefix events/testdata/otlpjs"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(otlpjsDir, "node_modules", "@opentelemetry", "exporter-logs-otlp-http")); err != nil {
		missing("the OpenTelemetry JS exporter is not installed")
	}
	return node
}

// TestJSExporterOTLPJSON exports events with the OpenTelemetry JS SDK,
// whose OTLP/HTTP exporter speaks OTLP/JSON, plain and gzipped, and checks
// the stored events: hex ids, names from event_name and event.name,
// attributes, structured body, resource.
func TestJSExporterOTLPJSON(t *testing.T) {
	node := requireNodeExporter(t)
	const traceID, spanID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	for _, compression := range []string{"none", "gzip"} {
		t.Run(compression, func(t *testing.T) {
			store := openStore(t, recorder.Sync)
			_, url := startReceiver(t, store, Options{})
			cmd := exec.Command(node, "emit.js", url+PathOTLPLogs, compression, traceID, spanID)
			cmd.Dir = otlpjsDir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("node emit.js: %v\n%s", err, out)
			}
			evs := byName(storedEvents(t, store))
			shown, opened := evs["card.shown"], evs["cardholder.support_case_opened"]
			if shown == nil || opened == nil {
				t.Fatalf("stored %v", evs)
			}
			checks := []struct{ what, got, want string }{
				{"trace id", shown.Event.TraceID, traceID},
				{"span id", shown.Event.SpanID, spanID},
				{"time", shown.Event.Time.Format(time.RFC3339Nano), "2026-11-25T09:00:01.25Z"},
				{"attributes", string(shown.Event.Attributes), `{"attempt":3,"axys.card_id":"8812","first":true,"ratio":0.5,"tags":["a","b"]}`},
				{"resource service", string(shown.Event.Resource)[:len(`{"service.name":"node-app"`)], `{"service.name":"node-app"`},
				{"body", shown.Event.Body, "card shown"},
				{"structured body", opened.Event.Body, `{"n":2,"step":"opened"}`},
				{"name from attribute, trace", opened.Event.TraceID, traceID},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
		})
	}
}
