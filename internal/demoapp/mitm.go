package demoapp

import (
	"context"
	"fmt"
	"net/http"
)

// runHTTPSProxy makes a few of the app's calls the other way an app
// reaches the sidecar: with HTTPS_PROXY set, to the upstream's own URL,
// trusting the sidecar's local CA.
func (s *script) runHTTPSProxy(ctx context.Context) (string, error) {
	if s.mitm == nil {
		s.note("the HTTPS_PROXY part did not run: no MITM client was configured")
		return "", skipf("no HTTPS_PROXY client configured")
	}
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	h, err := s.holderVia(ctx, s.mitm, s.holder.id)
	if err != nil {
		return "", err
	}
	var c cardDoc
	if err := s.mitm.do(ctx, call{method: http.MethodGet, path: cardPath(s.virtual.id, "")}, &c); err != nil {
		return "", err
	}
	b, err := s.balanceVia(ctx, s.mitm, s.virtual.id)
	if err != nil {
		return "", err
	}
	if err := s.mitm.do(ctx, call{method: http.MethodPut, path: cardPath(s.virtual.id, "/update"), body: map[string]any{"alias": "Everyday"}}, nil); err != nil {
		return "", err
	}
	if h.Status != chApproved || c.CardID != s.virtual.id {
		return "", fmt.Errorf("through HTTPS_PROXY: cardholder status %d, card %d", h.Status, c.CardID)
	}
	return fmt.Sprintf("4 calls through HTTPS_PROXY: cardholder %d, card %d, balance %d, alias update", h.CardholderID, c.CardID, b.AvailableBalance), nil
}
