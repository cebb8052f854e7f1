package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/admin"
)

// callsSourceFlags name where "calls" reads records: a stopped store, a
// bundle, or a running sidecar's admin listener.
type callsSourceFlags struct {
	store     storeFlags
	bundle    string
	from      string
	tokenFile string
	matrix    string
}

func (f *callsSourceFlags) bind(fs *pflag.FlagSet) {
	f.store.bind(fs)
	fs.StringVar(&f.bundle, "bundle", "", "evidence bundle `FILE` to read (its records are chain-checked as verify does)")
	fs.StringVar(&f.from, "from", "", "admin `URL` of a running sidecar (e.g. http://127.0.0.1:9090); reads its /calls")
	fs.StringVar(&f.tokenFile, "admin-token-file", "", "with --from: `FILE` holding the admin listener's bearer token")
	fs.StringVar(&f.matrix, "matrix", "", "coverage matrix `FILE` for what a call is evidence for (a store; default: the built-in Axys v2 matrix; a bundle uses its own)")
}

// source returns the reader the flags name; a store unless --bundle or
// --from.
func (f *callsSourceFlags) source(fs *pflag.FlagSet) (callSource, error) {
	n := 0
	for _, set := range []bool{f.bundle != "", f.from != "", fs.Changed("data-dir") || fs.Changed("db")} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return nil, newUsageError("give one of --data-dir/--db, --bundle and --from")
	case f.tokenFile != "" && f.from == "":
		return nil, newUsageError("--admin-token-file goes with --from")
	case f.bundle != "":
		return &bundleCalls{path: f.bundle}, nil
	case f.from != "":
		return &adminCalls{url: f.from, tokenFile: f.tokenFile}, nil
	}
	return &storeCalls{store: f.store, matrix: f.matrix}, nil
}

// callSource lists and shows records.
type callSource interface {
	// list returns the last limit records f selects (0: all of them; a
	// running sidecar answers at most admin.MaxCallLimit), ascending.
	list(ctx context.Context, f coverage.CallFilter, limit int) (callListing, error)
	// show returns one record with what it is evidence for.
	show(ctx context.Context, seq uint64, instance string) (admin.CallDetail, error)
}

// callListing is what "calls" prints: the rows, and whether older records
// may match too.
type callListing struct {
	Calls []callRow `json:"calls"`
	More  bool      `json:"more"`
}

// callRow is one listed record; Instance names its source in a merged
// bundle, where sequence numbers repeat.
type callRow struct {
	Instance string `json:"instance,omitempty"`
	coverage.CallSummary
}

// lastRows keeps the last limit rows (all with 0).
type lastRows struct {
	limit int
	rows  []callRow
	more  bool
}

func (l *lastRows) add(r callRow) {
	l.rows = append(l.rows, r)
	if l.limit > 0 && len(l.rows) > 2*l.limit {
		l.rows, l.more = append(l.rows[:0], l.rows[len(l.rows)-l.limit:]...), true
	}
}

func (l *lastRows) listing() callListing {
	if l.limit > 0 && len(l.rows) > l.limit {
		l.rows, l.more = l.rows[len(l.rows)-l.limit:], true
	}
	if l.rows == nil {
		l.rows = []callRow{}
	}
	return callListing{Calls: l.rows, More: l.more}
}

// callsOptions are the list command's flags.
type callsOptions struct {
	src                    callsSourceFlags
	seq, since, until      string
	kind, method, endpoint string
	status, entity, format string
	limit                  int
}

