package contract

import (
	"errors"
	"fmt"
)

// ErrUnsupported is returned (wrapped in a *LoadError) for a description
// that is valid OpenAPI but not one this validator can hold traffic
// against: not OpenAPI 3.1, or without paths.
var ErrUnsupported = errors.New("unsupported description")

// LoadError is returned by Load and Parse for a description that cannot be
// used. It says where: a line and column when the problem is in the text,
// and a JSON pointer into the document when it is known.
type LoadError struct {
	// File is the path given to Load, or the name given to Parse.
	File string
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
	// Pointer is a JSON pointer into the document ("/paths/~1cards/get"),
	// when known.
	Pointer string
	// Msg says what is wrong.
	Msg string
	// Err is the cause, if any (ErrUnsupported, a parser's error).
	Err error
}

func (e *LoadError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += fmt.Sprintf(":%d:%d", e.Line, e.Column)
	}
	if e.Pointer != "" {
		loc += " (" + e.Pointer + ")"
	}
	return "load spec " + loc + ": " + e.Msg
}

func (e *LoadError) Unwrap() error { return e.Err }
