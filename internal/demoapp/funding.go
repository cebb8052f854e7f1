package demoapp

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// balanceDoc is GET /cards/{id}/balance.
type balanceDoc struct {
	LedgerBalance    int64 `json:"ledgerBalance"`
	AvailableBalance int64 `json:"availableBalance"`
}

func (s *script) balance(ctx context.Context, id int64) (balanceDoc, error) {
	return s.balanceVia(ctx, s.api, id)
}

// balanceVia reads a card's balance through cl, paced: it is the resource
// the app polls.
func (s *script) balanceVia(ctx context.Context, cl *client, id int64) (balanceDoc, error) {
	var b balanceDoc
	err := s.readPaced(ctx, cl, cardPath(id, "/balance"), &b, func() string {
		return fmt.Sprintf("%d/%d", b.LedgerBalance, b.AvailableBalance)
	})
	return b, err
}

// awaitBalance polls the card's balance along the backoff schedule until
// done says so, reporting the reads made and whether the ledger balance
// was seen to move before the available one.
func (s *script) awaitBalance(ctx context.Context, id int64, budget time.Duration, done func(balanceDoc) bool, ledgerMoved func(balanceDoc) bool) (int, bool, balanceDoc, error) {
	var last balanceDoc
	ledgerFirst := false
	p := s.poll
	p.budget, p.settle = budget, true
	reads, err := p.until(ctx, fmt.Sprintf("balance of card %d", id), func(ctx context.Context) (bool, error) {
		b, err := s.balance(ctx, id)
		if err != nil {
			return false, err
		}
		last = b
		if done(b) {
			return true, nil
		}
		if ledgerMoved != nil && ledgerMoved(b) {
			ledgerFirst = true
		}
		return false, nil
	})
	return reads, ledgerFirst, last, err
}

// runCrypto is C7 and C8 (L7): an exact crypto deposit of "10.00" through
// the simulation endpoint, then balance polling under the natural delay
// until availableBalance has risen by exactly 1000.
func (s *script) runCrypto(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	id := s.virtual.id
	before, err := s.balance(ctx, id)
	if err != nil {
		return "", err
	}
	var dep struct {
		DepositID int64 `json:"depositId"`
	}
	err = s.api.do(ctx, call{method: http.MethodPost, path: "/staging/deposits", retry: retryThrottle,
		body: map[string]any{"cardId": id, "amount": "10.00", "rail": "crypto", "chain": "evm", "asset": "USDC"}}, &dep)
	if err != nil {
		return "", err
	}
	reads, ledgerFirst, after, err := s.awaitBalance(ctx, id, 2*time.Hour,
		func(b balanceDoc) bool { return b.AvailableBalance >= before.AvailableBalance+1000 },
		func(b balanceDoc) bool { return b.LedgerBalance > before.LedgerBalance })
	if err != nil {
		return "", err
	}
	if got := after.AvailableBalance - before.AvailableBalance; got != 1000 {
		return "", fmt.Errorf("crypto deposit of 10.00 to card %d: available balance rose by %d, want 1000", id, got)
	}
	s.ledgerUpdated(ctx, id, dep.DepositID, "10.00")
	order := "ledger first, then available"
	if !ledgerFirst {
		order = "ledger and available seen together"
		s.uncover("C7", "no balance read fell between the ledger and the available rise of the crypto deposit; the app reads an unchanged balance at most four times a second")
	}
	return fmt.Sprintf("10.00 deposited to card %d: available +1000 after %d balance polls (%s)", id, reads, order), nil
}

// bankSender is the cardholder's sending account.
var bankSender = map[string]any{
	"senderAccountName": "Jordan Reyes", "senderAccountNumber": "US12345678901234", "senderRoutingNumber": "021000021",
}

type depositDoc struct {
	DepositID  int64  `json:"depositId"`
	StatusText string `json:"statusText"`
}

// registerBank registers the sending account; the cardholder must then
// confirm by replying to an SMS, which the API cannot do.
func (s *script) registerBank(ctx context.Context) (depositDoc, error) {
	// Sent again after a fault: at worst a second pending registration,
	// and the cardholder answers one SMS.
	var d depositDoc
	err := s.api.do(ctx, call{method: http.MethodPost, path: fmt.Sprintf("/cardholders/%d/register-bank-account", s.holder.id),
		body: bankSender}, &d)
	if err == nil && (d.DepositID == 0 || d.StatusText != "pending") {
		err = fmt.Errorf("register bank account: answer %+v, want a depositId and statusText pending", d)
	}
	return d, err
}

// registration reads a registration's state (staging only: production has
// no endpoint for it).
func (s *script) registration(ctx context.Context, id int64) (string, error) {
	var d depositDoc
	err := s.api.do(ctx, call{method: http.MethodGet, path: "/staging/deposits/" + strconv.FormatInt(id, 10)}, &d)
	return d.StatusText, err
}

