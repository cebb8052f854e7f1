package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/export"
	"github.com/evidence-proxy/evidence-proxy/internal/secretfile"
)

// The signing key belongs to the sidecar: it lives in its data directory
// (signing-key.pem, public half signing-key.pem.pub), serve creates it at
// its first start and signs every bundle of /export with it, so one store
// has one signer and its public key is what the auditor pins. It is only
// ever created in a data directory (serve's, or an offline export's
// --data-dir holding the store), and creating it is announced with its
// path and key id.

// signingKey loads the signing key at path, creating it (and its .pub)
// when it does not exist; created says it was just made. A key others may
// read is refused.
func signingKey(path string) (key ed25519.PrivateKey, created bool, err error) {
	_, statErr := os.Stat(path)
	switch {
	case statErr == nil:
		if err := secretfile.CheckPrivate(path); err != nil {
			return nil, false, fmt.Errorf("signing key: %w", err)
		}
	case errors.Is(statErr, fs.ErrNotExist):
		created = true
	}
	key, err = export.LoadOrCreateSigningKey(path)
	if err != nil {
		return nil, false, fmt.Errorf("signing key: %w", err)
	}
	return key, created, nil
}

// signKeyPath is the signing key of a data directory.
func signKeyPath(dataDir string) string { return filepath.Join(dataDir, signKeyFile) }

// keyID is the id verify prints for key's public half.
func keyID(key ed25519.PrivateKey) string { return export.KeyID(key.Public().(ed25519.PublicKey)) }

// announceKey writes the line that says a signing key was created.
func announceKey(w io.Writer, path string, key ed25519.PrivateKey) {
	fmt.Fprintf(w, "created signing key %s (key id %s); give %s to the auditor (evidence-proxy key show)\n",
		path, keyID(key), export.PublicKeyPath(path))
}

func newKeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key <command>",
		Short: "show the sidecar's signing key",
		Long: `Show the key the sidecar signs its bundles with. It lives in the data directory
(signing-key.pem), is created at the sidecar's first start, and never leaves it:
export --from downloads bundles the sidecar signed itself.`,
		Example: `  evidence-proxy key show --data-dir ./evidence-data > integrator.pub`,
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, "key command", args[0])
		},
	}
	cmd.AddCommand(newKeyShowCmd())
	return cmd
}

func newKeyShowCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "show [flags]",
		Short: "print the public signing key (PEM) and its fingerprint",
		Long: `Print the public half of the sidecar's signing key as PEM, after comment lines
giving its key id (what verify prints as "signed by key …") and SHA-256. The
output is a public key file: hand it to the auditor, who pins it with verify
--pubkey. Nothing is created: a data directory without a key is an error.`,
		Example: `  evidence-proxy key show --data-dir ./evidence-data
  kubectl exec deploy/card-app -c evidence-proxy -- /evidence-proxy key show --data-dir /data > integrator.pub`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return keyShow(cmd.OutOrStdout(), cmd.ErrOrStderr(), dataDir)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "./evidence-data", "data `DIR` of the sidecar")
	return cmd
}

// keyShow prints the public key of dataDir's signing key. It reads the
// private key, so that what is printed is the key that signs, and says so
// when the .pub beside it does not match.
func keyShow(stdout, stderr io.Writer, dataDir string) error {
	path := filepath.Join(dataDir, signKeyFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no signing key in %s: the sidecar creates it at its first start (serve --data-dir %s)", dataDir, dataDir)
	}
	if err := secretfile.CheckPrivate(path); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	key, err := export.LoadSigningKey(path)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	pub := key.Public().(ed25519.PublicKey)
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("encode public key: %w", err)
	}
	pemText := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if on, err := os.ReadFile(export.PublicKeyPath(path)); err == nil && !bytes.Equal(on, pemText) {
		fmt.Fprintf(stderr, "warning: %s does not hold this key's public half; hand out this output instead\n", export.PublicKeyPath(path))
	}
	sum := sha256.Sum256(pub)
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	_, err = fmt.Fprintf(stdout, "# evidence-proxy signing key %s\n# key id %s (verify prints \"signed by key %s\")\n# SHA-256 of the public key %s\n%s",
		abs, export.KeyID(pub), export.KeyID(pub), hex.EncodeToString(sum[:]), pemText)
	return err
}
