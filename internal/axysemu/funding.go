package axysemu

import (
	"strings"
	"time"
)

// Funding moves money in two steps, as the docs describe: the ledger
// balance (wallet: walletBalanceSettled) rises when a deposit is detected,
// the available balance (walletAvailableBalance) when it has cleared. Card
// deposits appear in GET /cards/transactions (type 2 crypto, 3 bank) from
// the moment the ledger moves, status 1 until they clear, then 3; wallet
// deposits appear in GET /wallets/transactions.

// Deposit statusText values (only "pending" is documented).
const (
	depPending   = "pending"
	depDetected  = "detected"
	depCleared   = "cleared"
	depConfirmed = "confirmed"
	depExpired   = "expired"
)

// creditCard schedules a deposit of amount to cd: the ledger at ledgerAt,
// the available balance at availableAt.
func (e *Emulator) creditCard(cd *card, dep *deposit, typ int, ledgerAt, availableAt time.Time, description string) {
	var txn *cardTxn
	e.sched.at(ledgerAt, func(at time.Time) {
		cd.ledger += dep.amount
		txn = e.world.newCardTxn(e.dice, &cardTxn{
			cardID: cd.id, holderID: cd.holderID, typ: typ, status: txPending, amount: dep.amount,
			description: description, created: at,
		})
		dep.statusText, dep.updated = depDetected, at
	})
	e.sched.at(availableAt, func(at time.Time) {
		cd.available += dep.amount
		txn.status, txn.updated = txCompletion, at
		dep.statusText, dep.updated = depCleared, at
	})
}

// creditWallet schedules a bank deposit of amount to wl.
func (e *Emulator) creditWallet(wl *wallet, dep *deposit, settledAt, availableAt time.Time, description string) {
	var wt *walletTxn
	e.sched.at(settledAt, func(at time.Time) {
		wl.settled += dep.amount
		wl.updated = at
		wt = e.world.newWalletTxn(&walletTxn{
			typ: wtBankDeposit, status: transPending, walletID: wl.id, amount: dep.amount,
			description: description, reference: dep.reference, created: at,
		})
		dep.statusText, dep.updated = depDetected, at
	})
	e.sched.at(availableAt, func(at time.Time) {
		wl.available += dep.amount
		wl.updated = at
		wt.status, wt.updated = transCompleted, at
		dep.statusText, dep.updated = depCleared, at
	})
}

// expireAt schedules a pending deposit record to expire.
func (e *Emulator) expireAt(dep *deposit, due time.Time) {
	dep.expires = due
	e.sched.at(due, func(at time.Time) {
		if dep.statusText == depPending {
			dep.statusText, dep.updated = depExpired, at
		}
	})
}

type depositResponse struct {
	Status     string `json:"status"`
	DepositID  int64  `json:"depositId"`
	StatusText string `json:"statusText"`
}

type bankAccountRequest struct {
	SenderAccountName   *string `json:"senderAccountName"`
	SenderAccountNumber *string `json:"senderAccountNumber"`
	SenderRoutingNumber *string `json:"senderRoutingNumber"`
}

func (r *bankAccountRequest) check(c *check, required bool) {
	c.text("senderAccountName", r.SenderAccountName, required, 1, 50)
	c.text("senderAccountNumber", r.SenderAccountNumber, required, 7, 34)
	alnum(c, "senderAccountNumber", r.SenderAccountNumber)
	c.text("senderRoutingNumber", r.SenderRoutingNumber, required, 6, 12)
	alnum(c, "senderRoutingNumber", r.SenderRoutingNumber)
}

func (r *bankAccountRequest) sender() [3]string {
	return [3]string{deref(r.SenderAccountName), deref(r.SenderAccountNumber), deref(r.SenderRoutingNumber)}
}

func alnum(c *check, name string, v *string) {
	if v == nil || c.err != nil {
		return
	}
	if strings.IndexFunc(*v, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z')
	}) >= 0 {
		c.fail(name, "must contain letters and digits only")
	}
}

// registerBankAccount is POST /cardholders/{id}/register-bank-account: an
// approved cardholder's sending account, pending until the cardholder
// answers the SMS OTP (simulated by /staging/bank-accounts/{id}/confirm) or
// the OTP expires.
func registerBankAccount(e *Emulator, c *call) (any, error) {
	h, err := e.holderParam(c)
	if err != nil {
		return nil, err
	}
	var req bankAccountRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	req.check(&chk, true)
	if chk.err != nil {
		return nil, chk.err
	}
	if h.status != chApproved {
		return nil, conflict("cardholder %d is not approved (status %d, %s); only approved cardholders can register a bank account", h.id, h.status, holderStatusName(h.status))
	}
	dep, err := e.world.newDeposit(&deposit{kind: depBankRegistration, holderID: h.id, statusText: depPending, sender: req.sender(), created: c.now})
	if err != nil {
		return nil, err
	}
	e.expireAt(dep, c.now.Add(e.dice.scaled(bankOTPTTL)))
	return depositResponse{Status: ok, DepositID: dep.id, StatusText: dep.statusText}, nil
}

