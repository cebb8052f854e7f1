package demoapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Cardholder statuses, as the compliance recipe names them.
const (
	chPending     = 0
	chApproved    = 1
	chDeclined    = 2
	chUnderReview = 3
	chDraft       = 4
	chDeleted     = 5
	chError       = 6
	chAdmin       = 7
)

// holderLimit is the transactionLimit the app gives its cardholders:
// $5,000.00, below the Program's ceiling.
const holderLimit = 500_000

// cardholderDoc is the part of GET /cardholders/{id} the app reads.
type cardholderDoc struct {
	CardholderID     int64  `json:"cardholderId"`
	Status           int    `json:"status"`
	ApplicationLink  string `json:"applicationLink"`
	TransactionLimit int64  `json:"transactionLimit"`
	EmailAdr         string `json:"emailAdr"`
}

// newHolderBody is a complete POST /cardholders body: every field the
// create endpoint documents, so creation is tested "with every required
// field" (launch checklist L1). n makes the email unique, which is also
// how the app finds a cardholder it may have created when an answer was
// lost.
func newHolderBody(n int, tag string) map[string]any {
	return map[string]any{
		"firstName": "Jordan", "lastName": "Reyes", "gender": 0,
		"emailAdr":    fmt.Sprintf("jordan.%s.%d@example.com", tag, n),
		"nationality": "American", "placeOfBirth": "USA", "dob": "1990-05-14",
		"adrLine1": "123 Market Street", "city": "San Francisco", "state": "CA",
		"country": "US", "zipCode": "94105",
		"callingCode": "001", "countryCallingCode": "US", "cellNum": "4155550100", "phoneNum": "4155550100",
		"transactionLimit": holderLimit,
	}
}

// createHolder creates a cardholder without ever creating it twice: after
// a 5xx or a lost answer it looks the cardholder up by email before sending
// the same request again.
func (s *script) createHolder(ctx context.Context, body map[string]any) (int64, error) {
	email := body["emailAdr"].(string)
	var out struct {
		CardholderID int64 `json:"cardholderId"`
	}
	err := s.createOnce(ctx, call{method: http.MethodPost, path: "/cardholders", body: body, retry: retryThrottle}, &out,
		func(ctx context.Context) (bool, error) {
			id, err := s.findHolder(ctx, email)
			out.CardholderID = id
			return id != 0, err
		})
	if err != nil {
		return 0, err
	}
	if out.CardholderID == 0 {
		return 0, errors.New("create cardholder: the answer has no cardholderId")
	}
	s.log.Info("cardholder created", "cardholder_id", out.CardholderID)
	return out.CardholderID, nil
}

// findHolder looks for the newest cardholder with the given email.
func (s *script) findHolder(ctx context.Context, email string) (int64, error) {
	var page struct {
		Items []cardholderDoc `json:"items"`
	}
	q := query("orderBy", "dateCreated", "sort", "desc", "limit", "50")
	if err := s.api.do(ctx, call{method: http.MethodGet, path: "/cardholders" + q}, &page); err != nil {
		return 0, err
	}
	for _, h := range page.Items {
		if h.EmailAdr == email {
			return h.CardholderID, nil
		}
	}
	return 0, nil
}

// createOnce sends a creating call, retrying only when exists reports
// that the earlier attempt left nothing behind. The retry is the same
// request, so the record shows one effect for one intent.
func (s *script) createOnce(ctx context.Context, c call, out any, exists func(context.Context) (bool, error)) error {
	for attempt := 1; ; attempt++ {
		err := s.api.do(ctx, c, out)
		if err == nil || !maybeApplied(err) || attempt >= 4 {
			return err
		}
		s.log.Warn("creation answer lost or failed; checking before retrying", "path", pathOnly(c.path), "status", StatusOf(err))
		if werr := s.o.Sleep(ctx, exponential(attempt)); werr != nil {
			return fmt.Errorf("wait to check %s: %w", pathOnly(c.path), werr)
		}
		found, ferr := exists(ctx)
		if ferr != nil {
			return fmt.Errorf("check %s after a failure: %w", pathOnly(c.path), ferr)
		}
		if found {
			s.log.Info("creation had gone through; not repeating it", "path", pathOnly(c.path))
			return nil
		}
	}
}

