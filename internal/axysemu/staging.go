package axysemu

import (
	"net/http"
	"strings"
	"time"
)

// The /staging/* simulation endpoints (staging profile only; 404 in
// production). Only POST /staging/kyc/validate is documented; the paths and
// bodies of the others are the emulator's choices, listed in doc.go.
// Amounts are decimal strings ("10.00").

type depositRequest struct {
	CardID               *int64  `json:"cardId"`
	WalletID             *int64  `json:"walletId"`
	Amount               *string `json:"amount"`
	Rail                 *string `json:"rail"`
	Chain                *string `json:"chain"`
	Asset                *string `json:"asset"`
	Clearing             *string `json:"clearing"`
	TransactionReference *string `json:"transactionReference"`
}

type depositSimulated struct {
	Status      string `json:"status"`
	DepositID   int64  `json:"depositId"`
	Rail        string `json:"rail"`
	Amount      string `json:"amount"`
	LedgerAt    int64  `json:"ledgerAt"`
	AvailableAt int64  `json:"availableAt"`
}

// enum checks an optional string enum, returning its value or def.
func (c *check) enum(name string, v *string, def string, allowed ...string) string {
	if !c.present(name, v != nil, false) {
		return def
	}
	for _, a := range allowed {
		if *v == a {
			return a
		}
	}
	c.fail(name, "must be one of %s", strings.Join(allowed, ", "))
	return def
}

// depositPlan is a validated deposit request.
type depositPlan struct {
	amount         int64
	rail, chain    string
	asset          string
	reference      string
	instant        bool
	cardID, wallet int64
}

func (r *depositRequest) plan() (depositPlan, error) {
	var chk check
	if (r.CardID == nil) == (r.WalletID == nil) {
		chk.fail("cardId", "give exactly one of cardId or walletId")
	}
	chk.between("cardId", r.CardID, false, 1, 1<<53)
	chk.between("walletId", r.WalletID, false, 1, 1<<53)
	p := depositPlan{amount: chk.decimal("amount", r.Amount, true), cardID: deref(r.CardID), wallet: deref(r.WalletID)}
	defRail := "crypto"
	if r.WalletID != nil {
		defRail = "bank"
	}
	p.rail = chk.enum("rail", r.Rail, defRail, "crypto", "bank")
	p.chain = chk.enum("chain", r.Chain, "evm", "evm", "bitcoin", "solana")
	p.instant = chk.enum("clearing", r.Clearing, "natural", "natural", "instant") == "instant"
	chk.text("asset", r.Asset, false, 1, 10)
	chk.text("transactionReference", r.TransactionReference, false, 1, 64)
	p.asset, p.reference = deref(r.Asset), deref(r.TransactionReference)
	switch {
	case chk.err != nil:
	case p.rail == "crypto" && r.WalletID != nil:
		chk.fail("rail", "wallets take no crypto deposits; use bank")
	case p.rail == "bank" && (r.Chain != nil || r.Asset != nil):
		chk.fail("chain", "applies to crypto deposits only")
	}
	return p, chk.err
}

// simulateDeposit is POST /staging/deposits: an exact deposit to a card
// (crypto by default, or bank) or a wallet (bank only), with natural timing
// or, with "clearing":"instant", landing in both balances at once.
func simulateDeposit(e *Emulator, c *call) (any, error) {
	var req depositRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	p, err := req.plan()
	if err != nil {
		return nil, err
	}
	dep := &deposit{kind: depSimulated, statusText: depPending, amount: p.amount, rail: p.rail, reference: p.reference, created: c.now}
	var cd *card
	var wl *wallet
	if p.cardID != 0 {
		if cd, err = e.world.card(p.cardID); err != nil {
			return nil, err
		}
		if cd.issuer == cardClosed {
			return nil, conflict("card %d is closed", cd.id)
		}
		dep.cardID, dep.holderID = cd.id, cd.holderID
	} else {
		if wl, err = e.world.wallet(p.wallet); err != nil {
			return nil, err
		}
		dep.walletID = wl.id
	}
	if dep, err = e.world.newDeposit(dep); err != nil {
		return nil, err
	}
	ledgerAt, availableAt := e.depositTiming(p.rail, p.instant, c.now)
	switch {
	case cd != nil && p.rail == "crypto":
		e.creditCard(cd, dep, txTypeCryptoDeposit, ledgerAt, availableAt, cryptoDescription(p.chain, p.asset))
	case cd != nil:
		e.creditCard(cd, dep, txTypeBankDeposit, ledgerAt, availableAt, bankDescription(dep.reference))
	default:
		e.creditWallet(wl, dep, ledgerAt, availableAt, bankDescription(dep.reference))
	}
	e.sched.runUntil(c.now)
	return depositSimulated{Status: ok, DepositID: dep.id, Rail: p.rail, Amount: formatDecimal(p.amount),
		LedgerAt: unixCeil(ledgerAt), AvailableAt: unixCeil(availableAt)}, nil
}

