package demoapp

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// Card issuerCardStatus values.
const (
	cardActive       = 1
	cardOnHold       = 2
	cardNotActivated = 4
)

type cryptoAddress struct {
	Chain   string `json:"chain"`
	Address string `json:"address"`
}

// cardDoc is the part of a card (issuance answer or GET /cards/{id}) the
// app reads.
type cardDoc struct {
	CardID           int64           `json:"cardId"`
	Type             string          `json:"type"`
	MaskedCardNumber string          `json:"maskedCardNumber"`
	IssuerCardStatus int             `json:"issuerCardStatus"`
	TransactionLimit int64           `json:"transactionLimit"`
	Alias            string          `json:"alias"`
	CryptoAddresses  []cryptoAddress `json:"cryptoAddresses"`
}

func cardPath(id int64, suffix string) string {
	return "/cards/" + strconv.FormatInt(id, 10) + suffix
}

func (s *script) needHolder() error {
	if s.holder.id == 0 {
		return skipf("needs the approved cardholder of scenario onboard-approved")
	}
	return nil
}

func (s *script) needVirtual() error {
	if s.virtual.id == 0 {
		return skipf("needs the virtual card of scenario card-virtual")
	}
	return nil
}

// issue issues a card to the approved cardholder, never twice: after a 5xx
// it lists the cardholder's cards and takes one it did not know before
// sending the same request again.
func (s *script) issue(ctx context.Context, kind string, body map[string]any) (cardDoc, error) {
	var c cardDoc
	path := fmt.Sprintf("/cards/%s/%d", kind, s.holder.id)
	err := s.createOnce(ctx, call{method: http.MethodPost, path: path, body: body, retry: retryThrottle}, &c,
		func(ctx context.Context) (bool, error) {
			cards, err := s.holderCards(ctx)
			if err != nil {
				return false, err
			}
			for _, k := range cards {
				if !s.cards[k.CardID] {
					c = k
					return true, nil
				}
			}
			return false, nil
		})
	if err == nil {
		s.cards[c.CardID] = true
	}
	return c, err
}

// holderCards lists the approved cardholder's cards, oldest first.
func (s *script) holderCards(ctx context.Context) ([]cardDoc, error) {
	var page struct {
		Items []cardDoc `json:"items"`
	}
	q := query("cardholderId", strconv.FormatInt(s.holder.id, 10), "orderBy", "cardId", "limit", "200")
	err := s.api.do(ctx, call{method: http.MethodGet, path: "/cards" + q}, &page)
	return page.Items, err
}

func (s *script) cardDoc(ctx context.Context, id int64) (cardDoc, error) {
	var c cardDoc
	err := s.api.do(ctx, call{method: http.MethodGet, path: cardPath(id, "")}, &c)
	return c, err
}

// runVirtual is test-matrix row 8 (L4): a virtual card, active at once,
// with deposit addresses.
func (s *script) runVirtual(ctx context.Context) (string, error) {
	if err := s.needHolder(); err != nil {
		return "", err
	}
	c, err := s.issue(ctx, "virtual", map[string]any{"nameOnCard": "JORDAN REYES", "alias": "Everyday", "transactionLimit": 200_000})
	if err != nil {
		return "", err
	}
	switch {
	case c.CardID == 0:
		return "", fmt.Errorf("issue virtual card: no cardId in the answer")
	case len(c.CryptoAddresses) == 0:
		return "", fmt.Errorf("issue virtual card %d: no cryptoAddresses", c.CardID)
	case c.IssuerCardStatus != cardActive:
		return "", fmt.Errorf("issue virtual card %d: issuerCardStatus %d, want 1", c.CardID, c.IssuerCardStatus)
	}
	s.cardShown(ctx, c.CardID, "virtual")
	s.virtual = cardRef{id: c.CardID, masked: c.MaskedCardNumber, pin: lastFour(c.MaskedCardNumber)}
	return fmt.Sprintf("card %d active with %d deposit addresses", c.CardID, len(c.CryptoAddresses)), nil
}

