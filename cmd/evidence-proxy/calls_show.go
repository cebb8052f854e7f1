package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/contract"
	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/admin"
)

// callsShowOptions are "calls show"'s flags.
type callsShowOptions struct {
	src      callsSourceFlags
	instance string
	format   string
	spec     string
}

func newCallsShowCmd() *cobra.Command {
	var o callsShowOptions
	cmd := &cobra.Command{
		Use:   "show SEQ [flags]",
		Short: "print one recorded call, its chain hash and what it is evidence for",
		Long: `Print one record as stored (redacted before it was written): the request and the
response with their headers and bodies, the error if any, its chain hash and the one
before, the requirements whose evidence names it (the coverage report computed
from the same records: a store's with --matrix or the built-in matrix, a bundle's
with its own, a running sidecar's live one), and what holding the call against the
API description finds (--spec or the built-in one; a running sidecar's own). Control
characters a call carried are shown as spaces.`,
		Example: `  evidence-proxy calls show 42 --data-dir ./evidence-data
  evidence-proxy calls show 42 --bundle evidence.tar.zst --format json
  evidence-proxy calls show 42 --from http://127.0.0.1:9090 --admin-token-file admin.token`,
		Args: exactArgs(1, "one sequence number (SEQ)"),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	fs := cmd.Flags()
	o.src.bind(fs)
	fs.StringVar(&o.instance, "instance", "", "in a merged bundle: the `ID` of the source whose record SEQ is")
	fs.StringVar(&o.format, "format", "text", "output `FORMAT`: text or json")
	fs.StringVar(&o.spec, "spec", "", "OpenAPI description `FILE` to hold the call against (a store or a bundle; default: the built-in Axys v2 description; a running sidecar uses its own)")
	return cmd
}

func (o *callsShowOptions) run(cmd *cobra.Command, arg string) error {
	seq, err := strconv.ParseUint(arg, 10, 64)
	if err != nil || seq == 0 {
		return newUsageError("calls show: %q is not a sequence number (1 or more)", arg)
	}
	if o.format != "text" && o.format != "json" {
		return newUsageError("unknown --format %q: text or json", o.format)
	}
	if o.src.from != "" && o.spec != "" {
		return newUsageError("--spec does not go with --from: the sidecar holds calls against its own description")
	}
	spec, err := loadSpec(o.spec)
	if err != nil {
		return err
	}
	src, err := o.src.source(cmd.Flags())
	if err != nil {
		return err
	}
	d, err := src.show(cmd.Context(), seq, o.instance)
	if err != nil {
		return err
	}
	if o.src.from == "" {
		d = d.CheckContract(spec.Check)
	}
	if o.format == "json" {
		return writeIndentedJSON(cmd.OutOrStdout(), d)
	}
	return writeCallText(cmd.OutOrStdout(), d)
}

// writeCallText prints a record for a terminal: its facts, the request
// (lines after "> ") and the response ("< "), as curl -v does, and what
// it is evidence for.
func writeCallText(w io.Writer, d admin.CallDetail) error {
	bw := bufio.NewWriter(w)
	rec := d.Record
	fmt.Fprintf(bw, "record #%d  %s  %s\n", rec.Seq, rec.Kind, rec.Time.UTC().Format("2006-01-02 15:04:05.000Z"))
	if rec.Kind == evidence.KindCall {
		fmt.Fprintf(bw, "duration      %s (upstream %s), mode %s\n", usDuration(rec.DurationUS), usDuration(rec.UpstreamUS), orDash(string(rec.Mode)))
	}
	if rec.Error != nil {
		fmt.Fprintf(bw, "error         %s: %s\n", terminalText(string(rec.Error.Kind)), terminalText(rec.Error.Message))
	}
	if rec.Redactions > 0 {
		fmt.Fprintf(bw, "redactions    %d values replaced before the record was written\n", rec.Redactions)
	}
	fmt.Fprintf(bw, "chain hash    %s\nprevious hash %s\n", rec.Hash, rec.PrevHash)
	writeEvidenceFor(bw, d.EvidenceFor)
	writeContract(bw, d.Contract)
	writeMessages(bw, rec)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write call: %w", err)
	}
	return nil
}

