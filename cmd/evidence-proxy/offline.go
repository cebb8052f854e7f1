package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// storeFlags are how the offline commands name a store: a data directory
// (its evidence.db) or a store file such as a snapshot.
type storeFlags struct {
	dataDir string
	db      string
}

func (f *storeFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", "./evidence-data", "data directory of a stopped sidecar")
	fs.StringVar(&f.db, "db", "", "store file to read (e.g. a /snapshot copy); overrides --data-dir")
}

func (f *storeFlags) path() string {
	if f.db != "" {
		return f.db
	}
	return filepath.Join(f.dataDir, storeFile)
}

// openForRead opens a stopped store read-only.
func (f *storeFlags) openForRead() (*recorder.Store, error) {
	s, err := recorder.OpenReadOnly(f.path())
	if errors.Is(err, recorder.ErrLocked) {
		return nil, fmt.Errorf("%w\nthe sidecar is running: use --from http://ADMIN-ADDR to read it through /snapshot", err)
	}
	return s, err
}

func runCoverage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("coverage", "Compute the coverage report of a store, offline.", stderr)
	var sf storeFlags
	sf.bind(fs)
	matrixPath := fs.String("matrix", "", "coverage matrix YAML (default: the built-in Axys v2 matrix)")
	format := fs.String("format", "table", "json, md, html or table")
	out := fs.String("out", "", "write the report to this file instead of stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, ok := reportWriter(*format); !ok {
		return usageError(fmt.Sprintf("unknown --format %q: json, md, html or table", *format))
	}
	m, err := loadMatrix(*matrixPath)
	if err != nil {
		return err
	}
	store, err := sf.openForRead()
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	report, err := storeReport(ctx, store, m)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := writeReport(&buf, report, *format); err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
