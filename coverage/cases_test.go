package coverage

import (
	"strings"
	"time"
)

// reqCase is a labelled record sequence for one requirement of the built-in
// matrix: the verdict it must get and, for met and violated, exactly the
// calls that prove it. Every requirement has at least one case that meets
// it and one near miss that must not.
type reqCase struct {
	req  string
	name string
	want Status
	// build adds the calls and returns the expected evidence; nil when
	// only the status is checked.
	build func(tr *trace) []uint64
}

func ev(seqs ...uint64) []uint64 { return seqs }

// Shorthands for the calls the cases make, answered as the emulator does.

func (tr *trace) holder(id, status int, opts ...callOpt) uint64 {
	return tr.get("/cardholders/"+itoa(id), cardholderBody(id, status), opts...)
}

func (tr *trace) submit(id int, status int) uint64 {
	return tr.call("PUT", "/cardholders/"+itoa(id)+"/kyc-submit", status, "", `{"status":"success","cardholderId":`+itoa(id)+`,"applicationLink":"https://kyc.emulator.invalid/x"}`)
}

func (tr *trace) refresh(id int, status int) uint64 {
	return tr.call("POST", "/cardholders/"+itoa(id)+"/kyc-url/refresh", status, "", okBody)
}

func (tr *trace) validate(id int, result string) uint64 {
	return tr.call("POST", "/staging/kyc/validate", 200, `{"cardholderId":`+itoa(id)+`,"result":"`+result+`"}`, `{"status":"success","result":{}}`)
}

func (tr *trace) card(id, issuer int) uint64 { return tr.get("/cards/"+itoa(id), cardBody(id, issuer)) }

func (tr *trace) balance(id, ledger, available int) uint64 {
	return tr.get("/cards/"+itoa(id)+"/balance", balanceBody(id, ledger, available))
}

func (tr *trace) issueVirtual(holder, card, status int, opts ...callOpt) uint64 {
	return tr.call("POST", "/cards/virtual/"+itoa(holder), status, `{"nameOnCard":"JORDAN REYES"}`, cardBody(card, 1), opts...)
}

func (tr *trace) deposit(card int, extra string) uint64 {
	return tr.call("POST", "/staging/deposits", 200, `{"cardId":`+itoa(card)+`,"amount":"100.00"`+extra+`}`,
		`{"status":"success","depositId":7001,"rail":"crypto","amount":"100.00","ledgerAt":0,"availableAt":0}`)
}

// toCard transfers amount (minor units) from wallet 3001 to card.
func (tr *trace) toCard(card, amount int) uint64 {
	return tr.call("POST", "/wallets/transfer", 200, `{"sourceWalletId":3001,"destinationType":1,"destinationId":`+itoa(card)+`,"amount":`+itoa(amount)+`}`,
		`{"status":"success","transId":90002,"transStatus":1}`)
}

// bankTrace notifies a bank transfer of amount (minor units) to card.
func (tr *trace) bankTrace(card, amount int) uint64 {
	return tr.call("POST", "/cards/"+itoa(card)+"/bank-deposit", 200, `{"transactionAmount":`+itoa(amount)+`}`,
		`{"status":"success","depositId":7004,"statusText":"pending"}`)
}

func (tr *trace) spend(card, txStatus int) uint64 {
	return tr.call("POST", "/staging/cards/"+itoa(card)+"/spend", 200, `{"amount":"12.34"}`,
		`{"status":"success","transId":"5000001","authRefNum":"123456789012","transactionStatus":`+itoa(txStatus)+`}`)
}

func (tr *trace) transactions(query string, items string, total int) uint64 {
	return tr.get("/cards/transactions"+query, `{"status":"success","items":[`+items+`],"total":`+itoa(total)+`,"limit":200,"offset":0}`)
}

// page answers one page of a list endpoint with n items.
func (tr *trace) page(path, window string, offset, n, total int) uint64 {
	items := strings.TrimSuffix(strings.Repeat(`{"authRefNum":"1"},`, n), ",")
	return tr.get(path+"?"+window+"&limit=200&offset="+itoa(offset),
		`{"status":"success","items":[`+items+`],"total":`+itoa(total)+`,"limit":200,"offset":`+itoa(offset)+`}`)
}

func (tr *trace) listener(card int, token string) uint64 {
	return tr.call("POST", "/otp/listeners", 200, `{"cardId":`+itoa(card)+`}`, `{"token":"`+token+`","expiresAt":null,"status":"success"}`)
}

func (tr *trace) otp(token, status string, opts ...callOpt) uint64 {
	body := `{"status":"` + status + `","code":null,"expiresAt":null}`
	if status == "received" {
		body = `{"status":"received","code":"847291","expiresAt":1772442000,"cardId":8001}`
	}
	return tr.get("/otp/"+token, body, opts...)
}

func (tr *trace) failWith(status int, message string) uint64 {
	return tr.call("GET", "/cardholders", status, "", `{"status":"error","message":"`+message+`"}`)
}

// pollHolder reads cardholder id in status st with the given gaps between
// reads and returns the reads' sequence numbers.
func (tr *trace) pollHolder(id, st int, gaps []time.Duration) []uint64 {
	out := []uint64{tr.holder(id, st)}
	for _, g := range gaps {
		tr.then(g)
		out = append(out, tr.holder(id, st))
	}
	return out
}

// backoff returns n gaps doubling from first up to limit.
func backoff(first, limit time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	d := first
	for i := range out {
		out[i] = d
		d = min(2*d, limit)
	}
	return out
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// runEvidence is what a poll run keeps: its first reads and its last.
func runEvidence(reads []uint64) []uint64 {
	if len(reads) <= maxRunSeqs {
		return reads
	}
	return append(append([]uint64{}, reads[:maxRunSeqs]...), reads[len(reads)-1])
}

func requirementCases() []reqCase {
	var cases []reqCase
	for _, group := range [][]reqCase{onboardingCases(), cardCases(), fundingCases(), moreInferredCases(), checklistCases(), checklistCases2(), errorCases(), guardCases(), eventCases()} {
		cases = append(cases, group...)
	}
	return cases
}
