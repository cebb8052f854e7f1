package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

// newMatrixCmd is "evidence-proxy matrix show|check".
func newMatrixCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "matrix <command>",
		Short: "show or check a coverage matrix",
		Long: `Show the coverage matrix in effect, or check a matrix file. A matrix file with
"extends: axys-v2" adds to the built-in matrix; any other file replaces it.`,
		Example: `  evidence-proxy matrix show --format table
  evidence-proxy matrix check acme-matrix.yaml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, "matrix command", args[0])
		},
	}
	cmd.AddCommand(newMatrixShowCmd(), newMatrixCheckCmd())
	return cmd
}

func newMatrixShowCmd() *cobra.Command {
	var path, format string
	var template bool
	cmd := &cobra.Command{
		Use:   "show [flags]",
		Short: "print the coverage matrix in effect and the go-live readiness content",
		Long: `Print the coverage matrix in effect (the built-in one, or --matrix FILE), then the go-live
readiness content the reports and bundles use: the auditor's four kinds of evidence, the
production-only set-up the integrator confirms and what the emulation engine does not test,
with the ids a checklist file (--golive-checklist) answers, and a checklist to fill in. In
YAML the content and the checklist follow the matrix as comments, so the output stays the
matrix; --checklist-template prints the checklist alone, as a file to fill in.`,
		Example: `  evidence-proxy matrix show
  evidence-proxy matrix show --matrix acme-matrix.yaml --format table
  evidence-proxy matrix show --checklist-template > golive-checklist.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if template {
				return golive.WriteChecklistTemplate(cmd.OutOrStdout(), golive.BuiltinContent())
			}
			return matrixShow(cmd.OutOrStdout(), path, format)
		},
	}
	cmd.Flags().StringVar(&path, "matrix", "", "matrix `FILE` (replaces the built-in matrix, or extends it with \"extends: axys-v2\")")
	cmd.Flags().StringVar(&format, "format", "yaml", "output `FORMAT`: yaml (canonical, comments dropped) or table")
	cmd.Flags().BoolVar(&template, "checklist-template", false, "print only the go-live checklist to fill in (YAML, every item unanswered)")
	return cmd
}

func matrixShow(stdout io.Writer, path, format string) error {
	if format != "yaml" && format != "table" {
		return newUsageError("unknown --format %q (want yaml or table)", format)
	}
	m, err := coverage.LoadMatrix(path)
	if err != nil {
		return err
	}
	if format == "yaml" {
		_, err = stdout.Write(m.Canonical())
	} else {
		err = writeMatrixTable(stdout, m)
	}
	if err != nil {
		return fmt.Errorf("write matrix: %w", err)
	}
	if err := writeReadinessContent(stdout, format == "yaml"); err != nil {
		return fmt.Errorf("write readiness content: %w", err)
	}
	return nil
}

// writeReadinessContent prints the built-in readiness content and the
// checklist template after the matrix; as YAML comments when comment is
// set.
func writeReadinessContent(w io.Writer, comment bool) error {
	c := golive.BuiltinContent()
	var b bytes.Buffer
	b.WriteString("\n")
	if err := golive.WriteContent(&b, c); err != nil {
		return err
	}
	b.WriteString("\nGo-live checklist to fill in (evidence-proxy matrix show --checklist-template > golive-checklist.yaml):\n")
	if err := golive.WriteChecklistTemplate(&b, c); err != nil {
		return err
	}
	text := b.String()
	if comment {
		text = "#" + strings.ReplaceAll(strings.TrimSuffix(text, "\n"), "\n", "\n# ") + "\n"
		text = strings.ReplaceAll(text, "# \n", "#\n")
	}
	_, err := io.WriteString(w, text)
	return err
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

func newMatrixCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE",
		Short: "check a matrix file and say what it holds",
		Long: `Check a coverage matrix file: strict keys, known endpoints, areas, entities and rule kinds.
It then warns, without failing, about requirements that may be met by less than meant: a
composite whose parts are not keyed to one entity, an outcome read from any 2xx rather than
the outcome field, calls to paths the API does not document.`,
		Example: `  evidence-proxy matrix check acme-matrix.yaml`,
		Args:    exactArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return matrixCheck(cmd.OutOrStdout(), args[0])
		},
	}
}

func matrixCheck(stdout io.Writer, path string) error {
	m, err := coverage.LoadMatrix(path)
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
		path, ref.ID, ref.Version, len(m.Requirements()), strings.Join(parts, ", "), ref.SHA256)
	// Warnings do not fail the check: the matrix works, but a requirement
	// may be met by less than its author meant (Matrix.Lint).
	for _, w := range m.Lint() {
		fmt.Fprintf(stdout, "warning: %s:%d: %s: %s: %s\n", path, w.Line, w.Requirement, w.Kind, w.Msg)
	}
	return nil
}
