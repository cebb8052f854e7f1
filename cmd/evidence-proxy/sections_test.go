package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/golive"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// emuFiles are an emulator's credentials as files, the API key owner-only.
type emuFiles struct {
	url, cert, key, ca, apiKey string
}

// startEmulator serves an emulator for the test and writes its
// credentials.
func startEmulator(t *testing.T, o axysemu.Options) (*axysemu.Server, emuFiles) {
	t.Helper()
	emu, err := axysemu.Start(context.Background(), axysemu.StartOptions{Options: o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	dir := t.TempDir()
	f := emuFiles{url: emu.URL, cert: filepath.Join(dir, "client.pem"), key: filepath.Join(dir, "client-key.pem"), ca: filepath.Join(dir, "ca.pem"),
		apiKey: writeSecret(t, emu.APIKey+"\n")}
	if err := emu.ClientCert.WriteFiles(f.cert, f.key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.ca, emu.CA.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return emu, f
}

// serveArgs run a sidecar in front of the emulator that adds its API key.
func (f emuFiles) serveArgs(dataDir string, extra ...string) []string {
	return append([]string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--otlp-listen", "off",
		"--upstream", f.url, "--client-cert", f.cert, "--client-key", f.key, "--upstream-ca", f.ca,
		"--api-key-file", f.apiKey, "--data-dir", dataDir}, extra...)
}

// call sends one call through the sidecar's proxy listener.
func call(t *testing.T, proxy, method, path, body string, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+proxy+"/v2"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// malformedHolder is a POST /cardholders body with a one-digit calling
// code, which the description refuses (three digits).
const malformedHolder = `{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com","gender":0,"nationality":"American","placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US","zipCode":"94105","callingCode":"1","cellNum":"4155550100","countryCallingCode":"US"}`

// recordSomeCalls makes three calls: a list read, a malformed create
// tagged as a test script's (the emulator accepts it: L1 is met by it), an
// unknown path.
func recordSomeCalls(t *testing.T, proxy string) {
	t.Helper()
	call(t, proxy, "GET", "/cardholders", "")
	call(t, proxy, "POST", "/cardholders", malformedHolder, golive.ScriptHeader, "L1", "User-Agent", "evidence-proxy-script/test (L1)")
	call(t, proxy, "GET", "/no-such-thing", "")
}

const testChecklist = "content: axys-go-live 2026.12.1\nsetup:\n  ptr-records: {confirmed: true, note: \"A and PTR records set on 2026-11-30, ticket OPS-12\"}\n"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runOK runs a command line that must succeed and returns its output.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := runCmd(t, args...)
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, stderr)
	}
	return out
}

