package demoapp

import (
	"context"
	"strconv"

	"go.opentelemetry.io/otel/attribute"

	"github.com/evidence-proxy/evidence-proxy/events"
)

// The events the app emits for what it handled, each right after the call
// that showed it the transition, named by the documented entity
// attributes (package events). Options.Mishandle leaves out the support
// case after a compliance decline: the decline is observed, not acted on.

func id(key string, v int64) attribute.KeyValue {
	return attribute.String(key, strconv.FormatInt(v, 10))
}

// approvalHandled: the cardholder was approved; the app unlocks the card
// screen.
func (s *script) approvalHandled(ctx context.Context, holder int64) {
	s.tel.emit(ctx, events.EventCardScreenUnlocked, id(events.AttrCardholderID, holder))
}

// declineHandled: compliance declined the cardholder; the app opens a
// support case (unless it mishandles declines).
func (s *script) declineHandled(ctx context.Context, holder int64) {
	if s.o.Mishandle {
		s.log.Warn("decline observed; no support case opened (mishandling)", "cardholder_id", holder)
		return
	}
	s.tel.emit(ctx, events.EventSupportCaseOpened, id(events.AttrCardholderID, holder), attribute.String("case.reason", "kyc_declined"))
}

// cardShown: an issued card is shown to its cardholder.
func (s *script) cardShown(ctx context.Context, card int64, kind string) {
	s.tel.emit(ctx, events.EventCardShown, id(events.AttrCardID, card), id(events.AttrCardholderID, s.holder.id), attribute.String("card.type", kind))
}

// ledgerUpdated: a credited deposit is entered in the app's ledger.
func (s *script) ledgerUpdated(ctx context.Context, card, deposit int64, amount string) {
	attrs := []attribute.KeyValue{id(events.AttrCardID, card), attribute.String("amount", amount)}
	if deposit != 0 {
		attrs = append(attrs, id(events.AttrDepositID, deposit))
	}
	s.tel.emit(ctx, events.EventLedgerUpdated, attrs...)
}

// declineRecorded: a declined purchase is recorded and the cardholder
// told.
func (s *script) declineRecorded(ctx context.Context, card int64, transID, reason string) {
	s.tel.emit(ctx, events.EventDeclineRecorded, id(events.AttrCardID, card), attribute.String(events.AttrTransactionID, transID), attribute.String("decline.reason", reason))
}

// otpDelivered: a 3-D Secure OTP reached the cardholder (the code is
// never part of the event).
func (s *script) otpDelivered(ctx context.Context, card int64) {
	s.tel.emit(ctx, events.EventOTPDelivered, id(events.AttrCardID, card), attribute.String("channel", "push"))
}
