package golive_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/golive"
	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// api is an emulator standing for one environment, with its own CA,
// client certificate and API key written to files.
type api struct {
	srv                                   *axysemu.Server
	creds                                 *axysemu.Credentials
	certFile, keyFile, apiKeyFile, caFile string
}

func startAPI(t *testing.T, profile axysemu.Profile, deny bool) *api {
	t.Helper()
	creds, err := axysemu.NewCredentials()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := axysemu.Start(context.Background(), axysemu.StartOptions{Credentials: creds, Options: axysemu.Options{Profile: profile, DenyAllowlist: deny}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	a := &api{srv: srv, creds: creds, certFile: filepath.Join(dir, "client.pem"), keyFile: filepath.Join(dir, "client-key.pem"),
		apiKeyFile: filepath.Join(dir, "api-key.txt"), caFile: filepath.Join(dir, "ca.pem")}
	if err := creds.Client.WriteFiles(a.certFile, a.keyFile); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a.apiKeyFile, creds.APIKey+"\n", 0o600)
	writeFile(t, a.caFile, string(creds.CA.CertPEM()), 0o644)
	return a
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

// options verify against a with its own credentials.
func (a *api) options() golive.VerifyOptions {
	return golive.VerifyOptions{
		BaseURL: a.srv.URL, ClientCertFile: a.certFile, ClientKeyFile: a.keyFile,
		APIKeyFile: a.apiKeyFile, UpstreamCAFile: a.caFile, Timeout: 10 * time.Second, ToolVersion: "test",
	}
}

// certFacts is what a store's provenance says of a client certificate.
func certOf(c *pki.Cert) evidence.Cert {
	return evidence.Cert{Subject: c.Cert.Subject.String(), SHA256: pki.Fingerprint(c.Cert.Raw), DER: c.Cert.Raw}
}

// certFiles writes a certificate and its key to files.
func certFiles(t *testing.T, c *pki.Cert) (string, string) {
	t.Helper()
	dir := t.TempDir()
	cf, kf := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := c.WriteFiles(cf, kf); err != nil {
		t.Fatal(err)
	}
	return cf, kf
}

func fingerprinter(t *testing.T) func(string) string {
	t.Helper()
	red, err := recorder.NewRedactor([]byte("0123456789abcdef0123456789abcdef"), recorder.RedactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return red.Fingerprint
}

func checkOf(t *testing.T, r *golive.Result, id string) golive.Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s in %+v", id, r.Checks)
	return golive.Check{}
}

// verifyCase is one verification and how it must end.
type verifyCase struct {
	name   string
	opts   func() golive.VerifyOptions
	passed bool
	check  string
	layer  string
	detail string
}

// verifyCases: the production profile with its own credentials, the
// staging profile, and each layer's failure.
func verifyCases(t *testing.T) []verifyCase {
	prod := startAPI(t, axysemu.Production, false)
	staging := startAPI(t, axysemu.Staging, false)
	denied := startAPI(t, axysemu.Production, true)
	expired, err := prod.creds.CA.Issue(pki.LeafOptions{CommonName: "expired", Client: true, NotBefore: time.Now().Add(-48 * time.Hour), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	expiredCert, expiredKey := certFiles(t, expired)
	fp := fingerprinter(t)
	seen := golive.StagingCredentials{ClientCerts: []evidence.Cert{certOf(staging.creds.Client)}, APIKeyFingerprints: []string{fp(staging.creds.APIKey)}}
	with := func(a *api, edit func(*golive.VerifyOptions)) func() golive.VerifyOptions {
		return func() golive.VerifyOptions {
			o := a.options()
			edit(&o)
			return o
		}
	}
	return []verifyCase{
		{"production", with(prod, func(o *golive.VerifyOptions) { o.Staging, o.Fingerprint = seen, fp }), true, "simulation-endpoints-404", "", "this really is production"},
		{"still staging", staging.options, false, "simulation-endpoints-404", golive.LayerStaging, "still points at staging"},
		{"staging certificate", with(prod, func(o *golive.VerifyOptions) { o.ClientCertFile, o.ClientKeyFile = staging.certFile, staging.keyFile }),
			false, "cardholders-200", golive.LayerClientCertificate, "not issued for production"},
		{"expired certificate", with(prod, func(o *golive.VerifyOptions) { o.ClientCertFile, o.ClientKeyFile = expiredCert, expiredKey }),
			false, "cardholders-200", golive.LayerClientCertificate, "expired on"},
		{"wrong API key", with(prod, func(o *golive.VerifyOptions) {
			o.APIKeyFile = filepath.Join(t.TempDir(), "key")
			writeFile(t, o.APIKeyFile, "not-the-production-key", 0o600)
		}), false, "cardholders-200", golive.LayerAPIKey, "401"},
		{"IP not allowlisted", denied.options, false, "cardholders-200", golive.LayerAllowlist, "forward-confirmed reverse DNS"},
		{"server not verified", with(prod, func(o *golive.VerifyOptions) { o.UpstreamCAFile = "" }), false, "cardholders-200", golive.LayerServerCertificate, "did not verify"},
		{"staging certificate reused", with(staging, func(o *golive.VerifyOptions) { o.Staging = seen }), false, "client-certificate-differs", golive.LayerCredentials, "is the staging one"},
		{"staging key pair reused", with(prod, func(o *golive.VerifyOptions) {
			o.ClientCertFile, o.ClientKeyFile = reissue(t, prod.creds.CA, staging.creds.Client)
			o.Staging = seen
		}), false, "client-certificate-differs", golive.LayerCredentials, "staging certificate's key"},
		{"staging API key reused", with(prod, func(o *golive.VerifyOptions) { o.APIKeyFile, o.Staging, o.Fingerprint = staging.apiKeyFile, seen, fp }),
			false, "api-key-differs", golive.LayerCredentials, "is the staging key"},
	}
}

// TestVerifyProduction: against the emulator's production profile with
// its own credentials both calls pass; against the staging profile the
// second fails; and each authentication layer's failure is told apart.
// With a staging credential no call is made.
func TestVerifyProduction(t *testing.T) {
	for _, tt := range verifyCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			res, err := golive.VerifyProduction(context.Background(), tt.opts())
			if err != nil {
				t.Fatal(err)
			}
			var sum bytes.Buffer
			if err := golive.WriteResultSummary(&sum, res); err != nil {
				t.Fatal(err)
			}
			t.Log(sum.String())
			if res.Passed != tt.passed {
				t.Fatalf("passed %v, want %v", res.Passed, tt.passed)
			}
			c := checkOf(t, res, tt.check)
			if c.Layer != tt.layer || !strings.Contains(c.Detail, tt.detail) {
				t.Errorf("%s: layer %q detail %q; want %q and %q", tt.check, c.Layer, c.Detail, tt.layer, tt.detail)
			}
			if fail, ok := res.Failure(); ok && fail.ID != tt.check {
				t.Errorf("first failure %s, want %s", fail.ID, tt.check)
			}
			if tt.layer == golive.LayerCredentials {
				for _, id := range []string{"cardholders-200", "simulation-endpoints-404"} {
					if c := checkOf(t, res, id); c.Outcome != golive.OutcomeSkipped || c.Request != nil {
						t.Errorf("%s was called with staging credentials: %+v", id, c)
					}
				}
			}
		})
	}
}

// reissue signs a new certificate for old's key with ca: a production
// certificate made from the staging key pair.
func reissue(t *testing.T, ca, old *pki.Cert) (string, string) {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "reissued"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, old.Key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return certFiles(t, &pki.Cert{Cert: cert, Key: old.Key})
}

// TestVerifyProductionRefusesBadInput: the staging base URL, plain HTTP,
// an API key file others can read and missing files are refused before
// any call.
func TestVerifyProductionRefusesBadInput(t *testing.T) {
	prod := startAPI(t, axysemu.Production, false)
	shared := filepath.Join(t.TempDir(), "key")
	writeFile(t, shared, "k", 0o644)
	tests := []struct {
		name string
		edit func(*golive.VerifyOptions)
		is   error
		want string
	}{
		{"staging", func(o *golive.VerifyOptions) { o.BaseURL = "https://staging.api.axyscards.com/v2" }, golive.ErrStagingURL, "use https://production.api.axyscards.com/v2"},
		{"staging, spelt otherwise", func(o *golive.VerifyOptions) { o.BaseURL = "https://STAGING.api.axyscards.com.:443" }, golive.ErrStagingURL, "not production"},
		{"plain http", func(o *golive.VerifyOptions) { o.BaseURL = "http://production.api.axyscards.com/v2" }, nil, "must be https"},
		{"a query", func(o *golive.VerifyOptions) { o.BaseURL += "?x=1" }, nil, "must not carry"},
		{"key readable by others", func(o *golive.VerifyOptions) { o.APIKeyFile = shared }, nil, "read the API key"},
		{"no certificate", func(o *golive.VerifyOptions) { o.ClientCertFile = filepath.Join(t.TempDir(), "none.pem") }, nil, "load the client certificate"},
		{"key of another certificate", func(o *golive.VerifyOptions) { o.ClientKeyFile = prod.caFile }, nil, "load the client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := prod.options()
			tt.edit(&o)
			_, err := golive.VerifyProduction(context.Background(), o)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if _, perr := golive.PlanProduction(o); perr == nil || perr.Error() != err.Error() {
				t.Errorf("the dry run says %v", perr)
			}
		})
	}
}

