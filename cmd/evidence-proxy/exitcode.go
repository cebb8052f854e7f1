package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/export"
)

// Exit codes, documented in the root help and the README: verify's
// (export.ExitCode), which every command shares.
const (
	exitOK              = export.ExitVerified
	exitFailure         = export.ExitInvalid
	exitUsage           = export.ExitUsage
	exitUnauthenticated = export.ExitUnauthenticated
)

// usageError is a mistake on the command line: exit code 2. usage, when
// set, is the short usage line of the command it concerns.
type usageError struct {
	msg   string
	usage string
}

func newUsageError(format string, a ...any) *usageError {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

func (e *usageError) Error() string {
	if e.usage == "" {
		return e.msg
	}
	return e.msg + "\n" + e.usage
}

// exitCode is 2 for a usage error, else export.ExitCode's: 0 for nil, 3
// for a bundle intact but signed by no pinned key (export.ErrUnauthenticated,
// so that "verify && accept" never accepts a re-signed forgery), 1 for
// anything else.
func exitCode(err error) int {
	var u *usageError
	if errors.As(err, &u) {
		return exitUsage
	}
	return export.ExitCode(err)
}

// shortUsage is the one line printed under a usage error.
func shortUsage(cmd *cobra.Command) string {
	return fmt.Sprintf("usage: %s (\"%s --help\" for more)", usageLine(cmd), cmd.CommandPath())
}

// asUsageError turns an error raised before the command ran (flag parsing,
// argument checks) into a usage error with the command's usage line.
func asUsageError(cmd *cobra.Command, err error) error {
	var u *usageError
	if !errors.As(err, &u) {
		u = &usageError{msg: err.Error()}
	}
	if u.usage == "" && cmd != nil {
		u.usage = shortUsage(cmd)
	}
	return u
}

// withUsageLine adds the command's usage line to a usage error a command
// returned.
func withUsageLine(cmd *cobra.Command, err error) error {
	var u *usageError
	if errors.As(err, &u) && u.usage == "" && cmd != nil {
		u.usage = shortUsage(cmd)
	}
	return err
}
