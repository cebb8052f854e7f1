// Package secretfile checks and reads files that hold secrets: private
// keys, API keys and bearer tokens named on the command line or kept in the
// data directory.
//
// # The rule
//
// A secret file must be a regular file (symbolic links are followed, as
// Kubernetes mounts secrets through them) that no one but its owner can
// read: no permission bit for others, and none for the group, with one
// exception. A file owned by root that the group may read, while this
// process does not run as root, is accepted: that is how a secret is
// shared with exactly one service account (Kubernetes secret volumes with
// fsGroup, Debian's ssl-cert group), and only root could have made it so.
// PostgreSQL applies the same rule to its TLS key. Anything else is
// refused with one message that names the file, its mode and the fix.
//
// The check runs before a path is handed to the package that reads it, so
// every secret is refused the same way whichever package uses it.
package secretfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotPrivate is wrapped by the error CheckPrivate returns for a file
// that others may read.
var ErrNotPrivate = errors.New("readable by group or others")

// ErrEmpty is returned by ReadToken for a file that holds no token.
var ErrEmpty = errors.New("empty")

// NotPrivateError is a secret file that others may read.
type NotPrivateError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotPrivateError) Error() string {
	return fmt.Sprintf("%s is readable by group or others (mode %04o): a private key or secret must be readable by its owner only; run chmod 600 %s",
		e.Path, e.Mode.Perm(), e.Path)
}

// Unwrap makes errors.Is(err, ErrNotPrivate) true.
func (e *NotPrivateError) Unwrap() error { return ErrNotPrivate }

// CheckPrivate returns nil when path is a regular file only its owner can
// read (see the package doc for the one exception), a *NotPrivateError
// when others may read it, and the stat error when it cannot be examined.
func CheckPrivate(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("check secret file: %w", err)
	}
	return check(path, info, os.Geteuid())
}

// check is CheckPrivate on a known file and process user, for tests.
func check(path string, info fs.FileInfo, euid int) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("check secret file %s: not a regular file", path)
	}
	perm := info.Mode().Perm()
	if perm&0o007 != 0 || (perm&0o070 != 0 && !sharedByRoot(info, euid)) {
		return &NotPrivateError{Path: path, Mode: perm}
	}
	return nil
}

// sharedByRoot reports whether the file belongs to root and this process is
// not root: only root can have given the group read access.
func sharedByRoot(info fs.FileInfo, euid int) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && st.Uid == 0 && euid != 0
}

// ReadToken checks path with CheckPrivate and returns its content without
// the trailing newline (LF or CRLF) editors and echo add. A file with
// nothing else in it is an error wrapping ErrEmpty.
func ReadToken(path string) (string, error) {
	if err := CheckPrivate(path); err != nil {
		return "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read secret file: %w", err)
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	data = bytes.TrimSuffix(data, []byte("\r"))
	if len(data) == 0 {
		return "", fmt.Errorf("read secret file %s: %w", path, ErrEmpty)
	}
	return string(data), nil
}
