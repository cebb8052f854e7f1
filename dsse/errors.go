package dsse

import "errors"

// ErrInvalid is matched (errors.Is) by every error Open, Parse and Verify
// return: the envelope cannot be trusted.
var ErrInvalid = errors.New("invalid signature envelope")

// Error is an envelope that does not check: malformed, not in canonical
// form, of another payload type, or without a signature by the key that
// verifies.
type Error struct {
	// KeyID is the id of the key the envelope was checked against, when
	// there was a well-formed one.
	KeyID string
	// Reason says what is wrong, without the key or the wrapped error.
	Reason string
	Err    error
	// Claimed, set when no signature names the key, lists the key ids
	// the envelope's signatures do name.
	Claimed []string
}

func (e *Error) Error() string {
	msg := "signature envelope"
	if e.KeyID != "" {
		msg += " (key " + e.KeyID + ")"
	}
	msg += ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error        { return e.Err }
func (e *Error) Is(target error) bool { return target == ErrInvalid }
