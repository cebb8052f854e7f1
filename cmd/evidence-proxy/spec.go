package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/contract"
)

// newSpecCmd is "evidence-proxy spec": the API description the contract
// checks hold calls against.
func newSpecCmd() *cobra.Command {
	var path, format string
	cmd := &cobra.Command{
		Use:   "spec [flags]",
		Short: "print the OpenAPI description calls are checked against",
		Long: `Print the OpenAPI 3.1 description of the Axys Cards API v2 that every recorded call is
held against (the contract checks of the reports, /coverage and bundles): the built-in
one, written from the public docs, or --spec FILE (YAML or JSON, OpenAPI 3.0 or 3.1),
checked as serve, coverage and export check it. Parts the docs leave unseen carry
x-unseen: true and are never enforced; x-staging-only marks the /staging/* simulation
endpoints, x-emulator the paths only the local emulator has.`,
		Example: `  evidence-proxy spec > axys-v2.yaml
  evidence-proxy spec --format table
  evidence-proxy spec --spec axys-published.yaml --format table`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return specShow(cmd.OutOrStdout(), path, format)
		},
	}
	cmd.Flags().StringVar(&path, "spec", "", "OpenAPI description `FILE` (default: the built-in Axys v2 description)")
	cmd.Flags().StringVar(&format, "format", "yaml", "output `FORMAT`: yaml (the description as loaded) or table (its endpoints)")
	return cmd
}

func specShow(w io.Writer, path, format string) error {
	if format != "yaml" && format != "table" {
		return newUsageError("unknown --format %q (want yaml or table)", format)
	}
	spec, err := loadSpec(path)
	if err != nil {
		return err
	}
	if format == "yaml" {
		_, err = w.Write(spec.Bytes())
	} else {
		err = writeSpecTable(w, spec)
	}
	if err != nil {
		return fmt.Errorf("write description: %w", err)
	}
	return nil
}

// writeSpecTable lists the described operations with their marks.
func writeSpecTable(w io.Writer, s *contract.Spec) error {
	eps := s.Endpoints()
	fmt.Fprintf(w, "%s %s (%d operations, sha256 %s)\n\n", s.Title(), s.Version(), len(eps), sha256Hex(s.Bytes()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tPATH\tOPERATION\tMARKS")
	for _, e := range eps {
		marks := ""
		for _, m := range []struct {
			set  bool
			name string
		}{{e.Staging, "staging-only"}, {e.Emulator, "emulator"}, {e.Deprecated, "deprecated"}} {
			if m.set {
				marks += m.name + " "
			}
		}
		if marks == "" {
			marks = "-"
		}
		op := e.OperationID
		if op == "" {
			op = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Method, e.Template, op, marks)
	}
	return tw.Flush()
}
