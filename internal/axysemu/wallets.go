package axysemu

// Wallets are Program-scope fiat sub-ledgers. They are funded only by bank
// deposits and move money only outwards by transfer: wallet → wallet and
// wallet → card, immediately, with no clearing delay. Transfers from a card
// are not supported (support ticket only).

type walletRequest struct {
	Name *string `json:"name"`
}

type walletCreated struct {
	Status   string `json:"status"`
	WalletID int64  `json:"walletId"`
}

func createWallet(e *Emulator, c *call) (any, error) {
	var req walletRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.text("name", req.Name, true, 1, 50)
	if chk.err != nil {
		return nil, chk.err
	}
	w := e.world
	if err := room(len(w.wallets), "wallets"); err != nil {
		return nil, err
	}
	wl := &wallet{id: firstWalletID + int64(len(w.wallets)), name: *req.Name, created: c.now, updated: c.now}
	w.wallets = append(w.wallets, wl)
	return walletCreated{Status: ok, WalletID: wl.id}, nil
}

// walletView is a wallet as GET /wallets and GET /wallets/{id} show it.
type walletView struct {
	WalletID               int64  `json:"walletId"`
	Name                   string `json:"name"`
	Currency               int    `json:"currency"`
	WalletBalanceSettled   int64  `json:"walletBalanceSettled"`
	WalletAvailableBalance int64  `json:"walletAvailableBalance"`
	DateCreated            string `json:"dateCreated"`
	DateUpdated            string `json:"dateUpdated"`
}

func (wl *wallet) view() walletView {
	return walletView{
		WalletID: wl.id, Name: wl.name, Currency: programCurrency,
		WalletBalanceSettled: wl.settled, WalletAvailableBalance: wl.available,
		DateCreated: stamp(wl.created), DateUpdated: stamp(wl.updated),
	}
}

func listWallets(e *Emulator, c *call) (any, error) {
	lq, err := parseList(c.query, "walletId", "name", "dateCreated")
	if err != nil {
		return nil, err
	}
	var items []*wallet
	for _, wl := range e.world.wallets {
		if lq.inWindow(wl.created) {
			items = append(items, wl)
		}
	}
	return page(items, lq, map[string]func(a, b *wallet) int{
		"name":        by(func(wl *wallet) string { return wl.name }),
		"dateCreated": by(func(wl *wallet) int64 { return wl.created.UnixNano() }),
	}, (*wallet).view), nil
}

func (e *Emulator) walletParam(c *call) (*wallet, error) {
	id, err := c.id(0, "walletId")
	if err != nil {
		return nil, err
	}
	return e.world.wallet(id)
}

type walletResponse struct {
	Status string `json:"status"`
	walletView
}

func getWallet(e *Emulator, c *call) (any, error) {
	wl, err := e.walletParam(c)
	if err != nil {
		return nil, err
	}
	return walletResponse{Status: ok, walletView: wl.view()}, nil
}

type transferRequest struct {
	SourceWalletID  *int64  `json:"sourceWalletId"`
	DestinationType *int64  `json:"destinationType"`
	DestinationID   *int64  `json:"destinationId"`
	Amount          *int64  `json:"amount"`
	Description     *string `json:"description"`
	// SourceType and SourceCardID are not API fields; they are recognised
	// only to reject card-sourced transfers with the documented reason.
	SourceType   *int64 `json:"sourceType"`
	SourceCardID *int64 `json:"sourceCardId"`
}

type transferResponse struct {
	Status      string `json:"status"`
	TransID     int64  `json:"transId"`
	TransStatus int    `json:"transStatus"`
}