// depositTiming draws when a simulated deposit reaches the ledger and the
// available balance.
func (e *Emulator) depositTiming(rail string, instant bool, now time.Time) (ledgerAt, availableAt time.Time) {
	switch {
	case instant:
		return now, now
	case rail == "crypto":
		ledgerAt = now.Add(e.dice.logNormal(cryptoConfirmMedian, cryptoConfirmSigma, cryptoConfirmMin, cryptoConfirmMax))
		return ledgerAt, ledgerAt.Add(e.dice.logNormal(cryptoFinalityMedian, cryptoFinalitySigma, cryptoFinalityMin, cryptoFinalityMax))
	default:
		return now, now.Add(e.dice.uniform(bankClearingMin, bankClearingMax))
	}
}

func cryptoDescription(chain, asset string) string {
	if asset == "" {
		return "Crypto deposit on " + chain
	}
	return "Crypto deposit " + asset + " on " + chain
}

type spendRequest struct {
	Amount           *string `json:"amount"`
	MerchantName     *string `json:"merchantName"`
	MCC              *string `json:"mcc"`
	MerchantCountry  *string `json:"merchantCountry"`
	MerchantCurrency *string `json:"merchantCurrency"`
	MerchantAmount   *string `json:"merchantAmount"`
	CrossBorder      *bool   `json:"crossBorder"`
	Fee              *string `json:"fee"`
	Outcome          *string `json:"outcome"`
	Clearing         *string `json:"clearing"`
	Description      *string `json:"description"`
}

// crossBorderFeeBP is the default cross-border fee: 2 % of the amount.
const crossBorderFeeBP = 200

func (r *spendRequest) spend() (spend, error) {
	var chk check
	s := spend{
		amount: chk.decimal("amount", r.Amount, true), merchantName: "Emulated Merchant", mcc: "5999",
		merchantCountry: programCountry, currency: programCurrencyCode,
	}
	chk.text("merchantName", r.MerchantName, false, 1, 50)
	setIf(&s.merchantName, r.MerchantName)
	chk.digits("mcc", r.MCC, false, 4, 4)
	setIf(&s.mcc, r.MCC)
	chk.upper("merchantCountry", r.MerchantCountry, false, 2, "an ISO 3166-1 alpha-2 code")
	setIf(&s.merchantCountry, r.MerchantCountry)
	chk.upper("merchantCurrency", r.MerchantCurrency, false, 3, "an ISO 4217 code")
	setIf(&s.currency, r.MerchantCurrency)
	s.merchantAmount = s.amount
	if r.MerchantAmount != nil {
		s.merchantAmount = chk.decimal("merchantAmount", r.MerchantAmount, false)
	}
	if cross := s.merchantCountry != programCountry || s.currency != programCurrencyCode; deref(r.CrossBorder) || (r.CrossBorder == nil && cross) {
		s.fee = percentOf(s.amount, crossBorderFeeBP)
	}
	if r.Fee != nil && !isZero(*r.Fee) {
		s.fee = chk.decimal("fee", r.Fee, false)
	} else if r.Fee != nil {
		s.fee = 0
	}
	s.outcome = chk.enum("outcome", r.Outcome, "approve", "approve", "decline", "error")
	s.instant = chk.enum("clearing", r.Clearing, "natural", "natural", "instant") == "instant"
	chk.text("description", r.Description, false, 1, 100)
	s.description = "Purchase at " + s.merchantName
	setIf(&s.description, r.Description)
	return s, chk.err
}

func isZero(s string) bool { return s == "0" || s == "0.0" || s == "0.00" }

type spendResponse struct {
	Status            string `json:"status"`
	TransID           string `json:"transId"`
	AuthRefNum        string `json:"authRefNum"`
	TransactionStatus int    `json:"transactionStatus"`
	DeclineReason     string `json:"declineReason,omitempty"`
	Amount            string `json:"amount"`
	Fee               string `json:"fee"`
	LedgerBalance     int64  `json:"ledgerBalance"`
	AvailableBalance  int64  `json:"availableBalance"`
}

// simulateSpend is POST /staging/cards/{cardId}/spend. The call succeeds
// (200) whether the spend is approved or declined; transactionStatus says
// which.
func simulateSpend(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	var req spendRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	s, err := req.spend()
	if err != nil {
		return nil, err
	}
	if cd.issuer == cardClosed {
		return nil, conflict("card %d is closed", cd.id)
	}
	t, err := e.authorise(cd, s, c.now)
	if err != nil {
		return nil, err
	}
	return spendResponse{
		Status: ok, TransID: t.transID, AuthRefNum: t.authRef, TransactionStatus: t.status,
		DeclineReason: t.declineReason, Amount: formatDecimal(t.amount), Fee: formatDecimal(t.fee),
		LedgerBalance: cd.ledger, AvailableBalance: cd.available,
	}, nil
}

