package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
)

// mergeOptions are merge's flags.
type mergeOptions struct {
	out, dataDir, signKey, matrix string
	allowMixed                    bool
}

func newMergeCmd() *cobra.Command {
	var o mergeOptions
	cmd := &cobra.Command{
		Use:   "merge [flags] --out OUT BUNDLE BUNDLE...",
		Short: "combine bundles from several replicas into one",
		Long: `Combine bundles from several replicas into one: each input is verified, each source
chain kept with its own manifest, signature and provenance, and one coverage report
computed over all records from the matrix the inputs carry (they must share one).
Inputs recorded against different environments (axys-staging, emulator, other) are
refused, naming each one's class, unless --allow-mixed, which the merged bundle and
its reports then state. The merged bundle is signed with the merger's key; the
auditor pins it and every source's key.`,
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
	fs.StringVar(&o.dataDir, "data-dir", "./evidence-data", "data `DIR` holding the merger's signing key (created on first use)")
	fs.StringVar(&o.signKey, "sign-key", "", "ed25519 signing key `FILE` (PEM); default: the data directory's key")
	fs.BoolVar(&o.allowMixed, "allow-mixed", false, "merge inputs of different environment classes; the merged bundle says so")
	fs.StringVar(&o.matrix, "matrix", "", "ignored: the inputs carry their matrix")
	_ = fs.MarkDeprecated("matrix", "the inputs carry their matrix, which the merge uses")
	return cmd
}

func (o *mergeOptions) run(cmd *cobra.Command, inputs []string) error {
	if o.out == "" {
		return newUsageError("merge needs --out FILE")
	}
	path := o.signKey
	if path == "" {
		path = signKeyPath(o.dataDir)
	}
	signer, created, err := signingKey(path)
	if err != nil {
		return err
	}
	if created {
		announceKey(cmd.ErrOrStderr(), path, signer)
	}
	opts := export.MergeOptions{Signer: signer, Matrices: bundlecov.Loader{}, AllowMixed: o.allowMixed, ToolVersion: toolVersion()}
	if isTerminal(cmd.ErrOrStderr()) {
		opts.Progress = cmd.ErrOrStderr()
	}
	man, err := export.Merge(cmd.Context(), o.out, inputs, opts)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	mixed := ""
	if man.Environment.AllowMixed {
		mixed = " (classes mixed on purpose: --allow-mixed)"
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d sources, %d records, environment %s%s, signed by key %s\n",
		o.out, len(man.Sources), man.Records.Count, man.Environment.Class, mixed, keyID(signer))
	return err
}