// maybeApplied reports a failure after which the request may or may not
// have taken effect: a 5xx or no answer at all.
func maybeApplied(err error) bool {
	st := StatusOf(err)
	return st >= 500 || (st == 0 && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded))
}

func (s *script) holderDoc(ctx context.Context, id int64) (cardholderDoc, error) {
	return s.holderVia(ctx, s.api, id)
}

// holderVia reads a cardholder through cl, paced: it is the resource the
// app polls.
func (s *script) holderVia(ctx context.Context, cl *client, id int64) (cardholderDoc, error) {
	var h cardholderDoc
	err := s.readPaced(ctx, cl, "/cardholders/"+strconv.FormatInt(id, 10), &h, func() string { return strconv.Itoa(h.Status) })
	return h, err
}

// submitKYC submits a cardholder to compliance and returns the hosted
// verification link the app would hand to the cardholder.
func (s *script) submitKYC(ctx context.Context, id int64) (string, error) {
	var out struct {
		ApplicationLink string `json:"applicationLink"`
	}
	// Submitting twice is harmless to the API (the second is a 409), so
	// the call retries like a read.
	err := s.api.do(ctx, call{method: http.MethodPut, path: fmt.Sprintf("/cardholders/%d/kyc-submit", id)}, &out)
	if err != nil {
		return "", err
	}
	if out.ApplicationLink == "" {
		return "", fmt.Errorf("submit cardholder %d: no applicationLink in the answer", id)
	}
	s.log.Info("kyc submitted; link to share with the cardholder", "cardholder_id", id)
	return out.ApplicationLink, nil
}

// forceKYC stands in for the compliance reviewer (staging only). A 409
// means the review already ended on its own; the poll will see how.
func (s *script) forceKYC(ctx context.Context, id int64, result string) error {
	err := s.api.do(ctx, call{method: http.MethodPost, path: "/staging/kyc/validate",
		body: map[string]any{"cardholderId": id, "result": result}, retry: retryThrottle}, nil)
	if StatusOf(err) == http.StatusConflict {
		s.log.Info("review already decided; polling will tell", "cardholder_id", id)
		return nil
	}
	return err
}

// terminal is the recipe's TERMINAL set.
func terminal(status int) bool {
	switch status {
	case chApproved, chDeclined, chDeleted, chError, chAdmin:
		return true
	}
	return false
}

// review says how awaitDecision drives one review.
type review struct {
	// force, "pass" or "fail", makes the staging reviewer decide after the
	// second read that still shows the review pending, so the evidence
	// shows real polling before and after the change.
	force string
	// underReview, when set, runs once at the first read showing status 3.
	underReview func(context.Context) error
}

// awaitDecision polls GET /cardholders/{id} along the backoff schedule
// until a terminal status. A processing error (6) is in the recipe's
// RETRYABLE set: the app submits once more and keeps polling.
func (s *script) awaitDecision(ctx context.Context, id int64, rv review) (int, int, error) {
	status, unchanged, resubmitted := -1, 0, false
	reads, err := s.poll.until(ctx, fmt.Sprintf("cardholder %d", id), func(ctx context.Context) (bool, error) {
		h, err := s.holderDoc(ctx, id)
		if err != nil {
			return false, err
		}
		status = h.Status
		switch {
		case status == chError && !resubmitted:
			s.log.Warn("kyc processing error; submitting again", "cardholder_id", id)
			resubmitted = true
			_, err := s.submitKYC(ctx, id)
			if err == nil {
				s.cover("row-5")
			}
			return false, err
		case terminal(status):
			return true, nil
		case status == chDraft:
			return false, fmt.Errorf("cardholder %d is back in draft while under review", id)
		}
		if status == chUnderReview && rv.underReview != nil {
			f := rv.underReview
			rv.underReview = nil
			if err := f(ctx); err != nil {
				return false, err
			}
		}
		unchanged++
		if rv.force != "" && unchanged == 2 {
			if err := s.forceKYC(ctx, id, rv.force); err != nil {
				return false, err
			}
			rv.force = ""
		}
		return false, nil
	})
	return status, reads, err
}

// onboard creates, submits and decides one cardholder.
func (s *script) onboard(ctx context.Context, n int, tag string, rv review) (int64, int, int, error) {
	id, err := s.createHolder(ctx, newHolderBody(n, tag))
	if err != nil {
		return 0, 0, 0, err
	}
	if _, err := s.submitKYC(ctx, id); err != nil {
		return id, 0, 0, err
	}
	status, reads, err := s.awaitDecision(ctx, id, rv)
	return id, status, reads, err
}

