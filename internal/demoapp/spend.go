package demoapp

import (
	"context"
	"fmt"
	"net/http"
)

// Card transaction statuses.
const (
	txPending  = 1
	txDeclined = 4
)

type spendDoc struct {
	TransID           string `json:"transId"`
	AuthRefNum        string `json:"authRefNum"`
	TransactionStatus int    `json:"transactionStatus"`
	DeclineReason     string `json:"declineReason"`
	Fee               string `json:"fee"`
}

type txnDoc struct {
	TransID    string `json:"transId"`
	AuthRefNum string `json:"authRefNum"`
	CardID     int64  `json:"cardId"`
	Status     int    `json:"status"`
	Type       int    `json:"type"`
	Amount     string `json:"amount"`
}

type feeDoc struct {
	AuthRefNum string `json:"authRefNum"`
	TransID    string `json:"transId"`
	Amount     string `json:"amount"`
}

// spendOn simulates a card authorisation at a merchant (staging only).
// The simulation answers 200 whether the network approved or declined.
func (s *script) spendOn(ctx context.Context, card int64, body map[string]any) (spendDoc, error) {
	var d spendDoc
	err := s.api.do(ctx, call{method: http.MethodPost, path: "/staging" + cardPath(card, "/spend"), body: body, retry: retryThrottle}, &d)
	return d, err
}

// findTxn reads one transaction back from the card dataset.
func (s *script) findTxn(ctx context.Context, card int64, transID string) (txnDoc, error) {
	var page struct {
		Items []txnDoc `json:"items"`
	}
	q := query("cardId", fmt.Sprint(card), "transId", transID)
	if err := s.api.do(ctx, call{method: http.MethodGet, path: "/cards/transactions" + q}, &page); err != nil {
		return txnDoc{}, err
	}
	if len(page.Items) != 1 {
		return txnDoc{}, fmt.Errorf("transaction %s of card %d: %d found, want 1", transID, card, len(page.Items))
	}
	return page.Items[0], nil
}

// runSpend is C9 and C10: a precise domestic purchase that lowers the
// available balance, a purchase above the funds that the network
// declines, and a cross-border purchase whose fee joins it on authRefNum.
func (s *script) runSpend(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	id := s.virtual.id
	before, err := s.balance(ctx, id)
	if err != nil {
		return "", err
	}
	ok, err := s.spendOn(ctx, id, map[string]any{"amount": "12.50", "merchantName": "Corner Grocery", "mcc": "5411"})
	if err != nil {
		return "", err
	}
	if ok.TransactionStatus != txPending {
		return "", fmt.Errorf("purchase of 12.50 on card %d: transaction status %d (%s), want 1", id, ok.TransactionStatus, ok.DeclineReason)
	}
	if t, err := s.findTxn(ctx, id, ok.TransID); err != nil {
		return "", err
	} else if t.Amount != "12.50" {
		return "", fmt.Errorf("transaction %s: amount %q, want 12.50", t.TransID, t.Amount)
	}
	after, err := s.balance(ctx, id)
	if err != nil {
		return "", err
	}
	if before.AvailableBalance-after.AvailableBalance != 1250 {
		return "", fmt.Errorf("purchase of 12.50: available fell by %d, want 1250", before.AvailableBalance-after.AvailableBalance)
	}
	// Above the funds but within the card's limit: the network declines.
	over := fmt.Sprintf("%d.00", after.AvailableBalance/100+100)
	declined, err := s.spendOn(ctx, id, map[string]any{"amount": over, "merchantName": "Electronics Outlet", "mcc": "5732"})
	if err != nil {
		return "", err
	}
	if declined.TransactionStatus != txDeclined {
		return "", fmt.Errorf("purchase of %s over the balance: transaction status %d, want 4", over, declined.TransactionStatus)
	}
	if t, err := s.findTxn(ctx, id, declined.TransID); err != nil {
		return "", err
	} else if t.Status != txDeclined {
		return "", fmt.Errorf("declined transaction %s listed with status %d", t.TransID, t.Status)
	}
	s.declineRecorded(ctx, id, declined.TransID, declined.DeclineReason)
	s.log.Info("purchase declined; cardholder told to top up", "card_id", id, "reason", declined.DeclineReason)
	cross, err := s.spendOn(ctx, id, map[string]any{"amount": "20.00", "merchantName": "Cafe de Flore", "mcc": "5814",
		"merchantCountry": "FR", "merchantCurrency": "EUR", "merchantAmount": "18.40"})
	if err != nil {
		return "", err
	}
	var fees struct {
		Items []feeDoc `json:"items"`
	}
	if err := s.api.do(ctx, call{method: http.MethodGet, path: "/cards/fees" + query("cardId", fmt.Sprint(id), "authRefNum", cross.AuthRefNum)}, &fees); err != nil {
		return "", err
	}
	if len(fees.Items) == 0 || fees.Items[0].AuthRefNum != cross.AuthRefNum {
		return "", fmt.Errorf("cross-border purchase %s: no fee with its authRefNum", cross.TransID)
	}
	return fmt.Sprintf("12.50 approved, %s declined (%s), 20.00 in EUR approved with a %s fee joined on authRefNum",
		over, declined.DeclineReason, fees.Items[0].Amount), nil
}
