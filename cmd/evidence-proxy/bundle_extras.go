package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

// maxResultFile caps a go-live result read from a file: a small JSON
// envelope.
const maxResultFile = 1 << 20

// exportExtras are export's flags for what a bundle carries beside the
// records and reports: the API description (--spec) and the go-live
// checklist (--golive-checklist) its readiness and contract members are
// computed with, and a signed go-live result (--golive-result).
type exportExtras struct {
	report reportFlags
	result string
}

func (x *exportExtras) bind(fs *pflag.FlagSet) {
	x.report.bind(fs)
	fs.StringVar(&x.result, "golive-result", "", "signed go-live result `FILE` (golive verify --out) for the bundle to carry; it must be signed with the bundle's key")
}

// apply sets the bundle's coverage computation (coverage, readiness view,
// contract findings), the matrix it embeds and its attachments; it reads
// --spec and --golive-checklist and needs no signer.
func (x *exportExtras) apply(opts *export.Options, m *coverage.Matrix) error {
	o, err := x.report.load()
	if err != nil {
		return err
	}
	opts.Coverage, opts.Matrix, opts.Attachments = bundleComputation(m, o), m.Canonical(), attachments(o)
	return nil
}

// attachResult checks --golive-result against the bundle's signer and
// adds it to the attachments.
func (x *exportExtras) attachResult(opts *export.Options) error {
	if x.result == "" {
		return nil
	}
	data, r, err := readResultFile(x.result, opts.Signer.Public().(ed25519.PublicKey))
	if err != nil {
		return fmt.Errorf("--golive-result: %w", err)
	}
	if !r.Passed {
		return fmt.Errorf("--golive-result %s: the switch to production did not pass (%s); run golive verify again once it does", x.result, failureText(r))
	}
	opts.Attachments = append(opts.Attachments, export.Attachment{Name: export.MemberGoliveResult, Data: data})
	return nil
}

// readResultFile reads a signed go-live result and checks it against pub.
func readResultFile(path string, pub ed25519.PublicKey) ([]byte, *golive.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxResultFile+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > maxResultFile {
		return nil, nil, fmt.Errorf("%s: larger than %d bytes: not a go-live result", path, maxResultFile)
	}
	r, err := golive.CheckResult(data, pub)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, r, nil
}

// failureText is the first failed check of a result, in a few words.
func failureText(r *golive.Result) string {
	if c, ok := r.Failure(); ok {
		return c.ID + ", " + c.Layer + ": " + c.Detail
	}
	return "no check failed, but not every check passed"
}

// resultLine is one line about a checked go-live result.
func resultLine(r *golive.Result) string {
	where := r.BaseURL
	if !r.DocumentedProduction {
		where += " (not the documented production URL)"
	}
	if !r.Passed {
		return fmt.Sprintf("NOT PASSED: %s at %s: %s", where, r.Time.UTC().Format(time.RFC3339), failureText(r))
	}
	return fmt.Sprintf("passed: %s at %s, client certificate %s (sha256 %s…)", where, r.Time.UTC().Format(time.RFC3339),
		r.ClientCert.Subject, short12(r.ClientCert.SHA256))
}

func short12(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// verifyExtras are verify's flags for the bundle's contract and go-live
// result: --spec, the description the bundle was made with (the embedded
// one is used; a different one is reported), and --golive-result, a
// signed result to check beside the bundle.
type verifyExtras struct {
	spec   string
	result string
	loaded *contract.Spec
}

func (x *verifyExtras) bind(fs *pflag.FlagSet) {
	fs.StringVar(&x.spec, "spec", "", "OpenAPI description `FILE` the bundle was made with: the embedded one is used, and a different one reported")
	fs.StringVar(&x.result, "golive-result", "", "signed go-live result `FILE` (golive verify --out) to check with the bundle's key; a result given instead of BUNDLE is checked alone against --pubkey")
}

// coverage is the computation verify recomputes a bundle's reports with:
// coverage, readiness and contract over the matrix m.
func (x *verifyExtras) coverage(m *coverage.Matrix) (export.Coverage, error) {
	spec, err := loadSpec(x.spec)
	if err != nil {
		return nil, err
	}
	x.loaded = spec
	return bundleComputation(m, bundlecov.ExtrasOptions{Spec: spec}), nil
}

// report prints, after a bundle verified, its contract description (and
// whether --spec is it) and its go-live results, each checked against
// the pinned key (or, with none pinned, the bundle's signer). A result
// that cannot be trusted, or one that did not pass, fails verify.
func (x *verifyExtras) report(w io.Writer, res *export.VerifyResult, pinned ed25519.PublicKey) error {
	lw := &lineWriter{w: w}
	if c := res.Manifest.Contract; c != nil {
		note := ""
		if x.spec != "" && sha256Hex(x.loaded.Bytes()) != c.SHA256 {
			note = "; the --spec given is another description (the embedded one was used)"
		}
		lw.printf("%-12s %q %s (sha256 %s…), embedded; findings recomputed%s", "contract", c.Title, c.Version, short12(c.SHA256), note)
	}
	key := pinned
	if key == nil {
		key, _ = base64.StdEncoding.DecodeString(res.Manifest.Signer.PublicKey)
	}
	var errs []error
	for _, a := range res.Attachments {
		if a.Name == export.MemberGoliveResult {
			errs = append(errs, checkResultData(lw, "bundle's "+a.Name, a.Data, key))
		}
	}
	if x.result != "" {
		data, err := os.ReadFile(x.result)
		if err != nil {
			return fmt.Errorf("--golive-result: %w", err)
		}
		errs = append(errs, checkResultData(lw, x.result, data, key))
	}
	if lw.err != nil {
		return lw.err
	}
	return errors.Join(errs...)
}

// checkResultData checks one result and prints what it says.
func checkResultData(lw *lineWriter, name string, data []byte, key ed25519.PublicKey) error {
	r, err := golive.CheckResult(data, key)
	if err != nil {
		lw.printf("%-12s %s: FAILED: %v", "go-live", name, err)
		return fmt.Errorf("go-live result %s: %w", name, err)
	}
	lw.printf("%-12s %s: %s", "go-live", name, resultLine(r))
	if !r.Passed {
		return fmt.Errorf("go-live result %s: the switch to production did not pass: %s", name, failureText(r))
	}
	return nil
}

// isResultFile reports whether path holds JSON (a go-live result) rather
// than a bundle (zstd).
func isResultFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	head = bytes.TrimLeft(head[:n], " \t\r\n")
	return len(head) > 0 && head[0] == '{'
}

// verifyResultOnly is "verify --pubkey KEY RESULT.json": a go-live result
// checked alone against the bundle key.
func verifyResultOnly(w io.Writer, path, pubkey string) error {
	if pubkey == "" {
		return newUsageError("%s is a go-live result: give the bundle key it was signed with (--pubkey)", path)
	}
	pub, err := export.LoadPublicKey(pubkey)
	if err != nil {
		return fmt.Errorf("load --pubkey: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lw := &lineWriter{w: w}
	if err := checkResultData(lw, path, data, pub); err != nil {
		return fmt.Errorf("verify %s: FAILED: %w", path, err)
	}
	lw.printf("OK: %s is a go-live result signed by key %s (pinned)", path, export.KeyID(pub))
	return lw.err
}