func newCallsCmd() *cobra.Command {
	var o callsOptions
	cmd := &cobra.Command{
		Use:   "calls [flags]",
		Short: "list and filter the recorded calls",
		Long: `List the recorded calls of a stopped sidecar's store (--data-dir or --db), of an
evidence bundle (--bundle) or of a running sidecar (--from, through its admin
listener's /calls), filtered by sequence range, time window, method, endpoint
template, status or class and entity id; "calls show SEQ" prints one of them.
Records are shown as stored: redacted before they were written.

The list is in sequence order; --limit keeps the last N. With --from, the sidecar
answers at most 1000 calls (100 without --limit), reading back from its newest.`,
		Example: `  evidence-proxy calls --data-dir ./evidence-data --status 4xx,none --since 2h
  evidence-proxy calls --bundle evidence.tar.zst --endpoint '/cards/{cardId}' --format json
  evidence-proxy calls --from http://127.0.0.1:9090 --entity 10001 --limit 20
  evidence-proxy calls show 42 --data-dir ./evidence-data`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.src.bind(fs)
	fs.StringVar(&o.seq, "seq", "", "sequence `RANGE`: 12, 12-400, 12- or -400")
	fs.StringVar(&o.since, "since", "", "only records received at or after `TIME` (RFC 3339, a date, or back from now: 2h, 7d)")
	fs.StringVar(&o.until, "until", "", "only records received before `TIME` (as --since)")
	fs.StringVar(&o.kind, "kind", "", "record `KIND`: call (default), event, gap or all")
	fs.StringVar(&o.method, "method", "", "request `METHOD`")
	fs.StringVar(&o.endpoint, "endpoint", "", "endpoint `TEMPLATE` (/cards/{cardId}), a prefix (/cards/*) or other")
	fs.StringVar(&o.status, "status", "", "`STATUS` codes or classes, comma-separated: 404, 4xx, none (no response), error")
	fs.StringVar(&o.entity, "entity", "", "entity `ID` in the path, the query or a body's id members (10001)")
	fs.IntVar(&o.limit, "limit", 0, "list only the last `N` matching records (0: all)")
	fs.StringVar(&o.format, "format", "table", "output `FORMAT`: table or json")
	cmd.AddCommand(newCallsShowCmd())
	return cmd
}

// filter builds the filter of the flags, as usage errors.
func (o *callsOptions) filter(now time.Time) (coverage.CallFilter, error) {
	f := coverage.CallFilter{Kind: o.kind, Method: o.method, Endpoint: o.endpoint, Status: o.status, Entity: o.entity}
	var err error
	if f.FromSeq, f.ToSeq, err = parseSeqRange(o.seq); err != nil {
		return f, newUsageError("--seq: %v", err)
	}
	if f.Window, err = evidence.ParseWindow(o.since, o.until, now); err != nil {
		return f, newUsageError("--%v", err)
	}
	if err := f.Validate(); err != nil {
		return f, newUsageError("%v", err)
	}
	return f, nil
}

func (o *callsOptions) run(cmd *cobra.Command) error {
	if o.format != "table" && o.format != "json" {
		return newUsageError("unknown --format %q: table or json", o.format)
	}
	if o.limit < 0 {
		return newUsageError("--limit %d: want 0 (all) or more", o.limit)
	}
	f, err := o.filter(time.Now())
	if err != nil {
		return err
	}
	src, err := o.src.source(cmd.Flags())
	if err != nil {
		return err
	}
	l, err := src.list(cmd.Context(), f, o.limit)
	if err != nil {
		return err
	}
	if o.format == "json" {
		return writeIndentedJSON(cmd.OutOrStdout(), l)
	}
	return writeCallTable(cmd.OutOrStdout(), l)
}

// parseSeqRange reads "12", "12-400", "12-" or "-400"; "" is open.
func parseSeqRange(s string) (uint64, uint64, error) {
	if s == "" {
		return 0, 0, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	parse := func(v string) (uint64, error) {
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return 0, fmt.Errorf("%q: want sequence numbers (1 or more): 12, 12-400, 12- or -400", s)
		}
		return n, nil
	}
	from, err := parse(lo)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return from, from, nil
	}
	to, err := parse(hi)
	if err != nil || (from == 0 && to == 0) {
		return 0, 0, fmt.Errorf("%q: want sequence numbers (1 or more): 12, 12-400, 12- or -400", s)
	}
	return from, to, nil
}

// writeCallTable prints one line per record and a count.
func writeCallTable(w io.Writer, l callListing) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	merged := false
	for _, r := range l.Calls {
		merged = merged || r.Instance != ""
	}
	head := "SEQ\tTIME (UTC)\tMETHOD\tENDPOINT\tSTATUS\tERROR\n"
	if merged {
		head = "INSTANCE\t" + head
	}
	fmt.Fprint(tw, head)
	for _, r := range l.Calls {
		if merged {
			fmt.Fprintf(tw, "%s\t", terminalText(r.Instance))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.UTC().Format("2006-01-02 15:04:05.000Z"),
			terminalText(r.Method), terminalText(r.Endpoint), statusCell(r.CallSummary), orDash(string(r.ErrorKind)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write calls: %w", err)
	}
	more := ""
	if l.More {
		more = "; older records may match too (narrow the filter, or raise --limit)"
	}
	_, err := fmt.Fprintf(w, "\n%d records%s\n", len(l.Calls), more)
	return err
}

func statusCell(c coverage.CallSummary) string {
	if a := c.Answer(); a != "" {
		return a
	}
	return "-"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return terminalText(s)
}

// terminalText replaces the control characters of recorded text, so
// nothing a call carried can move the cursor or recolour a terminal;
// tabs and line breaks are kept only with keepLines.
func terminalText(s string) string { return controlFree(s, false) }

func controlFree(s string, keepLines bool) string {
	return strings.Map(func(c rune) rune {
		switch {
		case keepLines && (c == '\n' || c == '\t'):
			return c
		case c < 0x20, c == 0x7f, c >= 0x80 && c < 0xa0, c == 0x2028, c == 0x2029:
			return ' '
		}
		return c
	}, strings.ToValidUTF8(s, "?"))
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
