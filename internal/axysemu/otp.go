package axysemu

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"
)

// 3-D Secure OTP: a listener (by cardId, or the legacy cardholderId) gets a
// token; a challenge (simulated by /staging/cards/{id}/3ds-challenge) puts a
// fresh OTP on every listener covering the card and POSTs {"cardId":…} to
// each listener's webhookUrl; GET /otp/{token} reads the OTP until it
// expires.

type listenerRequest struct {
	CardID       *int64  `json:"cardId"`
	CardholderID *int64  `json:"cardholderId"`
	WebhookURL   *string `json:"webhookUrl"`
}

type listenerResponse struct {
	Token     string `json:"token"`
	ExpiresAt *int64 `json:"expiresAt"`
	Status    string `json:"status"`
}

// subscribeOTP is POST /otp/listeners: exactly one of cardId (an Active
// card) or cardholderId (an approved cardholder); webhookUrl optional.
func subscribeOTP(e *Emulator, c *call) (any, error) {
	var req listenerRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	switch {
	case req.CardID != nil && req.CardholderID != nil:
		chk.fail("cardId", "give either cardId or cardholderId, not both")
	case req.CardID == nil && req.CardholderID == nil:
		chk.fail("cardId", "is required (or cardholderId, for a listener on all of a cardholder's cards)")
	}
	chk.between("cardId", req.CardID, false, 1, 1<<53)
	chk.between("cardholderId", req.CardholderID, false, 1, 1<<53)
	chk.webURL("webhookUrl", req.WebhookURL)
	if chk.err != nil {
		return nil, chk.err
	}
	l := &listener{webhookURL: deref(req.WebhookURL), created: c.now}
	if req.CardID != nil {
		cd, err := e.world.card(*req.CardID)
		if err != nil {
			return nil, err
		}
		if cd.issuer != cardActive {
			return nil, conflict("card %d is not active (issuerCardStatus %d, %s); 3-D Secure needs an active card", cd.id, cd.issuer, issuerStatusName(cd.issuer))
		}
		l.cardID = cd.id
	} else {
		h, err := e.world.holder(*req.CardholderID)
		if err != nil {
			return nil, err
		}
		if h.status != chApproved {
			return nil, conflict("cardholder %d is not approved (status %d, %s)", h.id, h.status, holderStatusName(h.status))
		}
		l.holderID = h.id
	}
	if err := room(len(e.world.tokens), "OTP listeners"); err != nil {
		return nil, err
	}
	l.token = e.dice.from(lowerAlnum, 32)
	e.world.listeners[l.token] = l
	e.world.tokens = append(e.world.tokens, l.token)
	return listenerResponse{Token: l.token, Status: ok}, nil
}

// unsubscribeOTP is DELETE /otp/listeners/{token} (path chosen; see doc.go).
func unsubscribeOTP(e *Emulator, c *call) (any, error) {
	token := c.params[0]
	if _, found := e.world.listeners[token]; !found {
		return nil, apiErrorf(http.StatusNotFound, "OTP listener %s not found", token)
	}
	delete(e.world.listeners, token)
	return success{Status: ok}, nil
}

// otpView is GET /otp/{token}. Its status is the OTP's own: "pending" (no
// challenge yet), "received" (code valid until expiresAt) or "expired".
type otpView struct {
	Status    string  `json:"status"`
	Code      *string `json:"code"`
	ExpiresAt *int64  `json:"expiresAt"`
	CardID    *int64  `json:"cardId,omitempty"`
}

func getOTP(e *Emulator, c *call) (any, error) {
	l, found := e.world.listeners[c.params[0]]
	if !found {
		return nil, apiErrorf(http.StatusNotFound, "OTP listener %s not found", c.params[0])
	}
	if l.otp == nil {
		return otpView{Status: "pending"}, nil
	}
	exp, cardID := unixCeil(l.otp.expires), l.otp.cardID
	v := otpView{Status: "expired", ExpiresAt: &exp, CardID: &cardID}
	if c.now.Before(l.otp.expires) {
		code := l.otp.code
		v.Status, v.Code = "received", &code
	}
	return v, nil
}