// runBankAccount is C11 (L12): a registration whose SMS OTP expires
// unanswered, handled by registering again, and the second one confirmed
// by the cardholder.
func (s *script) runBankAccount(ctx context.Context) (string, error) {
	if err := s.needHolder(); err != nil {
		return "", err
	}
	first, err := s.registerBank(ctx)
	if err != nil {
		return "", err
	}
	if err := s.api.do(ctx, call{method: http.MethodPost, path: fmt.Sprintf("/staging/bank-accounts/%d/expire", first.DepositID), retry: retryThrottle}, nil); err != nil {
		return "", err
	}
	st, err := s.registration(ctx, first.DepositID)
	if err != nil {
		return "", err
	}
	if st != "expired" {
		return "", fmt.Errorf("bank registration %d: %q after its OTP expired", first.DepositID, st)
	}
	s.log.Info("bank registration OTP expired; registering again", "deposit_id", first.DepositID)
	second, err := s.registerBank(ctx)
	if err != nil {
		return "", err
	}
	if err := s.api.do(ctx, call{method: http.MethodPost, path: fmt.Sprintf("/staging/bank-accounts/%d/confirm", second.DepositID), retry: retryThrottle}, nil); err != nil {
		return "", err
	}
	if st, err = s.registration(ctx, second.DepositID); err != nil {
		return "", err
	}
	if st != "confirmed" {
		return "", fmt.Errorf("bank registration %d: %q after the cardholder's reply", second.DepositID, st)
	}
	return fmt.Sprintf("registration %d expired unanswered; re-registered as %d, confirmed by the cardholder", first.DepositID, second.DepositID), nil
}

// runBankTrace is C12 (L13): a trace notification for a transfer already
// sent, then balance polling until the ledger balance moves. The available
// balance follows after 1–5 emulated days of clearing, which the demo does
// not wait for. It funds the physical card, so that no other movement on
// the card can be mistaken for this transfer clearing.
func (s *script) runBankTrace(ctx context.Context) (string, error) {
	if s.physical.id == 0 {
		return "", skipf("needs the physical card of scenario card-physical")
	}
	id := s.physical.id
	before, err := s.balance(ctx, id)
	if err != nil {
		return "", err
	}
	body := map[string]any{"transactionAmount": 25_000, "transactionReference": fmt.Sprintf("CARD-%d-0001", id)}
	for k, v := range bankSender {
		body[k] = v
	}
	// The reference identifies the transfer, so sending the notice again
	// after a fault does not count the money twice.
	var d depositDoc
	if err := s.api.do(ctx, call{method: http.MethodPost, path: cardPath(id, "/bank-deposit"), body: body}, &d); err != nil {
		return "", err
	}
	reads, _, after, err := s.awaitBalance(ctx, id, 3*time.Hour,
		func(b balanceDoc) bool { return b.LedgerBalance >= before.LedgerBalance+25_000 }, nil)
	if err != nil {
		return "", err
	}
	s.note("C12: bank-rail availableBalance clears 1–5 emulated days after the trace; the demo saw the ledger move and does not wait for clearing")
	return fmt.Sprintf("trace %d for 250.00 to card %d: ledger +%d after %d balance polls; available waits for clearing",
		d.DepositID, id, after.LedgerBalance-before.LedgerBalance, reads), nil
}

// walletDoc is GET /wallets/{id}.
type walletDoc struct {
	WalletID               int64  `json:"walletId"`
	Name                   string `json:"name"`
	WalletBalanceSettled   int64  `json:"walletBalanceSettled"`
	WalletAvailableBalance int64  `json:"walletAvailableBalance"`
}

// createWallet creates a named wallet, never twice (the name is the app's
// key for it).
func (s *script) createWallet(ctx context.Context, name string) (int64, error) {
	var out struct {
		WalletID int64 `json:"walletId"`
	}
	err := s.createOnce(ctx, call{method: http.MethodPost, path: "/wallets", body: map[string]any{"name": name}, retry: retryThrottle}, &out,
		func(ctx context.Context) (bool, error) {
			var page struct {
				Items []walletDoc `json:"items"`
			}
			if err := s.api.do(ctx, call{method: http.MethodGet, path: "/wallets" + query("limit", "200", "sort", "desc")}, &page); err != nil {
				return false, err
			}
			for _, w := range page.Items {
				if w.Name == name {
					out.WalletID = w.WalletID
					return true, nil
				}
			}
			return false, nil
		})
	return out.WalletID, err
}

func (s *script) wallet(ctx context.Context, id int64) (walletDoc, error) {
	var w walletDoc
	err := s.api.do(ctx, call{method: http.MethodGet, path: "/wallets/" + strconv.FormatInt(id, 10)}, &w)
	return w, err
}

