package events

import (
	"fmt"
	"slices"
	"strings"
)

// The documented attribute names an event uses to name the Axys entities
// it is about. The classifier keys event steps to entities through them,
// as it keys call steps through the ids in paths and bodies.
const (
	AttrCardholderID  = "axys.cardholder_id"
	AttrCardID        = "axys.card_id"
	AttrWalletID      = "axys.wallet_id"
	AttrDepositID     = "axys.deposit_id"
	AttrTransactionID = "axys.transaction_id"
)

// AttrEventName is the attribute that names an OTLP log record that has no
// event_name field (OTLP before 1.5, or SDKs that do not set it).
const AttrEventName = "event.name"

// AttrTraceparent is the attribute (or top-level field) of a POST /events
// entry holding a W3C traceparent, for apps that correlate without an
// OpenTelemetry SDK.
const AttrTraceparent = "traceparent"

// EntityAttributes returns the documented entity attribute names, sorted.
func EntityAttributes() []string {
	return []string{AttrCardID, AttrCardholderID, AttrDepositID, AttrTransactionID, AttrWalletID}
}

// IsEntityAttribute reports whether name is one of the documented entity
// attribute names.
func IsEntityAttribute(name string) bool {
	return slices.Contains(EntityAttributes(), name)
}

// Mapping maps an app's own attribute names to documented entity names:
// {"card_ref": "axys.card_id"}. At intake the documented name is added to
// the recorded attributes with the app attribute's value, beside it.
type Mapping map[string]string

// Validate checks that every target is a documented entity name and that
// no app name is itself a documented name or empty.
func (m Mapping) Validate() error {
	for _, from := range m.sorted() {
		to := m[from]
		switch {
		case strings.TrimSpace(from) == "":
			return fmt.Errorf("event attribute mapping: empty app attribute name (for %q)", to)
		case IsEntityAttribute(from):
			return fmt.Errorf("event attribute mapping: %q is already a documented name; map your own names to it", from)
		case !IsEntityAttribute(to):
			return fmt.Errorf("event attribute mapping %q → %q: the target must be one of %s", from, to, strings.Join(EntityAttributes(), ", "))
		}
	}
	return nil
}

// ParseMapping parses "app_name=axys.card_id" pairs (the form of a
// repeatable command-line flag) into a Mapping and validates it.
func ParseMapping(pairs []string) (Mapping, error) {
	m := Mapping{}
	for _, p := range pairs {
		from, to, ok := strings.Cut(p, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("parse event attribute mapping %q: want APP_NAME=axys.NAME", p)
		}
		if prev, dup := m[from]; dup && prev != to {
			return nil, fmt.Errorf("parse event attribute mapping: %q mapped to both %q and %q", from, prev, to)
		}
		m[from] = to
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// sorted returns the app names in byte order, so that the mapping applies
// (and reports errors) deterministically.
func (m Mapping) sorted() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Event names of the transitions the auditor asks the app to show it
// handled, as the demo app emits them and the built-in matrix's
// app-events requirements are meant to name them. Apps may emit any
// names; these are the documented ones.
const (
	// EventCardScreenUnlocked: a compliance approval observed, the card
	// screen unlocked for the cardholder (axys.cardholder_id).
	EventCardScreenUnlocked = "cardholder.card_screen_unlocked"
	// EventSupportCaseOpened: a compliance decline observed, a support
	// case opened (axys.cardholder_id).
	EventSupportCaseOpened = "cardholder.support_case_opened"
	// EventCardShown: an issued card shown to the cardholder
	// (axys.card_id, axys.cardholder_id).
	EventCardShown = "card.shown"
	// EventLedgerUpdated: a credited deposit entered in the app's ledger
	// (axys.deposit_id when known, axys.card_id or axys.wallet_id).
	EventLedgerUpdated = "deposit.ledger_updated"
	// EventDeclineRecorded: a declined card transaction recorded
	// (axys.transaction_id, axys.card_id).
	EventDeclineRecorded = "transaction.decline_recorded"
	// EventOTPDelivered: a 3-D Secure OTP delivered to the cardholder
	// (axys.card_id; never the code).
	EventOTPDelivered = "otp.delivered"
)