// unixCeil is t in unix seconds, rounded up so a not-yet-expired OTP never
// shows an expiresAt in the past.
func unixCeil(t time.Time) int64 {
	return int64(math.Ceil(float64(t.UnixNano()) / 1e9))
}

type challengeRequest struct {
	MerchantName     *string `json:"merchantName"`
	Amount           *string `json:"amount"`
	ExpiresInSeconds *int64  `json:"expiresInSeconds"`
}

type challengeResponse struct {
	Status    string `json:"status"`
	CardID    int64  `json:"cardId"`
	Listeners int    `json:"listeners"`
	Webhooks  int    `json:"webhooks"`
	ExpiresAt int64  `json:"expiresAt"`
}

// challenge3DS is POST /staging/cards/{cardId}/3ds-challenge: a
// card-not-present authorisation asking for an OTP.
func challenge3DS(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	var req challengeRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.text("merchantName", req.MerchantName, false, 1, 50)
	chk.decimal("amount", req.Amount, false)
	chk.between("expiresInSeconds", req.ExpiresInSeconds, false, 1, int64(otpMaxTTL/time.Second))
	if chk.err != nil {
		return nil, chk.err
	}
	if cd.issuer != cardActive {
		return nil, conflict("card %d is not active (issuerCardStatus %d, %s)", cd.id, cd.issuer, issuerStatusName(cd.issuer))
	}
	ttl := otpDefaultTTL
	if req.ExpiresInSeconds != nil {
		ttl = time.Duration(*req.ExpiresInSeconds) * time.Second
	}
	o := &otp{code: e.dice.digits(6), cardID: cd.id, expires: c.now.Add(e.dice.scaled(ttl))}
	res := challengeResponse{Status: ok, CardID: cd.id, ExpiresAt: unixCeil(o.expires)}
	for _, token := range e.world.tokens {
		l := e.world.listeners[token]
		if l == nil || (l.cardID != cd.id && l.holderID != cd.holderID) {
			continue
		}
		l.otp = o
		res.Listeners++
		if l.webhookURL != "" && e.deliver(l.webhookURL, cd.id) {
			res.Webhooks++
		}
	}
	if res.Listeners == 0 {
		return nil, conflict("card %d has no OTP listener; POST /otp/listeners first", cd.id)
	}
	return res, nil
}

// deliver starts posting {"cardId":…} to url in a goroutine owned by the
// emulator. It runs under e.mu and reports false once the emulator is
// closed.
func (e *Emulator) deliver(url string, cardID int64) bool {
	if e.closed {
		return false
	}
	body := fmt.Appendf(nil, `{"cardId":%d}`, cardID)
	e.webhooks.Add(1)
	go func() {
		defer e.webhooks.Done()
		e.postWebhook(url, body)
	}()
	return true
}

// postWebhook tries a few times with doubling, scaled backoff; 2xx is
// success. Failures are logged, never returned: the caller is long gone.
func (e *Emulator) postWebhook(url string, body []byte) {
	backoff := time.Duration(float64(webhookBackoff) * e.opts.TimeScale)
	var last error
	for attempt := 1; attempt <= webhookAttempts; attempt++ {
		if last = e.postOnce(url, body); last == nil {
			return
		}
		e.log.Debug("webhook attempt failed", "url", url, "attempt", attempt, "err", last)
		if attempt == webhookAttempts || !sleepCtx(e.ctx, backoff) {
			break
		}
		backoff *= 2
	}
	e.log.Warn("webhook delivery failed", "url", url, "err", last)
}

func (e *Emulator) postOnce(url string, body []byte) error {
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "axys-emulator-webhook/1")
	resp, err := e.opts.WebhookClient.Do(req)
	if err != nil {
		return fmt.Errorf("post webhook: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post webhook: status %d", resp.StatusCode)
	}
	return nil
}

// sleepCtx waits d or until ctx ends, reporting whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
