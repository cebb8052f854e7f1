package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// otlpAddr is the event receiver's address from the "serving" log line.
func (s *runningServe) otlpAddr(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`"msg":"serving".*?"otlp":"([^"]+)"`).FindStringSubmatch(s.log())
	if m == nil {
		t.Fatalf("no otlp address in the serving line:\n%s", s.log())
	}
	return m[1]
}

// storeRecords reads every record of a stopped sidecar's store.
func storeRecords(t *testing.T, dataDir string) []*evidence.Record {
	t.Helper()
	s, err := recorder.OpenReadOnly(filepath.Join(dataDir, storeFile))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	var out []*evidence.Record
	if err := s.Iterate(context.Background(), 1, func(r *evidence.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// eventsByName returns the event records of recs by name.
func eventsByName(recs []*evidence.Record) map[string]*evidence.Event {
	out := map[string]*evidence.Event{}
	for _, r := range recs {
		if r.Kind == evidence.KindEvent && r.Event != nil {
			out[r.Event.Name] = r.Event
		}
	}
	return out
}

// TestServeEventReceiver: the event command and an OTLP/HTTP exporter
// reach serve's receiver, the --event-attribute mapping applies, and the
// events are in the store once serve has stopped (the receiver is shut
// down before the store closes).
func TestServeEventReceiver(t *testing.T) {
	p := newServePKI(t)
	dataDir := t.TempDir()
	s := startServe(t, append(p.args(dataDir, p.goodCert, p.goodKey), "--event-attribute", "card_ref=axys.card_id"))
	otlp := "http://" + s.otlpAddr(t)

	out, _, err := runCmd(t, "event", "--otlp", otlp, "card.shown", `card_ref="8812"`, "screen=wallet", "attempt=2")
	if err != nil || !strings.Contains(out, "recorded 1 event card.shown (3 attributes)") {
		t.Fatalf("event: %v, %q", err, out)
	}
	const logs = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"card-app"}}]},` +
		`"scopeLogs":[{"logRecords":[{"eventName":"otp.delivered","attributes":[{"key":"axys.card_id","value":{"stringValue":"8812"}}]}]}]}]}`
	resp, err := http.Post(otlp+"/v1/logs", "application/json", strings.NewReader(logs))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/logs: %s", resp.Status)
	}
	_, _, err = runCmd(t, "event", "--otlp", otlp, "bad.mapping", "x")
	if exitCode(err) != exitUsage || !strings.Contains(err.Error(), "want key=value") {
		t.Errorf("event with a bare word: exit %d, %v", exitCode(err), err)
	}
	s.stop(t)

	evs := eventsByName(storeRecords(t, dataDir))
	shown, otp := evs["card.shown"], evs["otp.delivered"]
	if shown == nil || otp == nil {
		t.Fatalf("events in the store: %v, want card.shown and otp.delivered", evs)
	}
	var attrs map[string]any
	if err := json.Unmarshal(shown.Attributes, &attrs); err != nil {
		t.Fatal(err)
	}
	if attrs["axys.card_id"] != "8812" || attrs["card_ref"] != "8812" || attrs["attempt"] != float64(2) || shown.Source != evidence.EventSourceCLI {
		t.Errorf("card.shown: source %q, attributes %s: want the mapping applied and typed values", shown.Source, shown.Attributes)
	}
	if otp.Source != evidence.EventSourceOTLP || !strings.Contains(string(otp.Resource), `"service.name":"card-app"`) {
		t.Errorf("otp.delivered: source %q, resource %s", otp.Source, otp.Resource)
	}
}

// TestServeEventReceiverBeyondLoopback: beyond loopback the receiver
// takes the admin token, and names given with --otlp-host.
func TestServeEventReceiverBeyondLoopback(t *testing.T) {
	p := newServePKI(t)
	token := writeSecret(t, "ev3nt-t0ken\n")
	s := startServe(t, append(p.args(t.TempDir(), p.goodCert, p.goodKey),
		"--otlp-listen", "0.0.0.0:0", "--admin-token-file", token, "--otlp-host", "sidecar.svc"))
	defer s.stop(t)
	_, port, err := net.SplitHostPort(s.otlpAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	otlp := "http://127.0.0.1:" + port
	_, _, err = runCmd(t, "event", "--otlp", otlp, "card.shown")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("event without the token: %v, want 401", err)
	}
	if out, _, err := runCmd(t, "event", "--otlp", otlp, "--admin-token-file", token, "card.shown"); err != nil {
		t.Errorf("event with the token: %v %q", err, out)
	}
	req, err := http.NewRequest(http.MethodPost, otlp+"/events", strings.NewReader(`{"name":"card.shown"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "sidecar.svc:" + port
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer ev3nt-t0ken")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST /events with Host sidecar.svc: %s, want 200", resp.Status)
	}
}

// TestServeEventReceiverOff: --otlp-listen off binds nothing.
func TestServeEventReceiverOff(t *testing.T) {
	p := newServePKI(t)
	args := p.args(t.TempDir(), p.goodCert, p.goodKey)
	s := startServe(t, append(args, "--otlp-listen", "off"))
	defer s.stop(t)
	if got := s.otlpAddr(t); got != "off" {
		t.Errorf("serving line: otlp %q, want off", got)
	}
	out, _, err := runCmd(t, append(p.args(t.TempDir(), p.goodCert, p.goodKey), "--otlp-listen", "", "--check-config")...)
	if err != nil || strings.Contains(out, "ok    otlp-listen") || !strings.Contains(out, "otlp-listen ") {
		t.Errorf("check-config with --otlp-listen \"\": %v, want no receiver check:\n%s", err, out)
	}
}
