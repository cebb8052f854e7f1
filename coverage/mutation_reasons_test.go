package coverage

import "strings"

// survivorReasons says, for each mutant of a meeting trace that stays met
// (or becomes violated), why that mutation cannot matter for that
// requirement. Keys are the requirement, the mutation kind, the mutated
// step's endpoint, with "@k" when only its k-th evidence call is meant,
// and the field replaced ("*": any). A requirement defined by requires
// also takes the reasons of those it names. Each line is reviewed like
// code: a reason must follow from what the requirement means, never from
// what the engine happens to do.
var survivorReasons = withFamilies(map[survivorKey]string{
	// Onboarding: a read that is no step of the sequence is not needed.
	{"row-1", "drop-reads", "PUT /cardholders/{cardholderId}/kyc-submit", ""}:                        "the read between the submission and the forced pass is no step; the read after the pass shows the approval",
	{"row-3", "drop-reads", "POST /cardholders/{cardholderId}/kyc-url/refresh", ""}:                  "the read between the refresh and the forced pass is no step; the read after the pass shows the approval",
	{"L2", "drop-reads", "PUT /cardholders/{cardholderId}/kyc-submit", ""}:                           "the read under review is no step; the read showing the approval is kept",
	{"row-8", "outcome-pending", "POST /cards/virtual/{cardholderId}", ".cryptoAddresses[].address"}: "an address is opaque text the API chose; a word in it is still an address, and the API never puts a state there",
	{"C6", "outcome-pending", "GET /cards/{cardId}", ".cryptoAddresses[].address"}:                   "an address is opaque text the API chose; a word in it is still an address, and the API never puts a state there",

	// Outcomes a requirement is not about.
	{"row-1", "outcome-pending", "POST /cards/virtual/{cardholderId} @4", ".issuerCardStatus"}: "row 1 asks that the integration move on to issuance; the issued card's state is row 8's",
	{"row-1", "outcome-null", "POST /cards/virtual/{cardholderId} @4", ".issuerCardStatus"}:    "row 1 asks that the integration move on to issuance; the issued card's state is row 8's",
	{"row-1", "outcome-missing", "POST /cards/virtual/{cardholderId} @4", ".issuerCardStatus"}: "row 1 asks that the integration move on to issuance; the issued card's state is row 8's",
	{"C6", "outcome-pending", "GET /cards/{cardId}", ".issuerCardStatus"}:                      "C6 is about the addresses a card's answer shows, whatever the card's state",
	{"C6", "outcome-null", "GET /cards/{cardId}", ".issuerCardStatus"}:                         "C6 is about the addresses a card's answer shows, whatever the card's state",
	{"C6", "outcome-missing", "GET /cards/{cardId}", ".issuerCardStatus"}:                      "C6 is about the addresses a card's answer shows, whatever the card's state",
	{"C8", "outcome-pending", "GET /cards/{cardId}/balance", ".availableBalance"}:              "C8 is the exact rise of the ledger; when the money becomes available is C7's",
	{"C8", "outcome-null", "GET /cards/{cardId}/balance", ".availableBalance"}:                 "C8 is the exact rise of the ledger; when the money becomes available is C7's",
	{"C8", "outcome-missing", "GET /cards/{cardId}/balance", ".availableBalance"}:              "C8 is the exact rise of the ledger; when the money becomes available is C7's",
	{"C8", "outcome-previous", "GET /cards/{cardId}/balance", ".availableBalance"}:             "C8 is the exact rise of the ledger; when the money becomes available is C7's",
	{"C9", "outcome-pending", "GET /cards/{cardId}/balance", ".ledgerBalance"}:                 "C9 asks that the spend debit the available balance; the ledger follows at clearing",
	{"C9", "outcome-null", "GET /cards/{cardId}/balance", ".ledgerBalance"}:                    "C9 asks that the spend debit the available balance; the ledger follows at clearing",
	{"C9", "outcome-missing", "GET /cards/{cardId}/balance", ".ledgerBalance"}:                 "C9 asks that the spend debit the available balance; the ledger follows at clearing",
	{"C17", "outcome-pending", "GET /cards/{cardId} @10", "*"}:                                 "this is E5xx's retry: what its answer shows is not what E5xx judges",
	{"C17", "outcome-null", "GET /cards/{cardId} @10", "*"}:                                    "this is E5xx's retry: what its answer shows is not what E5xx judges",
	{"C17", "outcome-missing", "GET /cards/{cardId} @10", "*"}:                                 "this is E5xx's retry: what its answer shows is not what E5xx judges",
	{"C17", "truncate-response", "GET /cards/{cardId} @10", ""}:                                "this is E5xx's retry: what its answer shows is not what E5xx judges",
	{"C18", "outcome-pending", "GET /cards/{cardId} @4", "*"}:                                  "this is E5xx's retry: what its answer shows is not what E5xx judges",
	{"C18", "outcome-null", "GET /cards/{cardId} @4", "*"}:                                     "this is E5xx's retry: what its answer shows is not what E5xx judges",
	{"C18", "outcome-missing", "GET /cards/{cardId} @4", "*"}:                                  "this is E5xx's retry: what its answer shows is not what E5xx judges",
	{"C18", "truncate-response", "GET /cards/{cardId} @4", ""}:                                 "this is E5xx's retry: what its answer shows is not what E5xx judges",

	{"row-8", "rekey", "POST /cards/virtual/{cardholderId}", "*"}: "row 8 follows the issued card; which cardholder it went to is row 1's",
	{"L10", "reorder", "PUT /cards/{cardId}/update", ""}:          "the parts of L10 (alias, limit) are not ordered",
	{"E404", "rekey", "GET /cardholders/{cardholderId}", "*"}:     "any unknown id's 404 is one; E404 follows no entity",
	{"E409", "rekey", "PUT /cards/{cardId}/activate", "*"}:        "a state conflict of any card is one; E409 follows no entity",

	// Cards: a refusal is the API's 409 or 422 alike.
	{"C3", "fail-409", "PUT /cards/{cardId}/status", ""}:            "409 (the card's state forbids it) and 422 (an invalid status) are both the API refusing the change",
	{"C3", "fail-422", "PUT /cards/{cardId}/status", ""}:            "409 (the card's state forbids it) and 422 (an invalid status) are both the API refusing the change",
	{"C3", "truncate-request", "PUT /cards/{cardId}/status @1", ""}: "the refusal of a card not in 1 or 2 is about the card's state, not the status asked for",
	{"C14", "fail-409", "POST /wallets/transfer", ""}:               "409 and 422 are both the API refusing the card-sourced transfer",
	{"C4", "reorder", "PUT /cards/{cardId}/update", ""}:             "the parts of C4 (alias, limit, refused limit) are not ordered",

	// Funding: the last read of a two-stage rise shows the available rise.
	{"C7", "outcome-pending", "GET /cards/{cardId}/balance @3", ".ledgerBalance"}:  "the last step reads only availableBalance; the ledger's rise was the step before",
	{"C7", "outcome-null", "GET /cards/{cardId}/balance @3", ".ledgerBalance"}:     "the last step reads only availableBalance; the ledger's rise was the step before",
	{"C7", "outcome-missing", "GET /cards/{cardId}/balance @3", ".ledgerBalance"}:  "the last step reads only availableBalance; the ledger's rise was the step before",
	{"C7", "drop-reads", "POST /staging/deposits", ""}:                             "the reads it drops are polls that showed nothing new; the reads left show both rises",
	{"C12", "outcome-pending", "GET /cards/{cardId}/balance @3", ".ledgerBalance"}: "the last step reads only availableBalance; the ledger's rise was the step before",
	{"C12", "outcome-null", "GET /cards/{cardId}/balance @3", ".ledgerBalance"}:    "the last step reads only availableBalance; the ledger's rise was the step before",
	{"C12", "outcome-missing", "GET /cards/{cardId}/balance @3", ".ledgerBalance"}: "the last step reads only availableBalance; the ledger's rise was the step before",
	{"C9", "reorder", "GET /cards/{cardId}/balance", ""}:                           "the list and the balance read both follow the spend; which comes first does not matter",

	// Bank registration: only the new registration's answer is read.
	{"C11-expiry", "outcome-null", "POST /cardholders/{cardholderId}/register-bank-account @1", ".statusText"}:    "the first registration's answer is no outcome here; the expiry and the new registration's answer are",
	{"C11-expiry", "outcome-missing", "POST /cardholders/{cardholderId}/register-bank-account @1", ".statusText"}: "the first registration's answer is no outcome here; the expiry and the new registration's answer are",
	{"C11-expiry", "rekey", "POST /cardholders/{cardholderId}/register-bank-account @3", "*"}:                     "a new registration gets a new id, whatever it is; it is the cardholder's that matters",
	{"C11-expiry", "drop-reads", "POST /cardholders/{cardholderId}/register-bank-account", ""}:                    "the expiry call's own answer shows the registration expired; the read repeats it",

	// Wallets: C13's parts are about the wallet, not the card or wallet it
	// pays, and the later parts have no order or window of their own.
	{"C13", "rekey", "POST /wallets/transfer @3", "*"}:            "the wallet may pay any card; C13 follows the wallet",
	{"C13", "rekey", "POST /wallets/transfer @4", "*"}:            "the wallet may pay any other wallet; C13 follows the paying wallet",
	{"C13", "reorder", "POST /wallets/transfer @4", ""}:           "the transfer to a wallet is a part of its own, in no order with the others",
	{"C13", "reorder", "GET /wallets/transactions @5", ""}:        "the movements list is a part of its own, in no order with the others",
	{"C13", "outside-window", "POST /wallets/transfer @4", ""}:    "the transfer to a wallet is a part of its own, with no window",
	{"C13", "outside-window", "GET /wallets/transactions @5", ""}: "the movements list is a part of its own, with no window",

	// 3-D Secure: the token names the card.
	{"C15", "rekey", "POST /otp/listeners @1", "*"}:                   "the token stands for the card the listener named, so the sequence follows that card whatever its id",
	{"C15", "rekey", "GET /otp/{token} @2", "*"}:                      "an OTP answer may echo a card id; the token says whose OTP it is",
	{"C15", "outcome-pending", "GET /otp/{token}", ".code"}:           "the code is redacted, opaque text; whether the OTP arrived is status's to say, which is read too",
	{"C15-expiry", "rekey", "GET /otp/{token} @2", "*"}:               "an OTP answer may echo a card id; the token says whose OTP it is",
	{"C15-expiry", "rekey", "POST /otp/listeners @2", "*"}:            "a new subscription for the card is the new request whatever its token",
	{"C15-expiry", "outcome-null", "POST /otp/listeners @2", "*"}:     "a new subscription for the card is the new request whatever its token",
	{"C15-expiry", "outcome-missing", "POST /otp/listeners @2", "*"}:  "a new subscription for the card is the new request whatever its token",
	{"C15-expiry", "truncate-response", "POST /otp/listeners @2", ""}: "a new subscription for the card is the new request whatever its answer holds",

	// App events: the event is about the entity the sequence follows.
	{"EV-approval", "rekey", "GET /cardholders/{cardholderId} @1", "*"}:                                "this event names no cardholder: the read of its trace says which one it is about, whatever its id",
	{"EV-card-shown", "rekey", "POST /cards/virtual/{cardholderId} @1", "10001"}:                       "EV-card-shown follows the issued card; which cardholder it went to is row 1's",
	{"EV-card-shown", "outcome-pending", "POST /cards/virtual/{cardholderId} @1", ".issuerCardStatus"}: "an issued card is shown whatever its state at issue; that state is row 8's and row 9's",
	{"EV-card-shown", "outcome-null", "POST /cards/virtual/{cardholderId} @1", ".issuerCardStatus"}:    "an issued card is shown whatever its state at issue; that state is row 8's and row 9's",
	{"EV-card-shown", "outcome-missing", "POST /cards/virtual/{cardholderId} @1", ".issuerCardStatus"}: "an issued card is shown whatever its state at issue; that state is row 8's and row 9's",
	{"EV-card-shown", "event-rekey", "event card.shown @2", "axys.cardholder_id"}:                      "the card is what was shown and the issuance fixed whose it is; the cardholder the event adds is the app's own note",
	{"EV-deposit", "event-rekey", "event deposit.ledger_updated @3", "axys.deposit_id"}:                "the card's balance showed the deposit available; the deposit id the event adds, when the app knows one, is its own note",
	{"EV-deposit", "outcome-pending", "GET /cards/{cardId}/balance @2", ".ledgerBalance"}:              "EV-deposit waits for the deposit to be available; the ledger's rise is C7's and C8's",
	{"EV-deposit", "outcome-null", "GET /cards/{cardId}/balance @2", ".ledgerBalance"}:                 "EV-deposit waits for the deposit to be available; the ledger's rise is C7's and C8's",
	{"EV-deposit", "outcome-missing", "GET /cards/{cardId}/balance @2", ".ledgerBalance"}:              "EV-deposit waits for the deposit to be available; the ledger's rise is C7's and C8's",
	{"EV-deposit", "outcome-previous", "GET /cards/{cardId}/balance @2", ".ledgerBalance"}:             "EV-deposit waits for the deposit to be available; the ledger's rise is C7's and C8's",
	{"EV-otp", "rekey", "GET /otp/{token} @1", "8001"}:                                                 "an OTP answer may echo a card id; the token says whose OTP it is",
	{"EV-otp", "outcome-pending", "GET /otp/{token}", ".code"}:                                         "the code is redacted, opaque text; whether the OTP arrived is status's to say, which is read too",

	// Reconciliation: a page shows where it starts and how far it reaches.
	{"C16", "outcome-pending", "*", ".total"}:  "without a usable total a page shorter than its limit ends the list, and these pages show the end that way",
	{"C16", "outcome-null", "*", ".total"}:     "without a usable total a page shorter than its limit ends the list, and these pages show the end that way",
	{"C16", "outcome-missing", "*", ".total"}:  "without a usable total a page shorter than its limit ends the list, and these pages show the end that way",
	{"C16", "outcome-pending", "*", ".offset"}: "the request's offset says where the page starts when the answer does not",
	{"C16", "outcome-null", "*", ".offset"}:    "the request's offset says where the page starts when the answer does not",
	{"C16", "outcome-missing", "*", ".offset"}: "the request's offset says where the page starts when the answer does not",
	{"C16", "outcome-previous", "*", ".items"}: "how far a page reaches is its count of items; what the items hold is not paging's to judge",
	{"C16", "reorder", "*", ""}:                "the lists are fetched in any order; each list's pages keep theirs",
	{"L16", "outcome-pending", "*", ".total"}:  "without a usable total a page shorter than its limit ends the list, and these pages show the end that way",
	{"L16", "outcome-null", "*", ".total"}:     "without a usable total a page shorter than its limit ends the list, and these pages show the end that way",
	{"L16", "outcome-missing", "*", ".total"}:  "without a usable total a page shorter than its limit ends the list, and these pages show the end that way",
	{"L16", "outcome-pending", "*", ".offset"}: "the request's offset says where the page starts when the answer does not",
	{"L16", "outcome-null", "*", ".offset"}:    "the request's offset says where the page starts when the answer does not",
	{"L16", "outcome-missing", "*", ".offset"}: "the request's offset says where the page starts when the answer does not",
	{"L16", "outcome-previous", "*", ".items"}: "how far a page reaches is its count of items; what the items hold is not paging's to judge",
	{"L16", "reorder", "*", ""}:                "the lists are fetched in any order; each list's pages keep theirs",

	// Errors: what is judged is what the app does after the failure.
	{"E400", "truncate-request", "*", ""}:                                                "a failure not repeated is handled whatever the failed call sent",
	{"E409", "truncate-request", "*", ""}:                                                "a failure not repeated is handled whatever the failed call sent",
	{"E422", "truncate-request", "*", ""}:                                                "a failure not repeated is handled whatever the failed call sent",
	{"E403-key", "fail-401", "*", ""}:                                                    "a 401 and a 403 other than the allowlist's are both the key refused",
	{"E5xx", "fail-500", "* @1", ""}:                                                     "500 and 503 are both the server failing: the retry is owed either way",
	{"E5xx", "reorder", "POST /wallets", ""}:                                             "of two failures of the same call, the later is the retry of the earlier in either order",
	{"E5xx", "rekey", "* @2", "*"}:                                                       "what the successful retry made is judged only if the call is made again, which this trace does not do",
	{"E5xx", "outcome-null", "* @2", "*"}:                                                "what the successful retry made is judged only if the call is made again, which this trace does not do",
	{"E5xx", "outcome-missing", "* @2", "*"}:                                             "what the successful retry made is judged only if the call is made again, which this trace does not do",
	{"E5xx", "truncate-response", "* @2", ""}:                                            "what the successful retry made is judged only if the call is made again, which this trace does not do",
	{"E5xx", "drop-reads", "POST /cardholders/{cardholderId}/register-bank-account", ""}: "the expiry call's own answer shows the registration lapsed; the read repeats it",
	{"E5xx", "drop-reads", "POST /otp/listeners", ""}:                                    "without the read showing the OTP expired the second subscription is a duplicate: the mutant is mishandling, rightly violated",
	{"C17", "fail-429", "GET /cards/{cardId} @9", ""}:                                    "the 5xx made a 429 asks for a wait its retry did not give: the mutant is mishandling, rightly violated",
	{"C18", "fail-429", "GET /cards/{cardId} @3", ""}:                                    "the 5xx made a 429 asks for a wait its retry did not give: the mutant is mishandling, rightly violated",
	{"C17", "fail-500", "GET /cards/{cardId} @9", ""}:                                    "500 and 503 are both the server failing: the retry is owed either way",
	{"C18", "fail-500", "GET /cards/{cardId} @3", ""}:                                    "500 and 503 are both the server failing: the retry is owed either way",
	{"C17", "reorder", "*", ""}:                                                          "the error codes are handled independently; two different failures in either order are both handled",
	{"C18", "reorder", "*", ""}:                                                          "the error codes are handled independently; two different failures in either order are both handled",
	{"C17", "outside-window", "*", ""}:                                                   "moving every call from one on keeps each failure with its retry; a move that parts them kills",
	{"C18", "outside-window", "*", ""}:                                                   "moving every call from one on keeps each failure with its retry; a move that parts them kills",
}, []family{
	// The answer a retry gets is not what a retry rule judges.
	{"E429", "* @2", "E429 judges the wait before the retry; what the retry is answered is another failure's to judge"},
	{"E5xx", "* @2", "E5xx judges the backed-off retry; what the retry is answered is another failure's to judge"},
	{"C17", "GET /cards @8", "this is E429's retry: what it is answered is another failure's to judge"},
	{"C17", "GET /cards/{cardId} @10", "this is E5xx's retry: what it is answered is another failure's to judge"},
	{"C18", "GET /cards @2", "this is E429's retry: what it is answered is another failure's to judge"},
	{"C18", "GET /cards/{cardId} @4", "this is E5xx's retry: what it is answered is another failure's to judge"},
	// The proof is the guard's refusal; an answer from production instead
	// is the violation itself.
	{"G1", "*", "an answer from production is the very mishandling G1 catches: rightly violated"},
	{"G2", "*", "an answer from production is the very mishandling G2 catches: rightly violated"},
})

// family is one reason for every failure answer given to one step.
type family struct{ req, step, reason string }

// failureKinds are the mutation kinds that answer a call with a failure.
func failureKinds() []string {
	return []string{"fail-400", "fail-401", "fail-404", "fail-409", "fail-422", "fail-429", "fail-500", "fail-503", "no-response", "proxy-refusal"}
}

// withFamilies adds to reasons one entry per failure kind of each family,
// leaving entries already there (a more particular reason) alone; the
// guard's own refusal is no answer from production, so G1 and G2 take
// only the API's answers.
func withFamilies(reasons map[survivorKey]string, fams []family) map[survivorKey]string {
	for _, f := range fams {
		for _, kind := range failureKinds() {
			if strings.HasPrefix(f.req, "G") && (kind == "no-response" || kind == "proxy-refusal") {
				continue
			}
			k := survivorKey{f.req, kind, f.step, ""}
			if _, ok := reasons[k]; !ok {
				reasons[k] = f.reason
			}
		}
	}
	return reasons
}
