package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/internal/secretfile"
)

// exportOptions are export's flags.
type exportOptions struct {
	store        storeFlags
	from         snapshotSource
	out          string
	since, until string
	signKey      string
	matrix       string
	extras       exportExtras
}

func newExportCmd() *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export [flags]",
		Short: "write an evidence bundle from a store or a running sidecar",
		Long: `Write a signed evidence bundle (.tar.zst): the redacted records, HAR traces,
coverage reports, manifest and signature. Read a stopped store (--data-dir or
--db) or a running sidecar through its admin listener (--from).`,
		Example: `  evidence-proxy export --from http://127.0.0.1:9090 --out evidence.tar.zst   # while running
  evidence-proxy export --data-dir ./evidence-data --out evidence.tar.zst     # once stopped
  evidence-proxy export --since 2026-11-25T09:00:00Z --out today.tar.zst`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.store.bind(fs)
	o.from.bind(fs)
	fs.StringVar(&o.out, "out", "evidence-bundle.tar.zst", "bundle `FILE` to write")
	fs.StringVar(&o.since, "since", "", "only calls received at or after this `TIME` (RFC 3339)")
	fs.StringVar(&o.until, "until", "", "only calls received before this `TIME` (RFC 3339)")
	fs.StringVar(&o.signKey, "sign-key", "", "ed25519 signing key `FILE` (PEM); default: the data directory's per-install key, created on first use")
	fs.StringVar(&o.matrix, "matrix", "", "coverage matrix `FILE` (YAML; default: the built-in Axys v2 matrix)")
	o.extras.bind(fs)
	return cmd
}

// options validates the flags and turns them into export options (all
// but the signer).
func (o *exportOptions) options() (export.Options, error) {
	opts := export.Options{ToolVersion: toolVersion()}
	var err error
	if opts.Since, err = parseTimeFlag("since", o.since); err != nil {
		return opts, err
	}
	if opts.Until, err = parseTimeFlag("until", o.until); err != nil {
		return opts, err
	}
	if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Since.Before(opts.Until) {
		return opts, newUsageError("--since %s is not before --until %s", o.since, o.until)
	}
	return opts, nil
}

func (o *exportOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	opts, err := o.options()
	if err != nil {
		return err
	}
	m, err := loadMatrix(o.matrix)
	if err != nil {
		return err
	}
	if opts.Signer, err = loadSigner(o.signKey, o.store.dataDir); err != nil {
		return err
	}
	if err := o.extras.apply(&opts, m); err != nil {
		return err
	}
	if isTerminal(cmd.ErrOrStderr()) {
		opts.Progress = cmd.ErrOrStderr()
	}
	store, cleanup, err := o.from.open(ctx, o.store, filepath.Dir(o.out))
	if err != nil {
		return err
	}
	defer cleanup()
	opts.InstanceID = store.InstanceID()
	if seq, hash := store.Head(); seq > 0 {
		opts.SourceHead = &export.ChainPoint{Seq: seq, Hash: hash}
	}
	man, err := export.Write(ctx, o.out, store, opts)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	src := man.Sources[0]
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d records (seq %d–%d), signed by key %s\n",
		o.out, man.Records.Count, src.FirstSeq, src.LastSeq, export.KeyID(opts.Signer.Public().(ed25519.PublicKey)))
	return err
}

