package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/golive"
	"github.com/evidence-proxy/evidence-proxy/internal/secretfile"
	"github.com/evidence-proxy/evidence-proxy/provenance"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// newGoliveCmd is "evidence-proxy golive <command>".
func newGoliveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "golive <command>",
		Short: "verify the switch to production",
		Long: `The go-live kit's production step. "golive verify" is the only command of evidence-proxy
that ever contacts production, and only when run: the sidecar never does.`,
		Example: `  evidence-proxy golive verify --base-url https://production.api.axyscards.com/v2 \
    --client-cert prod/client.crt --client-key prod/client.key --api-key-file prod/api-key --dry-run`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, "golive command", args[0])
		},
	}
	cmd.AddCommand(newGoliveVerifyCmd())
	return cmd
}

// goliveVerifyFlags are the flags of "golive verify".
type goliveVerifyFlags struct {
	baseURL, clientCert, clientKey, apiKeyFile, upstreamCA string
	dataDir, signKey, out                                  string
	dryRun                                                 bool
	timeout                                                time.Duration
}

func newGoliveVerifyCmd() *cobra.Command {
	var f goliveVerifyFlags
	cmd := &cobra.Command{
		Use:   "verify --base-url URL --client-cert FILE --client-key FILE --api-key-file FILE [flags]",
		Short: "make the two documented calls that prove the switch to production",
		Long: `Verify the switch to production with the two calls the Axys go-live page documents, and
nothing else: GET /cardholders must answer 200 with a list envelope (the certificate, the IP
allowlist with forward-confirmed reverse DNS and the API key all work), and POST
/staging/kyc/validate must answer 404 (no simulation endpoints: this really is production).

Before any call it refuses the staging base URL, and compares the production certificate, its
key and the API key with the staging ones the data directory's store saw (read only; the
redaction key fingerprints the API key): a staging credential means no call at all. A failure
names its layer: the server's certificate, the client certificate refused in the handshake,
403 "No Authorised IPs configured" (IP allowlist or PTR records), 401 (the API key), or a
simulation endpoint that answered (the base URL still points at staging). --out writes the
result signed with the bundle key; verify checks it, and export --golive-result carries it in
a bundle. The exit status is 0 only when the switch is verified.`,
		Example: `  evidence-proxy golive verify --base-url https://production.api.axyscards.com/v2 \
    --client-cert prod/client.crt --client-key prod/client.key --api-key-file prod/api-key \
    --data-dir ./evidence-data --dry-run
  evidence-proxy golive verify --base-url https://production.api.axyscards.com/v2 \
    --client-cert prod/client.crt --client-key prod/client.key --api-key-file prod/api-key \
    --data-dir ./evidence-data --out golive-result.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	fs := cmd.Flags()
	fs.StringVar(&f.baseURL, "base-url", golive.ProductionBaseURL, "production base `URL` (https; the staging host is refused)")
	fs.StringVar(&f.clientCert, "client-cert", "", "production client certificate `FILE` (PEM, from the production CSR)")
	fs.StringVar(&f.clientKey, "client-key", "", "key `FILE` of --client-cert (PEM, owner-only)")
	fs.StringVar(&f.apiKeyFile, "api-key-file", "", "`FILE` holding the production API key (owner-only)")
	fs.StringVar(&f.upstreamCA, "upstream-ca", "", "CA bundle `FILE` to verify the server with instead of the system roots (a test server)")
	fs.StringVar(&f.dataDir, "data-dir", "./evidence-data", "staging sidecar's data `DIR`: its store (read only) and redaction key give the staging credentials to compare; its signing key signs --out")
	fs.StringVar(&f.signKey, "sign-key", "", "ed25519 signing key `FILE` (PEM) for --out; default: the data directory's key")
	fs.StringVar(&f.out, "out", "", "write the signed result to `FILE` (JSON; nothing secret in it)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the two requests and the local checks; send nothing")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "bound of each of the two calls")
	return cmd
}

func (f *goliveVerifyFlags) validate() error {
	var missing []string
	for _, m := range []struct{ name, v string }{{"--base-url", f.baseURL}, {"--client-cert", f.clientCert}, {"--client-key", f.clientKey}, {"--api-key-file", f.apiKeyFile}} {
		if m.v == "" {
			missing = append(missing, m.name)
		}
	}
	switch {
	case len(missing) > 0:
		return newUsageError("golive verify needs %s", strings.Join(missing, ", "))
	case f.dryRun && f.out != "":
		return newUsageError("--dry-run sends nothing, so there is no result for --out")
	case f.timeout <= 0:
		return newUsageError("--timeout %s must be positive", f.timeout)
	}
	return nil
}

func (f *goliveVerifyFlags) run(cmd *cobra.Command) error {
	if err := f.validate(); err != nil {
		return err
	}
	o := golive.VerifyOptions{BaseURL: f.baseURL, ClientCertFile: f.clientCert, ClientKeyFile: f.clientKey,
		APIKeyFile: f.apiKeyFile, UpstreamCAFile: f.upstreamCA, Timeout: f.timeout, ToolVersion: toolVersion()}
	var notes []string
	var err error
	if o.Staging, o.Fingerprint, notes, err = stagingCredentials(cmd.Context(), f.dataDir); err != nil {
		return err
	}
	lw := &lineWriter{w: cmd.OutOrStdout()}
	for _, n := range notes {
		lw.printf("note: %s", n)
	}
	if f.dryRun {
		return f.plan(cmd.OutOrStdout(), o)
	}
	return f.verify(cmd.Context(), cmd.OutOrStdout(), o)
}

// plan is --dry-run: the two requests, and the local checks that would
// stop them.
func (f *goliveVerifyFlags) plan(w io.Writer, o golive.VerifyOptions) error {
	p, err := golive.PlanProduction(o)
	if err != nil {
		return fmt.Errorf("golive verify: %w", err)
	}
	if err := golive.WritePlan(w, p, f.apiKeyFile); err != nil {
		return err
	}
	for _, c := range p.Credentials {
		if c.Outcome == golive.OutcomeFailed {
			return fmt.Errorf("golive verify: the calls would not be made: %s: %s", c.ID, c.Detail)
		}
	}
	return nil
}

func (f *goliveVerifyFlags) verify(ctx context.Context, w io.Writer, o golive.VerifyOptions) error {
	var key ed25519.PrivateKey
	if f.out != "" {
		var err error
		if key, err = loadSigner(f.signKey, f.dataDir); err != nil {
			return err
		}
	}
	res, err := golive.VerifyProduction(ctx, o)
	if err != nil {
		return fmt.Errorf("golive verify: %w", err)
	}
	if err := golive.WriteResultSummary(w, res); err != nil {
		return err
	}
	if f.out != "" {
		if err := golive.WriteResult(f.out, res, key); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		if _, err := fmt.Fprintf(w, "wrote %s, signed by key %s\n", f.out, export.KeyID(key.Public().(ed25519.PublicKey))); err != nil {
			return err
		}
	}
	if !res.Passed {
		return fmt.Errorf("golive verify: the switch to production is not verified: %s", failureText(res))
	}
	return nil
}

// stagingCredentials reads what the staging sidecar of dataDir saw: the
// client certificates its store's provenance holds, the API-key
// fingerprints its records carry, and the redaction key's fingerprint to
// compare a production key with them. Nothing is created; a store or key
// that is missing leaves those checks skipped, and says so.
func stagingCredentials(ctx context.Context, dataDir string) (golive.StagingCredentials, func(string) string, []string, error) {
	var creds golive.StagingCredentials
	var notes []string
	fp, err := loadFingerprint(filepath.Join(dataDir, redactKeyFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		notes = append(notes, "no redaction key in "+dataDir+": the production API key is not compared with staging's")
	case err != nil:
		return creds, nil, nil, err
	}
	path := filepath.Join(dataDir, storeFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return creds, fp, append(notes, "no store in "+dataDir+": the production credentials are not compared with staging's"), nil
	}
	store, err := recorder.OpenReadOnly(path)
	if errors.Is(err, recorder.ErrLocked) {
		return creds, nil, nil, fmt.Errorf("%w: the sidecar is running on %s; stop it (golive verify reads its store to compare the production credentials with staging's)", err, dataDir)
	}
	if err != nil {
		return creds, nil, nil, fmt.Errorf("open store: %w", err)
	}
	defer closeStore(ctx, store)()
	p, err := storeProvenance(ctx, store)
	if err != nil {
		return creds, nil, nil, err
	}
	creds.ClientCerts = p.ClientCerts
	for _, k := range p.APIKeys {
		creds.APIKeyFingerprints = append(creds.APIKeyFingerprints, k.Fingerprint)
	}
	return creds, fp, notes, nil
}

// storeProvenance is the store's provenance with the API-key
// fingerprints its records carry (a store keeps certificates, not keys).
func storeProvenance(ctx context.Context, store *recorder.Store) (*evidence.Provenance, error) {
	known, err := store.Provenance()
	if err != nil {
		return nil, fmt.Errorf("read provenance: %w", err)
	}
	tally := provenance.NewTally(known)
	if err := store.Iterate(ctx, 1, func(r *evidence.Record) error {
		tally.Observe(r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read store: %w", err)
	}
	p := tally.Result()
	if known != nil {
		p.ClientCerts = known.ClientCerts // every certificate presented, not only those the calls name
	}
	return p, nil
}

// loadFingerprint loads an existing redaction key (never creating one)
// and returns its fingerprint function.
func loadFingerprint(path string) (func(string) string, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	if err := secretfile.CheckPrivate(path); err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	if len(key) != recorder.KeySize {
		return nil, fmt.Errorf("redaction key %s: has %d bytes, want %d", path, len(key), recorder.KeySize)
	}
	red, err := recorder.NewRedactor(key, recorder.RedactOptions{})
	if err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	return red.Fingerprint, nil
}
