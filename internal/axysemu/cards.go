package axysemu

import (
	"fmt"
	"time"
)

type virtualCardRequest struct {
	NameOnCard       *string `json:"nameOnCard"`
	Alias            *string `json:"alias"`
	TransactionLimit *int64  `json:"transactionLimit"`
	contactFields
}

func (r *virtualCardRequest) check(c *check, holderLimit int64) {
	c.text("nameOnCard", r.NameOnCard, true, 1, 26)
	c.text("alias", r.Alias, false, 0, 50)
	c.between("transactionLimit", r.TransactionLimit, false, 1, programLimit)
	if c.err == nil && deref(r.TransactionLimit) > holderLimit {
		c.fail("transactionLimit", "must not exceed the cardholder's limit of %d", holderLimit)
	}
	r.contactFields.check(c, false)
}

type physicalCardRequest struct {
	virtualCardRequest
	CardType *int64 `json:"cardType"`
}

// cardView is a card's non-sensitive details.
type cardView struct {
	CardID              int64  `json:"cardId"`
	CardholderID        int64  `json:"cardholderId"`
	Type                string `json:"type"`
	MaskedCardNumber    string `json:"maskedCardNumber"`
	CardStatus          int    `json:"cardStatus"`
	IssuerCardStatus    int    `json:"issuerCardStatus"`
	CardType            *int   `json:"cardType,omitempty"`
	NameOnCard          string `json:"nameOnCard"`
	Alias               string `json:"alias"`
	TransactionLimit    int64  `json:"transactionLimit"`
	Currency            int    `json:"currency"`
	CardHolderFirstName string `json:"cardHolderFirstName"`
	CardHolderLastName  string `json:"cardHolderLastName"`
	contact
	CryptoAddresses []cryptoAddress `json:"cryptoAddresses"`
	CreatedDatetime string          `json:"createdDatetime"`
	UpdatedDatetime string          `json:"updatedDatetime"`
}

func (cd *card) kind() string {
	if cd.physical {
		return "physical"
	}
	return "virtual"
}

func (cd *card) masked() string { return cd.pan[:6] + "******" + cd.pan[12:] }

func (e *Emulator) cardView(cd *card) cardView {
	h, _ := e.world.holder(cd.holderID)
	v := cardView{
		CardID: cd.id, CardholderID: cd.holderID, Type: cd.kind(), MaskedCardNumber: cd.masked(),
		CardStatus: cd.cardStatus, IssuerCardStatus: cd.issuer, NameOnCard: cd.nameOnCard, Alias: cd.alias,
		TransactionLimit: cd.limit, Currency: programCurrency, contact: cd.contact,
		CardHolderFirstName: h.personal.FirstName, CardHolderLastName: h.personal.LastName,
		CryptoAddresses: cd.crypto, CreatedDatetime: stamp(cd.created), UpdatedDatetime: stamp(cd.updated),
	}
	if cd.physical {
		t := cd.cardType
		v.CardType = &t
	}
	return v
}

type cardIssued struct {
	Status           string          `json:"status"`
	CardID           int64           `json:"cardId"`
	Type             string          `json:"type"`
	MaskedCardNumber string          `json:"maskedCardNumber"`
	CardStatus       int             `json:"cardStatus"`
	IssuerCardStatus int             `json:"issuerCardStatus"`
	CryptoAddresses  []cryptoAddress `json:"cryptoAddresses"`
}

// issueVirtual is POST /cards/virtual/{cardholderId}: active at once.
func issueVirtual(e *Emulator, c *call) (any, error) {
	var req virtualCardRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return e.issue(c, &req, false, nil)
}

// issuePhysical is POST /cards/assign/{cardholderId}: Not Activated (4)
// until PUT /cards/{id}/activate.
func issuePhysical(e *Emulator, c *call) (any, error) {
	var req physicalCardRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return e.issue(c, &req.virtualCardRequest, true, req.CardType)
}

