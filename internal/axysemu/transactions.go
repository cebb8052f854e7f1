package axysemu

import "time"

// Card transactions and fees: the datasets of the daily reconciliation.
// Amounts are decimal strings in major units ("12.34"); fees join their
// transaction on authRefNum.

// cardTxnView is a transaction as GET /cards/transactions shows it.
type cardTxnView struct {
	TransID          string `json:"transId"`
	AuthRefNum       string `json:"authRefNum"`
	CardID           int64  `json:"cardId"`
	CardholderID     int64  `json:"cardholderId"`
	Type             int    `json:"type"`
	Status           int    `json:"status"`
	Direction        string `json:"direction"`
	Amount           string `json:"amount"`
	Currency         int    `json:"currency"`
	MerchantAmount   string `json:"merchantAmount,omitempty"`
	MerchantCurrency string `json:"merchantCurrency,omitempty"`
	MerchantName     string `json:"merchantName,omitempty"`
	MerchantCountry  string `json:"merchantCountry,omitempty"`
	MCC              string `json:"mcc,omitempty"`
	Description      string `json:"description"`
	DeclineReason    string `json:"declineReason,omitempty"`
	DateCreated      string `json:"dateCreated"`
	DateUpdated      string `json:"dateUpdated"`
}

func (t *cardTxn) view() cardTxnView {
	v := cardTxnView{
		TransID: t.transID, AuthRefNum: t.authRef, CardID: t.cardID, CardholderID: t.holderID,
		Type: t.typ, Status: t.status, Direction: "credit", Amount: formatDecimal(t.amount), Currency: programCurrency,
		MerchantCurrency: t.merchantCurrency, MerchantName: t.merchantName, MerchantCountry: t.merchantCountry,
		MCC: t.mcc, Description: t.description, DeclineReason: t.declineReason,
		DateCreated: stamp(t.created), DateUpdated: stamp(t.updated),
	}
	if t.typ == txTypePurchase {
		v.Direction, v.MerchantAmount = "debit", formatDecimal(t.merchantAmount)
	}
	return v
}

// defaultWindow applies the documented defaults of the transaction
// datasets: before = now, after = now − 90 days.
func defaultWindow(lq *listQuery, now time.Time) {
	if lq.before.IsZero() {
		lq.before = now.Add(time.Nanosecond)
	}
	if lq.after.IsZero() {
		lq.after = now.Add(-90 * 24 * time.Hour)
	}
}

// listCardTxns is GET /cards/transactions. orderBy accepts the documented
// enum (copied from cardholders: cardholderId, status, lastName,
// dateCreated) plus transId.
func listCardTxns(e *Emulator, c *call) (any, error) {
	lq, err := parseList(c.query, "dateCreated", "transId", "cardholderId", "status", "lastName")
	if err != nil {
		return nil, err
	}
	defaultWindow(&lq, c.now)
	cardID, err := idParam(c.query, "cardId")
	if err != nil {
		return nil, err
	}
	holderID, err := idParam(c.query, "cardholderId")
	if err != nil {
		return nil, err
	}
	status, err := intParam(c.query, "status", 1, 5)
	if err != nil {
		return nil, err
	}
	typ, err := intParam(c.query, "type", 1, 3)
	if err != nil {
		return nil, err
	}
	transID := c.query.Get("transId")
	var items []*cardTxn
	for _, t := range e.world.txns {
		if (cardID == 0 || t.cardID == cardID) && (holderID == 0 || t.holderID == holderID) &&
			(status == nil || int64(t.status) == *status) && (typ == nil || int64(t.typ) == *typ) &&
			(transID == "" || t.transID == transID) && lq.inWindow(t.created) {
			items = append(items, t)
		}
	}
	lastName := func(t *cardTxn) string {
		h, _ := e.world.holder(t.holderID)
		return h.personal.LastName
	}
	return page(items, lq, map[string]func(a, b *cardTxn) int{
		"cardholderId": by(func(t *cardTxn) int64 { return t.holderID }),
		"status":       by(func(t *cardTxn) int { return t.status }),
		"lastName":     by(lastName),
	}, (*cardTxn).view), nil
}

// Fee types (the enum is not in the docs; see doc.go).
const feeTypeFX = 1

// feeView is a fee as GET /cards/fees shows it.
type feeView struct {
	FeeID          int64  `json:"feeId"`
	AuthRefNum     string `json:"authRefNum"`
	TransID        string `json:"transId"`
	CardID         int64  `json:"cardId"`
	CardholderID   int64  `json:"cardholderId"`
	FeeType        int    `json:"feeType"`
	Amount         string `json:"amount"`
	MerchantAmount string `json:"merchantAmount"`
	Currency       int    `json:"currency"`
	Description    string `json:"description"`
	DateCreated    string `json:"dateCreated"`
}