// transfer moves money out of a wallet. It is not retried after a 5xx
// without checking the wallet's movements for it first.
func (s *script) transfer(ctx context.Context, from int64, destType int, dest, amount int64, desc string) (int64, error) {
	var out struct {
		TransID     int64 `json:"transId"`
		TransStatus int   `json:"transStatus"`
	}
	body := map[string]any{"sourceWalletId": from, "destinationType": destType, "destinationId": dest, "amount": amount, "description": desc}
	err := s.createOnce(ctx, call{method: http.MethodPost, path: "/wallets/transfer", body: body, retry: retryThrottle}, &out,
		func(ctx context.Context) (bool, error) {
			moves, err := s.walletMoves(ctx, from)
			for _, m := range moves {
				if m.Description == desc {
					out.TransID = m.TransID
					return true, err
				}
			}
			return false, err
		})
	return out.TransID, err
}

type walletMove struct {
	TransID     int64  `json:"transId"`
	Type        int    `json:"type"`
	Amount      int64  `json:"amount"`
	Description string `json:"description"`
}

func (s *script) walletMoves(ctx context.Context, wallet int64) ([]walletMove, error) {
	var page struct {
		Items []walletMove `json:"items"`
	}
	err := s.api.do(ctx, call{method: http.MethodGet, path: "/wallets/transactions" + query("walletId", strconv.FormatInt(wallet, 10), "limit", "200")}, &page)
	return page.Items, err
}

// runWallets is C13 (L14, L15): two wallets, the first funded by a bank
// deposit (simulated, cleared at once), then wallet → card and
// wallet → wallet transfers, each checked on the receiving side.
func (s *script) runWallets(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	treasury, err := s.createWallet(ctx, "Treasury")
	if err != nil {
		return "", err
	}
	payroll, err := s.createWallet(ctx, "Payroll")
	if err != nil {
		return "", err
	}
	s.wallets = [2]int64{treasury, payroll}
	err = s.api.do(ctx, call{method: http.MethodPost, path: "/staging/deposits", retry: retryThrottle,
		body: map[string]any{"walletId": treasury, "amount": "1000.00", "rail": "bank", "clearing": "instant", "transactionReference": "TREASURY-0001"}}, nil)
	if err != nil {
		return "", err
	}
	if w, err := s.wallet(ctx, treasury); err != nil {
		return "", err
	} else if w.WalletAvailableBalance < 100_000 {
		return "", fmt.Errorf("wallet %d: available %d after a 1000.00 deposit", treasury, w.WalletAvailableBalance)
	}
	before, err := s.balance(ctx, s.virtual.id)
	if err != nil {
		return "", err
	}
	if _, err := s.transfer(ctx, treasury, 1, s.virtual.id, 50_000, "Top-up card "+strconv.FormatInt(s.virtual.id, 10)); err != nil {
		return "", err
	}
	after, err := s.balance(ctx, s.virtual.id)
	if err != nil {
		return "", err
	}
	if after.AvailableBalance-before.AvailableBalance != 50_000 {
		return "", fmt.Errorf("wallet to card transfer: card available rose by %d, want 50000", after.AvailableBalance-before.AvailableBalance)
	}
	if _, err := s.transfer(ctx, treasury, 0, payroll, 20_000, "Fund payroll"); err != nil {
		return "", err
	}
	w, err := s.wallet(ctx, payroll)
	if err != nil {
		return "", err
	}
	if w.WalletAvailableBalance != 20_000 {
		return "", fmt.Errorf("wallet to wallet transfer: wallet %d has %d available, want 20000", payroll, w.WalletAvailableBalance)
	}
	moves, err := s.walletMoves(ctx, treasury)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("wallets %d and %d; 1000.00 in, 500.00 to card %d, 200.00 to wallet %d; %d movements listed",
		treasury, payroll, s.virtual.id, payroll, len(moves)), nil
}

// runFromCard is C14: moving money from a card back to a wallet is not
// supported (support ticket only); the refusal is handled, not retried.
func (s *script) runFromCard(ctx context.Context) (string, error) {
	if err := s.needVirtual(); err != nil {
		return "", err
	}
	if s.wallets[0] == 0 {
		return "", skipf("needs the wallets of scenario wallets")
	}
	err := s.expectRefusal(ctx, call{method: http.MethodPost, path: "/wallets/transfer",
		body: map[string]any{"sourceType": 1, "sourceCardId": s.virtual.id, "destinationType": 0, "destinationId": s.wallets[0], "amount": 1_000}},
		http.StatusUnprocessableEntity)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("card %d to wallet %d refused (422): a support ticket is the only way", s.virtual.id, s.wallets[0]), nil
}
