package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// bundleFiles returns the members of a bundle by name.
func bundleFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = data
	}
}

// checkBundleReportsLabelled checks that the manifest and every coverage
// report of a bundle carry the environment class, and that anything but
// axys-staging says NOT AXYS STAGING first.
func checkBundleReportsLabelled(t *testing.T, bundle string, class evidence.Class) {
	t.Helper()
	files := bundleFiles(t, bundle)
	var man struct {
		Environment struct {
			Class evidence.Class `json:"class"`
		} `json:"environment"`
	}
	if err := json.Unmarshal(files["manifest.json"], &man); err != nil || man.Environment.Class != class {
		t.Errorf("manifest environment %q (%v), want %s", man.Environment.Class, err, class)
	}
	checkReportLabelled(t, "json", files["coverage.json"], class)
	checkReportLabelled(t, "md", files["coverage.md"], class)
	checkReportLabelled(t, "html", files["coverage.html"], class)
	if len(files["matrix.yaml"]) == 0 {
		t.Error("the bundle carries no matrix.yaml")
	}
}

// checkReportLabelled checks the provenance header at the top of one
// report.
func checkReportLabelled(t *testing.T, format string, report []byte, class evidence.Class) {
	t.Helper()
	text := string(report)
	notStaging := class != evidence.ClassAxysStaging
	switch format {
	case "json":
		var r struct {
			Provenance struct {
				Class evidence.Class `json:"class"`
				Lines []struct{ Label, Text string }
			} `json:"provenance"`
		}
		if err := json.Unmarshal(report, &r); err != nil || r.Provenance.Class != class || len(r.Provenance.Lines) == 0 {
			t.Errorf("JSON report: provenance class %q (%v), want %s", r.Provenance.Class, err, class)
			return
		}
		text = r.Provenance.Lines[0].Text
		if !strings.HasPrefix(text, "NOT AXYS STAGING") == notStaging {
			t.Errorf("JSON report: environment line %q for class %s", text, class)
		}
	case "md":
		if strings.HasPrefix(text, "> **NOT AXYS STAGING") != notStaging {
			t.Errorf("Markdown report for %s starts %.120q", class, text)
		}
	case "html":
		if !strings.Contains(text, `<section class="provenance" data-class="`+string(class)+`"`) {
			t.Errorf("HTML report has no %s provenance banner", class)
		}
	case "table":
		if !strings.HasPrefix(text, "environment  ") || strings.HasPrefix(text, "environment  NOT AXYS STAGING") != notStaging {
			t.Errorf("table for %s starts %.120q", class, text)
		}
	}
}

// emulatorSidecar is serve in front of the emulator, with its credentials.
type emulatorSidecar struct {
	*runningServe
	emu     *axysemu.Server
	dataDir string
	args    []string
}

func startEmulatorSidecar(t *testing.T, extra ...string) *emulatorSidecar {
	t.Helper()
	emu, err := axysemu.Start(context.Background(), axysemu.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	dir := t.TempDir()
	cert, key, ca := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem"), filepath.Join(dir, "ca.pem")
	if err := emu.ClientCert.WriteFiles(cert, key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, emu.CA.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--otlp-listen", "off",
		"--upstream", emu.URL, "--client-cert", cert, "--client-key", key, "--upstream-ca", ca, "--data-dir", dataDir,
		"--api-key", emu.APIKey}, extra...)
	return &emulatorSidecar{runningServe: startServe(t, args), emu: emu, dataDir: dataDir, args: args}
}

