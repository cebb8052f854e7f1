package evidence

// The documented attribute names an event uses to name the Axys entities
// it is about (Event.Attributes). The event receiver adds them for apps
// that map names of their own; the coverage classifier keys the event
// steps of its sequences to entities through them, as it keys call steps
// through the ids in paths and bodies.
const (
	AttrCardholderID  = "axys.cardholder_id"
	AttrCardID        = "axys.card_id"
	AttrWalletID      = "axys.wallet_id"
	AttrDepositID     = "axys.deposit_id"
	AttrTransactionID = "axys.transaction_id"
)

// EntityAttributes returns the documented entity attribute names, sorted.
func EntityAttributes() []string {
	return []string{AttrCardID, AttrCardholderID, AttrDepositID, AttrTransactionID, AttrWalletID}
}

// EntityAttribute returns the documented attribute that names an entity
// whose identifier is idName in the API ("cardId" → axys.card_id), and
// false for identifiers without one.
func EntityAttribute(idName string) (string, bool) {
	switch idName {
	case "cardholderId":
		return AttrCardholderID, true
	case "cardId":
		return AttrCardID, true
	case "walletId":
		return AttrWalletID, true
	case "depositId":
		return AttrDepositID, true
	case "transactionId", "transId":
		return AttrTransactionID, true
	}
	return "", false
}

// Event names of the transitions the auditor asks the app to show it
// handled: the ones the built-in coverage matrix's app-events
// requirements name and the demo app emits. Apps may emit any names;
// these are the documented ones.
const (
	// EventCardScreenUnlocked: a compliance approval observed (a read
	// showing status 1), the card screen unlocked for the cardholder
	// (axys.cardholder_id).
	EventCardScreenUnlocked = "cardholder.card_screen_unlocked"
	// EventSupportCaseOpened: a compliance decline observed (status 2 or
	// 7), a support case opened (axys.cardholder_id).
	EventSupportCaseOpened = "cardholder.support_case_opened"
	// EventCardShown: an issued card shown to the cardholder
	// (axys.card_id, axys.cardholder_id).
	EventCardShown = "card.shown"
	// EventLedgerUpdated: a credited deposit entered in the app's ledger
	// (axys.card_id; axys.deposit_id when known).
	EventLedgerUpdated = "deposit.ledger_updated"
	// EventDeclineRecorded: a declined card transaction recorded
	// (axys.transaction_id, axys.card_id).
	EventDeclineRecorded = "transaction.decline_recorded"
	// EventOTPDelivered: a 3-D Secure OTP delivered to the cardholder
	// (axys.card_id; never the code).
	EventOTPDelivered = "otp.delivered"
)
