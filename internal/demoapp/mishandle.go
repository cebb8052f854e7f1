package demoapp

import (
	"context"
	"fmt"
	"net/http"
)

// mishandled returns the deliberately wrong scenarios Options.Mishandle
// adds: what a careless integration does, so tests can show the coverage
// report calls each one violated. The demo never runs them.
func (s *script) mishandled() []scenario {
	return []scenario{
		{"mishandle-fast-poll", []string{"L3", "row-7"}, s.badFastPoll},
		{"mishandle-issue-declined", []string{"row-2"}, s.badIssueDeclined},
		{"mishandle-ignore-retry-after", []string{"E429", "C18"}, s.badIgnoreRetryAfter},
		{"mishandle-duplicate-transfer", []string{"E5xx"}, s.badDuplicateTransfer},
		{"mishandle-repeat-rejected", []string{"E422", "C17"}, s.badRepeatRejected},
		// Violates no requirement: staging accepts it, so only the contract
		// findings (a request finding on a call answered 2xx) show it.
		{"mishandle-calling-code", nil, s.badCallingCode},
	}
}

// badCallingCode creates a cardholder with the calling code "1" where the
// API documents three digits ("001"): one malformed call, which staging
// (and the emulator, zero-padding it) nevertheless accepts, so the app
// never notices; production may refuse it.
func (s *script) badCallingCode(ctx context.Context) (string, error) {
	body := newHolderBody(1, "sloppy")
	body["callingCode"] = "1"
	id, err := s.createHolder(ctx, body)
	if err != nil {
		return "", fmt.Errorf("create a cardholder with callingCode \"1\": %w", err)
	}
	return fmt.Sprintf("cardholder %d created with callingCode \"1\" (the API documents three digits); staging accepted it", id), nil
}

// badFastPoll reads a cardholder under review again and again without
// waiting, around the pacer.
func (s *script) badFastPoll(ctx context.Context) (string, error) {
	id, err := s.createHolder(ctx, newHolderBody(1, "hasty"))
	if err != nil {
		return "", err
	}
	if _, err := s.submitKYC(ctx, id); err != nil {
		return "", err
	}
	const reads = 8
	for range reads {
		if err := s.api.do(ctx, call{method: http.MethodGet, path: fmt.Sprintf("/cardholders/%d", id)}, nil); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("cardholder %d read %d times back to back", id, reads), nil
}

// badIssueDeclined issues a card to a cardholder compliance declined.
func (s *script) badIssueDeclined(ctx context.Context) (string, error) {
	id, status, _, err := s.onboard(ctx, 1, "careless", review{force: "fail"})
	if err != nil {
		return "", err
	}
	if status != chDeclined {
		return "", fmt.Errorf("cardholder %d: status %d, want 2", id, status)
	}
	s.declined = id
	err = s.api.do(ctx, call{method: http.MethodPost, path: fmt.Sprintf("/cards/virtual/%d", id),
		body: map[string]any{"nameOnCard": "JORDAN REYES"}, retry: retryNever}, nil)
	if StatusOf(err) != http.StatusConflict {
		return "", fmt.Errorf("issue to a declined cardholder: want 409, got %w", orOK(err))
	}
	return fmt.Sprintf("card issuance attempted for declined cardholder %d (409)", id), nil
}

// badIgnoreRetryAfter answers a 429 by sending the same call at once.
func (s *script) badIgnoreRetryAfter(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	if err := s.injectFault(ctx, http.StatusTooManyRequests, 1); err != nil {
		return "", err
	}
	c := call{method: http.MethodGet, path: cardPath(s.virtual.id, "/balance"), retry: retryNever}
	if err := s.api.do(ctx, c, nil); StatusOf(err) != http.StatusTooManyRequests {
		return "", fmt.Errorf("want 429, got %w", orOK(err))
	}
	if err := s.api.do(ctx, c, nil); err != nil {
		return "", err
	}
	return "429 retried at once, ignoring Retry-After", nil
}

// badDuplicateTransfer meets a 5xx on a transfer and sends it again
// blindly, twice: the money moves twice.
func (s *script) badDuplicateTransfer(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	if s.wallets[0] == 0 {
		return "", skipf("needs the wallets of scenario wallets")
	}
	if err := s.injectFault(ctx, http.StatusServiceUnavailable, 1); err != nil {
		return "", err
	}
	c := call{method: http.MethodPost, path: "/wallets/transfer", retry: retryNever,
		body: map[string]any{"sourceWalletId": s.wallets[0], "destinationType": 1, "destinationId": s.virtual.id, "amount": 1_000, "description": "Careless top-up"}}
	if err := s.api.do(ctx, c, nil); StatusOf(err) < 500 {
		return "", fmt.Errorf("want 5xx, got %w", orOK(err))
	}
	for range 2 {
		if err := s.api.do(ctx, c, nil); err != nil {
			return "", err
		}
	}
	return "transfer re-sent blindly after a 503: it went through twice", nil
}

// badRepeatRejected sends a refused update again and again unchanged.
func (s *script) badRepeatRejected(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	c := call{method: http.MethodPut, path: cardPath(s.virtual.id, "/update"), retry: retryNever,
		body: map[string]any{"transactionLimit": s.holder.limit + 100_000}}
	const tries = 5
	for range tries {
		if err := s.api.do(ctx, c, nil); StatusOf(err) != http.StatusUnprocessableEntity {
			return "", fmt.Errorf("want 422, got %w", orOK(err))
		}
	}
	return fmt.Sprintf("a refused update sent %d times unchanged", tries), nil
}