// TestServeProvenanceOfTheEmulator: calls through a sidecar in front of
// the emulator are labelled emulator, first, in /coverage (every format,
// and over a window), in the bundle /export signs with the sidecar's own
// key, and in verify; the provenance is kept in the store across a
// restart, and the start log says where the signing key is.
func TestServeProvenanceOfTheEmulator(t *testing.T) {
	s := startEmulatorSidecar(t)
	for range 3 {
		if status, body := get(t, "http://"+s.proxy+"/v2/cardholders"); status != 200 {
			t.Fatalf("call through the sidecar: %d %s", status, body)
		}
	}
	waitForTest(t, func() bool {
		_, body := get(t, "http://"+s.admin+"/coverage?format=json")
		return strings.Contains(body, `"records": 3`)
	})
	for _, format := range []string{"json", "md", "html", "table"} {
		status, body := get(t, "http://"+s.admin+"/coverage?format="+format)
		if status != 200 {
			t.Fatalf("/coverage?format=%s: %d %s", format, status, body)
		}
		checkReportLabelled(t, format, []byte(body), evidence.ClassEmulator)
	}
	_, table := get(t, "http://"+s.admin+"/coverage?format=table")
	if !strings.Contains(table, "NOT AXYS STAGING: 3 calls to the evidence-proxy emulator at "+strings.TrimSuffix(s.emu.URL, "/v2")) {
		t.Errorf("/coverage table does not count the emulator's calls:\n%.600s", table)
	}
	// A window after the calls holds none of them.
	status, later := get(t, "http://"+s.admin+"/coverage?format=table&since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if status != 200 || !strings.Contains(later, "window       requested ") || !strings.Contains(later, "; no records") {
		t.Errorf("/coverage over an empty window: %d\n%.600s", status, later)
	}
	if status, body := get(t, "http://"+s.admin+"/coverage?since=tomorrow"); status != 400 || !strings.Contains(body, "RFC 3339") {
		t.Errorf("/coverage?since=tomorrow: %d %q", status, body)
	}

	bundle := filepath.Join(t.TempDir(), "b.tar.zst")
	out, _, err := runCmd(t, "export", "--from", "http://"+s.admin, "--out", bundle)
	if err != nil || !strings.Contains(out, "environment emulator, signed by the sidecar's key") {
		t.Fatalf("export --from: %v\n%s", err, out)
	}
	checkBundleReportsLabelled(t, bundle, evidence.ClassEmulator)
	verified, _, err := runCmd(t, "verify", "--pubkey", signKeyPath(s.dataDir)+".pub", bundle)
	if err != nil {
		t.Fatalf("verify --pubkey of the sidecar's key: %v\n%s", err, verified)
	}
	for _, want := range []string{"environment  NOT AXYS STAGING: 3 calls to the evidence-proxy emulator",
		"recorded by  Tenant ", "window       requested all records; 3 records", "matrix       axys-v2 ", "\nOK: emulator; 3 records"} {
		if !strings.Contains(verified, want) {
			t.Errorf("verify output lacks %q:\n%s", want, verified)
		}
	}
	s.stop(t)
	if !strings.Contains(s.log(), `"msg":"signing key","path":"`+signKeyPath(s.dataDir)+`","created":true`) {
		t.Errorf("the first start does not say it created the signing key:\n%.2000s", s.log())
	}
	// The store kept the provenance: a stopped store's report says the same.
	table, _, err = runCmd(t, "coverage", "--data-dir", s.dataDir)
	if err != nil || !strings.Contains(table, "NOT AXYS STAGING: 3 calls to the evidence-proxy emulator") {
		t.Errorf("coverage of the stopped store: %v\n%.600s", err, table)
	}
}

// TestExportFromNeverMakesAKey: export --from, run in an empty working
// directory, downloads the bundle the sidecar signed: no key appears
// anywhere but the sidecar's data directory, and verify with the
// sidecar's public key passes. Flags that would sign or judge here are
// refused.
func TestExportFromNeverMakesAKey(t *testing.T) {
	s := startEmulatorSidecar(t)
	defer s.stop(t)
	if status, _ := get(t, "http://"+s.proxy+"/v2/cardholders"); status != 200 {
		t.Fatalf("call: %d", status)
	}
	work, outDir := t.TempDir(), t.TempDir()
	t.Chdir(work)
	bundle := filepath.Join(outDir, "evidence.tar.zst")
	if out, _, err := runCmd(t, "export", "--from", "http://"+s.admin, "--out", bundle); err != nil {
		t.Fatalf("export --from: %v\n%s", err, out)
	}
	for _, dir := range []string{work, outDir} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && path != bundle {
				t.Errorf("export --from left %s behind", path)
			}
			return nil
		})
	}
	keys, _ := filepath.Glob(filepath.Join(s.dataDir, "*.pem*"))
	if len(keys) != 2 {
		t.Errorf("the sidecar's data directory holds keys %v, want signing-key.pem and its .pub", keys)
	}
	if out, _, err := runCmd(t, "verify", "--pubkey", signKeyPath(s.dataDir)+".pub", bundle); err != nil {
		t.Errorf("verify with the sidecar's key: %v\n%s", err, out)
	}
	for _, flag := range [][]string{{"--sign-key", "k.pem"}, {"--data-dir", "d"}, {"--matrix", "m.yaml"}} {
		_, _, err := runCmd(t, append([]string{"export", "--from", "http://" + s.admin, "--out", bundle}, flag...)...)
		if exitCode(err) != exitUsage || !strings.Contains(err.Error(), flag[0]+" does not go with --from") {
			t.Errorf("export --from %s: exit %d, %v", flag[0], exitCode(err), err)
		}
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("the working directory is not empty: %v", entries)
	}
}

