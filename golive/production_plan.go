package golive

import (
	"bufio"
	"fmt"
	"io"
)

// Plan is what VerifyProduction would do, for --dry-run: its input
// checked, the local credential checks run, no call made.
type Plan struct {
	BaseURL              string    `json:"base_url"`
	DocumentedProduction bool      `json:"documented_production"`
	ClientCert           CertFacts `json:"client_cert"`
	APIKeyFingerprint    string    `json:"api_key_fingerprint,omitempty"`
	// Credentials are the local checks; a failed one means the calls
	// would not be made.
	Credentials []Check `json:"credentials"`
	// Calls are the two calls, in order.
	Calls []PlannedCall `json:"calls"`
}

// PlannedCall is one of the two documented calls.
type PlannedCall struct {
	Check  string `json:"check"`
	Method string `json:"method"`
	URL    string `json:"url"`
	Body   string `json:"body,omitempty"`
	Expect string `json:"expect"`
}

// PlanProduction checks the input as VerifyProduction does (a staging
// base URL is ErrStagingURL) and returns the two calls it would make,
// without contacting anything.
func PlanProduction(o VerifyOptions) (*Plan, error) {
	p, err := prepare(o)
	if err != nil {
		return nil, err
	}
	return &Plan{
		BaseURL: p.base.String(), DocumentedProduction: p.base.String() == ProductionBaseURL,
		ClientCert: certFacts(p.leaf), APIKeyFingerprint: p.keyFP,
		Credentials: []Check{p.certDiffers(), p.keyDiffers()},
		Calls:       p.plannedCalls(),
	}, nil
}

// WritePlan prints a plan: the two requests exactly as they would be sent
// (the API key shown by its file and fingerprint, never its value).
func WritePlan(w io.Writer, p *Plan, apiKeyFile string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "dry run: nothing is sent. golive verify would make exactly these two calls to %s:\n", p.BaseURL)
	if !p.DocumentedProduction {
		fmt.Fprintf(bw, "(not the documented production base URL %s)\n", ProductionBaseURL)
	}
	key := "<the key in " + apiKeyFile + ">"
	if p.APIKeyFingerprint != "" {
		key += " " + p.APIKeyFingerprint
	}
	for i, c := range p.Calls {
		fmt.Fprintf(bw, "\n%d. %s %s\n   X-API-Key: %s\n   Accept: application/json\n", i+1, c.Method, c.URL, key)
		if c.Body != "" {
			fmt.Fprintf(bw, "   Content-Type: application/json\n\n   %s\n", c.Body)
		}
		fmt.Fprintf(bw, "   expected: %s\n", c.Expect)
	}
	fmt.Fprintf(bw, "\nover mTLS with the client certificate %s (SHA-256 %s, valid %s to %s).\n",
		oneLine(p.ClientCert.Subject), p.ClientCert.SHA256, p.ClientCert.NotBefore.Format("2006-01-02"), p.ClientCert.NotAfter.Format("2006-01-02"))
	fmt.Fprintf(bw, "\nchecked before any call:\n")
	for _, c := range p.Credentials {
		fmt.Fprintf(bw, "  %-28s %s: %s\n", c.ID, c.Outcome, oneLine(c.Detail))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}