// escalate is what the app does with a cardholder the platform declined
// for good: a support ticket, and never an automatic retry.
func (s *script) escalate(id int64, status int) {
	s.log.Warn("cardholder needs a support ticket; no automatic retry", "cardholder_id", id, "status", status)
}

// runApproved is test-matrix row 1 with launch-checklist L1–L3 and row 6:
// create with every field, submit, see a locked field refused while under
// review, poll with backoff, force a pass, poll to 1.
func (s *script) runApproved(ctx context.Context) (string, error) {
	for try := 1; try <= 3; try++ {
		var id int64
		rv := review{force: "pass", underReview: func(ctx context.Context) error { return s.editLocked(ctx, id) }}
		id, err := s.createHolder(ctx, newHolderBody(try, "approved"))
		if err != nil {
			return "", err
		}
		if _, err := s.submitKYC(ctx, id); err != nil {
			return "", err
		}
		status, reads, err := s.awaitDecision(ctx, id, rv)
		if err != nil {
			return "", err
		}
		if status == chApproved {
			s.approvalHandled(ctx, id)
			s.holder = holderRef{id: id, limit: holderLimit}
			return fmt.Sprintf("cardholder %d approved after %d polls; locked-field edit refused with 409", id, reads), nil
		}
		s.handleOther(ctx, id, status)
	}
	return "", fmt.Errorf("three cardholders in a row: %w", errUnexpectedDecision)
}

// handleOther deals with a review that ended differently from what the
// scenario forced (the engine decides naturally after minutes of emulated
// time, rarely before the staging reviewer).
func (s *script) handleOther(ctx context.Context, id int64, status int) {
	switch status {
	case chAdmin:
		s.escalate(id, status)
		s.cover("row-4")
	case chDeleted:
		s.escalate(id, status)
	default:
		s.log.Info("review ended on its own; trying with a new cardholder", "cardholder_id", id, "status", status)
	}
}

// editLocked tries to correct the cardholder's last name while the review
// runs; the platform must refuse with 409 and the app must not insist.
func (s *script) editLocked(ctx context.Context, id int64) error {
	err := s.api.do(ctx, call{method: http.MethodPut, path: fmt.Sprintf("/cardholders/%d", id),
		body: map[string]any{"lastName": "Reyes-Smith"}}, nil)
	switch st := StatusOf(err); {
	case err == nil:
		return fmt.Errorf("edit cardholder %d under review: accepted, want 409", id)
	case st == http.StatusConflict:
		s.log.Info("personal details locked under review; edit dropped", "cardholder_id", id)
		return nil
	default:
		return fmt.Errorf("edit cardholder %d under review: %w", id, err)
	}
}

// runDeclined is rows 2 and 3: force a decline, see it, refresh the KYC
// link (which re-submits), force a pass, keep polling to 1.
func (s *script) runDeclined(ctx context.Context) (string, error) {
	for try := 1; try <= 3; try++ {
		id, status, _, err := s.onboard(ctx, try, "declined", review{force: "fail"})
		if err != nil {
			return "", err
		}
		if status != chDeclined {
			s.handleOther(ctx, id, status)
			continue
		}
		s.declineHandled(ctx, id)
		s.log.Info("compliance decline; refreshing the verification link", "cardholder_id", id)
		var out struct {
			ApplicationLink string `json:"applicationLink"`
		}
		// A second refresh only issues another link, so it retries like a read.
		if err := s.api.do(ctx, call{method: http.MethodPost, path: fmt.Sprintf("/cardholders/%d/kyc-url/refresh", id)}, &out); err != nil {
			return "", err
		}
		status, reads, err := s.awaitDecision(ctx, id, review{force: "pass"})
		if err != nil {
			return "", err
		}
		if status != chApproved {
			s.handleOther(ctx, id, status)
			continue
		}
		s.approvalHandled(ctx, id)
		return fmt.Sprintf("cardholder %d declined, link refreshed, approved after %d more polls", id, reads), nil
	}
	return "", fmt.Errorf("three cardholders in a row: %w", errUnexpectedDecision)
}