// TestReportSectionsEverywhere: the readiness view and the contract
// findings on /coverage, in the offline report, in the bundle (recomputed
// by verify), and the contract counters on /metrics, counted once.
func TestReportSectionsEverywhere(t *testing.T) {
	_, f := startEmulator(t, axysemu.Options{TimeScale: 0.001, Seed: 3})
	dataDir := t.TempDir()
	checklist := writeFile(t, "golive-checklist.yaml", testChecklist)
	s := startServe(t, f.serveArgs(dataDir, "--golive-checklist", checklist))
	recordSomeCalls(t, s.proxy)
	waitForTest(t, func() bool {
		_, body := get(t, "http://"+s.admin+"/metrics")
		return strings.Contains(body, "evidence_proxy_contract_calls_checked_total 3")
	})
	_, metrics := get(t, "http://"+s.admin+"/metrics")
	for _, want := range []string{`evidence_proxy_contract_findings_total{endpoint="POST /cardholders",rule="pattern"} 1`,
		`evidence_proxy_contract_findings_total{endpoint="GET other",rule="undocumented-endpoint"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	_, live := get(t, "http://"+s.admin+"/coverage?format=md")
	s.stop(t)
	checkSections(t, "/coverage", live)

	// A restart replays the store into the live report but counts nothing
	// again.
	s = startServe(t, f.serveArgs(dataDir, "--golive-checklist", checklist))
	_, live = get(t, "http://"+s.admin+"/coverage?format=md")
	_, metrics = get(t, "http://"+s.admin+"/metrics")
	s.stop(t)
	checkSections(t, "/coverage after a restart", live)
	if !strings.Contains(metrics, "evidence_proxy_contract_calls_checked_total 0") {
		t.Errorf("a restart counted the store's calls again:\n%s", grepLines(metrics, "contract"))
	}

	offline := runOK(t, "coverage", "--data-dir", dataDir, "--format", "md", "--golive-checklist", checklist)
	checkSections(t, "coverage --format md", offline)
	if offline != live {
		t.Error("the offline report differs from the live one over the same records")
	}

	bundle := filepath.Join(t.TempDir(), "b.tar.zst")
	runOK(t, "export", "--data-dir", dataDir, "--golive-checklist", checklist, "--out", bundle)
	out := runOK(t, "verify", "--pubkey", filepath.Join(dataDir, signKeyFile+".pub"), bundle)
	def := contract.Default()
	if !regexp.MustCompile(`(?m)^OK: `).MatchString(out) || !strings.Contains(out, "contract findings, readiness and HAR recomputed identically") ||
		!strings.Contains(out, "contract     \""+def.Title()+"\" "+def.Version()) {
		t.Errorf("verify:\n%s", out)
	}
	other := writeFile(t, "other.yaml", strings.Replace(string(def.Bytes()), `version: "`+def.Version()+`"`, `version: "2099.1.1"`, 1))
	if out := runOK(t, "verify", "--pubkey", filepath.Join(dataDir, signKeyFile+".pub"), "--spec", other, bundle); !strings.Contains(out, "the --spec given is another description") {
		t.Errorf("verify --spec of another description:\n%s", out)
	}
}

// checkSections: a Markdown report holds both sections, the script's
// evidence marked, the checklist answered and the malformed call found.
func checkSections(t *testing.T, where, md string) {
	t.Helper()
	for _, want := range []string{"## Audit readiness", "| `L1` | met |", "test script `L1`", "ticket OPS", "## Contract",
		"these break in production", "`request.body.callingCode`", "| `POST /cardholders` |"} {
		if !strings.Contains(md, want) {
			t.Errorf("%s lacks %q", where, want)
		}
	}
}

// TestReportFilesRefusedWithTheirLine: a description or checklist that
// cannot be used stops coverage, export, serve and --check-config, naming
// the file and the line.
func TestReportFilesRefusedWithTheirLine(t *testing.T) {
	badSpec := filepath.Join("..", "..", "contract", "testdata", "invalid-yaml.yaml")
	badChecklist := writeFile(t, "checklist.yaml", "setup:\n  moon-base: {confirmed: true, note: \"built\"}\n")
	p := newServePKI(t)
	tests := []struct {
		name string
		args []string
		want *regexp.Regexp
	}{
		{"coverage --spec", []string{"coverage", "--db", filepath.Join(t.TempDir(), "none.db"), "--spec", badSpec}, regexp.MustCompile(`load spec .*invalid-yaml\.yaml:8:1: parse YAML`)},
		{"export --spec", []string{"export", "--data-dir", t.TempDir(), "--spec", badSpec}, regexp.MustCompile(`invalid-yaml\.yaml:8:1`)},
		{"coverage --golive-checklist", []string{"coverage", "--golive-checklist", badChecklist}, regexp.MustCompile(`--golive-checklist: parse checklist .*checklist\.yaml: checklist line 2: .*moon-base`)},
		{"serve --spec", append(p.args(t.TempDir(), p.goodCert, p.goodKey), "--spec", badSpec), regexp.MustCompile(`cannot start:(.|\n)*contract description and go-live checklist: load spec .*:8:1`)},
		{"serve --golive-checklist", append(p.args(t.TempDir(), p.goodCert, p.goodKey), "--golive-checklist", badChecklist), regexp.MustCompile(`line 2`)},
		{"spec --spec", []string{"spec", "--spec", badSpec}, regexp.MustCompile(`invalid-yaml\.yaml:8:1`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCmd(t, tt.args...)
			if err == nil || !tt.want.MatchString(err.Error()) || exitCode(err) != exitFailure {
				t.Fatalf("err = %v (exit %d), want exit 1 matching %s", err, exitCode(err), tt.want)
			}
		})
	}
	var out bytes.Buffer
	err := run(context.Background(), append(p.args(t.TempDir(), p.goodCert, p.goodKey), "--spec", badSpec, "--check-config"), &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "FAIL  contract description and go-live checklist: load spec") {
		t.Errorf("--check-config with a bad --spec: %v\n%s", err, out.String())
	}
	var le *contract.LoadError
	if _, _, err := runCmd(t, "spec", "--spec", badSpec); !errors.As(err, &le) || le.Line != 8 {
		t.Errorf("spec --spec: %v is not a LoadError at line 8", err)
	}
}

// coverageReport reads a store's coverage with the coverage command.
func coverageReport(t *testing.T, args ...string) *coverage.Report {
	t.Helper()
	out := runOK(t, append([]string{"coverage", "--format", "json"}, args...)...)
	rep, err := coverage.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