// TestVerifyAuthenticates: a bundle intact but signed by another key (a
// forger who re-exported the records) verifies only as unauthenticated
// without --pubkey (exit 3, saying so, with the provenance first) and
// fails against the integrator's key (exit 1); the integrator's own
// bundle passes with it (exit 0).
func TestVerifyAuthenticates(t *testing.T) {
	s := startEmulatorSidecar(t)
	if status, _ := get(t, "http://"+s.proxy+"/v2/cardholders"); status != 200 {
		t.Fatal("call failed")
	}
	s.stop(t)
	dir := t.TempDir()
	genuine, forged := filepath.Join(dir, "genuine.tar.zst"), filepath.Join(dir, "forged.tar.zst")
	if _, _, err := runCmd(t, "export", "--data-dir", s.dataDir, "--out", genuine); err != nil {
		t.Fatal(err)
	}
	forger := filepath.Join(t.TempDir(), "forger.pem")
	_, stderr, err := runCmd(t, "export", "--data-dir", s.dataDir, "--sign-key", forger, "--out", forged)
	if err != nil || !strings.Contains(stderr, "created signing key "+forger) {
		t.Fatalf("export with a new key: %v, stderr %q", err, stderr)
	}
	integrator := signKeyPath(s.dataDir) + ".pub"
	tests := []struct {
		name     string
		args     []string
		want     int
		says     string
		verdict  string
		pinLabel string
	}{
		{"genuine, pinned", []string{"--pubkey", integrator, genuine}, exitOK, "", "OK: emulator", "(pinned)"},
		{"forged, nothing pinned", []string{forged}, exitUnauthenticated, "UNAUTHENTICATED", "UNAUTHENTICATED: emulator", "NOT PINNED"},
		{"forged, the integrator's key pinned", []string{"--pubkey", integrator, forged}, exitFailure, "FAILED", "", ""},
		{"genuine, two keys pinned", []string{"--pubkey", forger + ".pub", "--pubkey", integrator, genuine}, exitOK, "", "OK: emulator", "(pinned)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, append([]string{"verify"}, tt.args...)...)
			if got := exitCode(err); got != tt.want || (tt.says != "" && !strings.Contains(err.Error(), tt.says)) {
				t.Fatalf("exit %d (%v), want %d saying %q", got, err, tt.want, tt.says)
			}
			if tt.verdict == "" {
				if strings.Contains(out, "OK:") {
					t.Errorf("a failed verify printed %q", out)
				}
				return
			}
			if !strings.HasPrefix(out, "environment  NOT AXYS STAGING") || !strings.Contains(out, "\n"+tt.verdict) || !strings.Contains(out, tt.pinLabel) {
				t.Errorf("verify printed:\n%s", out)
			}
		})
	}
}

