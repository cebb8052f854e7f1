package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/golive"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// stagingDataDir is the data directory of a sidecar that recorded a call
// in front of a staging emulator: its records carry that emulator's API
// key (fingerprinted).
func stagingDataDir(t *testing.T) (string, emuFiles, *axysemu.Server) {
	t.Helper()
	emu, f := startEmulator(t, axysemu.Options{TimeScale: 0.001})
	dataDir := t.TempDir()
	s := startServe(t, f.serveArgs(dataDir))
	call(t, s.proxy, "GET", "/cardholders", "")
	s.stop(t)
	return dataDir, f, emu
}

// storeWithClientCert is a data directory whose store's provenance holds
// the client certificate c, as a sidecar's collector saves it.
func storeWithClientCert(t *testing.T, c *pki.Cert) string {
	t.Helper()
	dataDir := t.TempDir()
	s, err := recorder.Open(filepath.Join(dataDir, storeFile), recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &evidence.Provenance{InstanceID: s.InstanceID(), ClientCerts: []evidence.Cert{{Subject: c.Cert.Subject.String(), Issuer: c.Cert.Issuer.String(),
		SHA256: pki.Fingerprint(c.Cert.Raw), NotBefore: c.Cert.NotBefore, NotAfter: c.Cert.NotAfter, DER: c.Cert.Raw}}}
	if err := s.SaveProvenance(p); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dataDir
}

func (f emuFiles) goliveArgs(dataDir string, extra ...string) []string {
	return append([]string{"golive", "verify", "--base-url", f.url, "--client-cert", f.cert, "--client-key", f.key,
		"--api-key-file", f.apiKey, "--upstream-ca", f.ca, "--data-dir", dataDir, "--timeout", "10s"}, extra...)
}

// TestGoliveVerify: against the emulator's production profile with its
// own credentials the switch verifies, and the signed result checks with
// verify and travels in a bundle; against the staging profile step 2
// fails; the staging base URL and the staging credentials are refused
// before any call.
func TestGoliveVerify(t *testing.T) {
	dataDir, staging, stagingEmu := stagingDataDir(t)
	_, prod := startEmulator(t, axysemu.Options{Profile: axysemu.Production})
	pub := filepath.Join(dataDir, signKeyFile+".pub")
	result := filepath.Join(t.TempDir(), "golive-result.json")

	out := runOK(t, prod.goliveArgs(dataDir, "--out", result)...)
	for _, want := range []string{"simulation-endpoints-404", "wrote " + result + ", signed by key"} {
		if !strings.Contains(out, want) {
			t.Errorf("golive verify lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "note: ") {
		t.Errorf("the staging credentials were not all compared:\n%s", out)
	}
	r, err := golive.ReadResultFile(result, mustPublicKey(t, pub))
	if err != nil || !r.Passed {
		t.Fatalf("result: %v, %+v", err, r)
	}
	if out := runOK(t, "verify", "--pubkey", pub, result); !strings.HasPrefix(out, "go-live") || !strings.Contains(out, "OK: ") {
		t.Errorf("verify of the result alone:\n%s", out)
	}
	if _, _, err := runCmd(t, "verify", result); exitCode(err) != exitUsage {
		t.Errorf("verify of a result without --pubkey: exit %d (%v), want 2", exitCode(err), err)
	}

	bundle := filepath.Join(t.TempDir(), "b.tar.zst")
	runOK(t, "export", "--data-dir", dataDir, "--golive-result", result, "--out", bundle)
	if out := runOK(t, "verify", "--pubkey", pub, bundle); !strings.Contains(out, "go-live      bundle's golive-result.json: passed: "+prod.url) {
		t.Errorf("verify of a bundle carrying the result:\n%s", out)
	}

	tests := []struct {
		name  string
		args  []string
		exit  int
		wants []string
	}{
		{"staging profile", staging.goliveArgs(t.TempDir()), exitFailure, []string{"simulation-endpoints-404", golive.LayerStaging, "not verified"}},
		{"staging base URL", prod.goliveArgs(dataDir, "--base-url", "https://staging.api.axyscards.com/v2"), exitFailure, []string{golive.ErrStagingURL.Error()}},
		{"staging certificate", append(prod.goliveArgs(storeWithClientCert(t, stagingEmu.ClientCert)), "--client-cert", staging.cert, "--client-key", staging.key), exitFailure,
			[]string{"failed   client-certificate-differs [credentials]", "skipped  cardholders-200"}},
		{"staging API key", append(prod.goliveArgs(dataDir), "--api-key-file", staging.apiKey), exitFailure,
			[]string{"failed   api-key-differs [credentials]", "skipped  simulation-endpoints-404"}},
		{"missing flags", []string{"golive", "verify", "--client-cert", prod.cert}, exitUsage, []string{"--client-key, --api-key-file"}},
		{"dry run with --out", prod.goliveArgs(dataDir, "--dry-run", "--out", result), exitUsage, []string{"--dry-run sends nothing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, tt.args...)
			if exitCode(err) != tt.exit {
				t.Fatalf("exit %d (%v), want %d\n%s", exitCode(err), err, tt.exit, out)
			}
			for _, want := range tt.wants {
				if !strings.Contains(out+err.Error(), want) {
					t.Errorf("output and error lack %q:\n%s\n%v", want, out, err)
				}
			}
		})
	}
}

// TestGoliveDryRun prints the two requests and sends nothing: the base
// URL is a port where nothing listens.
func TestGoliveDryRun(t *testing.T) {
	_, prod := startEmulator(t, axysemu.Options{Profile: axysemu.Production})
	prod.url = "https://127.0.0.1:1/v2"
	out := runOK(t, prod.goliveArgs(t.TempDir(), "--dry-run")...)
	for _, want := range []string{"nothing is sent", "1. GET https://127.0.0.1:1/v2/cardholders", "2. POST https://127.0.0.1:1/v2/staging/kyc/validate",
		"note: no store in", "note: no redaction key in"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	key, _ := os.ReadFile(prod.apiKey)
	if strings.Contains(out, strings.TrimSpace(string(key))) {
		t.Error("the dry run shows the API key")
	}
}

func mustPublicKey(t *testing.T, path string) []byte {
	t.Helper()
	pub, err := export.LoadPublicKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// TestGoliveResultTampered: a result edited after signing fails verify,
// alone or carried by export.
func TestGoliveResultTampered(t *testing.T) {
	dataDir, _, _ := stagingDataDir(t)
	_, prod := startEmulator(t, axysemu.Options{Profile: axysemu.Production})
	result := filepath.Join(t.TempDir(), "golive-result.json")
	runOK(t, prod.goliveArgs(dataDir, "--out", result)...)
	data, err := os.ReadFile(result)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(data), `"payload": "`) + len(`"payload": "`) + 20
	data[i] ^= 1
	bad := writeFile(t, "bad.json", string(data))
	_, _, err = runCmd(t, "verify", "--pubkey", filepath.Join(dataDir, signKeyFile+".pub"), bad)
	if exitCode(err) != exitFailure || !errors.Is(err, golive.ErrInvalidResult) {
		t.Errorf("verify of a tampered result: exit %d, %v", exitCode(err), err)
	}
	_, _, err = runCmd(t, "export", "--data-dir", dataDir, "--golive-result", bad, "--out", filepath.Join(t.TempDir(), "b.tar.zst"))
	if err == nil || !strings.Contains(err.Error(), "--golive-result") {
		t.Errorf("export --golive-result of a tampered result: %v", err)
	}
}
