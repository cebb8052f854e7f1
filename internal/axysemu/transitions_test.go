package axysemu

import (
	"fmt"
	"strconv"
	"testing"
)

// TestCardholderTransitions tries every operation that moves a cardholder
// from every status, and checks the allowed ones land where the lifecycle
// says and the forbidden ones answer 409 and change nothing.
func TestCardholderTransitions(t *testing.T) {
	type op struct {
		name   string
		call   func(h *harness, id int64) response
		allows map[int]int // from status → status after; absent = 409
	}
	ops := []op{
		{"kyc-submit", func(h *harness, id int64) response {
			return h.call("PUT", path("/v2/cardholders/%d/kyc-submit", id), nil)
		}, map[int]int{chDraft: chUnderReview, chDeclined: chUnderReview, chError: chUnderReview, chAdmin: chUnderReview}},
		{"kyc-url refresh", func(h *harness, id int64) response {
			return h.call("POST", path("/v2/cardholders/%d/kyc-url/refresh", id), nil)
		}, map[int]int{chUnderReview: chUnderReview, chDeclined: chUnderReview}},
		{"validate pass", func(h *harness, id int64) response {
			return h.call("POST", "/v2/staging/kyc/validate", map[string]any{"cardholderId": id, "result": "pass"})
		}, map[int]int{chUnderReview: chApproved}},
		{"validate fail", func(h *harness, id int64) response {
			return h.call("POST", "/v2/staging/kyc/validate", map[string]any{"cardholderId": id, "result": "fail"})
		}, map[int]int{chUnderReview: chDeclined}},
		{"edit personal details", func(h *harness, id int64) response {
			return h.call("PUT", path("/v2/cardholders/%d", id), map[string]any{"lastName": "Smith"})
		}, map[int]int{chDeclined: chDraft, chDraft: chDraft, chError: chDraft, chAdmin: chDraft}},
		{"delete", func(h *harness, id int64) response {
			return h.call("DELETE", path("/v2/cardholders/%d", id), nil)
		}, map[int]int{chApproved: chDeleted, chDeclined: chDeleted, chDraft: chDeleted, chAdmin: chDeleted}},
	}
	for _, o := range ops {
		for from := chPending; from <= chAdmin; from++ {
			to, allowed := o.allows[from]
			name := fmt.Sprintf("%s from %d %s", o.name, from, holderStatusName(from))
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, Options{Seed: 3})
				id := h.createCardholder()
				h.forceHolder(id, from)
				r := o.call(h, id)
				if !allowed {
					r.wantError(t, 409, "")
					to = from
				} else {
					r.must(t, 200)
				}
				if got := h.holderStatus(id); got != to {
					t.Fatalf("status after = %d, want %d", got, to)
				}
			})
		}
	}
}

func TestLockedFieldEditNamesTheField(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.underReview()
	h.call("PUT", path("/v2/cardholders/%d", id), map[string]any{"dob": "1991-01-01"}).wantError(t, 409, "dob: locked while the cardholder's status is 3 (Under Review)")
	if got := h.call("GET", path("/v2/cardholders/%d", id), nil).str("dob"); got != "1990-05-14" {
		t.Fatalf("dob changed to %q", got)
	}
}

func TestEditValidatesAndApplies(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.createCardholder()
	h.call("PUT", path("/v2/cardholders/%d", id), map[string]any{"gender": 9}).wantError(t, 422, "gender")
	h.call("PUT", path("/v2/cardholders/%d", id), map[string]any{}).wantError(t, 422, "has no field to change")
	h.call("PUT", path("/v2/cardholders/%d", id), map[string]any{"city": "Oakland", "gender": 2}).must(t, 200)
	r := h.call("GET", path("/v2/cardholders/%d", id), nil)
	if r.str("city") != "Oakland" || r.num("gender") != 2 || r.str("firstName") != "Jordan" {
		t.Fatalf("after edit: %s", r.raw)
	}
}

