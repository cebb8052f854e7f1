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

// snapshotSource is a running sidecar to read the store of, through its
// admin listener's /snapshot: the --from and --admin-token-file flags of
// export and coverage.
type snapshotSource struct {
	url       string
	tokenFile string
}

func (s *snapshotSource) bind(fs *pflag.FlagSet) {
	fs.StringVar(&s.url, "from", "", "admin `URL` of a running sidecar (e.g. http://127.0.0.1:9090); reads its /snapshot")
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
	u, err := url.Parse(strings.TrimSuffix(s.url, "/") + "/snapshot")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", newUsageError("--from %q: want the admin listener's URL, e.g. http://127.0.0.1:9090", s.url)
	}
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
		return "", fmt.Errorf("fetch snapshot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch snapshot: %s answered %s", u, resp.Status)
	}
	return saveSnapshot(resp.Body, dir)
}

func saveSnapshot(r io.Reader, dir string) (string, error) {
	f, err := os.CreateTemp(dir, ".evidence-snapshot-*.db")
	if err != nil {
		return "", fmt.Errorf("fetch snapshot: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
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