// writeContract prints what holding the call against the API description
// found, one finding a line.
func writeContract(w *bufio.Writer, res *contract.Result) {
	switch {
	case res == nil:
		return
	case len(res.Findings) == 0 && res.Documented:
		fmt.Fprintf(w, "contract      agrees with the description (%s %s)\n", res.Method, terminalText(res.Endpoint))
		return
	case len(res.Findings) == 0:
		fmt.Fprintf(w, "contract      outside the description (the path is not one it documents)\n")
		return
	}
	fmt.Fprintf(w, "contract      %d %s:\n", len(res.Findings), map[bool]string{true: "finding", false: "findings"}[len(res.Findings) == 1])
	for _, f := range res.Findings {
		line := fmt.Sprintf("  %s  %s  %s", f.Field, f.Rule, f.Message)
		if f.Value != "" {
			line += "  value " + f.Value
		}
		fmt.Fprintf(w, "%s\n", terminalText(line))
	}
}

func writeEvidenceFor(w *bufio.Writer, refs []admin.EvidenceRef) {
	if len(refs) == 0 {
		fmt.Fprintf(w, "evidence for  none (no requirement's evidence names this record)\n")
		return
	}
	for i, r := range refs {
		label := "evidence for "
		if i > 0 {
			label = "             "
		}
		fmt.Fprintf(w, "%s %s (%s): %s\n", label, terminalText(r.ID), r.Status, terminalText(r.Title))
	}
}

func writeMessages(w *bufio.Writer, rec *evidence.Record) {
	switch {
	case rec.Kind == evidence.KindCall:
		req := rec.Request
		fmt.Fprintf(w, "\n> %s\n", terminalText(strings.TrimSpace(req.Method+" "+req.URL+" "+req.Proto)))
		writeHeaders(w, "> ", req.Header)
		writeBody(w, req.Body)
		if r := rec.Response; r != nil {
			line := strings.TrimSpace(r.Proto + " " + strconv.Itoa(r.Status) + " " + http.StatusText(r.Status))
			if r.Synthetic {
				line += " (answered by the proxy)"
			}
			fmt.Fprintf(w, "\n< %s\n", terminalText(line))
			writeHeaders(w, "< ", r.Header)
			writeBody(w, r.Body)
		} else {
			fmt.Fprintf(w, "\n< no response\n")
		}
	case rec.Event != nil:
		e := rec.Event
		fmt.Fprintf(w, "\nevent %s from %s\n", terminalText(e.Name), terminalText(e.Source))
		for _, part := range []string{string(e.Attributes), string(e.Resource), e.Body} {
			if part != "" {
				fmt.Fprintf(w, "%s\n", controlFree(part, true))
			}
		}
	case rec.Gap != nil:
		fmt.Fprintf(w, "\ngap: %d records lost, %d calls refused: %s\n", rec.Gap.Lost, rec.Gap.Refused, terminalText(rec.Gap.Reason))
	}
}

func writeHeaders(w *bufio.Writer, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s%s: %s\n", prefix, terminalText(k), terminalText(v))
		}
	}
}

// writeBody prints a body as recorded: its text, or its bytes in base64.
func writeBody(w *bufio.Writer, b evidence.Body) {
	var notes []string
	if b.ContentEncoding != "" {
		notes = append(notes, "content encoding "+terminalText(b.ContentEncoding))
	}
	if b.Truncated {
		notes = append(notes, "recorded truncated at the capture cap")
	}
	if b.DecodeError != "" {
		notes = append(notes, "not decoded: "+terminalText(b.DecodeError))
	}
	switch {
	case b.Text == "" && b.Base64 == "":
		notes = append([]string{fmt.Sprintf("empty body (%d bytes on the wire)", b.Size)}, notes...)
		fmt.Fprintf(w, "  (%s)\n", strings.Join(notes, "; "))
		return
	case b.Base64 != "":
		notes = append(notes, "not text: base64")
	}
	fmt.Fprintf(w, "  (%d bytes on the wire%s)\n", b.Size, prefixed("; ", strings.Join(notes, "; ")))
	text := b.Text
	if b.Base64 != "" {
		text = b.Base64
	}
	fmt.Fprintf(w, "%s\n", strings.TrimRight(controlFree(text, true), "\n"))
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

func usDuration(us int64) string { return (time.Duration(us) * time.Microsecond).String() }
