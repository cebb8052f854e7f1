package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/evidence-proxy/evidence-proxy/coverage"
)

const matrixUsage = `usage: evidence-proxy matrix <subcommand>

  show [--matrix FILE] [--format yaml|table]   print the coverage matrix in effect
  check FILE                                   check a matrix file and say what it holds

A matrix file with "extends: axys-v2" adds to the built-in matrix; any other
file replaces it.`

// runMatrix shows or checks a coverage matrix.
func runMatrix(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, matrixUsage)
		return nil
	}
	switch args[0] {
	case "show":
		return matrixShow(args[1:], stdout, stderr)
	case "check":
		return matrixCheck(args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, matrixUsage)
	return usageError(fmt.Sprintf("unknown matrix subcommand %q", args[0]))
}

func matrixShow(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("matrix show", "print the coverage matrix in effect: the built-in one, or --matrix FILE", stderr)
	path := fs.String("matrix", "", "matrix `FILE` (replaces the built-in matrix, or extends it with \"extends: axys-v2\")")
	format := fs.String("format", "yaml", "output `format`: yaml (canonical, comments dropped) or table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("matrix show takes no arguments")
	}
	m, err := coverage.LoadMatrix(*path)
	if err != nil {
		return err
	}
	switch *format {
	case "yaml":
		_, err = stdout.Write(m.Canonical())
	case "table":
		err = writeMatrixTable(stdout, m)
	default:
		return usageError(fmt.Sprintf("unknown format %q (want yaml or table)", *format))
	}
	if err != nil {
		return fmt.Errorf("write matrix: %w", err)
	}
	return nil
}

func writeMatrixTable(w io.Writer, m *coverage.Matrix) error {
	ref := m.Ref()
	reqs := m.Requirements()
	fmt.Fprintf(w, "%s %s: %s (%d requirements, sha256 %s)\n\n", ref.ID, ref.Version, m.Title(), len(reqs), ref.SHA256)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAREA\tBASIS\tCONDITION\tRULE\tTITLE")
	for _, r := range reqs {
		cond := r.Conditional
		if cond == "" {
			cond = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Area, r.Basis, cond, r.Kind, r.Title)
	}
	return tw.Flush()
}

func matrixCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("matrix check", "check a coverage matrix file: strict keys, known endpoints, areas, entities and rule kinds", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("matrix check takes one FILE")
	}
	m, err := coverage.LoadMatrix(fs.Arg(0))
	if err != nil {
		return err
	}
	ref := m.Ref()
	kinds := map[string]int{}
	for _, r := range m.Requirements() {
		kinds[r.Kind]++
	}
	var parts []string
	for _, k := range []string{"call", "sequence", "retry", "poll", "paged", "all", "any", "requires"} {
		if kinds[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
		}
	}
	fmt.Fprintf(stdout, "ok: %s: matrix %s version %s, %d requirements (%s), sha256 %s\n",
		fs.Arg(0), ref.ID, ref.Version, len(m.Requirements()), strings.Join(parts, ", "), ref.SHA256)
	return nil
}
