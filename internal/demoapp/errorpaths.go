package demoapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// allowlistMessage is the platform's two-cause 403 message.
const allowlistMessage = "No Authorised IPs configured"

// injectFault asks the emulator to answer the next count calls to the
// main API with status (staging only; the platform's own chaos is not
// scriptable).
func (s *script) injectFault(ctx context.Context, status, count int) error {
	return s.api.do(ctx, call{method: http.MethodPost, path: "/staging/faults", retry: retryThrottle,
		body: map[string]any{"status": status, "count": count}}, nil)
}

// runErrors provokes, with the emulator's fault switch and ordinary
// mistakes, each error status the launch checklist names that earlier
// scenarios did not already meet (409 and 422 came with the locked edit,
// the card lifecycle and the transfer), and handles each the way it
// should be handled.
func (s *script) runErrors(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"400", s.badRequest},
		{"401", s.wrongKey},
		{"403", s.notAllowlisted},
		{"404", s.unknownCard},
		{"429", s.throttled},
		{"5xx", s.serverFault},
	}
	var done []string
	for _, st := range steps {
		if err := st.run(ctx); err != nil {
			return "", fmt.Errorf("handle %s: %w", st.name, err)
		}
		done = append(done, st.name)
	}
	return "handled " + strings.Join(done, ", "), nil
}

// badRequest asks for a page larger than the API allows; on 400 the app
// clamps the page size to the documented maximum and asks again.
func (s *script) badRequest(ctx context.Context) error {
	path := "/cards/transactions" + query("cardId", fmt.Sprint(s.virtual.id), "limit", "500")
	err := s.api.do(ctx, call{method: http.MethodGet, path: path}, nil)
	if StatusOf(err) != http.StatusBadRequest {
		return fmt.Errorf("page of 500: want 400, got %w", orOK(err))
	}
	s.log.Info("request rejected as malformed; clamping limit to 200", "message", err.Error())
	return s.api.do(ctx, call{method: http.MethodGet, path: "/cards/transactions" + query("cardId", fmt.Sprint(s.virtual.id), "limit", "200")}, nil)
}

// wrongKey makes the connectivity check with a stale key; on 401 the app
// reloads its credentials and checks again with the configured key.
func (s *script) wrongKey(ctx context.Context) error {
	c := call{method: http.MethodGet, path: "/cardholders" + query("limit", "1"), apiKey: "stale-key-rotated-out"}
	err := s.api.do(ctx, c, nil)
	if StatusOf(err) != http.StatusUnauthorized {
		return fmt.Errorf("stale key: want 401, got %w", orOK(err))
	}
	s.log.Error("api key rejected; reloading credentials", "status", http.StatusUnauthorized)
	c.apiKey = ""
	return s.api.do(ctx, c, nil)
}

// notAllowlisted meets the two-cause 403. The message cannot say which
// check failed, so the app logs both causes to check (egress IP on the
// allowlist; PTR and forward DNS of that IP), pauses, and checks again.
func (s *script) notAllowlisted(ctx context.Context) error {
	if err := s.injectFault(ctx, http.StatusForbidden, 1); err != nil {
		return err
	}
	c := call{method: http.MethodGet, path: fmt.Sprintf("/cardholders/%d", s.holder.id)}
	err := s.api.do(ctx, c, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
		return fmt.Errorf("allowlist refusal: want 403, got %w", orOK(err))
	}
	if !strings.Contains(ae.Message, allowlistMessage) {
		return fmt.Errorf("403 without the allowlist message: %w", err)
	}
	s.log.Error("network layer refused the call: check the egress IP against the Program allowlist",
		"status", ae.Status, "cause", "ip_allowlist")
	s.log.Error("network layer refused the call: check the egress IP's PTR record and its forward A record",
		"status", ae.Status, "cause", "fcrdns")
	if err := s.emulatedSleep(ctx, 30*time.Second); err != nil {
		return err
	}
	return s.api.do(ctx, c, nil)
}

// unknownCard looks up a card the app's records hold but the Program does
// not know; 404 marks the local record stale and is not retried.
func (s *script) unknownCard(ctx context.Context) error {
	err := s.api.do(ctx, call{method: http.MethodGet, path: cardPath(99_999_999, "")}, nil)
	if StatusOf(err) != http.StatusNotFound {
		return fmt.Errorf("unknown card: want 404, got %w", orOK(err))
	}
	s.log.Warn("card unknown to the Program; local record marked stale", "card_id", 99_999_999)
	return nil
}

// throttled meets a 429: the client waits the Retry-After the API asked
// for, then sends the same call again.
func (s *script) throttled(ctx context.Context) error {
	if err := s.injectFault(ctx, http.StatusTooManyRequests, 1); err != nil {
		return err
	}
	throttled := s.stats.Throttled
	if _, err := s.balance(ctx, s.virtual.id); err != nil {
		return err
	}
	if s.stats.Throttled == throttled {
		return errors.New("no 429 met")
	}
	return nil
}

// serverFault meets 5xx twice: a read retried with growing backoff, and a
// creation checked for before it is sent again, so a fault never makes a
// duplicate.
func (s *script) serverFault(ctx context.Context) error {
	if err := s.injectFault(ctx, http.StatusInternalServerError, 2); err != nil {
		return err
	}
	faults := s.stats.ServerFaults
	if _, err := s.cardDoc(ctx, s.virtual.id); err != nil {
		return err
	}
	if err := s.injectFault(ctx, http.StatusServiceUnavailable, 1); err != nil {
		return err
	}
	id, err := s.createWallet(ctx, "Operations")
	if err != nil {
		return err
	}
	if n := s.stats.ServerFaults - faults; n < 3 {
		return fmt.Errorf("met %d server faults, want at least the 3 injected", n)
	}
	s.log.Info("wallet created once despite the fault", "wallet_id", id)
	return nil
}

// orOK turns a nil error into one saying the call succeeded.
func orOK(err error) error {
	if err == nil {
		return errors.New("success")
	}
	return err
}
