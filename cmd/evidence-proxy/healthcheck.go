package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// healthcheckOptions are healthcheck's flags.
type healthcheckOptions struct {
	admin   string
	ready   bool
	timeout time.Duration
}

// newHealthcheckCmd is "evidence-proxy healthcheck", the health check of
// images without a shell (Docker HEALTHCHECK, exec probes).
func newHealthcheckCmd() *cobra.Command {
	var o healthcheckOptions
	cmd := &cobra.Command{
		Use:   "healthcheck [flags]",
		Short: "ask a running sidecar's admin listener whether it is healthy",
		Long: `Ask a running sidecar whether it is alive (GET /healthz) or ready to record calls
(GET /readyz, with --ready) on its admin listener. Exits 0 on 200, 1 otherwise with
the reason: the health check of images that have no shell or curl.`,
		Example: `  evidence-proxy healthcheck
  evidence-proxy healthcheck --ready --admin http://127.0.0.1:9090
  HEALTHCHECK CMD ["/evidence-proxy", "healthcheck"]   # in a Dockerfile`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), cmd.OutOrStdout()) },
	}
	cmd.Flags().StringVar(&o.admin, "admin", "http://127.0.0.1:9090", "admin listener `URL` (or host:port)")
	cmd.Flags().BoolVar(&o.ready, "ready", false, "check /readyz (can record calls) instead of /healthz (alive)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 3*time.Second, "give up after this long")
	return cmd
}

// target validates the flags and returns the URL to GET.
func (o *healthcheckOptions) target() (string, error) {
	base := o.admin
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u, err := url.Parse(strings.TrimSuffix(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", newUsageError("--admin %q: want the admin listener's URL, e.g. http://127.0.0.1:9090", o.admin)
	}
	if o.timeout <= 0 {
		return "", newUsageError("--timeout %s: must be positive", o.timeout)
	}
	path := "/healthz"
	if o.ready {
		path = "/readyz"
	}
	return u.String() + path, nil
}

func (o *healthcheckOptions) run(ctx context.Context, stdout io.Writer) error {
	target, err := o.target()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	reason := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s: %s", target, resp.Status, reason)
	}
	_, err = fmt.Fprintf(stdout, "%s: %s\n", target, reason)
	return err
}
