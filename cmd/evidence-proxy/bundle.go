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
	"time"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/export"
)

// exportOptions are export's flags.
type exportOptions struct {
	store   storeFlags
	from    snapshotSource
	window  windowFlags
	out     string
	signKey string
	matrix  string
	extras  exportExtras
}

func newExportCmd() *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export [flags]",
		Short: "write an evidence bundle from a store or a running sidecar",
		Long: `Write a signed evidence bundle (.tar.zst): the redacted records, the coverage
matrix, the provenance, HAR traces, coverage reports, manifest and signature.

From a running sidecar (--from ADMIN-URL) the sidecar writes the bundle and signs it
with the key in its own data directory (its /export): this command only downloads
and checks it, and never makes or reads a key. From a stopped store (--data-dir, or
--db with the --data-dir whose key signs), the data directory's key signs; it is
created there on first use, and said so. --since and --until take the records
received in a window (the whole run between the first and the last of them, so the
chain stays verifiable); the window is in the manifest and the reports.`,
		Example: `  evidence-proxy export --from http://127.0.0.1:9090 --out evidence.tar.zst   # while running
  evidence-proxy export --data-dir ./evidence-data --out evidence.tar.zst     # once stopped
  evidence-proxy export --from http://127.0.0.1:9090 --since 7d --out week.tar.zst
  evidence-proxy export --data-dir ./evidence-data --since 2026-11-25T09:00:00Z --out today.tar.zst`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.store.bind(fs)
	o.from.bind(fs)
	o.window.bind(fs, "records received")
	fs.StringVar(&o.out, "out", "evidence-bundle.tar.zst", "bundle `FILE` to write")
	fs.StringVar(&o.signKey, "sign-key", "", "ed25519 signing key `FILE` (PEM) for a stopped store; default: the data directory's key")
	fs.StringVar(&o.matrix, "matrix", "", "coverage matrix `FILE` for a stopped store (YAML; default: the built-in Axys v2 matrix)")
	o.extras.bind(fs)
	return cmd
}

func (o *exportOptions) run(cmd *cobra.Command) error {
	win, err := o.window.window(time.Now())
	if err != nil {
		return err
	}
	if o.from.url != "" {
		return o.runFrom(cmd, win)
	}
	ctx := cmd.Context()
	m, err := loadMatrix(o.matrix)
	if err != nil {
		return err
	}
	// The files given are read before the store is opened or a key made:
	// a bad --spec or checklist changes nothing.
	opts := export.Options{Since: win.Since, Until: win.Until, ToolVersion: toolVersion()}
	if err := o.extras.apply(&opts, m); err != nil {
		return err
	}
	store, err := o.store.openForRead()
	if err != nil {
		return err
	}
	defer closeStore(ctx, store)()
	opts.InstanceID = store.InstanceID()
	if opts.Signer, err = o.signer(cmd.ErrOrStderr()); err != nil {
		return err
	}
	if err := o.extras.attachResult(&opts); err != nil {
		return err
	}
	if opts.Provenance, err = store.Provenance(); err != nil {
		return err
	}
	if seq, hash := store.Head(); seq > 0 {
		opts.SourceHead = &export.ChainPoint{Seq: seq, Hash: hash}
	}
	if isTerminal(cmd.ErrOrStderr()) {
		opts.Progress = cmd.ErrOrStderr()
	}
	man, err := export.Write(ctx, o.out, store.Stream(), opts)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return printExported(cmd.OutOrStdout(), o.out, man, "key "+keyID(opts.Signer))
}

// signer is the key a stopped store's bundle is signed with: --sign-key,
// or the data directory's key. A key is made only where asked for by
// name, or in a sidecar's data directory (one holding its store), and
// making it is announced.
func (o *exportOptions) signer(stderr io.Writer) (ed25519.PrivateKey, error) {
	path := o.signKey
	if path == "" {
		path = filepath.Join(o.store.dataDir, signKeyFile)
		_, keyErr := os.Stat(path)
		_, storeErr := os.Stat(filepath.Join(o.store.dataDir, storeFile))
		if errors.Is(keyErr, fs.ErrNotExist) && storeErr != nil {
			return nil, fmt.Errorf("signing key: %s holds no signing key and is not a sidecar's data directory: "+
				"give the one whose key signs (--data-dir) or a key (--sign-key); export makes no key elsewhere", o.store.dataDir)
		}
	}
	key, created, err := signingKey(path)
	if err != nil {
		return nil, err
	}
	if created {
		announceKey(stderr, path, key)
	}
	return key, nil
}

// loadSigner loads --sign-key, or the data directory's key, creating it
// (and its .pub) on first use. An existing key others may read is
// refused.
func loadSigner(path, dataDir string) (ed25519.PrivateKey, error) {
	if path == "" {
		path = signKeyPath(dataDir)
	}
	key, _, err := signingKey(path)
	return key, err
}

// fromFlags are the flags that do not go with --from: the sidecar signs
// with its own key, judges with its own matrix and description, and reads
// its own store.
var fromFlags = []string{"sign-key", "matrix", "data-dir", "db", "spec", "golive-checklist", "golive-result"}

// runFrom downloads the bundle a running sidecar writes and signs itself
// (GET /export), checks it (intact; who vouches for the key is the
// auditor's --pubkey), and puts it at --out.
func (o *exportOptions) runFrom(cmd *cobra.Command, win evidence.Window) error {
	for _, name := range fromFlags {
		if cmd.Flags().Changed(name) {
			return newUsageError("--%s does not go with --from: the sidecar signs the bundle with the key in its own data directory, "+
				"judges it with its own matrix and description (serve's flags), and reads its own store", name)
		}
	}
	ctx := cmd.Context()
	tmp, err := o.from.download(ctx, "/export", windowQuery(win), filepath.Dir(o.out), "."+filepath.Base(o.out)+".*.download")
	if err != nil {
		return fmt.Errorf("export --from: %w", err)
	}
	defer os.Remove(tmp)
	res, err := export.Verify(ctx, tmp, bundleVerifyOptions())
	if !errors.Is(err, export.ErrUnauthenticated) {
		if err == nil {
			err = errors.New("verified without a pinned key")
		}
		return fmt.Errorf("export --from: the sidecar's bundle does not check out: %w", err)
	}
	if err := os.Rename(tmp, o.out); err != nil {
		return fmt.Errorf("export --from: %w", err)
	}
	w := cmd.OutOrStdout()
	if err := printExported(w, o.out, res.Manifest, "the sidecar's key "+res.KeyID); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\nthe auditor pins the sidecar's public key: evidence-proxy key show --data-dir DIR, on the sidecar\n",
		res.Header.Text()[0])
	return err
}

// printExported says what was written.
func printExported(w io.Writer, out string, m *export.Manifest, signer string) error {
	src := m.Sources[0]
	_, err := fmt.Fprintf(w, "wrote %s: %d records (seq %d–%d), environment %s, signed by %s\n",
		out, m.Records.Count, src.FirstSeq, src.LastSeq, m.Environment.Class, signer)
	return err
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
