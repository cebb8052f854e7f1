package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
)

func newVerifyCmd() *cobra.Command {
	var pubkeys []string
	var matrixPath string
	var extras verifyExtras
	cmd := &cobra.Command{
		Use:   "verify [flags] BUNDLE",
		Short: "check an evidence bundle's signature, chain, provenance and coverage",
		Long: `Check a bundle: its signature, every member's hash, the gap-free hash chain, the
provenance derived again from the records, and the coverage recomputed from the
matrix it carries. The first lines say against which environment the evidence was
recorded (anything but axys-staging says NOT AXYS STAGING), by whom (the client
certificate's Tenant and Programs), over which window and with which matrix, and
what that matrix drops or replaces of the built-in one.

OK only when every signature checks against a key given with --pubkey (repeat it: a
merged bundle needs the merger's and every source's). Without one every other check
still runs, then verify says the signer is unauthenticated and exits 3: anyone could
have re-signed an intact bundle. Exit codes: 0 verified, 1 invalid, 2 usage error,
3 unauthenticated.`,
		Example: `  evidence-proxy verify --pubkey integrator.pub evidence.tar.zst
  evidence-proxy verify --pubkey merger.pub --pubkey replica-a.pub --pubkey replica-b.pub merged.tar.zst
  evidence-proxy verify evidence.tar.zst --pubkey integrator.pub && echo accepted`,
		Args: exactArgs(1, "one BUNDLE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.OutOrStdout(), cmd, args[0], pubkeys, matrixPath, &extras)
		},
	}
	cmd.Flags().StringArrayVar(&pubkeys, "pubkey", nil, "public key `FILE` (PEM) the bundle must be signed with; repeat for a merged bundle's merger and sources")
	cmd.Flags().StringVar(&matrixPath, "matrix", "", "coverage matrix `FILE` you expect: the bundle's own is used either way, and a different one reported")
	extras.bind(cmd.Flags())
	return cmd
}

// bundleVerifyOptions recompute a bundle's reports from the matrix and
// attachments it carries, so nothing but the bundle is needed.
func bundleVerifyOptions() export.VerifyOptions {
	return export.VerifyOptions{Matrices: bundlecov.Loader{}}
}

func runVerify(w io.Writer, cmd *cobra.Command, bundle string, pubkeys []string, matrixPath string, extras *verifyExtras) error {
	if isResultFile(bundle) {
		return verifyResultOnly(w, bundle, firstOf(pubkeys))
	}
	opts := bundleVerifyOptions()
	for _, path := range pubkeys {
		pub, err := export.LoadPublicKey(path)
		if err != nil {
			return fmt.Errorf("load --pubkey: %w", err)
		}
		opts.PublicKeys = append(opts.PublicKeys, pub)
	}
	m, err := loadMatrix(matrixPath)
	if err != nil {
		return err
	}
	if matrixPath != "" {
		opts.ExpectMatrix = m.Canonical()
	}
	if _, err := extras.coverage(m); err != nil {
		return err
	}
	res, err := export.Verify(cmd.Context(), bundle, opts)
	if res != nil {
		lw := &lineWriter{w: w}
		for _, l := range res.Lines() {
			lw.printf("%s", l)
		}
		if lw.err != nil {
			return lw.err
		}
		if xerr := extras.report(w, res, signerKey(opts.PublicKeys, res.KeyID)); xerr != nil {
			return fmt.Errorf("verify %s: FAILED: %w", bundle, xerr)
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, export.ErrUnauthenticated):
		return fmt.Errorf("verify %s: UNAUTHENTICATED: every check passed, but no --pubkey vouches for the signer, key %s: "+
			"pass the integrator's public key (evidence-proxy key show, on the sidecar) with --pubkey: %w", bundle, res.KeyID, err)
	default:
		return fmt.Errorf("verify %s: FAILED: %w", bundle, err)
	}
}

// signerKey is the pinned key whose id is keyID, nil when none is.
func signerKey(keys []ed25519.PublicKey, keyID string) ed25519.PublicKey {
	for _, k := range keys {
		if export.KeyID(k) == keyID {
			return k
		}
	}
	return nil
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
