package demoapp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// runGuardProbe sends, through the sidecar, the call a misconfigured
// staging suite would send to production: the documented KYC simulation,
// POST with {"cardholderId":1,"result":"pass"} (the go-live page's own
// check), and expects the sidecar to refuse it: a 403 answer, or the
// CONNECT refused. A documented call is what the coverage classifier
// takes as evidence of the guard; another method would be no API call.
// It never runs without a proxy in between, and sends no API key, so
// even a misconfiguration cannot put a staging call on production.
func (s *script) runGuardProbe(ctx context.Context) (string, error) {
	if s.o.GuardProbeURL == "" {
		return "", skipf("no production URL to probe configured")
	}
	if !viaProxy(s.o.MITMClient) {
		s.note("the production-guard probe did not run: it needs the HTTPS_PROXY client, which sends through the sidecar")
		return "", skipf("the probe needs an HTTPS_PROXY client that sends through the sidecar")
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.CallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.o.GuardProbeURL, strings.NewReader(`{"cardholderId":1,"result":"pass"}`))
	if err != nil {
		return "", fmt.Errorf("build production probe: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	s.stats.Calls++
	resp, err := s.o.MITMClient.Do(req)
	if err != nil {
		if strings.Contains(err.Error(), "Forbidden") || strings.Contains(err.Error(), "403") {
			return "the sidecar refused the CONNECT to production", nil
		}
		return "", fmt.Errorf("production probe: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusForbidden {
		return "", fmt.Errorf("production probe: answered %d, want the sidecar's 403", resp.StatusCode)
	}
	s.log.Info("sidecar refused a production call", "message", errorMessage(body))
	return "the sidecar refused the call to production (403)", nil
}

// viaProxy reports whether c's transport sends through an HTTP proxy. A
// wrapping RoundTripper is looked through when it has an
// Unwrap() http.RoundTripper method.
func viaProxy(c *http.Client) bool {
	if c == nil {
		return false
	}
	rt := c.Transport
	for range 8 {
		switch t := rt.(type) {
		case *http.Transport:
			return t.Proxy != nil
		case interface{ Unwrap() http.RoundTripper }:
			rt = t.Unwrap()
		default:
			return false
		}
	}
	return false
}
