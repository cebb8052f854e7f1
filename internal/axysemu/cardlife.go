package axysemu

import (
	"fmt"
	"strconv"
)

// The card lifecycle: virtual cards are Active (1) at issue; physical cards
// are Not Activated (4) until activated, which cannot be undone; 1 ↔ 2 by
// PUT /cards/{id}/status; Closed (3) is reachable only through a support
// ticket, so never through the emulator's API.

type activateRequest struct {
	CardNumber *int64 `json:"cardNumber"`
	ExpMonth   *int64 `json:"expMonth"`
	ExpYear    *int64 `json:"expYear"`
	CVV        *int64 `json:"cvv"`
	NewPin     *int64 `json:"newPin"`
}

type cardStatusResponse struct {
	Status           string `json:"status"`
	CardID           int64  `json:"cardId"`
	IssuerCardStatus int    `json:"issuerCardStatus"`
}

// activateCard is PUT /cards/{id}/activate: 4 → 1 given the card's PAN,
// expiry and CVV (integers, as documented) and a new 4-digit PIN.
func activateCard(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	var req activateRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.between("cardNumber", req.CardNumber, true, 1e12, 1e18)
	chk.between("expMonth", req.ExpMonth, true, 1, 12)
	chk.between("expYear", req.ExpYear, true, 0, 9999)
	chk.between("cvv", req.CVV, true, 0, 9999)
	chk.between("newPin", req.NewPin, true, 0, 9999)
	if chk.err != nil {
		return nil, chk.err
	}
	if !cd.physical {
		return nil, conflict("card %d is virtual; virtual cards are active from issue", cd.id)
	}
	if cd.issuer != cardNotActivated {
		return nil, conflict("card %d is not awaiting activation (issuerCardStatus %d, %s)", cd.id, cd.issuer, issuerStatusName(cd.issuer))
	}
	cvv, _ := strconv.ParseInt(cd.cvv, 10, 64)
	switch {
	case strconv.FormatInt(*req.CardNumber, 10) != cd.pan:
		chk.fail("cardNumber", "does not match the card")
	case *req.ExpMonth != int64(cd.expMonth):
		chk.fail("expMonth", "does not match the card")
	case *req.ExpYear != int64(cd.expYear) && *req.ExpYear != int64(cd.expYear%100):
		chk.fail("expYear", "does not match the card")
	case *req.CVV != cvv:
		chk.fail("cvv", "does not match the card")
	}
	if chk.err != nil {
		return nil, chk.err
	}
	cd.issuer, cd.pin, cd.updated = cardActive, fmt.Sprintf("%04d", *req.NewPin), c.now
	return cardStatusResponse{Status: ok, CardID: cd.id, IssuerCardStatus: cd.issuer}, nil
}

type statusRequest struct {
	NewStatus *int64 `json:"newStatus"`
}

// setCardStatus is PUT /cards/{id}/status: block (2) and unblock (1), only
// between 1 and 2.
func setCardStatus(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	var req statusRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.oneOf("newStatus", req.NewStatus, true, cardActive, cardOnHold)
	if chk.err != nil {
		return nil, chk.err
	}
	if cd.issuer != cardActive && cd.issuer != cardOnHold {
		return nil, conflict("card %d status cannot change from issuerCardStatus %d (%s); only 1 and 2 can", cd.id, cd.issuer, issuerStatusName(cd.issuer))
	}
	cd.issuer, cd.updated = int(*req.NewStatus), c.now
	return cardStatusResponse{Status: ok, CardID: cd.id, IssuerCardStatus: cd.issuer}, nil
}

type cardUpdateRequest struct {
	Alias            *string `json:"alias"`
	TransactionLimit *int64  `json:"transactionLimit"`
	contactFields
}

// updateCard is PUT /cards/{id}/update: alias, limit (at most the
// cardholder's) and contact fields, in any status.
func updateCard(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	var req cardUpdateRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	h, _ := e.world.holder(cd.holderID)
	var chk check
	chk.text("alias", req.Alias, false, 0, 50)
	chk.between("transactionLimit", req.TransactionLimit, false, 1, programLimit)
	if chk.err == nil && deref(req.TransactionLimit) > h.limit {
		chk.fail("transactionLimit", "must not exceed the cardholder's limit of %d", h.limit)
	}
	req.contactFields.check(&chk, false)
	if chk.err != nil {
		return nil, chk.err
	}
	if req.Alias == nil && req.TransactionLimit == nil && !req.contactFields.any() {
		return nil, invalid("request body: has no field to change")
	}
	setIf(&cd.alias, req.Alias)
	setIf(&cd.limit, req.TransactionLimit)
	req.contactFields.apply(&cd.contact)
	cd.updated = c.now
	return success{Status: ok}, nil
}

type pinRequest struct {
	CurrentPin *string `json:"currentPin"`
	NewPin     *string `json:"newPin"`
}

// changePin is PUT /cards/{id}/pin: the current PIN (initially the PAN's
// last four digits) and a new one, 4 digits each, on an Active or On Hold
// card.
func changePin(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	var req pinRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.digits("currentPin", req.CurrentPin, true, 4, 4)
	chk.digits("newPin", req.NewPin, true, 4, 4)
	if chk.err != nil {
		return nil, chk.err
	}
	if cd.issuer != cardActive && cd.issuer != cardOnHold {
		return nil, conflict("card %d PIN cannot change in issuerCardStatus %d (%s)", cd.id, cd.issuer, issuerStatusName(cd.issuer))
	}
	if *req.CurrentPin != cd.pin {
		return nil, invalid("currentPin: does not match the card's PIN")
	}
	cd.pin, cd.updated = *req.NewPin, c.now
	return success{Status: ok}, nil
}
