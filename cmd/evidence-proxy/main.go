// Command evidence-proxy is an mTLS-terminating sidecar that records every
// call an app makes to the Axys card-issuing API's staging environment,
// classifies the traffic against the auditor's coverage matrix and exports a
// signed, verifiable evidence bundle for the go-live audit.
//
// Run "evidence-proxy help" for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "evidence-proxy:", err)
		}
		os.Exit(exitCode(err))
	}
}

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":    {"run the recording proxy (the sidecar)", runServe},
		"demo":     {"run emulator, proxy and a scripted app, then export and verify a bundle", runDemo},
		"emulate":  {"serve the local Axys staging emulator", runEmulate},
		"coverage": {"compute the coverage report from a store", runCoverage},
		"export":   {"write an evidence bundle from a store or a running sidecar", runExport},
		"verify":   {"check an evidence bundle's hashes, signature, chain and coverage", runVerify},
		"merge":    {"combine bundles from several replicas into one", runMerge},
		"ca":       {"show the interception CA and how to trust it", runCA},
		"matrix":   {"show or check a coverage matrix", runMatrix},
		"version":  {"print the version", runVersion},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		usage(stderr)
		return usageError(fmt.Sprintf("unknown command %q", args[0]))
	}
	return cmd.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: evidence-proxy <command> [flags]\n\ncommands:")
	cmds := commands()
	for _, name := range []string{"serve", "demo", "emulate", "coverage", "export", "verify", "merge", "ca", "matrix", "version"} {
		fmt.Fprintf(w, "  %-9s %s\n", name, cmds[name].summary)
	}
	fmt.Fprintln(w, "\nRun \"evidence-proxy <command> --help\" for a command's flags.")
}

// usageError is a mistake on the command line: exit code 2.
type usageError string

func (e usageError) Error() string { return string(e) }

func exitCode(err error) int {
	var u usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		return 2
	default:
		return 1
	}
}
