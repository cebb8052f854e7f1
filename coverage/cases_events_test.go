package coverage

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Trace ids of the event cases: the calls of a case share traceA unless
// said otherwise.
const (
	traceA = "4bf92f3577b34da6a3ce929d0e0e4736"
	traceB = "0af7651916cd43dd8448eb211c80319c"
)

// eventOpt changes an event record before it is added.
type eventOpt func(*evidence.Record)

// onTrace puts a call or an event in trace id.
func onTrace(id string) callOpt {
	return func(r *evidence.Record) { r.Trace = &evidence.Trace{TraceID: id, SpanID: "00f067aa0ba902b7"} }
}

func eventTrace(id string) eventOpt {
	return func(r *evidence.Record) { r.Event.TraceID, r.Event.SpanID = id, "00f067aa0ba902b7" }
}

// saidAt makes the app say the event happened at t.
func saidAt(t time.Time) eventOpt { return func(r *evidence.Record) { r.Event.Time = t } }

// cut marks the event as cut by the receiver.
func cut() eventOpt { return func(r *evidence.Record) { r.Event.Truncated = true } }

// event adds an event record of the app, named name, with attrs (pairs of
// attribute name and value), received a second after the record before,
// and said by the app to have happened then; it returns its sequence
// number.
func (tr *trace) event(name string, attrs map[string]any, opts ...eventOpt) uint64 {
	seq := uint64(len(tr.recs) + 1)
	a, _ := json.Marshal(attrs)
	r := &evidence.Record{
		V: evidence.Version, Seq: seq, Kind: evidence.KindEvent, Time: tr.now,
		Event: &evidence.Event{Name: name, Source: evidence.EventSourceOTLP, Time: tr.now, Severity: "INFO",
			Attributes: a, Resource: json.RawMessage(`{"service.name":"acme-cards"}`)},
	}
	if len(attrs) == 0 {
		r.Event.Attributes = nil
	}
	for _, o := range opts {
		o(r)
	}
	tr.recs = append(tr.recs, r)
	tr.last = tr.now
	tr.now = tr.now.Add(tr.gap)
	return seq
}

func holderAttr(id int) map[string]any { return map[string]any{evidence.AttrCardholderID: itoa(id)} }
func cardAttr(id int) map[string]any   { return map[string]any{evidence.AttrCardID: itoa(id)} }

// traced puts every call of the trace made so far in trace id.
func (tr *trace) traced(id string) {
	for _, r := range tr.recs {
		if r.Kind == evidence.KindCall {
			onTrace(id)(r)
		}
	}
}

// eventCases cover the app-events requirements: each transition shown by
// a call, then the app's event about the same entity, in time.
func eventCases() []reqCase {
	var out []reqCase
	for _, group := range [][]reqCase{approvalCases(), declineCases(), handledCases()} {
		out = append(out, group...)
	}
	return out
}

func approvalCases() []reqCase {
	return []reqCase{
		{"EV-approval", "approval read, then the card screen unlocked", StatusMet, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			s2 := tr.holder(10001, 1)
			s3 := tr.event(evidence.EventCardScreenUnlocked, holderAttr(10001))
			return ev(s2, s3)
		}},
		{"EV-approval", "event without the attribute, in the trace of the read", StatusMet, func(tr *trace) []uint64 {
			tr.submit(10001, 200)
			s2 := tr.holder(10001, 1)
			tr.traced(traceA)
			s3 := tr.event(evidence.EventCardScreenUnlocked, nil, eventTrace(traceA))
			return ev(s2, s3)
		}},
		{"EV-approval", "event about another cardholder", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 1)
			tr.event(evidence.EventCardScreenUnlocked, holderAttr(10002))
			return ev(s1)
		}},
		{"EV-approval", "event naming another cardholder in the read's trace", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 1)
			tr.traced(traceA)
			tr.event(evidence.EventCardScreenUnlocked, holderAttr(10002), eventTrace(traceA))
			return ev(s1)
		}},
		{"EV-approval", "event before the approval was read", StatusPartial, func(tr *trace) []uint64 {
			tr.holder(10001, 3)
			tr.event(evidence.EventCardScreenUnlocked, holderAttr(10001))
			s3 := tr.holder(10001, 1)
			return ev(s3)
		}},
		{"EV-approval", "event outside the window", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 1)
			tr.wait(16 * time.Minute)
			tr.event(evidence.EventCardScreenUnlocked, holderAttr(10001))
			return ev(s1)
		}},
		{"EV-approval", "the app says it unlocked before the read", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 1)
			tr.event(evidence.EventCardScreenUnlocked, holderAttr(10001), saidAt(traceStart.Add(-time.Minute)))
			return ev(s1)
		}},
		{"EV-approval", "event on another trace", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 1)
			tr.traced(traceA)
			tr.event(evidence.EventCardScreenUnlocked, nil, eventTrace(traceB))
			return ev(s1)
		}},
		{"EV-approval", "event in a trace about two cardholders", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10002, 1)
			tr.holder(10001, 1)
			tr.traced(traceA)
			tr.event(evidence.EventCardScreenUnlocked, nil, eventTrace(traceA))
			return ev(s1)
		}},
		{"EV-approval", "another event after the approval", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 1)
			tr.event(evidence.EventSupportCaseOpened, holderAttr(10001))
			return ev(s1)
		}},
		{"EV-approval", "unlocked while still under review", StatusMissing, func(tr *trace) []uint64 {
			tr.holder(10001, 3)
			tr.event(evidence.EventCardScreenUnlocked, holderAttr(10001))
			return nil
		}},
		{"EV-approval", "no event of the app at all", StatusNotApplicable, func(tr *trace) []uint64 {
			tr.holder(10001, 1)
			return nil
		}},
	}
}

