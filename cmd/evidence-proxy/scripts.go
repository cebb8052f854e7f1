package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/export/bundlecov"
	"github.com/evidence-proxy/evidence-proxy/golive"
)

// scriptsOptions are the flags of "evidence-proxy scripts".
type scriptsOptions struct {
	store        storeFlags
	from         snapshotSource
	bundle       string
	matrix       string
	out          string
	requirements stringList
}

// newScriptsCmd is "evidence-proxy scripts": test scripts for the gaps of
// a store's (or a bundle's) coverage.
func newScriptsCmd() *cobra.Command {
	var o scriptsOptions
	cmd := &cobra.Command{
		Use:   "scripts --out DIR [flags]",
		Short: "write test scripts that produce the missing evidence",
		Long: `Write, for every requirement the coverage shows missing or partial (or each one named with
--requirement), a POSIX sh script that drives its flow through the sidecar with curl, plus
lib.sh, run-all.sh and a README.md. The coverage is computed from a stopped sidecar's store
(--data-dir or --db), a running one's (--from, through its /snapshot) or a bundle's records
(--bundle, checked as verify checks it).

Each script reads EVIDENCE_PROXY_URL (the sidecar's proxy listener) and AXYS_API_KEY (empty
when the sidecar adds the key), refuses to run against production or without the sidecar,
checks every answer and tags its calls with X-Evidence-Script, so the report tells a
script's evidence from the app's. Nothing is called now: the scripts run later, by hand.
Requirements no script can honestly produce, and violated ones (the app must change), are
listed instead.`,
		Example: `  evidence-proxy scripts --data-dir ./evidence-data --out gaps
  evidence-proxy scripts --from http://127.0.0.1:9090 --out gaps --requirement row-2 --requirement C3
  evidence-proxy scripts --bundle evidence.tar.zst --out gaps
  EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY= sh gaps/run-all.sh`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	fs := cmd.Flags()
	o.store.bind(fs)
	o.from.bind(fs)
	fs.StringVar(&o.bundle, "bundle", "", "evidence bundle `FILE` whose records to compute the coverage of (its own matrix)")
	fs.StringVar(&o.matrix, "matrix", "", "coverage matrix `FILE` (YAML; default: the built-in Axys v2 matrix); not with --bundle")
	fs.StringVar(&o.out, "out", "", "`DIR` to write the scripts to (created when missing; scripts of the same names are replaced)")
	fs.Var(&o.requirements, "requirement", "write the script of this requirement `ID` whatever its status, with the parts it requires (repeatable)")
	return cmd
}

func (o *scriptsOptions) validate(cmd *cobra.Command) error {
	if o.out == "" {
		return newUsageError("scripts needs --out DIR")
	}
	if o.bundle == "" {
		return nil
	}
	for _, name := range []string{"data-dir", "db", "from", "matrix"} {
		if cmd.Flags().Changed(name) {
			return newUsageError("--bundle and --%s: give one source (a bundle carries its own matrix)", name)
		}
	}
	return nil
}

func (o *scriptsOptions) run(cmd *cobra.Command) error {
	if err := o.validate(cmd); err != nil {
		return err
	}
	rep, m, err := o.report(cmd.Context())
	if err != nil {
		return err
	}
	set, err := golive.WriteScripts(golive.ScriptOptions{Report: rep, Matrix: m, Dir: o.out, Requirements: o.requirements, ToolVersion: toolVersion()})
	if errors.Is(err, golive.ErrUnknownRequirement) {
		return newUsageError("%v", err)
	}
	if err != nil {
		return fmt.Errorf("write scripts: %w", err)
	}
	return writeScriptSet(cmd.OutOrStdout(), set, rep)
}

// report computes the coverage of the source the flags name.
func (o *scriptsOptions) report(ctx context.Context) (*coverage.Report, *coverage.Matrix, error) {
	if o.bundle != "" {
		rep, m, err := bundlecov.ReadReport(ctx, o.bundle, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("read bundle: %w", err)
		}
		return rep, m, nil
	}
	m, err := loadMatrix(o.matrix)
	if err != nil {
		return nil, nil, err
	}
	store, cleanup, err := o.from.open(ctx, o.store, "")
	if err != nil {
		return nil, nil, err
	}
	defer cleanup()
	rep, err := storeReport(ctx, store, m)
	return rep, m, err
}

// writeScriptSet says what was written and what no script helps with.
func writeScriptSet(w io.Writer, set *golive.ScriptSet, rep *coverage.Report) error {
	lw := &lineWriter{w: w}
	if len(set.Scripts) == 0 {
		lw.printf("no script written to %s: no requirement asked for is missing or partial (%d records)", set.Dir, rep.Records)
	} else {
		lw.printf("wrote %d scripts to %s, with lib.sh, run-all.sh and README.md:", len(set.Scripts), set.Dir)
		lw.printf("%s", strings.TrimRight(scriptTable(set.Scripts), "\n"))
	}
	if len(set.Manual) > 0 {
		lw.printf("\nno script can honestly produce these (%s says why and what to do):", filepath.Join(set.Dir, "README.md"))
		for _, e := range set.Manual {
			lw.printf("  %-8s %s: %s", e.Requirement, e.Title, e.Why)
		}
	}
	if len(set.Violated) > 0 {
		lw.printf("\nviolated: the traffic shows them mishandled, no script helps, the app must change:\n  %s", strings.Join(set.Violated, " "))
	}
	if len(set.Unscripted) > 0 {
		lw.printf("\nno script in evidence-proxy for these (a matrix of its own; their steps are in README.md):\n  %s", strings.Join(set.Unscripted, " "))
	}
	if set.MatrixMismatch != "" {
		lw.printf("\nNOTE: %s", set.MatrixMismatch)
	}
	if len(set.Scripts) > 0 {
		lw.printf("\nrun them through the sidecar (AXYS_API_KEY empty when it adds the key; --long adds the long ones):\n  EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY= sh %s", filepath.Join(set.Dir, "run-all.sh"))
	}
	return lw.err
}

func scriptTable(scripts []golive.Script) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, s := range scripts {
		note := ""
		switch {
		case s.Kind == golive.ScriptComposite:
			note = "runs " + strings.Join(s.Runs, " ")
		case s.Kind == golive.ScriptLong:
			note = "hours of polling: run-all.sh --long"
		}
		if s.EmulatorOnly {
			note = strings.TrimSpace(note + " emulator-only simulation endpoints")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", s.Requirement, s.Kind, s.File, s.Status, s.Title, note)
	}
	tw.Flush()
	lines := strings.Split(b.String(), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n")
}
