package export_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/provenance"
	"github.com/klauspost/compress/zstd"
)

// apiKeyFingerprint stands for the redacted X-API-Key the recorder writes.
const apiKeyFingerprint = "[redacted:0123456789ab]"

func seedKey(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(s[:])
}

// recordCalls makes n real calls with client to url and returns them as
// sealed records, the way the proxy records them: URL, time, the upstream
// and client certificate fingerprints, the redacted key, the response.
func recordCalls(t *testing.T, client *http.Client, url, apiKey, clientSHA string, n int) []*evidence.Record {
	t.Helper()
	prev := evidence.GenesisHash
	start := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	var recs []*evidence.Record
	for i := range n {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-API-Key", apiKey)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		rec := &evidence.Record{V: evidence.Version, Seq: uint64(i + 1), Kind: evidence.KindCall, Time: start.Add(time.Duration(i) * time.Second),
			Mode: evidence.ModeBaseURL,
			TLS: &evidence.TLSFacts{Version: tls.VersionName(resp.TLS.Version),
				ServerCertSHA256: pki.Fingerprint(resp.TLS.PeerCertificates[0].Raw), ClientCertSHA256: clientSHA},
			Request:  evidence.Request{Method: "GET", URL: url, Header: http.Header{"X-Api-Key": {apiKeyFingerprint}}},
			Response: &evidence.Response{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: evidence.NewBody(body, int64(len(body)), false)},
		}
		if err := rec.Seal(prev); err != nil {
			t.Fatal(err)
		}
		prev = rec.Hash
		recs = append(recs, rec)
	}
	return recs
}

type memSource []*evidence.Record

