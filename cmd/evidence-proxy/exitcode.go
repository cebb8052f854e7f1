package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Exit codes, documented in the root help and the README.
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2
	exitUnverified = 3
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

// signerNotPinnedError is a bundle whose hashes, chain and signature are
// intact but whose signer is not a pinned key: nothing says who made it.
// verify exits 3 for it, so that "verify && accept" never accepts a
// re-signed forgery.
type signerNotPinnedError struct{ err error }

func (e *signerNotPinnedError) Error() string {
	return e.err.Error() + " (the signer is not authenticated: pass the key you expect with --pubkey)"
}

func (e *signerNotPinnedError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var u *usageError
	var np *signerNotPinnedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &np):
		return exitUnverified
	default:
		return exitFailure
	}
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