func declineCases() []reqCase {
	return []reqCase{
		{"EV-decline", "decline read, then a support case", StatusMet, func(tr *trace) []uint64 {
			tr.validate(10001, "fail")
			s2 := tr.holder(10001, 2)
			s3 := tr.event(evidence.EventSupportCaseOpened, holderAttr(10001))
			return ev(s2, s3)
		}},
		{"EV-decline", "admin decline read, then a support case", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 7)
			tr.holder(10002, 1)
			s3 := tr.event(evidence.EventSupportCaseOpened, holderAttr(10001))
			return ev(s1, s3)
		}},
		{"EV-decline", "decline observed, no support case", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 2)
			tr.event(evidence.EventCardScreenUnlocked, holderAttr(10001))
			return ev(s1)
		}},
		{"EV-decline", "support case for another cardholder", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 2)
			tr.event(evidence.EventSupportCaseOpened, holderAttr(10009))
			return ev(s1)
		}},
		{"EV-decline", "support case opened before the decline was read", StatusPartial, func(tr *trace) []uint64 {
			tr.event(evidence.EventSupportCaseOpened, holderAttr(10001))
			s2 := tr.holder(10001, 2)
			return ev(s2)
		}},
		{"EV-decline", "support case an hour later", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.holder(10001, 2)
			tr.wait(time.Hour)
			tr.event(evidence.EventSupportCaseOpened, holderAttr(10001))
			return ev(s1)
		}},
		{"EV-decline", "support case for an approved cardholder", StatusMissing, func(tr *trace) []uint64 {
			tr.holder(10001, 1)
			tr.event(evidence.EventSupportCaseOpened, holderAttr(10001))
			return nil
		}},
	}
}

