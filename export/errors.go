package export

import (
	"errors"
	"fmt"
)

// ErrInvalidBundle is matched (with errors.Is) by every error that Verify
// and Merge return because a bundle itself is wrong: not a bundle at all,
// corrupt, altered, incomplete or badly signed. Errors that do not match it
// are about the environment (a file that cannot be opened, a canceled
// context).
var ErrInvalidBundle = errors.New("invalid evidence bundle")

// ErrNoSigner is returned by Write and Merge when no signing key is given:
// a bundle is always signed.
var ErrNoSigner = errors.New("no signing key")

// ErrNoCoverage is returned by Write, Verify and Merge when no Coverage is
// given: a bundle always carries its coverage report and verify always
// recomputes it.
var ErrNoCoverage = errors.New("no coverage computation")

// ErrNoMatrix is returned by Write when no matrix is given to embed: a
// bundle always carries the matrix its coverage was computed against.
var ErrNoMatrix = errors.New("no coverage matrix to embed")

// ErrUnauthenticated is returned by Verify, with its result, when every
// check passed but no public key was pinned: the bundle is intact and
// self-consistent, yet anyone could have made it. It does not match
// ErrInvalidBundle.
var ErrUnauthenticated = errors.New("signer not authenticated: no public key pinned")

// errStop ends an iteration early; it never leaves the package.
var errStop = errors.New("stop iteration")

// errNotCanonical is returned when a records line holds a record but is not
// exactly its encoding.
var errNotCanonical = errors.New("line is not the canonical encoding of its record")

// FormatError is returned when a file is not a well-formed bundle: empty,
// not zstd, corrupt compression, not a tar, trailing data.
type FormatError struct {
	Reason string
	Err    error
}

func (e *FormatError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("not a valid bundle: %s: %v", e.Reason, e.Err)
	}
	return "not a valid bundle: " + e.Reason
}

func (e *FormatError) Unwrap() error        { return e.Err }
func (e *FormatError) Is(target error) bool { return target == ErrInvalidBundle }

// MemberError is returned when a bundle member is missing, unexpected,
// duplicated, too large, malformed or does not match the manifest.
type MemberError struct {
	Member string
	Reason string
	Err    error
}

func (e *MemberError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("member %s: %s: %v", e.Member, e.Reason, e.Err)
	}
	return fmt.Sprintf("member %s: %s", e.Member, e.Reason)
}

func (e *MemberError) Unwrap() error        { return e.Err }
func (e *MemberError) Is(target error) bool { return target == ErrInvalidBundle }

// RecordError is returned when a record of a records member is malformed
// or breaks the hash chain: a gap, a wrong prev_hash, a hash that does not
// match the content, a line not in canonical form.
type RecordError struct {
	Member string
	// Line is the 1-based line of the member.
	Line int
	// Seq is the record's sequence number, when it could be read.
	Seq    uint64
	Reason string
	Err    error
}

func (e *RecordError) Error() string {
	msg := fmt.Sprintf("%s line %d", e.Member, e.Line)
	if e.Seq != 0 {
		msg += fmt.Sprintf(" (seq %d)", e.Seq)
	}
	msg += ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *RecordError) Unwrap() error        { return e.Err }
func (e *RecordError) Is(target error) bool { return target == ErrInvalidBundle }

// SignatureError is returned when a manifest signature is malformed, signed
// by another key than the pinned one, or does not verify.
type SignatureError struct {
	// Member is the signature member ("manifest.sig", or a source's).
	Member string
	// KeyID is the key the signature claims, when it could be read.
	KeyID  string
	Reason string
	Err    error
	// claimed, set when the envelope holds no signature by the key tried,
	// lists the key ids it does hold.
	claimed []string
}

func (e *SignatureError) Error() string {
	msg := "signature " + e.Member
	if e.KeyID != "" {
		msg += " (key " + e.KeyID + ")"
	}
	msg += ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *SignatureError) Unwrap() error        { return e.Err }
func (e *SignatureError) Is(target error) bool { return target == ErrInvalidBundle }

// OverlapError is returned by Merge when two inputs hold records of the same
// source instance over overlapping sequence ranges with the same hashes: the
// same evidence twice.
type OverlapError struct {
	Instance string
	A, B     string
	// FirstSeq and LastSeq bound the overlapping range.
	FirstSeq, LastSeq uint64
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("instance %s: %s and %s both hold records %d-%d", e.Instance, e.A, e.B, e.FirstSeq, e.LastSeq)
}

// ConflictError is returned by Merge when two inputs hold different records
// under the same source instance and sequence number: two histories that
// cannot both be true.
type ConflictError struct {
	Instance     string
	A, B         string
	Seq          uint64
	HashA, HashB string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("instance %s: record %d differs between %s (hash %s) and %s (hash %s)",
		e.Instance, e.Seq, e.A, shortHash(e.HashA), e.B, shortHash(e.HashB))
}

// shortHash abbreviates a hex hash for messages.
func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

// DuplicateInstanceError is returned by Merge when two inputs come from the
// same source instance over disjoint sequence ranges: a chain is kept whole
// in a merged bundle, so export that instance once over the whole range.
type DuplicateInstanceError struct {
	Instance string
	A, B     string
}

func (e *DuplicateInstanceError) Error() string {
	return fmt.Sprintf("instance %s: both %s and %s come from it; export the instance once over its whole range", e.Instance, e.A, e.B)
}
