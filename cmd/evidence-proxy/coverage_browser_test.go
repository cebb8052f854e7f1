package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/internal/browsertest"
)

// TestLiveCoverageInChromium loads the live /coverage page of a running
// sidecar, under its Content-Security-Policy, in headless Chromium after
// real calls through it, and checks what a person would see.
func TestLiveCoverageInChromium(t *testing.T) {
	browsertest.Path(t)
	emu, err := axysemu.Start(context.Background(), axysemu.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	dir := t.TempDir()
	cert, key, ca := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem"), filepath.Join(dir, "ca.pem")
	if err := emu.ClientCert.WriteFiles(cert, key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, emu.CA.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, []string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--otlp-listen", "127.0.0.1:0",
		"--upstream", emu.URL, "--client-cert", cert, "--client-key", key, "--upstream-ca", ca,
		"--api-key", emu.APIKey, "--data-dir", t.TempDir()})
	defer s.stop(t)
	for _, path := range []string{"/v2/cardholders", "/v2/cardholders/999999", "/v2/cards"} {
		resp, err := http.Get("http://" + s.proxy + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	waitForTest(t, func() bool {
		_, body := get(t, "http://"+s.admin+"/coverage?format=json")
		return strings.Contains(body, `"records": 3`)
	})

	page := string(browsertest.Run(t, "--dump-dom", "http://"+s.admin+"/coverage"))
	for _, want := range []string{"row-1", "L16", "E404", "G2", "<svg", "<details", "/cardholders/{cardholderId}"} {
		if !strings.Contains(page, want) {
			t.Errorf("the rendered /coverage page lacks %q", want)
		}
	}
	// The unknown cardholder's 404 (the second call) is live evidence for
	// E404: the page shows it met, with that call.
	e404 := regexp.MustCompile(`(?s)<details class="req st-met" id="req-e404">.*?</details>`).FindString(page)
	if e404 == "" || !strings.Contains(e404, "<li>#2</li>") {
		t.Errorf("E404 is not shown met with call #2:\n%s", e404)
	}
}