// TestPlanProduction: the dry run prints the two requests as they would
// be sent, the API key by its file and fingerprint only.
func TestPlanProduction(t *testing.T) {
	prod := startAPI(t, axysemu.Production, false)
	o := prod.options()
	o.Fingerprint = fingerprinter(t)
	plan, err := golive.PlanProduction(o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := golive.WritePlan(&b, plan, o.APIKeyFile); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"1. GET " + prod.srv.URL + "/cardholders", "2. POST " + prod.srv.URL + "/staging/kyc/validate", `{"cardholderId": 1, "result": "pass"}`, "expected: 404", o.Fingerprint(prod.creds.APIKey), "nothing is sent"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, prod.creds.APIKey) {
		t.Errorf("the plan shows the API key:\n%s", out)
	}
}

// TestSignedResult: a result written with the bundle key reads back
// against that key, and any other key, edit or re-signed inconsistency is
// refused.
func TestSignedResult(t *testing.T) {
	prod := startAPI(t, axysemu.Production, false)
	res, err := golive.VerifyProduction(context.Background(), prod.options())
	if err != nil || !res.Passed {
		t.Fatalf("%v %+v", err, res)
	}
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	path := filepath.Join(t.TempDir(), "golive-result.json")
	if err := golive.WriteResult(path, res, key); err != nil {
		t.Fatal(err)
	}
	back, err := golive.ReadResultFile(path, pub)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Passed || back.BaseURL != res.BaseURL || len(back.Checks) != 4 || back.ClientCert.SHA256 != res.ClientCert.SHA256 {
		t.Errorf("read back %+v", back)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), prod.creds.APIKey) {
		t.Error("the result holds the API key")
	}
	if _, err := golive.CheckResult(data, otherPub); !errors.Is(err, golive.ErrInvalidResult) {
		t.Errorf("another key: %v", err)
	}
	edited := editPayload(t, data, func(m map[string]any) { m["base_url"] = "https://production.api.axyscards.com/v2" })
	if _, err := golive.CheckResult(edited, pub); !errors.Is(err, golive.ErrInvalidResult) {
		t.Errorf("edited payload: %v", err)
	}
	res.Checks[3].Outcome = golive.OutcomeFailed
	resigned, err := golive.SignResult(res, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := golive.CheckResult(resigned, pub); !errors.Is(err, golive.ErrInvalidResult) || !strings.Contains(err.Error(), "passed is true") {
		t.Errorf("inconsistent verdict: %v", err)
	}
}

// editPayload changes the payload of an envelope without signing again.
func editPayload(t *testing.T, env []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(e["payload"].(string))
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	raw, _ = json.Marshal(m)
	e["payload"] = base64.StdEncoding.EncodeToString(raw)
	out, _ := json.Marshal(e)
	return append(out, '\n')
}
