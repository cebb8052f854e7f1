// Command evidence-proxy is an mTLS-terminating sidecar that records every
// call an app makes to the Axys card-issuing API's staging environment,
// classifies the traffic against the auditor's coverage matrix and exports a
// signed, verifiable evidence bundle for the go-live audit.
//
// Run "evidence-proxy help" for the subcommands. Exit codes: 0 success, 1
// failure, 2 usage error, 3 a bundle that is intact but whose signer is
// not pinned (verify).
package main

import (
	"context"
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
		fmt.Fprintln(os.Stderr, "evidence-proxy:", err)
		os.Exit(exitCode(err))
	}
}

// run executes one command line. Every error before a command starts
// (unknown command or flag, wrong arguments) is a usage error, exit code 2.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	started := false
	root := newRootCmd(os.Environ(), func() { started = true })
	root.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := checkCommand(root, args); err != nil {
		return err
	}
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && !started {
		return asUsageError(cmd, err)
	}
	return withUsageLine(cmd, err)
}
