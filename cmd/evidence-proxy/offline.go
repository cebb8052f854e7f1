package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// storeFlags are how the offline commands name a store: a data directory
// (its evidence.db) or a store file such as a snapshot.
type storeFlags struct {
	dataDir string
	db      string
}

func (f *storeFlags) bind(fs *pflag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", "./evidence-data", "data `DIR` of a stopped sidecar")
	fs.StringVar(&f.db, "db", "", "store `FILE` to read (e.g. a /snapshot copy); overrides --data-dir")
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

// coverageOptions are coverage's flags.
type coverageOptions struct {
	store  storeFlags
	from   snapshotSource
	window windowFlags
	matrix string
	format string
	out    string
	report reportFlags
}

func (c *cli) newCoverageCmd() *cobra.Command {
	var o coverageOptions
	cmd := &cobra.Command{
		Use:   "coverage [flags]",
		Short: "compute the coverage report from a store",
		Long: `Compute the coverage report of a store: a stopped sidecar's (--data-dir or --db),
or a running one's, read through its admin listener's /snapshot (--from). The report
starts with its provenance: the environment the calls went to (anything but
axys-staging says NOT AXYS STAGING), who recorded them, the window and the matrix.
--since and --until judge only the records received in that window: after fixing a
client, a window that starts after the fix shows whether the fix holds.`,
		Example: `  evidence-proxy coverage --data-dir ./evidence-data
  evidence-proxy coverage --from http://127.0.0.1:9090 --format md --out coverage.md
  evidence-proxy coverage --db evidence-snapshot.db --format json
  evidence-proxy coverage --data-dir ./evidence-data --since 2h`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.store.bind(fs)
	o.from.bind(fs)
	o.window.bind(fs, "records received")
	fs.StringVar(&o.matrix, "matrix", "", "coverage matrix `FILE` (YAML; default: the built-in Axys v2 matrix)")
	fs.StringVar(&o.format, "format", "table", "report `FORMAT`: json, md, html or table")
	fs.StringVar(&o.out, "out", "", "write the report to this `FILE` instead of stdout")
	o.report.bind(fs)
	return cmd
}

func (o *coverageOptions) validate() error {
	if _, ok := reportWriter(o.format); !ok {
		return newUsageError("unknown --format %q: json, md, html or table", o.format)
	}
	return nil
}

func (o *coverageOptions) run(cmd *cobra.Command) error {
	if err := o.validate(); err != nil {
		return err
	}
	win, err := o.window.window(time.Now())
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	m, err := loadMatrix(o.matrix)
	if err != nil {
		return err
	}
	extras, err := o.report.load()
	if err != nil {
		return err
	}
	// A file read offline has no /calls/{seq} to link to: the HTML embeds
	// the calls its evidence names, as a bundle's does.
	extras.EmbedCalls = o.format == "html"
	store, cleanup, err := o.from.open(ctx, o.store, "")
	if err != nil {
		return err
	}
	defer cleanup()
	known, err := store.Provenance()
	if err != nil {
		return err
	}
	report, sections, header, err := fullReport(ctx, store.Stream(), m, extras, known, store.InstanceID(), win)
	if err != nil {
		return err
	}
	render := func(w io.Writer) error { return writeFullReport(w, report, sections, o.format) }
	if o.out == "" {
		return writeHeadedReport(cmd.OutOrStdout(), o.format, header, render)
	}
	return writeReportFile(o.out, o.format, header, render)
}

// openStoreFrom opens the store a command reads: a running sidecar's
// snapshot when src names one (downloaded into dir, "" for the system's
// temporary directory, and removed by the returned cleanup), the stopped
// store of sf otherwise.
func openStoreFrom(ctx context.Context, src snapshotSource, sf storeFlags, dir string) (*recorder.Store, func(), error) {
	remove := func() {}
	if src.url != "" {
		snap, err := src.fetch(ctx, dir)
		if err != nil {
			return nil, nil, err
		}
		remove = func() { os.Remove(snap) }
		sf.db = snap
	}
	store, err := sf.openForRead()
	if err != nil {
		remove()
		return nil, nil, err
	}
	closeIt := closeStore(ctx, store)
	return store, func() { closeIt(); remove() }, nil
}