// handledCases cover cards shown, deposits credited, declines recorded
// and OTPs delivered.
func handledCases() []reqCase {
	return []reqCase{
		{"EV-card-shown", "virtual card issued and shown", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.issueVirtual(10001, 8001, 200)
			s2 := tr.event(evidence.EventCardShown, map[string]any{evidence.AttrCardID: "8001", evidence.AttrCardholderID: "10001"})
			return ev(s1, s2)
		}},
		{"EV-card-shown", "shown with the card id a number, in the issuance's trace", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.issueVirtual(10001, 8001, 200, onTrace(traceA))
			s2 := tr.event(evidence.EventCardShown, map[string]any{evidence.AttrCardID: 8001}, eventTrace(traceA))
			return ev(s1, s2)
		}},
		{"EV-card-shown", "another card shown", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.issueVirtual(10001, 8001, 200)
			tr.event(evidence.EventCardShown, cardAttr(8002))
			return ev(s1)
		}},
		{"EV-card-shown", "shown naming only the cardholder, no trace", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.issueVirtual(10001, 8001, 200)
			tr.event(evidence.EventCardShown, holderAttr(10001))
			return ev(s1)
		}},
		{"EV-card-shown", "issuance refused, a card shown", StatusMissing, func(tr *trace) []uint64 {
			tr.issueVirtual(10001, 8001, 409)
			tr.event(evidence.EventCardShown, cardAttr(8001))
			return nil
		}},
		{"EV-deposit", "deposit available, then the ledger updated", StatusMet, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"clearing":"instant"`)
			s3 := tr.balance(8001, 10000, 10000)
			s4 := tr.event(evidence.EventLedgerUpdated, map[string]any{evidence.AttrCardID: "8001", evidence.AttrDepositID: "7001"})
			return ev(s2, s3, s4)
		}},
		{"EV-deposit", "ledger updated before the balance showed the deposit", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"clearing":"instant"`)
			tr.event(evidence.EventLedgerUpdated, cardAttr(8001))
			s4 := tr.balance(8001, 10000, 10000)
			return ev(s2, s4)
		}},
		{"EV-deposit", "ledger of another card updated", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"clearing":"instant"`)
			s3 := tr.balance(8001, 10000, 10000)
			tr.event(evidence.EventLedgerUpdated, cardAttr(8002))
			return ev(s2, s3)
		}},
		{"EV-deposit", "the rise was a wallet transfer's", StatusPartial, func(tr *trace) []uint64 {
			tr.balance(8001, 0, 0)
			s2 := tr.deposit(8001, `,"clearing":"instant"`)
			tr.toCard(8001, 10000)
			tr.balance(8001, 10000, 10000)
			tr.event(evidence.EventLedgerUpdated, cardAttr(8001))
			return ev(s2)
		}},
		{"EV-spend-declined", "declined spend listed, then recorded", StatusMet, func(tr *trace) []uint64 {
			s1 := tr.spend(8001, 4)
			s2 := tr.transactions("?cardId=8001&status=4", `{"cardId":8001,"transId":"5000001","status":4}`, 1)
			s3 := tr.event(evidence.EventDeclineRecorded, map[string]any{evidence.AttrCardID: "8001", evidence.AttrTransactionID: "5000001"})
			return ev(s1, s2, s3)
		}},
		{"EV-spend-declined", "another transaction recorded", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.spend(8001, 4)
			s2 := tr.transactions("?cardId=8001&status=4", `{"cardId":8001,"transId":"5000001","status":4}`, 1)
			tr.event(evidence.EventDeclineRecorded, map[string]any{evidence.AttrCardID: "8001", evidence.AttrTransactionID: "4999990"})
			return ev(s1, s2)
		}},
		{"EV-spend-declined", "recorded before the list showed it", StatusPartial, func(tr *trace) []uint64 {
			s1 := tr.spend(8001, 4)
			tr.event(evidence.EventDeclineRecorded, map[string]any{evidence.AttrCardID: "8001", evidence.AttrTransactionID: "5000001"})
			s3 := tr.transactions("?cardId=8001&status=4", `{"cardId":8001,"transId":"5000001","status":4}`, 1)
			return ev(s1, s3)
		}},
		{"EV-spend-declined", "recorded, the event cut but its documented attributes kept", StatusMet, func(tr *trace) []uint64 {
			// The receiver never drops a documented attribute (package
			// events), so what it names is still there.
			s1 := tr.spend(8001, 4)
			s2 := tr.transactions("?cardId=8001&status=4", `{"cardId":8001,"transId":"5000001","status":4}`, 1)
			s3 := tr.event(evidence.EventDeclineRecorded, map[string]any{evidence.AttrCardID: "8001", evidence.AttrTransactionID: "5000001"}, cut())
			return ev(s1, s2, s3)
		}},
		{"EV-otp", "OTP received, then delivered", StatusMet, func(tr *trace) []uint64 {
			tr.listener(8001, "tok1")
			s2 := tr.otp("tok1", "received")
			s3 := tr.event(evidence.EventOTPDelivered, cardAttr(8001))
			return ev(s2, s3)
		}},
		{"EV-otp", "delivered while the OTP was pending", StatusMissing, func(tr *trace) []uint64 {
			tr.listener(8001, "tok1")
			tr.otp("tok1", "pending")
			tr.event(evidence.EventOTPDelivered, cardAttr(8001))
			return nil
		}},
		{"EV-otp", "OTP of another card delivered", StatusPartial, func(tr *trace) []uint64 {
			tr.listener(8001, "tok1")
			s2 := tr.otp("tok1", "received")
			tr.event(evidence.EventOTPDelivered, cardAttr(8002))
			return ev(s2)
		}},
		{"EV-otp", "delivered in the trace of the read, naming no card", StatusMet, func(tr *trace) []uint64 {
			tr.listener(8001, "tok1")
			s2 := tr.otp("tok1", "received", onTrace(traceB))
			s3 := tr.event(evidence.EventOTPDelivered, nil, eventTrace(traceB))
			return ev(s2, s3)
		}},
	}
}

// eventSeqsOf returns the sequence numbers of the event records.
func eventSeqsOf(recs []*evidence.Record) []uint64 {
	var out []uint64
	for _, r := range recs {
		if r.Kind == evidence.KindEvent {
			out = append(out, r.Seq)
		}
	}
	return slices.Clip(out)
}