// lastFour is the default PIN: the PAN's last four digits, visible in the
// masked number.
func lastFour(masked string) string {
	if len(masked) < 4 {
		return ""
	}
	return masked[len(masked)-4:]
}

// runDetails is C6 (L8): the deposit addresses read back from the card.
func (s *script) runDetails(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	c, err := s.cardDoc(ctx, s.virtual.id)
	if err != nil {
		return "", err
	}
	if len(c.CryptoAddresses) == 0 {
		return "", fmt.Errorf("get card %d: no cryptoAddresses", c.CardID)
	}
	chains := ""
	for i, a := range c.CryptoAddresses {
		if i > 0 {
			chains += ", "
		}
		chains += a.Chain
	}
	return fmt.Sprintf("card %d deposit addresses on %s", c.CardID, chains), nil
}

// runPhysical is row 9 with C1 (L5, L6): a physical card issued Not
// Activated, then activated with the details on its plastic.
func (s *script) runPhysical(ctx context.Context) (string, error) {
	if err := s.needHolder(); err != nil {
		return "", err
	}
	c, err := s.issue(ctx, "assign", map[string]any{"nameOnCard": "JORDAN REYES", "cardType": 0, "alias": "Plastic"})
	if err != nil {
		return "", err
	}
	got, err := s.cardDoc(ctx, c.CardID)
	if err != nil {
		return "", err
	}
	if got.IssuerCardStatus != cardNotActivated {
		return "", fmt.Errorf("physical card %d: issuerCardStatus %d, want 4", c.CardID, got.IssuerCardStatus)
	}
	// Blocking needs an active card; the API refuses it before activation.
	if err := s.expectRefusal(ctx, call{method: http.MethodPut, path: cardPath(c.CardID, "/status"), body: map[string]any{"newStatus": cardOnHold}}, http.StatusConflict); err != nil {
		return "", err
	}
	// The cardholder reads the plastic when it arrives; staging shows it.
	var plastic struct {
		CardNumber string `json:"cardNumber"`
		CVV        string `json:"cvv"`
		ExpMonth   int    `json:"expMonth"`
		ExpYear    int    `json:"expYear"`
	}
	if err := s.api.do(ctx, call{method: http.MethodGet, path: "/staging" + cardPath(c.CardID, "/sensitive")}, &plastic); err != nil {
		return "", err
	}
	pan, err1 := strconv.ParseInt(plastic.CardNumber, 10, 64)
	cvv, err2 := strconv.ParseInt(plastic.CVV, 10, 64)
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("read plastic of card %d: card number or CVV is not numeric", c.CardID)
	}
	const pin = "2468"
	body := map[string]any{"cardNumber": pan, "expMonth": plastic.ExpMonth, "expYear": plastic.ExpYear, "cvv": cvv, "newPin": 2468}
	if err := s.activate(ctx, c.CardID, body); err != nil {
		return "", err
	}
	if got, err = s.cardDoc(ctx, c.CardID); err != nil {
		return "", err
	}
	if got.IssuerCardStatus != cardActive {
		return "", fmt.Errorf("activate card %d: issuerCardStatus %d, want 1", c.CardID, got.IssuerCardStatus)
	}
	s.physical = cardRef{id: c.CardID, masked: got.MaskedCardNumber, pin: pin}
	return fmt.Sprintf("card %d issued Not Activated (4), block refused before activation (409), activated to 1", c.CardID), nil
}

// activate activates a physical card. After a fault it reads the card
// before sending the same request again: a second activation of an active
// card would be refused.
func (s *script) activate(ctx context.Context, id int64, body map[string]any) error {
	return s.createOnce(ctx, call{method: http.MethodPut, path: cardPath(id, "/activate"), body: body, retry: retryThrottle}, nil,
		func(ctx context.Context) (bool, error) {
			c, err := s.cardDoc(ctx, id)
			return c.IssuerCardStatus == cardActive, err
		})
}