// loadSigner loads --sign-key, or the data directory's per-install key,
// creating it (and its .pub) on first use. An existing key others may read
// is refused.
func loadSigner(path, dataDir string) (ed25519.PrivateKey, error) {
	if path == "" {
		path = filepath.Join(dataDir, signKeyFile)
	}
	if _, err := os.Stat(path); err == nil {
		if err := secretfile.CheckPrivate(path); err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
	}
	key, err := export.LoadOrCreateSigningKey(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return key, nil
}

func newVerifyCmd() *cobra.Command {
	var pubkey, matrixPath string
	var extras verifyExtras
	cmd := &cobra.Command{
		Use:   "verify [flags] BUNDLE",
		Short: "check an evidence bundle's hashes, signature, chain and coverage",
		Long: `Check a bundle: member hashes, signature, gap-free hash chain, recomputed coverage.
OK only when the signature checks against the key given with --pubkey: without it
an intact bundle exits 3, as nothing says who signed it.`,
		Example: `  evidence-proxy verify --pubkey signing-key.pem.pub evidence.tar.zst
  evidence-proxy verify evidence.tar.zst --pubkey signing-key.pem.pub && echo accepted`,
		Args: exactArgs(1, "one BUNDLE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd, args[0], pubkey, matrixPath, &extras)
		},
	}
	cmd.Flags().StringVar(&pubkey, "pubkey", "", "public key `FILE` (PEM) the bundle must be signed with")
	cmd.Flags().StringVar(&matrixPath, "matrix", "", "coverage matrix `FILE` the bundle was made with (default: the built-in one)")
	extras.bind(cmd.Flags())
	return cmd
}

func runVerify(cmd *cobra.Command, bundle, pubkey, matrixPath string, extras *verifyExtras) error {
	if isResultFile(bundle) {
		return verifyResultOnly(cmd.OutOrStdout(), bundle, pubkey)
	}
	m, err := loadMatrix(matrixPath)
	if err != nil {
		return err
	}
	cov, err := extras.coverage(m)
	if err != nil {
		return err
	}
	opts := export.VerifyOptions{Coverage: cov}
	if pubkey != "" {
		if opts.PublicKey, err = export.LoadPublicKey(pubkey); err != nil {
			return fmt.Errorf("load --pubkey: %w", err)
		}
	}
	res, err := export.Verify(cmd.Context(), bundle, opts)
	if err != nil {
		return fmt.Errorf("verify %s: FAILED: %w", bundle, err)
	}
	if _, err := fmt.Fprintln(cmd.OutOrStdout(), res.Verdict); err != nil {
		return err
	}
	if err := extras.report(cmd.OutOrStdout(), res, opts.PublicKey); err != nil {
		return fmt.Errorf("verify %s: FAILED: %w", bundle, err)
	}
	if !res.Pinned {
		return &signerNotPinnedError{err: fmt.Errorf("verify %s: intact, but signed by key %s, which was not pinned", bundle, res.KeyID)}
	}
	return nil
}

// mergeOptions are merge's flags.
type mergeOptions struct {
	out, dataDir, signKey, matrix string
}

func newMergeCmd() *cobra.Command {
	var o mergeOptions
	cmd := &cobra.Command{
		Use:   "merge [flags] --out OUT BUNDLE BUNDLE...",
		Short: "combine bundles from several replicas into one",
		Long:  "Combine bundles from several replicas into one; each source chain is verified and kept.",
		Example: `  evidence-proxy merge --out all.tar.zst replica-a.tar.zst replica-b.tar.zst
  evidence-proxy merge -o all.tar.zst --sign-key team-key.pem bundles/*.tar.zst`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return newUsageError("merge needs at least two bundles (got %d)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.out, "out", "o", "", "merged bundle `FILE` to write (required)")
	fs.StringVar(&o.dataDir, "data-dir", "./evidence-data", "data `DIR` holding the signing key")
	fs.StringVar(&o.signKey, "sign-key", "", "ed25519 signing key `FILE` (PEM); default: the data directory's key")
	fs.StringVar(&o.matrix, "matrix", "", "coverage matrix `FILE` (YAML; default: the built-in Axys v2 matrix)")
	return cmd
}

func (o *mergeOptions) run(cmd *cobra.Command, inputs []string) error {
	if o.out == "" {
		return newUsageError("merge needs --out FILE")
	}
	m, err := loadMatrix(o.matrix)
	if err != nil {
		return err
	}
	signer, err := loadSigner(o.signKey, o.dataDir)
	if err != nil {
		return err
	}
	opts := export.MergeOptions{Signer: signer, Coverage: bundleComputation(m, bundlecov.ExtrasOptions{}), ToolVersion: toolVersion()}
	if isTerminal(cmd.ErrOrStderr()) {
		opts.Progress = cmd.ErrOrStderr()
	}
	man, err := export.Merge(cmd.Context(), o.out, inputs, opts)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d sources, %d records\n", o.out, len(man.Sources), man.Records.Count)
	return err
}

func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, newUsageError("--%s %q: want RFC 3339, e.g. 2026-11-25T09:00:00Z", name, v)
	}
	return t, nil
}

// isTerminal reports whether w is a character device (progress output is
// only for people).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// closeStore is the cleanup of a store opened for reading.
func closeStore(ctx context.Context, s interface{ Close(context.Context) error }) func() {
	return func() { s.Close(context.WithoutCancel(ctx)) }
}
