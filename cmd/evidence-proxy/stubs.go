package main

import (
	"context"
	"errors"
	"io"
)

// Temporary: each of these is replaced by its own file as the parts land.
var errNotYet = errors.New("not built yet")

func runServe(context.Context, []string, io.Writer, io.Writer) error    { return errNotYet }
func runDemo(context.Context, []string, io.Writer, io.Writer) error     { return errNotYet }
func runEmulate(context.Context, []string, io.Writer, io.Writer) error  { return errNotYet }
func runCoverage(context.Context, []string, io.Writer, io.Writer) error { return errNotYet }
func runExport(context.Context, []string, io.Writer, io.Writer) error   { return errNotYet }
func runVerify(context.Context, []string, io.Writer, io.Writer) error   { return errNotYet }
func runMerge(context.Context, []string, io.Writer, io.Writer) error    { return errNotYet }
func runCA(context.Context, []string, io.Writer, io.Writer) error       { return errNotYet }
func runMatrix(context.Context, []string, io.Writer, io.Writer) error   { return errNotYet }
