package demoapp

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// otpDoc is GET /otp/{token}: the OTP's own status, not the envelope.
type otpDoc struct {
	Status    string  `json:"status"`
	Code      *string `json:"code"`
	ExpiresAt *int64  `json:"expiresAt"`
}

// otpLife is the OTP lifetime the simulated merchant asks for (emulated
// seconds, the most the emulator allows), so that a slow run still reads
// a live OTP.
const otpLife = 3600

// webhookWait bounds the wait for a 3-D Secure webhook (wall clock).
const webhookWait = 10 * time.Second

// subscribe registers an OTP listener for a card with the app's webhook.
func (s *script) subscribe(ctx context.Context, card int64) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	// A second listener for the card is harmless, so it retries like a read.
	err := s.api.do(ctx, call{method: http.MethodPost, path: "/otp/listeners",
		body: map[string]any{"cardId": card, "webhookUrl": s.wh.URL()}}, &out)
	if err == nil && out.Token == "" {
		err = fmt.Errorf("subscribe card %d to 3ds otp: no token in the answer", card)
	}
	return out.Token, err
}

// challenge stands in for a card-not-present merchant asking for 3-D
// Secure (staging only), then waits for the app's webhook to hear of it.
func (s *script) challenge(ctx context.Context, card int64, body map[string]any) error {
	if err := s.api.do(ctx, call{method: http.MethodPost, path: "/staging" + cardPath(card, "/3ds-challenge"), body: body, retry: retryThrottle}, nil); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, webhookWait)
	defer cancel()
	return s.wh.wait(wctx, card)
}

func (s *script) readOTP(ctx context.Context, token string) (otpDoc, error) {
	var d otpDoc
	err := s.api.do(ctx, call{method: http.MethodGet, path: "/otp/" + token}, &d)
	return d, err
}

// runOTP is C15 (L17): subscribe a card, receive the webhook, fetch and
// deliver the OTP; then an OTP that expires before the app reads it,
// handled by subscribing the same card again and fetching the OTP of the
// cardholder's next attempt.
func (s *script) runOTP(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	card := s.virtual.id
	token, err := s.subscribe(ctx, card)
	if err != nil {
		return "", err
	}
	if err := s.challenge(ctx, card, map[string]any{"merchantName": "Online Books", "amount": "35.00", "expiresInSeconds": otpLife}); err != nil {
		return "", err
	}
	otp, err := s.readOTP(ctx, token)
	if err != nil {
		return "", err
	}
	if otp.Status != "received" || otp.Code == nil {
		return "", fmt.Errorf("otp of card %d: status %q after the webhook, want received", card, otp.Status)
	}
	s.otpDelivered(ctx, card)
	s.log.Info("3ds otp delivered to the cardholder", "card_id", card)

	// The next challenge's OTP lives one emulated second; the app reads it
	// only after that.
	const ttl = 1
	if err := s.challenge(ctx, card, map[string]any{"merchantName": "Online Books", "amount": "35.00", "expiresInSeconds": ttl}); err != nil {
		return "", err
	}
	if err := s.emulatedSleep(ctx, 2*ttl*time.Second); err != nil {
		return "", err
	}
	if otp, err = s.readOTP(ctx, token); err != nil {
		return "", err
	}
	if otp.Status != "expired" {
		return "", fmt.Errorf("otp of card %d: status %q after its expiry, want expired", card, otp.Status)
	}
	s.log.Info("3ds otp expired before delivery; requesting a new one for the same card", "card_id", card)
	fresh, err := s.subscribe(ctx, card)
	if err != nil {
		return "", err
	}
	if err := s.challenge(ctx, card, map[string]any{"merchantName": "Online Books", "amount": "35.00", "expiresInSeconds": otpLife}); err != nil {
		return "", err
	}
	if otp, err = s.readOTP(ctx, fresh); err != nil {
		return "", err
	}
	switch otp.Status {
	case "received":
		s.otpDelivered(ctx, card)
		return fmt.Sprintf("card %d: webhook, OTP received; second OTP expired, re-requested for the same card and received", card), nil
	case "expired":
		// Throttling held the read back past the OTP's life: the app does
		// not deliver it and the cardholder is asked to try again.
		s.log.Warn("re-requested 3ds otp expired too; cardholder asked to retry", "card_id", card)
		return fmt.Sprintf("card %d: webhook, OTP received; second OTP expired, re-requested for the same card, expired again before the read (throttled)", card), nil
	}
	return "", fmt.Errorf("otp of card %d after the re-request: status %q", card, otp.Status)
}
