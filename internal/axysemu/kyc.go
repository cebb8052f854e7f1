package axysemu

import "time"

// The compliance lifecycle:
//
//	4 Draft ──kyc-submit──▶ 3 Under Review (or 6 at once, rarely)
//	3 ──natural review──▶ [0 briefly] ──▶ 1 | 2 | 6 | 7
//	3 ──/staging/kyc/validate──▶ 1 (pass) | 2 (fail)
//	2, 6, 7 ──kyc-submit──▶ 3          2 ──kyc-url/refresh──▶ 3
//	2, 6, 7 ──PUT /cardholders/{id}──▶ 4
//	1, 2, 4, 7 ──DELETE /cardholders/{id}──▶ 5

type kycLinkResponse struct {
	Status          string `json:"status"`
	CardholderID    int64  `json:"cardholderId"`
	ApplicationLink string `json:"applicationLink"`
}

// kycLink draws a new hosted-verification link.
func (e *Emulator) kycLink() string {
	return "https://kyc.emulator.invalid/didit/" + e.dice.from(lowerAlnum, 24)
}

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// submitKYC is PUT /cardholders/{id}/kyc-submit.
func submitKYC(e *Emulator, c *call) (any, error) {
	h, err := e.holderParam(c)
	if err != nil {
		return nil, err
	}
	switch h.status {
	case chDraft, chDeclined, chError, chAdmin:
	case chUnderReview:
		return nil, conflict("cardholder %d is already under review (status 3)", h.id)
	default:
		return nil, conflict("cardholder %d cannot be submitted in status %d (%s)", h.id, h.status, holderStatusName(h.status))
	}
	if h.sumsub == 1 {
		return nil, conflict("cardholder %d uses SumSub; submit a SumSub token instead", h.id)
	}
	h.link = e.kycLink()
	if e.dice.chance(kycSubmitErrorChance) {
		h.status, h.updated = chError, c.now
		h.review++
	} else {
		e.startReview(h, c.now)
	}
	return kycLinkResponse{Status: ok, CardholderID: h.id, ApplicationLink: h.link}, nil
}

// refreshKYC is POST /cardholders/{id}/kyc-url/refresh: a new link in
// status 3, and a re-submission from status 2 (as the test matrix uses it).
func refreshKYC(e *Emulator, c *call) (any, error) {
	h, err := e.holderParam(c)
	if err != nil {
		return nil, err
	}
	switch h.status {
	case chUnderReview:
		h.link, h.updated = e.kycLink(), c.now
	case chDeclined:
		h.link = e.kycLink()
		e.startReview(h, c.now)
	default:
		return nil, conflict("cardholder %d has no KYC link to refresh in status %d (%s)", h.id, h.status, holderStatusName(h.status))
	}
	return kycLinkResponse{Status: ok, CardholderID: h.id, ApplicationLink: h.link}, nil
}

// startReview puts h under review and schedules its natural outcome: after
// a heavy-tailed delay, mostly approval, some declines, rarely 6 or 7, half
// of the time passing through status 0 for a few seconds first. A forced
// outcome or a new submission bumps h.review and voids the schedule.
func (e *Emulator) startReview(h *cardholder, now time.Time) {
	h.status, h.updated = chUnderReview, now
	h.review++
	review := h.review
	due := now.Add(e.dice.logNormal(kycReviewMedian, kycReviewSigma, kycReviewMin, kycReviewMax))
	outcome := [...]int{chApproved, chDeclined, chError, chAdmin}[e.dice.weighted(0.85, 0.11, 0.02, 0.02)]
	if e.dice.chance(kycPendingChance) {
		brief := e.dice.uniform(kycPendingMin, kycPendingMax)
		e.sched.at(due, func(at time.Time) { e.moveHolder(h, review, chUnderReview, chPending, at) })
		e.sched.at(due.Add(brief), func(at time.Time) { e.moveHolder(h, review, chPending, outcome, at) })
		return
	}
	e.sched.at(due, func(at time.Time) { e.moveHolder(h, review, chUnderReview, outcome, at) })
}

// moveHolder applies a scheduled transition if the review it belongs to is
// still the current one and h is still in the expected status.
func (e *Emulator) moveHolder(h *cardholder, review, from, to int, at time.Time) {
	if h.review == review && h.status == from {
		h.status, h.updated = to, at
	}
}

type kycValidateRequest struct {
	CardholderID *int64  `json:"cardholderId"`
	Result       *string `json:"result"`
}

type kycValidateResponse struct {
	Status string   `json:"status"`
	Result struct{} `json:"result"`
}

// validateKYC is POST /staging/kyc/validate: force pass (→1) or fail (→2)
// for a cardholder under review.
func validateKYC(e *Emulator, c *call) (any, error) {
	var req kycValidateRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	chk.between("cardholderId", req.CardholderID, true, 1, 1<<53)
	if chk.present("result", req.Result != nil, true) && *req.Result != "pass" && *req.Result != "fail" {
		chk.fail("result", "must be pass or fail")
	}
	if chk.err != nil {
		return nil, chk.err
	}
	h, err := e.world.holder(*req.CardholderID)
	if err != nil {
		return nil, err
	}
	if h.status != chUnderReview {
		return nil, conflict("cardholder %d is not under review (status %d, %s)", h.id, h.status, holderStatusName(h.status))
	}
	h.status, h.updated = chApproved, c.now
	if *req.Result == "fail" {
		h.status = chDeclined
	}
	h.review++
	return kycValidateResponse{Status: ok}, nil
}
