package golive

import (
	"bufio"
	"fmt"
	"io"
)

// WriteResultSummary prints a result for people: the verdict, then each
// check with its layer and why.
func WriteResultSummary(w io.Writer, r *Result) error {
	bw := bufio.NewWriter(w)
	verdict := "FAILED"
	if r.Passed {
		verdict = "passed"
	}
	fmt.Fprintf(bw, "go-live verification %s: %s at %s\n", verdict, r.BaseURL, r.Time.Format("2006-01-02 15:04:05 UTC"))
	if !r.DocumentedProduction {
		fmt.Fprintf(bw, "  (not the documented production base URL %s)\n", ProductionBaseURL)
	}
	fmt.Fprintf(bw, "  client certificate %s, SHA-256 %s, valid until %s\n", oneLine(r.ClientCert.Subject), r.ClientCert.SHA256, r.ClientCert.NotAfter.Format("2006-01-02"))
	for _, c := range r.Checks {
		layer := ""
		if c.Layer != "" {
			layer = " [" + c.Layer + "]"
		}
		fmt.Fprintf(bw, "  %-8s %s%s: %s\n", c.Outcome, c.ID, layer, oneLine(c.Detail))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write result summary: %w", err)
	}
	return nil
}
