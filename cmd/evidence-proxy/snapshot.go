package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/internal/secretfile"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// snapshotSource is a running sidecar read through its admin listener (its
// /snapshot for coverage, its /export for export): the --from and
// --admin-token-file flags.
type snapshotSource struct {
	url       string
	tokenFile string
}

func (s *snapshotSource) bind(fs *pflag.FlagSet) {
	fs.StringVar(&s.url, "from", "", "admin `URL` of a running sidecar (e.g. http://127.0.0.1:9090) to read through")
	fs.StringVar(&s.tokenFile, "admin-token-file", "", "with --from: `FILE` holding the admin listener's bearer token")
}

// open opens the store to read: the snapshot when --from is given, the
// stopped store of sf otherwise. cleanup closes it and removes the
// downloaded copy.
func (s snapshotSource) open(ctx context.Context, sf storeFlags, dir string) (*recorder.Store, func(), error) {
	return openStoreFrom(ctx, s, sf, dir)
}

// fetch downloads the snapshot into dir ("" for the system's temporary
// directory) and returns the file's path.
func (s snapshotSource) fetch(ctx context.Context, dir string) (string, error) {
	path, err := s.download(ctx, "/snapshot", nil, dir, ".evidence-snapshot-*.db")
	if err != nil {
		return "", fmt.Errorf("fetch snapshot: %w", err)
	}
	return path, nil
}

// download GETs path (with query) from the admin listener, sending the
// token of --admin-token-file, into a new file named after pattern in dir
// ("" for the system's temporary directory), and returns the file's path.
// A download cut short is an error, never a short file.
func (s snapshotSource) download(ctx context.Context, path string, query url.Values, dir, pattern string) (string, error) {
	u, err := url.Parse(strings.TrimSuffix(s.url, "/") + path)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", newUsageError("--from %q: want the admin listener's URL, e.g. http://127.0.0.1:9090", s.url)
	}
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", newUsageError("--from %q: %v", s.url, err)
	}
	if s.tokenFile != "" {
		token, err := secretfile.ReadToken(s.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--admin-token-file: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return "", fmt.Errorf("%s answered %s: %s", u.Redacted(), resp.Status, strings.TrimSpace(string(msg)))
	}
	return saveDownload(resp.Body, dir, pattern)
}

func saveDownload(r io.Reader, dir, pattern string) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
