package export

import "errors"

// The exit codes of verify, for scripts (`verify && accept` must only
// accept a verified bundle):
const (
	// ExitVerified: every check passed and the signatures are by pinned keys.
	ExitVerified = 0
	// ExitInvalid: the bundle is invalid, or could not be checked (any
	// error not listed here: a missing file, a canceled run, …).
	ExitInvalid = 1
	// ExitUsage: the command line is wrong (decided by the command, not
	// by this package).
	ExitUsage = 2
	// ExitUnauthenticated: everything checked out, but no key was pinned:
	// anyone could have made the bundle.
	ExitUnauthenticated = 3
)

// ExitCode maps Verify's error to an exit code: ExitVerified for nil,
// ExitUnauthenticated for ErrUnauthenticated, ExitInvalid for anything
// else, so that no unforeseen error can pass for a verified bundle.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitVerified
	case errors.Is(err, ErrInvalidBundle):
		return ExitInvalid
	case errors.Is(err, ErrUnauthenticated):
		return ExitUnauthenticated
	default:
		return ExitInvalid
	}
}
