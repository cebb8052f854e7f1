package axysemu

import (
	"fmt"
	"net/http"
	"time"
)

// The emulated Program. Account Management (production only) would set
// these; the emulator fixes them.
const (
	programCurrency     = 0 // USD
	programCurrencyCode = "USD"
	programCountry      = "US"
	// programLimit is the Program's transactionLimit ceiling: $50,000.00.
	programLimit = 5_000_000
)

// designActive says whether a card-design slot (0–5) has designStatus 1:
// slots 0 (mandatory) and 1 do, 2–5 are empty.
func designActive(slot int) bool { return slot == 0 || slot == 1 }

// First identifiers, chosen to look like the docs' examples.
const (
	firstCardholderID = 10001
	firstCardID       = 8001
	firstWalletID     = 3001
	firstDepositID    = 7001
	firstTransferID   = 90001
	firstCardTxnID    = 5000001
	firstFeeID        = 60001
)

// Cardholder statuses.
const (
	chPending     = 0
	chApproved    = 1
	chDeclined    = 2
	chUnderReview = 3
	chDraft       = 4
	chDeleted     = 5
	chError       = 6
	chAdmin       = 7
)

// Card issuerCardStatus values.
const (
	cardPending      = 0
	cardActive       = 1
	cardOnHold       = 2
	cardClosed       = 3
	cardNotActivated = 4
)

// Card transaction statuses.
const (
	txPending    = 1
	txCleared    = 2
	txCompletion = 3
	txDeclined   = 4
	txError      = 5
)

// Card transaction types (the enum is not in the docs; see doc.go).
const (
	txTypePurchase      = 1
	txTypeCryptoDeposit = 2
	txTypeBankDeposit   = 3
)

// personal holds the compliance fields, locked while a cardholder is under
// review or approved. The JSON names are the API's.
type personal struct {
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	Gender       int    `json:"gender"`
	Nationality  string `json:"nationality"`
	PlaceOfBirth string `json:"placeOfBirth"`
	Dob          string `json:"dob"`
	AdrLine1     string `json:"adrLine1"`
	City         string `json:"city"`
	State        string `json:"state"`
	Country      string `json:"country"`
	ZipCode      string `json:"zipCode"`
}

// contact holds the contact fields a cardholder or card carries.
type contact struct {
	CallingCode        string `json:"callingCode,omitempty"`
	CountryCallingCode string `json:"countryCallingCode,omitempty"`
	PhoneNum           string `json:"phoneNum,omitempty"`
	CellNum            string `json:"cellNum,omitempty"`
	EmailAdr           string `json:"emailAdr,omitempty"`
}

type cardholder struct {
	id       int64
	status   int
	personal personal
	contact  contact
	limit    int64
	sumsub   int
	link     string
	created  time.Time
	updated  time.Time
	// review is bumped by every submission and forced outcome, so a
	// scheduled natural outcome of an earlier review is ignored.
	review int
}

type cryptoAddress struct {
	Chain   string `json:"chain"`
	Address string `json:"address"`
}

type card struct {
	id, holderID       int64
	physical           bool
	cardType           int
	pan, cvv, pin      string
	expMonth, expYear  int
	nameOnCard, alias  string
	limit              int64
	contact            contact
	cardStatus, issuer int
	ledger, available  int64
	crypto             []cryptoAddress
	created, updated   time.Time
}

type wallet struct {
	id                 int64
	name               string
	settled, available int64
	created, updated   time.Time
}

type cardTxn struct {
	transID, authRef string
	cardID, holderID int64
	typ, status      int
	amount, fee      int64
	merchantAmount   int64
	merchantCurrency string
	merchantName     string
	merchantCountry  string
	mcc, description string
	declineReason    string
	created, updated time.Time
}

type fee struct {
	id                int64
	cardID, holderID  int64
	authRef, transID  string
	typ               int
	amount, merchAmnt int64
	description       string
	created           time.Time
}

// Wallet-transaction types and transfer statuses (see doc.go).
const (
	wtBankDeposit    = 1
	wtTransferWallet = 2
	wtTransferCard   = 3

	transPending   = 0
	transCompleted = 1
)

type walletTxn struct {
	id               int64
	typ, status      int
	walletID         int64 // the wallet moved from (transfers) or into (deposits)
	destType, destID int64
	holderID         int64
	amount           int64
	description      string
	reference        string
	created, updated time.Time
}

type listener struct {
	token            string
	cardID, holderID int64
	webhookURL       string
	created          time.Time
	otp              *otp
}

type otp struct {
	code    string
	cardID  int64
	expires time.Time
}

type depositKind int

const (
	depBankRegistration depositKind = iota
	depBankTrace
	depChainAssertion
	depSimulated
)

type deposit struct {
	id         int64
	kind       depositKind
	holderID   int64
	cardID     int64
	walletID   int64
	statusText string
	amount     int64
	rail       string
	sender     [3]string // name, number, routing
	reference  string
	expires    time.Time
	created    time.Time
	updated    time.Time
}

// world is the emulated Program's whole state. It is guarded by Emulator.mu.
type world struct {
	holders   []*cardholder
	cards     []*card
	wallets   []*wallet
	txns      []*cardTxn
	fees      []*fee
	wtxns     []*walletTxn
	deposits  []*deposit
	listeners map[string]*listener
	tokens    []string // listener tokens in creation order
	authRefs  map[string]bool
}

func newWorld() *world {
	return &world{listeners: map[string]*listener{}, authRefs: map[string]bool{}}
}

func lookup[T any](items []*T, first, id int64, what string) (*T, error) {
	i := id - first
	if i < 0 || i >= int64(len(items)) {
		return nil, apiErrorf(http.StatusNotFound, "%s %d not found", what, id)
	}
	return items[i], nil
}

func (w *world) holder(id int64) (*cardholder, error) {
	return lookup(w.holders, firstCardholderID, id, "cardholder")
}

func (w *world) card(id int64) (*card, error) { return lookup(w.cards, firstCardID, id, "card") }

func (w *world) wallet(id int64) (*wallet, error) {
	return lookup(w.wallets, firstWalletID, id, "wallet")
}

func (w *world) deposit(id int64) (*deposit, error) {
	return lookup(w.deposits, firstDepositID, id, "deposit")
}

// room fails with 507 once a kind of object reaches maxObjects.
func room(n int, what string) error {
	if n >= maxObjects {
		return apiErrorf(http.StatusInsufficientStorage, "emulator capacity reached: %d %s", maxObjects, what)
	}
	return nil
}

func (w *world) newDeposit(d *deposit) (*deposit, error) {
	if err := room(len(w.deposits), "deposits"); err != nil {
		return nil, err
	}
	d.id = firstDepositID + int64(len(w.deposits))
	d.updated = d.created
	w.deposits = append(w.deposits, d)
	return d, nil
}

func (w *world) newWalletTxn(t *walletTxn) *walletTxn {
	t.id = firstTransferID + int64(len(w.wtxns))
	t.updated = t.created
	w.wtxns = append(w.wtxns, t)
	return t
}

// newCardTxn appends a card transaction with a fresh transId and a unique
// authRefNum drawn from d.
func (w *world) newCardTxn(d *dice, t *cardTxn) *cardTxn {
	t.transID = fmt.Sprint(firstCardTxnID + len(w.txns))
	for {
		t.authRef = d.digits(12)
		if !w.authRefs[t.authRef] {
			break
		}
	}
	w.authRefs[t.authRef] = true
	t.updated = t.created
	w.txns = append(w.txns, t)
	return t
}
