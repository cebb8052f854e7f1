package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/events"
	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// TestDemo runs the README's first command end to end and then checks its
// bundle with the verify and coverage commands, as a user would.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo runs emulator, sidecar and script for several seconds; skipped in -short")
	}
	out := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"demo", "--out", out}, &stdout, &stderr)
	// The app's events reach the sidecar's receiver and are in the store
	// beside its calls (checked before the export, which comes after).
	if _, statErr := os.Stat(filepath.Join(out, "data", storeFile)); statErr == nil {
		evs := eventsByName(storeRecords(t, filepath.Join(out, "data")))
		for _, name := range []string{events.EventCardScreenUnlocked, events.EventSupportCaseOpened, events.EventCardShown,
			events.EventLedgerUpdated, events.EventDeclineRecorded, events.EventOTPDelivered} {
			if evs[name] == nil {
				t.Errorf("the demo's store has no %s event (it has %d event names)", name, len(evs))
			}
		}
	}
	if err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	got := stdout.String()
	// The demo's evidence is the emulator's, and says so first.
	for _, want := range []string{"verified  OK: emulator", "signed by key", "(pinned)",
		"environment  NOT AXYS STAGING: ", " calls to the evidence-proxy emulator at https://127.0.0.1:"} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q:\n%s", want, got)
		}
	}
	for _, id := range []string{"row-1", "G2", "EV-approval"} {
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(id) + `\s+met\s`).MatchString(got) {
			t.Errorf("demo output does not show %s met:\n%s", id, got)
		}
	}
	m := regexp.MustCompile(`(\d+) of (\d+) requirements met`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no coverage summary in the demo output:\n%s", got)
	}
	// Requirements that need hours of real time must stay gaps: the demo
	// may not fake them.
	if !regexp.MustCompile(`row-7\s+(PARTIAL|MISSING)`).MatchString(got) {
		t.Errorf("row-7 (polling over several hours) must not be met by a one-minute demo:\n%s", got)
	}

	// The demo ends with coverage.html beside the bundle, says how to
	// open it, and its evidence numbers link to calls it embeds.
	html := filepath.Join(out, "coverage.html")
	if !strings.Contains(got, "report    "+html+"\n") || !strings.Contains(got, "open it in a browser: ") {
		t.Errorf("the demo does not say where coverage.html is and how to open it:\n%s", got)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if link := regexp.MustCompile(`href="#(call-\d+)"`).FindSubmatch(page); link == nil || !bytes.Contains(page, []byte(`id="`+string(link[1])+`"`)) ||
		!bytes.Contains(page, []byte("NOT AXYS STAGING")) {
		t.Errorf("coverage.html: no evidence link to an embedded call, or no provenance banner")
	}

	bundle := filepath.Join(out, "evidence-bundle.tar.zst")
	stdout.Reset()
	pub := filepath.Join(out, "data", signKeyFile+".pub")
	if err := run(ctx, []string{"verify", "--pubkey", pub, bundle}, &stdout, &stderr); err != nil {
		t.Fatalf("verify the demo bundle: %v", err)
	}
	if !strings.HasPrefix(stdout.String(), "environment  NOT AXYS STAGING: ") || !strings.Contains(stdout.String(), "\nOK: emulator; ") {
		t.Errorf("verify said %q, want the emulator first and OK", stdout.String())
	}
	checkBundleReportsLabelled(t, bundle, evidence.ClassEmulator)

	// The offline report from the store agrees with the bundle's.
	stdout.Reset()
	if err := run(ctx, []string{"coverage", "--db", filepath.Join(out, "data", storeFile), "--format", "table"}, &stdout, &stderr); err != nil {
		t.Fatalf("coverage: %v", err)
	}
	if !strings.Contains(stdout.String(), m[0]) {
		t.Errorf("offline coverage disagrees with the demo's %q:\n%s", m[0], stdout.String())
	}

	// A flipped byte in the bundle is caught with a non-zero exit.
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x40
	bad := filepath.Join(out, "tampered.tar.zst")
	if err := os.WriteFile(bad, data, 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"verify", bad}, &stdout, &stderr)
	if err == nil || exitCode(err) == 0 || !strings.Contains(err.Error(), "FAILED") {
		t.Fatalf("verify of a tampered bundle: err = %v, want a FAILED error", err)
	}
}