// TestCoverageWindow: coverage --since/--until judges only the records in
// the window, which the header states; over a window it equals the report
// of the store's records filtered to it; bad windows are usage errors.
func TestCoverageWindow(t *testing.T) {
	s := startEmulatorSidecar(t)
	for range 2 {
		get(t, "http://"+s.proxy+"/v2/cardholders")
	}
	time.Sleep(20 * time.Millisecond)
	mid := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	get(t, "http://"+s.proxy+"/v2/cards/8001")
	s.stop(t)

	since := mid.Format(time.RFC3339Nano)
	got, _, err := runCmd(t, "coverage", "--data-dir", s.dataDir, "--since", since, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Records    int `json:"records"`
		Provenance struct {
			Lines []struct{ Label, Text string }
		} `json:"provenance"`
	}
	if err := json.Unmarshal([]byte(got), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Records != 1 {
		t.Errorf("report over the window holds %d records, want the 1 after %s", rep.Records, since)
	}
	var window string
	for _, l := range rep.Provenance.Lines {
		if l.Label == "window" {
			window = l.Text
		}
	}
	if !strings.HasPrefix(window, "requested "+mid.Format(time.RFC3339Nano)+" – open; 1 record from ") {
		t.Errorf("window line %q", window)
	}

	// The same report as the filtered records give.
	recs := storeRecords(t, s.dataDir)
	var inWindow []*evidence.Record
	for _, r := range recs {
		if !r.Time.Before(mid) {
			inWindow = append(inWindow, r)
		}
	}
	want := reportOfRecords(t, inWindow)
	gotTable, _, err := runCmd(t, "coverage", "--data-dir", s.dataDir, "--since", since)
	if err != nil {
		t.Fatal(err)
	}
	if i := strings.Index(gotTable, "\n\n"); i < 0 || gotTable[i+2:] != want {
		t.Errorf("coverage --since differs from the report of the records in the window:\n%s\nwant:\n%s", gotTable, want)
	}

	for _, args := range [][]string{{"--since", "yesterday"}, {"--since", "1h", "--until", "2h"}, {"--until", "-5m"}} {
		_, _, err := runCmd(t, append([]string{"coverage", "--data-dir", s.dataDir}, args...)...)
		if exitCode(err) != exitUsage {
			t.Errorf("coverage %v: exit %d (%v), want a usage error", args, exitCode(err), err)
		}
	}
}

// reportOfRecords is the table of the records given, as coverage renders
// it after its header.
func reportOfRecords(t *testing.T, recs []*evidence.Record) string {
	t.Helper()
	extras, err := (&reportFlags{}).load()
	if err != nil {
		t.Fatal(err)
	}
	p := bundlecov.NewPass(coverage.DefaultMatrix(), extras)
	for _, r := range recs {
		p.Observe(r)
	}
	rep, sections, err := p.Report()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeFullReport(&buf, rep, sections, "table"); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestCustomMatrixBundleVerifiesAlone: a bundle judged against a matrix
// of the program's own (extends axys-v2, drops four requirements) verifies
// in an empty directory holding only the bundle and the public key, and
// verify names what the matrix drops and replaces.
func TestCustomMatrixBundleVerifiesAlone(t *testing.T) {
	s := startEmulatorSidecar(t)
	get(t, "http://"+s.proxy+"/v2/cardholders")
	s.stop(t)
	matrix, err := filepath.Abs(filepath.Join("..", "..", "coverage", "testdata", "matrix", "extend.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	bundle, pub := filepath.Join(empty, "evidence.tar.zst"), filepath.Join(empty, "integrator.pub")
	if out, _, err := runCmd(t, "export", "--data-dir", s.dataDir, "--matrix", matrix, "--out", bundle); err != nil {
		t.Fatalf("export --matrix: %v\n%s", err, out)
	}
	keyOut, _, err := runCmd(t, "key", "show", "--data-dir", s.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, []byte(keyOut), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(empty)
	out, _, err := runCmd(t, "verify", "--pubkey", "integrator.pub", "evidence.tar.zst")
	if err != nil {
		t.Fatalf("verify in a directory holding only the bundle and the key: %v\n%s", err, out)
	}
	for _, want := range []string{"matrix       acme-axys-v2 2026.11.1+acme.1 ", "extends axys-v2 ", "drops row-9, C1, L5, L6", "replaces L4", "\nOK: emulator; "} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	// A --matrix that is not the bundle's is reported, not used.
	other := filepath.Join(t.TempDir(), "builtin.yaml")
	builtin, _, err := runCmd(t, "matrix", "show")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte(builtin), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, "verify", "--pubkey", "integrator.pub", "--matrix", other, "evidence.tar.zst")
	if err != nil || !strings.Contains(out, "is not the bundle's; the embedded acme-axys-v2 2026.11.1+acme.1 was used") {
		t.Errorf("verify with another --matrix: %v\n%s", err, out)
	}
}

// TestMergeRefusesMixedClasses: bundles recorded against the emulator and
// against another upstream are not merged unless --allow-mixed, which the
// merged bundle then states.
func TestMergeRefusesMixedClasses(t *testing.T) {
	s := startEmulatorSidecar(t)
	get(t, "http://"+s.proxy+"/v2/cardholders")
	s.stop(t)
	other := t.TempDir()
	stagingPKI(t, other)
	recordStagingStandIn(t, other, "upstream-ca")
	dir := t.TempDir()
	emuBundle, otherBundle, merged := filepath.Join(dir, "emu.tar.zst"), filepath.Join(dir, "other.tar.zst"), filepath.Join(dir, "merged.tar.zst")
	for _, e := range [][2]string{{s.dataDir, emuBundle}, {filepath.Join(other, "data"), otherBundle}} {
		if out, _, err := runCmd(t, "export", "--data-dir", e[0], "--out", e[1]); err != nil {
			t.Fatalf("export: %v\n%s", err, out)
		}
	}
	mergeKey := filepath.Join(t.TempDir(), "merger.pem")
	_, _, err := runCmd(t, "merge", "--sign-key", mergeKey, "--out", merged, emuBundle, otherBundle)
	if err == nil || !strings.Contains(err.Error(), "emulator") || !strings.Contains(err.Error(), "other") || !strings.Contains(err.Error(), "--allow-mixed") {
		t.Fatalf("merge of mixed classes: %v", err)
	}
	out, _, err := runCmd(t, "merge", "--allow-mixed", "--sign-key", mergeKey, "--out", merged, emuBundle, otherBundle)
	if err != nil || !strings.Contains(out, "environment mixed (classes mixed on purpose: --allow-mixed)") {
		t.Fatalf("merge --allow-mixed: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "verify", "--pubkey", mergeKey+".pub", "--pubkey", signKeyPath(s.dataDir)+".pub",
		"--pubkey", signKeyPath(filepath.Join(other, "data"))+".pub", merged)
	if err != nil || !strings.Contains(out, "classes mixed on purpose (--allow-mixed)") || !strings.Contains(out, "\nOK: mixed; ") {
		t.Errorf("verify of the merged bundle: %v\n%s", err, out)
	}
}