// TestCardTransitions does the same for the card lifecycle, on a physical
// card forced into each issuerCardStatus.
func TestCardTransitions(t *testing.T) {
	type op struct {
		name   string
		call   func(h *harness, card int64) response
		allows map[int]int // from issuerCardStatus → after; absent = 409
	}
	activate := func(h *harness, card int64) response {
		s := h.call("GET", path("/v2/staging/cards/%d/sensitive", card), nil).must(h.t, 200)
		pan, _ := strconv.ParseInt(s.str("cardNumber"), 10, 64)
		cvv, _ := strconv.ParseInt(s.str("cvv"), 10, 64)
		return h.call("PUT", path("/v2/cards/%d/activate", card), map[string]any{
			"cardNumber": pan, "expMonth": s.num("expMonth"), "expYear": s.num("expYear"), "cvv": cvv, "newPin": 4321})
	}
	all := map[int]int{0: 0, 1: 1, 2: 2, 3: 3, 4: 4}
	ops := []op{
		{"activate", activate, map[int]int{cardNotActivated: cardActive}},
		{"block", func(h *harness, card int64) response {
			return h.call("PUT", path("/v2/cards/%d/status", card), map[string]any{"newStatus": 2})
		}, map[int]int{cardActive: cardOnHold, cardOnHold: cardOnHold}},
		{"unblock", func(h *harness, card int64) response {
			return h.call("PUT", path("/v2/cards/%d/status", card), map[string]any{"newStatus": 1})
		}, map[int]int{cardActive: cardActive, cardOnHold: cardActive}},
		{"change PIN", func(h *harness, card int64) response {
			s := h.call("GET", path("/v2/staging/cards/%d/sensitive", card), nil).must(h.t, 200)
			return h.call("PUT", path("/v2/cards/%d/pin", card), map[string]any{"currentPin": s.str("cardNumber")[12:], "newPin": "0007"})
		}, map[int]int{cardActive: cardActive, cardOnHold: cardOnHold}},
		{"update alias", func(h *harness, card int64) response {
			return h.call("PUT", path("/v2/cards/%d/update", card), map[string]any{"alias": "groceries"})
		}, all},
		{"subscribe OTP", func(h *harness, card int64) response {
			return h.call("POST", "/v2/otp/listeners", map[string]any{"cardId": card})
		}, map[int]int{cardActive: cardActive}},
		{"simulated deposit", func(h *harness, card int64) response {
			return h.call("POST", "/v2/staging/deposits", map[string]any{"cardId": card, "amount": "1.00"})
		}, map[int]int{0: 0, 1: 1, 2: 2, 4: 4}},
	}
	for _, o := range ops {
		for from := cardPending; from <= cardNotActivated; from++ {
			to, allowed := o.allows[from]
			t.Run(fmt.Sprintf("%s from %d %s", o.name, from, issuerStatusName(from)), func(t *testing.T) {
				h := newHarness(t, Options{})
				card := h.physicalCard(h.approved())
				h.forceCard(card, from)
				r := o.call(h, card)
				if !allowed {
					r.wantError(t, 409, "")
					to = from
				} else {
					r.must(t, 200)
				}
				if got := h.cardStatus(card); got != to {
					t.Fatalf("issuerCardStatus after = %d, want %d", got, to)
				}
			})
		}
	}
}

// TestSpendByCardStatus: only an Active card can be spent on; the others
// decline (a closed card cannot even be simulated).
func TestSpendByCardStatus(t *testing.T) {
	for from := cardPending; from <= cardNotActivated; from++ {
		t.Run(issuerStatusName(from), func(t *testing.T) {
			h := newHarness(t, Options{})
			card := h.virtualCard(h.approved())
			h.fundCard(card, "10.00")
			h.forceCard(card, from)
			r := h.call("POST", path("/v2/staging/cards/%d/spend", card), map[string]any{"amount": "1.00"})
			switch from {
			case cardClosed:
				r.wantError(t, 409, "closed")
			case cardActive:
				if r.must(t, 200).num("transactionStatus") != txPending {
					t.Fatalf("spend on an active card: %s", r.raw)
				}
			default:
				if r.must(t, 200).num("transactionStatus") != txDeclined {
					t.Fatalf("spend on a card in %d: %s", from, r.raw)
				}
			}
		})
	}
}