func (e *Emulator) issue(c *call, req *virtualCardRequest, physical bool, cardType *int64) (any, error) {
	h, err := e.holderParam(c)
	if err != nil {
		return nil, err
	}
	var chk check
	req.check(&chk, h.limit)
	slot := 0
	if physical {
		chk.between("cardType", cardType, false, 0, 5)
		slot = int(deref(cardType))
		if chk.err == nil && !designActive(slot) {
			chk.fail("cardType", "design slot %d is not active (designStatus is not 1)", slot)
		}
	}
	if chk.err != nil {
		return nil, chk.err
	}
	if h.status != chApproved {
		return nil, conflict("cardholder %d is not approved (status %d, %s); only approved cardholders can be issued cards", h.id, h.status, holderStatusName(h.status))
	}
	if err := room(len(e.world.cards), "cards"); err != nil {
		return nil, err
	}
	cd := e.newCard(h, physical, slot, c.now)
	setIf(&cd.nameOnCard, req.NameOnCard)
	setIf(&cd.alias, req.Alias)
	setIf(&cd.limit, req.TransactionLimit)
	req.contactFields.apply(&cd.contact)
	return cardIssued{
		Status: ok, CardID: cd.id, Type: cd.kind(), MaskedCardNumber: cd.masked(),
		CardStatus: cd.cardStatus, IssuerCardStatus: cd.issuer, CryptoAddresses: cd.crypto,
	}, nil
}

// newCard draws a card's PAN, CVV, expiry and deposit addresses. The PAN
// starts with 4 and passes the Luhn check; the default PIN is its last four
// digits.
func (e *Emulator) newCard(h *cardholder, physical bool, slot int, now time.Time) *card {
	d := e.dice
	pan := "4" + d.digits(14)
	pan += string(rune('0' + luhnDigit(pan)))
	cd := &card{
		id: firstCardID + int64(len(e.world.cards)), holderID: h.id, physical: physical, cardType: slot,
		pan: pan, cvv: d.digits(3), pin: pan[12:], expMonth: 1 + d.r.IntN(12), expYear: now.Year() + 3,
		limit: h.limit, cardStatus: 1, issuer: cardActive, created: now, updated: now,
		crypto: []cryptoAddress{
			{Chain: "evm", Address: "0x" + d.from("0123456789abcdef", 40)},
			{Chain: "bitcoin", Address: "bc1q" + d.from("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 38)},
			{Chain: "solana", Address: d.from("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", 44)},
		},
	}
	if physical {
		cd.issuer = cardNotActivated
	}
	e.world.cards = append(e.world.cards, cd)
	return cd
}

// luhnDigit returns the check digit that makes digits+check Luhn-valid.
func luhnDigit(digits string) int {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		n := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return (10 - sum%10) % 10
}

func listCards(e *Emulator, c *call) (any, error) {
	lq, err := parseList(c.query, "cardId", "issuerCardStatus", "cardholderId", "cardHolderLastName", "createdDatetime")
	if err != nil {
		return nil, err
	}
	status, err := intParam(c.query, "issuerCardStatus", 0, 4)
	if err != nil {
		return nil, err
	}
	holderID, err := idParam(c.query, "cardholderId")
	if err != nil {
		return nil, err
	}
	var items []*card
	for _, cd := range e.world.cards {
		if (status == nil || int64(cd.issuer) == *status) && (holderID == 0 || cd.holderID == holderID) && lq.inWindow(cd.created) {
			items = append(items, cd)
		}
	}
	lastName := func(cd *card) string {
		h, _ := e.world.holder(cd.holderID)
		return h.personal.LastName
	}
	return page(items, lq, map[string]func(a, b *card) int{
		"issuerCardStatus":   by(func(cd *card) int { return cd.issuer }),
		"cardholderId":       by(func(cd *card) int64 { return cd.holderID }),
		"cardHolderLastName": by(lastName),
		"createdDatetime":    by(func(cd *card) int64 { return cd.created.UnixNano() }),
	}, e.cardView), nil
}

func (e *Emulator) cardParam(c *call) (*card, error) {
	id, err := c.id(0, "cardId")
	if err != nil {
		return nil, err
	}
	return e.world.card(id)
}

type cardResponse struct {
	Status string `json:"status"`
	cardView
}

func getCard(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	return cardResponse{Status: ok, cardView: e.cardView(cd)}, nil
}

type balanceResponse struct {
	Status           string `json:"status"`
	CardID           int64  `json:"cardId"`
	LedgerBalance    int64  `json:"ledgerBalance"`
	AvailableBalance int64  `json:"availableBalance"`
	Currency         int    `json:"currency"`
}

func getBalance(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	return balanceResponse{Status: ok, CardID: cd.id, LedgerBalance: cd.ledger, AvailableBalance: cd.available, Currency: programCurrency}, nil
}

func issuerStatusName(s int) string {
	switch s {
	case cardPending:
		return "Pending"
	case cardActive:
		return "Active"
	case cardOnHold:
		return "On Hold"
	case cardClosed:
		return "Closed"
	case cardNotActivated:
		return "Not Activated"
	}
	return fmt.Sprint("Unknown ", s)
}
