package main

import (
	"context"
	"errors"
	"io"
)

// Temporary: each of these is replaced by its own file as the parts land.
var errNotYet = errors.New("not built yet")

func runDemo(context.Context, []string, io.Writer, io.Writer) error { return errNotYet }
func runCA(context.Context, []string, io.Writer, io.Writer) error   { return errNotYet }