func (s memSource) Iterate(_ context.Context, from uint64, fn func(*evidence.Record) error) error {
	for _, r := range s {
		if r.Seq >= from {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// exportBundle writes recs with the given provenance and matrix, signed by
// key, and returns its path.
func exportBundle(t *testing.T, dir string, recs []*evidence.Record, prov *evidence.Provenance, m *coverage.Matrix, key ed25519.PrivateKey) string {
	t.Helper()
	out := filepath.Join(dir, "bundle.tar.zst")
	cov := bundlecov.New(m)
	_, err := export.Write(context.Background(), out, memSource(recs), export.Options{
		InstanceID: prov.InstanceID, ToolVersion: "v1.2.3-test", Signer: key,
		Coverage: cov, Matrix: cov.Matrix(), Provenance: prov,
		Now: func() time.Time { return time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return out
}

func verifyWith(t *testing.T, path string, keys ...ed25519.PrivateKey) (*export.VerifyResult, error) {
	t.Helper()
	opts := export.VerifyOptions{Matrices: bundlecov.Loader{}}
	for _, k := range keys {
		opts.PublicKeys = append(opts.PublicKeys, k.Public().(ed25519.PublicKey))
	}
	return export.Verify(context.Background(), path, opts)
}

// bundleMember reads one member of a bundle, as tar --zstd would.
func bundleMember(t *testing.T, path, name string) []byte {
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
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("member %s: %v", name, err)
		}
		if hdr.Name == name {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
}

// TestEmulatorBundleIsLabelledEverywhere: calls made to the real emulator
// (marked certificate) are labelled emulator in the manifest, verify's
// first line and every report format, and stand out as NOT AXYS STAGING.
func TestEmulatorBundleIsLabelledEverywhere(t *testing.T) {
	ctx := context.Background()
	creds, err := axysemu.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	emu, err := axysemu.Start(ctx, axysemu.StartOptions{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	col, err := provenance.NewCollector(provenance.Options{InstanceID: "sidecar-1", ToolVersion: "v1.2.3-test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := col.SetClientCertificate(creds.Client.Cert); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(emu.Addr)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: creds.CA.Pool(), Certificates: []tls.Certificate{creds.Client.TLS()},
		VerifyConnection: func(cs tls.ConnectionState) error {
			col.ObserveHandshake(host, port, cs, evidence.VerifiedByUpstreamCA)
			return nil
		},
	}}}
	recs := recordCalls(t, client, emu.URL+"/cardholders", emu.APIKey, creds.Client.Fingerprint(), 6)
	key := seedKey("sidecar")
	path := exportBundle(t, t.TempDir(), recs, col.Provenance(), coverage.DefaultMatrix(), key)

	res, err := verifyWith(t, path, key)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	m := res.Manifest
	if m.Environment.Class != evidence.ClassEmulator || m.Sources[0].Provenance.Class != evidence.ClassEmulator {
		t.Errorf("manifest environment %s, source %s; want emulator", m.Environment.Class, m.Sources[0].Provenance.Class)
	}
	wantLine := fmt.Sprintf("environment  NOT AXYS STAGING: 6 calls to the evidence-proxy emulator at https://%s:%s", host, port)
	if lines := res.Lines(); lines[0] != wantLine {
		t.Errorf("verify's first line = %q, want %q", lines[0], wantLine)
	}
	if !strings.HasPrefix(res.Verdict, "OK: emulator;") {
		t.Errorf("verdict = %q", res.Verdict)
	}
	if got := strings.Join(res.Lines(), "\n"); !strings.Contains(got, `Tenant "evidence-proxy"`) || !strings.Contains(got, apiKeyFingerprint+" (6 calls)") {
		t.Errorf("verify output lacks the client certificate or the key:\n%s", got)
	}
	for name, want := range map[string]string{
		export.CoverageJSON: `"class": "emulator",` + "\n    \"warning\": \"NOT AXYS STAGING: 6 calls to the evidence-proxy emulator",
		export.CoverageMD:   "> **NOT AXYS STAGING: 6 calls to the evidence-proxy emulator",
		export.CoverageHTML: `<section class="provenance" data-class="emulator"`,
	} {
		if data := bundleMember(t, path, name); !bytes.Contains(data, []byte(want)) {
			t.Errorf("%s lacks %q; it starts:\n%.600s", name, want, data)
		}
	}
	var table bytes.Buffer
	if err := export.WriteHeaderText(&table, m.Header()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(table.String(), "environment  NOT AXYS STAGING: 6 calls to the evidence-proxy emulator") {
		t.Errorf("table header = %q", table.String())
	}
}

// stagingLookalike serves the staging host name with a certificate from a
// test CA, reached by redirecting the dial.
func stagingLookalike(t *testing.T) (*pki.Cert, *http.Transport) {
	t.Helper()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "Test Public Root"})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(pki.LeafOptions{CommonName: provenance.StagingHost, DNSNames: []string{provenance.StagingHost}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"success","items":[],"total":0,"limit":50,"offset":0}`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS()}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
		TLSClientConfig: &tls.Config{RootCAs: ca.Pool()},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return ca, tr
}

// TestStagingClassNeedsTheSystemStore: an upstream presenting a
// certificate for the staging host name is axys-staging when the system
// trust store vouches for it (an injected system pool standing for it),
// and other when only --upstream-ca does, with the root's SHA-256 shown.
func TestStagingClassNeedsTheSystemStore(t *testing.T) {
	for _, tt := range []struct {
		claim     string
		wantClass evidence.Class
		wantLine  string
	}{
		{evidence.VerifiedBySystem, evidence.ClassAxysStaging,
			"environment  axys-staging: 3 calls to https://staging.api.axyscards.com:443, chain verified against the system trust store (root CN=Test Public Root"},
		{evidence.VerifiedByUpstreamCA, evidence.ClassOther,
			"environment  NOT AXYS STAGING: 3 calls to https://staging.api.axyscards.com:443 (other): the staging host name verified only against --upstream-ca (root CN=Test Public Root,O=evidence-proxy, SHA-256 "},
	} {
		t.Run(tt.claim, func(t *testing.T) {
			ca, tr := stagingLookalike(t)
			col, err := provenance.NewCollector(provenance.Options{InstanceID: "sidecar-1",
				SystemRoots: func() (*x509.CertPool, error) { return ca.Pool(), nil }})
			if err != nil {
				t.Fatal(err)
			}
			tr.TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
				col.ObserveHandshake(provenance.StagingHost, "443", cs, tt.claim)
				return nil
			}
			recs := recordCalls(t, &http.Client{Transport: tr}, "https://"+provenance.StagingHost+"/v2/cardholders", "k", "", 3)
			key := seedKey("sidecar")
			res, err := verifyWith(t, exportBundle(t, t.TempDir(), recs, col.Provenance(), coverage.DefaultMatrix(), key), key)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.Manifest.Environment.Class != tt.wantClass {
				t.Errorf("class %s, want %s", res.Manifest.Environment.Class, tt.wantClass)
			}
			line := res.Lines()[0]
			if !strings.HasPrefix(line, tt.wantLine) {
				t.Errorf("first line = %q, want it to start with %q", line, tt.wantLine)
			}
			if tt.claim == evidence.VerifiedByUpstreamCA && !strings.Contains(line, ca.Fingerprint()+"): compare it with Axys's root") {
				t.Errorf("first line %q lacks the root's full SHA-256 %s", line, ca.Fingerprint())
			}
		})
	}
}

// TestCustomMatrixVerifiesFromTheBundleAlone: a bundle made with an
// "extends: axys-v2" matrix that drops requirements verifies in an empty
// directory holding only the bundle and the public key, and verify says
// what the matrix dropped and replaced.
func TestCustomMatrixVerifiesFromTheBundleAlone(t *testing.T) {
	custom, err := coverage.ParseMatrix([]byte(`extends: axys-v2
id: acme-no-physical
version: "1"
drop: [C1, L5, L6]
requirements:
  - id: L4
    title: Virtual card issued (Acme cards carry an alias)
    area: call-traces
    basis: launch checklist L4
    rule:
      call: POST /cards/virtual/{cardholderId} 2xx
      where: [response.body.cardId exists, request.body.alias exists]
    steps:
      - curl -sS -X POST "$PROXY/v2/cards/virtual/{cardholderId}" -d '{"nameOnCard":"A","alias":"Main"}'
`))
	if err != nil {
		t.Fatal(err)
	}
	ca, tr := stagingLookalike(t)
	col, err := provenance.NewCollector(provenance.Options{InstanceID: "sidecar-1", SystemRoots: func() (*x509.CertPool, error) { return ca.Pool(), nil }})
	if err != nil {
		t.Fatal(err)
	}
	tr.TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
		col.ObserveHandshake(provenance.StagingHost, "443", cs, evidence.VerifiedBySystem)
		return nil
	}
	recs := recordCalls(t, &http.Client{Transport: tr}, "https://"+provenance.StagingHost+"/v2/cardholders", "k", "", 2)
	key := seedKey("integrator")
	made := exportBundle(t, t.TempDir(), recs, col.Provenance(), custom, key)

	empty := t.TempDir()
	if err := copyFile(made, filepath.Join(empty, "evidence.tar.zst")); err != nil {
		t.Fatal(err)
	}
	if err := export.WritePublicKey(filepath.Join(empty, "integrator.pub"), key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	t.Chdir(empty)
	pub, err := export.LoadPublicKey("integrator.pub")
	if err != nil {
		t.Fatal(err)
	}
	res, err := export.Verify(context.Background(), "evidence.tar.zst", export.VerifyOptions{
		PublicKeys: []ed25519.PublicKey{pub}, Matrices: bundlecov.Loader{}, ExpectMatrix: coverage.DefaultMatrix().Canonical()})
	if err != nil {
		t.Fatalf("Verify in an empty directory: %v", err)
	}
	if res.Manifest.Matrix.ID != "acme-no-physical" || strings.Join(res.Matrix.Dropped, ",") != "C1,L5,L6" || strings.Join(res.Matrix.Replaced, ",") != "L4" {
		t.Errorf("matrix %s, dropped %v, replaced %v", res.Manifest.Matrix.ID, res.Matrix.Dropped, res.Matrix.Replaced)
	}
	out := strings.Join(res.Lines(), "\n")
	for _, want := range []string{"acme-no-physical 1 (SHA-256 ", ", extends axys-v2 ", ": drops C1, L5, L6; replaces L4", "is not the bundle's; the embedded acme-no-physical 1 was used"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 2 {
		t.Errorf("verify left files behind: %v", entries)
	}
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o600)
}
