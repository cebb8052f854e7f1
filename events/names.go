package events

import (
	"fmt"
	"slices"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// The documented attribute names an event uses to name the Axys entities
// it is about. They live in package evidence, beside the record, so the
// classifier reads them without importing this HTTP package.
const (
	AttrCardholderID  = evidence.AttrCardholderID
	AttrCardID        = evidence.AttrCardID
	AttrWalletID      = evidence.AttrWalletID
	AttrDepositID     = evidence.AttrDepositID
	AttrTransactionID = evidence.AttrTransactionID
)

// AttrEventName is the attribute that names an OTLP log record that has no
// event_name field (OTLP before 1.5, or SDKs that do not set it).
const AttrEventName = "event.name"

// AttrTraceparent is the attribute (or top-level field) of a POST /events
// entry holding a W3C traceparent, for apps that correlate without an
// OpenTelemetry SDK.
const AttrTraceparent = "traceparent"

// EntityAttributes returns the documented entity attribute names, sorted.
func EntityAttributes() []string { return evidence.EntityAttributes() }

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
// handled (package evidence documents each): the demo app emits them and
// the built-in matrix's app-events requirements name them.
const (
	EventCardScreenUnlocked = evidence.EventCardScreenUnlocked
	EventSupportCaseOpened  = evidence.EventSupportCaseOpened
	EventCardShown          = evidence.EventCardShown
	EventLedgerUpdated      = evidence.EventLedgerUpdated
	EventDeclineRecorded    = evidence.EventDeclineRecorded
	EventOTPDelivered       = evidence.EventOTPDelivered
)