type bankTraceRequest struct {
	TransactionAmount    *int64  `json:"transactionAmount"`
	TransactionReference *string `json:"transactionReference"`
	bankAccountRequest
}

// bankTrace handles POST /cards/{id}/bank-deposit and
// POST /wallets/{id}/bank-deposit. Every field is optional; with an amount
// the emulator treats the transfer as arriving: verified after a delay,
// then cleared days later.
func (e *Emulator) bankTrace(c *call, cd *card, wl *wallet) (any, error) {
	var req bankTraceRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.between("transactionAmount", req.TransactionAmount, false, 1, maxDecimal)
	chk.text("transactionReference", req.TransactionReference, false, 1, 64)
	req.bankAccountRequest.check(&chk, false)
	if chk.err != nil {
		return nil, chk.err
	}
	if cd != nil && cd.issuer == cardClosed {
		return nil, conflict("card %d is closed", cd.id)
	}
	dep := &deposit{kind: depBankTrace, statusText: depPending, amount: deref(req.TransactionAmount), rail: "bank",
		sender: req.sender(), reference: deref(req.TransactionReference), created: c.now}
	if cd != nil {
		dep.cardID, dep.holderID = cd.id, cd.holderID
	} else {
		dep.walletID = wl.id
	}
	dep, err := e.world.newDeposit(dep)
	if err != nil {
		return nil, err
	}
	if dep.amount > 0 {
		verified := c.now.Add(e.dice.logNormal(bankVerifyMedian, bankVerifySigma, bankVerifyMin, bankVerifyMax))
		cleared := verified.Add(e.dice.uniform(bankClearingMin, bankClearingMax))
		if cd != nil {
			e.creditCard(cd, dep, txTypeBankDeposit, verified, cleared, bankDescription(dep.reference))
		} else {
			e.creditWallet(wl, dep, verified, cleared, bankDescription(dep.reference))
		}
	}
	return depositResponse{Status: ok, DepositID: dep.id, StatusText: dep.statusText}, nil
}

func cardBankDeposit(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	return e.bankTrace(c, cd, nil)
}

func walletBankDeposit(e *Emulator, c *call) (any, error) {
	wl, err := e.walletParam(c)
	if err != nil {
		return nil, err
	}
	return e.bankTrace(c, nil, wl)
}

func bankDescription(reference string) string {
	if reference == "" {
		return "Bank transfer"
	}
	return "Bank transfer " + reference
}

type chainAssertionRequest struct {
	TransactionHash *string `json:"transactionHash"`
	NetworkHint     *string `json:"networkHint"`
}

// chainAssertion handles the deprecated POST /cards/{id}/deposit and
// POST /wallets/{id}/deposit: the emulator cannot verify a transaction hash,
// so the assertion stays pending and expires after 24 h (scaled).
func (e *Emulator) chainAssertion(c *call, cardID, walletID int64) (any, error) {
	var req chainAssertionRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.text("transactionHash", req.TransactionHash, true, 10, 128)
	chk.text("networkHint", req.NetworkHint, false, 1, 32)
	if chk.err != nil {
		return nil, chk.err
	}
	dep, err := e.world.newDeposit(&deposit{kind: depChainAssertion, cardID: cardID, walletID: walletID,
		statusText: depPending, rail: "crypto", reference: *req.TransactionHash, created: c.now})
	if err != nil {
		return nil, err
	}
	e.expireAt(dep, c.now.Add(e.dice.scaled(chainAssertionTTL)))
	return depositResponse{Status: ok, DepositID: dep.id, StatusText: dep.statusText}, nil
}

func cardChainDeposit(e *Emulator, c *call) (any, error) {
	cd, err := e.cardParam(c)
	if err != nil {
		return nil, err
	}
	return e.chainAssertion(c, cd.id, 0)
}

func walletChainDeposit(e *Emulator, c *call) (any, error) {
	wl, err := e.walletParam(c)
	if err != nil {
		return nil, err
	}
	return e.chainAssertion(c, 0, wl.id)
}

type walletAddressRequest struct {
	Address     *string `json:"address"`
	NetworkHint *string `json:"networkHint"`
}

type walletAddressResponse struct {
	Status    string `json:"status"`
	Challenge string `json:"challenge"`
}

// registerWalletAddress is the deprecated
// POST /cardholders/{id}/register-wallet-address: it answers the one-time
// challenge the wallet owner would sign, and records nothing else.
func registerWalletAddress(e *Emulator, c *call) (any, error) {
	h, err := e.holderParam(c)
	if err != nil {
		return nil, err
	}
	var req walletAddressRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.text("address", req.Address, true, 26, 90)
	chk.text("networkHint", req.NetworkHint, false, 1, 32)
	if chk.err != nil {
		return nil, chk.err
	}
	if h.status == chDeleted {
		return nil, conflict("cardholder %d is deleted", h.id)
	}
	return walletAddressResponse{Status: ok, Challenge: e.dice.from("0123456789abcdef", 64)}, nil
}