// transfer is POST /wallets/transfer.
func transfer(e *Emulator, c *call) (any, error) {
	var req transferRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.SourceCardID != nil || deref(req.SourceType) == 1 {
		return nil, invalid("sourceWalletId: transfers from a card (card to wallet, card to card) are not supported; raise a support ticket")
	}
	var chk check
	chk.between("sourceWalletId", req.SourceWalletID, true, 1, 1<<53)
	chk.oneOf("destinationType", req.DestinationType, true, 0, 1)
	chk.between("destinationId", req.DestinationID, true, 1, 1<<53)
	chk.between("amount", req.Amount, true, 1, maxDecimal)
	chk.text("description", req.Description, false, 0, 140)
	if chk.err == nil && *req.DestinationType == 0 && *req.DestinationID == *req.SourceWalletID {
		chk.fail("destinationId", "must differ from sourceWalletId")
	}
	if chk.err != nil {
		return nil, chk.err
	}
	src, err := e.world.wallet(*req.SourceWalletID)
	if err != nil {
		return nil, err
	}
	amount := *req.Amount
	wt := &walletTxn{walletID: src.id, destType: *req.DestinationType, destID: *req.DestinationID, amount: amount,
		status: transCompleted, description: deref(req.Description), created: c.now}
	var credit func()
	if wt.destType == 0 {
		dst, err := e.world.wallet(wt.destID)
		if err != nil {
			return nil, err
		}
		wt.typ = wtTransferWallet
		credit = func() { dst.settled, dst.available, dst.updated = dst.settled+amount, dst.available+amount, c.now }
	} else {
		cd, err := e.world.card(wt.destID)
		if err != nil {
			return nil, err
		}
		if cd.issuer == cardClosed {
			return nil, conflict("card %d is closed", cd.id)
		}
		wt.typ, wt.holderID = wtTransferCard, cd.holderID
		credit = func() { cd.ledger, cd.available = cd.ledger+amount, cd.available+amount }
	}
	if src.available < amount {
		return nil, conflict("insufficient funds: wallet %d has %d available, the transfer needs %d", src.id, src.available, amount)
	}
	if err := room(len(e.world.wtxns), "wallet transactions"); err != nil {
		return nil, err
	}
	src.settled, src.available, src.updated = src.settled-amount, src.available-amount, c.now
	credit()
	e.world.newWalletTxn(wt)
	return transferResponse{Status: ok, TransID: wt.id, TransStatus: wt.status}, nil
}

// walletTxnView is a wallet movement as GET /wallets/transactions shows it.
type walletTxnView struct {
	TransID              int64  `json:"transId"`
	Type                 int    `json:"type"`
	TransStatus          int    `json:"transStatus"`
	WalletID             int64  `json:"walletId"`
	DestinationType      *int64 `json:"destinationType,omitempty"`
	DestinationID        int64  `json:"destinationId,omitempty"`
	CardID               int64  `json:"cardId,omitempty"`
	CardholderID         int64  `json:"cardholderId,omitempty"`
	Amount               int64  `json:"amount"`
	Currency             int    `json:"currency"`
	Description          string `json:"description,omitempty"`
	TransactionReference string `json:"transactionReference,omitempty"`
	DateCreated          string `json:"dateCreated"`
	DateUpdated          string `json:"dateUpdated"`
}

func (t *walletTxn) view() walletTxnView {
	v := walletTxnView{
		TransID: t.id, Type: t.typ, TransStatus: t.status, WalletID: t.walletID, Amount: t.amount,
		Currency: programCurrency, Description: t.description, TransactionReference: t.reference,
		CardholderID: t.holderID, DateCreated: stamp(t.created), DateUpdated: stamp(t.updated),
	}
	if t.typ != wtBankDeposit {
		dt := t.destType
		v.DestinationType, v.DestinationID = &dt, t.destID
	}
	if t.typ == wtTransferCard {
		v.CardID = t.destID
	}
	return v
}

// touchesWallet reports whether a movement moved money out of or into id.
func (t *walletTxn) touchesWallet(id int64) bool {
	return t.walletID == id || (t.typ == wtTransferWallet && t.destID == id)
}

// listWalletTxns is GET /wallets/transactions.
func listWalletTxns(e *Emulator, c *call) (any, error) {
	lq, err := parseList(c.query, "transId", "dateCreated", "amount")
	if err != nil {
		return nil, err
	}
	var ids [3]int64
	for i, name := range []string{"walletId", "cardId", "cardholderId"} {
		if ids[i], err = idParam(c.query, name); err != nil {
			return nil, err
		}
	}
	typ, err := intParam(c.query, "type", 1, 3)
	if err != nil {
		return nil, err
	}
	var items []*walletTxn
	for _, t := range e.world.wtxns {
		if (ids[0] == 0 || t.touchesWallet(ids[0])) &&
			(ids[1] == 0 || (t.typ == wtTransferCard && t.destID == ids[1])) &&
			(ids[2] == 0 || t.holderID == ids[2]) &&
			(typ == nil || int64(t.typ) == *typ) && lq.inWindow(t.created) {
			items = append(items, t)
		}
	}
	return page(items, lq, map[string]func(a, b *walletTxn) int{
		"dateCreated": by(func(t *walletTxn) int64 { return t.created.UnixNano() }),
		"amount":      by(func(t *walletTxn) int64 { return t.amount }),
	}, (*walletTxn).view), nil
}