type sensitiveResponse struct {
	Status     string `json:"status"`
	CardID     int64  `json:"cardId"`
	CardNumber string `json:"cardNumber"`
	CVV        string `json:"cvv"`
	ExpMonth   int    `json:"expMonth"`
	ExpYear    int    `json:"expYear"`
}

// cardSensitive is GET /staging/cards/{cardId}/sensitive: what the
// cardholder would read off the plastic, needed to activate a physical card.
func cardSensitive(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	return sensitiveResponse{Status: ok, CardID: cd.id, CardNumber: cd.pan, CVV: cd.cvv, ExpMonth: cd.expMonth, ExpYear: cd.expYear}, nil
}

func (e *Emulator) registration(c *call) (*deposit, error) {
	id, err := c.id(0, "depositId")
	if err != nil {
		return nil, err
	}
	dep, err := e.world.deposit(id)
	if err != nil || dep.kind != depBankRegistration {
		return nil, apiErrorf(http.StatusNotFound, "bank-account registration %d not found", id)
	}
	return dep, nil
}

// confirmBankAccount is POST /staging/bank-accounts/{depositId}/confirm:
// the cardholder answered the SMS OTP.
func confirmBankAccount(e *Emulator, c *call) (any, error) {
	return e.settleRegistration(c, depConfirmed)
}

// expireBankAccount is POST /staging/bank-accounts/{depositId}/expire: the
// SMS OTP expires now.
func expireBankAccount(e *Emulator, c *call) (any, error) {
	return e.settleRegistration(c, depExpired)
}

func (e *Emulator) settleRegistration(c *call, to string) (any, error) {
	dep, err := e.registration(c)
	if err != nil {
		return nil, err
	}
	if dep.statusText != depPending {
		return nil, conflict("bank-account registration %d is %s, not pending", dep.id, dep.statusText)
	}
	dep.statusText, dep.updated = to, c.now
	return depositResponse{Status: ok, DepositID: dep.id, StatusText: dep.statusText}, nil
}

type depositView struct {
	Status               string `json:"status"`
	DepositID            int64  `json:"depositId"`
	Kind                 string `json:"kind"`
	StatusText           string `json:"statusText"`
	CardholderID         int64  `json:"cardholderId,omitempty"`
	CardID               int64  `json:"cardId,omitempty"`
	WalletID             int64  `json:"walletId,omitempty"`
	Amount               int64  `json:"amount,omitempty"`
	Rail                 string `json:"rail,omitempty"`
	TransactionReference string `json:"transactionReference,omitempty"`
	ExpiresAt            *int64 `json:"expiresAt,omitempty"`
	DateCreated          string `json:"dateCreated"`
	DateUpdated          string `json:"dateUpdated"`
}

// getDeposit is GET /staging/deposits/{depositId}: the state of any
// deposit record, bank-account registrations included.
func getDeposit(e *Emulator, c *call) (any, error) {
	id, err := c.id(0, "depositId")
	if err != nil {
		return nil, err
	}
	dep, err := e.world.deposit(id)
	if err != nil {
		return nil, err
	}
	v := depositView{
		Status: ok, DepositID: dep.id, Kind: [...]string{"bank-account", "bank-trace", "chain-assertion", "simulated"}[dep.kind],
		StatusText: dep.statusText, CardholderID: dep.holderID, CardID: dep.cardID, WalletID: dep.walletID,
		Amount: dep.amount, Rail: dep.rail, TransactionReference: dep.reference,
		DateCreated: stamp(dep.created), DateUpdated: stamp(dep.updated),
	}
	if !dep.expires.IsZero() {
		exp := unixCeil(dep.expires)
		v.ExpiresAt = &exp
	}
	return v, nil
}

type faultRequest struct {
	Status *int64 `json:"status"`
	Count  *int64 `json:"count"`
}

type faultResponse struct {
	Status string `json:"status"`
	Queued int64  `json:"queued"`
}

// forceFaults is POST /staging/faults (emulator only): the next count calls
// to the main API answer status (403, 429, 500, 502, 503 or 504) before
// touching any state.
func forceFaults(e *Emulator, c *call) (any, error) {
	var req faultRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.oneOf("status", req.Status, true, 403, 429, 500, 502, 503, 504)
	chk.between("count", req.Count, false, 1, 100)
	if chk.err != nil {
		return nil, chk.err
	}
	count := max(1, deref(req.Count))
	e.chaos.force(int(*req.Status), int(count))
	return faultResponse{Status: ok, Queued: count}, nil
}
