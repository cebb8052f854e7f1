package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/export"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "Write a signed evidence bundle (.tar.zst) from a store or a running sidecar.", stderr)
	var sf storeFlags
	sf.bind(fs)
	from := fs.String("from", "", "admin URL of a running sidecar (e.g. http://127.0.0.1:9090); reads its /snapshot")
	out := fs.String("out", "evidence-bundle.tar.zst", "bundle file to write")
	since := fs.String("since", "", "only calls received at or after this time (RFC 3339)")
	until := fs.String("until", "", "only calls received before this time (RFC 3339)")
	signKey := fs.String("sign-key", "", "ed25519 signing key (PEM); default: the data directory's per-install key, created on first use")
	matrixPath := fs.String("matrix", "", "coverage matrix YAML (default: the built-in Axys v2 matrix)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts := export.Options{ToolVersion: toolVersion()}
	var err error
	if opts.Since, err = parseTimeFlag("since", *since); err != nil {
		return err
	}
	if opts.Until, err = parseTimeFlag("until", *until); err != nil {
		return err
	}
	m, err := loadMatrix(*matrixPath)
	if err != nil {
		return err
	}
	opts.Coverage = bundleCoverage{m: m}
	if opts.Signer, err = loadSigner(*signKey, sf.dataDir); err != nil {
		return err
	}
	if isTerminal(stderr) {
		opts.Progress = stderr
	}
	if *from != "" {
		snap, err := fetchSnapshot(ctx, *from, filepath.Dir(*out))
		if err != nil {
			return err
		}
		defer os.Remove(snap)
		sf.db = snap
	}
	store, err := sf.openForRead()
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	opts.InstanceID = store.InstanceID()
	if seq, hash := store.Head(); seq > 0 {
		opts.SourceHead = &export.ChainPoint{Seq: seq, Hash: hash}
	}
	man, err := export.Write(ctx, *out, store, opts)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	src := man.Sources[0]
	fmt.Fprintf(stdout, "wrote %s: %d records (seq %d–%d), signed by key %s\n",
		*out, man.Records.Count, src.FirstSeq, src.LastSeq, export.KeyID(opts.Signer.Public().(ed25519.PublicKey)))
	return nil
}

// loadSigner loads --sign-key, or the data directory's per-install key,
// creating it (and its .pub) on first use.
func loadSigner(path, dataDir string) (ed25519.PrivateKey, error) {
	if path == "" {
		path = filepath.Join(dataDir, signKeyFile)
	}
	key, err := export.LoadOrCreateSigningKey(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return key, nil
}

// fetchSnapshot downloads a running sidecar's /snapshot into dir and
// returns the file's path.
func fetchSnapshot(ctx context.Context, adminURL, dir string) (string, error) {
	u := strings.TrimSuffix(adminURL, "/") + "/snapshot"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", usageError(fmt.Sprintf("--from %q: %v", adminURL, err))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch snapshot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch snapshot: %s answered %s", u, resp.Status)
	}
	f, err := os.CreateTemp(dir, ".evidence-snapshot-*.db")
	if err != nil {
		return "", fmt.Errorf("fetch snapshot: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("fetch snapshot: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("fetch snapshot: %w", err)
	}
	return f.Name(), nil
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", "Check a bundle: member hashes, signature, gap-free hash chain, recomputed coverage.\n\nusage: evidence-proxy verify [flags] BUNDLE", stderr)
	pubkey := fs.String("pubkey", "", "public key (PEM) the bundle must be signed with; without it the embedded key is reported, not trusted")
	matrixPath := fs.String("matrix", "", "coverage matrix YAML the bundle was made with (default: the built-in one)")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return usageError("verify takes exactly one bundle")
	}
	m, err := loadMatrix(*matrixPath)
	if err != nil {
		return err
	}
	opts := export.VerifyOptions{Coverage: bundleCoverage{m: m}}
	if *pubkey != "" {
		if opts.PublicKey, err = export.LoadPublicKey(*pubkey); err != nil {
			return fmt.Errorf("load --pubkey: %w", err)
		}
	}
	res, err := export.Verify(ctx, positional[0], opts)
	if err != nil {
		return fmt.Errorf("verify %s: FAILED: %w", positional[0], err)
	}
	fmt.Fprintln(stdout, res.Verdict)
	return nil
}

func runMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", "Combine bundles from several replicas into one; each source chain is verified and kept.\n\nusage: evidence-proxy merge [flags] BUNDLE BUNDLE... -o OUT", stderr)
	out := fs.String("o", "", "merged bundle to write (required)")
	dataDir := fs.String("data-dir", "./evidence-data", "data directory holding the signing key")
	signKey := fs.String("sign-key", "", "ed25519 signing key (PEM); default: the data directory's key")
	matrixPath := fs.String("matrix", "", "coverage matrix YAML (default: the built-in Axys v2 matrix)")
	inputs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(inputs) < 2 {
		return usageError("merge needs at least two bundles and -o OUT")
	}
	m, err := loadMatrix(*matrixPath)
	if err != nil {
		return err
	}
	signer, err := loadSigner(*signKey, *dataDir)
	if err != nil {
		return err
	}
	opts := export.MergeOptions{Signer: signer, Coverage: bundleCoverage{m: m}, ToolVersion: toolVersion()}
	if isTerminal(stderr) {
		opts.Progress = stderr
	}
	man, err := export.Merge(ctx, *out, inputs, opts)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: %d sources, %d records\n", *out, len(man.Sources), man.Records.Count)
	return nil
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageError(fmt.Sprintf("--%s %q: want RFC 3339, e.g. 2026-11-25T09:00:00Z", name, v))
	}
	return t, nil
}

// isTerminal reports whether w is a character device (progress output is
// only for people).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