// setStatus changes a card's issuerCardStatus and reads it back.
func (s *script) setStatus(ctx context.Context, id int64, to int) error {
	if err := s.api.do(ctx, call{method: http.MethodPut, path: cardPath(id, "/status"), body: map[string]any{"newStatus": to}}, nil); err != nil {
		return err
	}
	c, err := s.cardDoc(ctx, id)
	if err != nil {
		return err
	}
	if c.IssuerCardStatus != to {
		return fmt.Errorf("card %d: issuerCardStatus %d after setting %d", id, c.IssuerCardStatus, to)
	}
	return nil
}

// runBlock is C2 (L9): block, then unblock.
func (s *script) runBlock(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	if err := s.setStatus(ctx, s.virtual.id, cardOnHold); err != nil {
		return "", err
	}
	if err := s.setStatus(ctx, s.virtual.id, cardActive); err != nil {
		return "", err
	}
	return fmt.Sprintf("card %d blocked (2) and unblocked (1)", s.virtual.id), nil
}

// expectRefusal makes a call the app expects the API to refuse with want,
// and does not repeat it: a 4xx will not change by asking again. (Throttling
// and faults met on the way are retried as for any call.)
func (s *script) expectRefusal(ctx context.Context, c call, want int) error {
	err := s.api.do(ctx, c, nil)
	switch st := StatusOf(err); {
	case err == nil:
		return fmt.Errorf("%s %s: accepted, want %d", c.method, pathOnly(c.path), want)
	case st == want:
		s.log.Info("refused as expected; not retrying", "method", c.method, "path", pathOnly(c.path), "status", st, "message", err.Error())
		return nil
	default:
		return fmt.Errorf("%s %s: want %d: %w", c.method, pathOnly(c.path), want, err)
	}
}

// runInvalidStatus is C3: a status the API does not allow, refused and
// handled without retrying.
func (s *script) runInvalidStatus(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	if err := s.expectRefusal(ctx, call{method: http.MethodPut, path: cardPath(s.virtual.id, "/status"), body: map[string]any{"newStatus": 3}}, http.StatusUnprocessableEntity); err != nil {
		return "", err
	}
	return fmt.Sprintf("closing card %d through the API refused (422): closing needs a support ticket", s.virtual.id), nil
}

// runUpdate is C4 (L10): alias and limit updated; a limit above the
// cardholder's refused.
func (s *script) runUpdate(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	id := s.virtual.id
	if err := s.api.do(ctx, call{method: http.MethodPut, path: cardPath(id, "/update"), body: map[string]any{"alias": "Groceries", "transactionLimit": 150_000}}, nil); err != nil {
		return "", err
	}
	c, err := s.cardDoc(ctx, id)
	if err != nil {
		return "", err
	}
	if c.Alias != "Groceries" || c.TransactionLimit != 150_000 {
		return "", fmt.Errorf("update card %d: alias %q limit %d after the update", id, c.Alias, c.TransactionLimit)
	}
	if err := s.expectRefusal(ctx, call{method: http.MethodPut, path: cardPath(id, "/update"), body: map[string]any{"transactionLimit": s.holder.limit + 100_000}}, http.StatusUnprocessableEntity); err != nil {
		return "", err
	}
	return fmt.Sprintf("card %d alias and limit updated; a limit above the cardholder's refused (422)", id), nil
}

// runPIN is C5 (L11): the PIN changed from its default.
func (s *script) runPIN(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	const newPin = "1357"
	// Sent again after a fault: the emulated platform fails before any
	// effect, so the current PIN is still the old one.
	if err := s.api.do(ctx, call{method: http.MethodPut, path: cardPath(s.virtual.id, "/pin"),
		body: map[string]any{"currentPin": s.virtual.pin, "newPin": newPin}}, nil); err != nil {
		return "", err
	}
	s.virtual.pin = newPin
	return fmt.Sprintf("card %d PIN changed from its default", s.virtual.id), nil
}