func (f *fee) view() feeView {
	return feeView{
		FeeID: f.id, AuthRefNum: f.authRef, TransID: f.transID, CardID: f.cardID, CardholderID: f.holderID,
		FeeType: f.typ, Amount: formatDecimal(f.amount), MerchantAmount: formatDecimal(f.merchAmnt),
		Currency: programCurrency, Description: f.description, DateCreated: stamp(f.created),
	}
}

// listFees is GET /cards/fees.
func listFees(e *Emulator, c *call) (any, error) {
	lq, err := parseList(c.query, "dateCreated", "feeId", "cardholderId")
	if err != nil {
		return nil, err
	}
	defaultWindow(&lq, c.now)
	cardID, err := idParam(c.query, "cardId")
	if err != nil {
		return nil, err
	}
	holderID, err := idParam(c.query, "cardholderId")
	if err != nil {
		return nil, err
	}
	authRef := c.query.Get("authRefNum")
	var items []*fee
	for _, f := range e.world.fees {
		if (cardID == 0 || f.cardID == cardID) && (holderID == 0 || f.holderID == holderID) &&
			(authRef == "" || f.authRef == authRef) && lq.inWindow(f.created) {
			items = append(items, f)
		}
	}
	return page(items, lq, map[string]func(a, b *fee) int{
		"cardholderId": by(func(f *fee) int64 { return f.holderID }),
	}, (*fee).view), nil
}

// spend is one simulated card authorisation.
type spend struct {
	amount, merchantAmount, fee int64
	merchantName, mcc           string
	merchantCountry, currency   string
	description                 string
	outcome                     string // approve, decline or error
	instant                     bool
}

// authorise records a spend on cd: declined (4) when forced, when the card
// is not Active, over its limit or short of funds; error (5) when forced;
// otherwise Pending (1) with the amount and fee held, Cleared (2) when the
// ledger is debited, Completion (3) when settled. A cross-border spend's fee
// is a separate record sharing the authRefNum.
func (e *Emulator) authorise(cd *card, s spend, now time.Time) (*cardTxn, error) {
	if err := room(len(e.world.txns), "card transactions"); err != nil {
		return nil, err
	}
	t := e.world.newCardTxn(e.dice, &cardTxn{
		cardID: cd.id, holderID: cd.holderID, typ: txTypePurchase, status: txPending, amount: s.amount,
		merchantAmount: s.merchantAmount, merchantCurrency: s.currency, merchantName: s.merchantName,
		merchantCountry: s.merchantCountry, mcc: s.mcc, description: s.description, created: now,
	})
	total := s.amount + s.fee
	switch {
	case s.outcome == "error":
		t.status, t.declineReason = txError, "processing error"
	case s.outcome == "decline":
		t.status, t.declineReason = txDeclined, "declined by issuer"
	case cd.issuer != cardActive:
		t.status, t.declineReason = txDeclined, "card not active: issuerCardStatus "+itoa(int64(cd.issuer))+" ("+issuerStatusName(cd.issuer)+")"
	case s.amount > cd.limit:
		t.status, t.declineReason = txDeclined, "exceeds the card's transactionLimit"
	case total > cd.available:
		t.status, t.declineReason = txDeclined, "insufficient funds"
	}
	if t.status != txPending {
		return t, nil
	}
	t.fee = s.fee
	cd.available -= total
	if s.fee > 0 {
		e.world.fees = append(e.world.fees, &fee{
			id: firstFeeID + int64(len(e.world.fees)), cardID: cd.id, holderID: cd.holderID, authRef: t.authRef,
			transID: t.transID, typ: feeTypeFX, amount: s.fee, merchAmnt: s.merchantAmount,
			description: "Cross-border FX fee", created: now,
		})
	}
	cleared, settled := now, now
	if !s.instant {
		cleared = now.Add(e.dice.logNormal(cardClearingMedian, cardClearingSigma, cardClearingMin, cardClearingMax))
		settled = cleared.Add(e.dice.uniform(cardSettleMin, cardSettleMax))
	}
	e.sched.at(cleared, func(at time.Time) {
		cd.ledger -= total
		t.status, t.updated = txCleared, at
	})
	e.sched.at(settled, func(at time.Time) { t.status, t.updated = txCompletion, at })
	e.sched.runUntil(now)
	return t, nil
}
