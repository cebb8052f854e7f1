package axysemu

import (
	"strings"
	"time"
)

// personalFields are the compliance fields of a cardholder request.
type personalFields struct {
	FirstName    *string `json:"firstName"`
	LastName     *string `json:"lastName"`
	Gender       *int64  `json:"gender"`
	Nationality  *string `json:"nationality"`
	PlaceOfBirth *string `json:"placeOfBirth"`
	Dob          *string `json:"dob"`
	AdrLine1     *string `json:"adrLine1"`
	City         *string `json:"city"`
	State        *string `json:"state"`
	Country      *string `json:"country"`
	ZipCode      *string `json:"zipCode"`
}

func (p *personalFields) check(c *check, required bool, now time.Time) {
	c.text("firstName", p.FirstName, required, 2, 50)
	c.text("lastName", p.LastName, required, 2, 50)
	c.oneOf("gender", p.Gender, required, 0, 1, 2)
	c.text("nationality", p.Nationality, required, 2, 50)
	c.upper("placeOfBirth", p.PlaceOfBirth, required, 3, "an ISO 3166-1 alpha-3 code")
	c.date("dob", p.Dob, required, now)
	c.text("adrLine1", p.AdrLine1, required, 2, 100)
	c.text("city", p.City, required, 1, 50)
	c.text("state", p.State, required, 1, 50)
	c.upper("country", p.Country, required, 2, "an ISO 3166-1 alpha-2 code")
	c.text("zipCode", p.ZipCode, required, 2, 12)
}

// present names the first compliance field the request carries, or "".
func (p *personalFields) present() string {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"firstName", p.FirstName != nil}, {"lastName", p.LastName != nil}, {"gender", p.Gender != nil},
		{"nationality", p.Nationality != nil}, {"placeOfBirth", p.PlaceOfBirth != nil}, {"dob", p.Dob != nil},
		{"adrLine1", p.AdrLine1 != nil}, {"city", p.City != nil}, {"state", p.State != nil},
		{"country", p.Country != nil}, {"zipCode", p.ZipCode != nil},
	} {
		if f.set {
			return f.name
		}
	}
	return ""
}

func (p *personalFields) apply(dst *personal) {
	setIf(&dst.FirstName, p.FirstName)
	setIf(&dst.LastName, p.LastName)
	if p.Gender != nil {
		dst.Gender = int(*p.Gender)
	}
	setIf(&dst.Nationality, p.Nationality)
	setIf(&dst.PlaceOfBirth, p.PlaceOfBirth)
	setIf(&dst.Dob, p.Dob)
	setIf(&dst.AdrLine1, p.AdrLine1)
	setIf(&dst.City, p.City)
	setIf(&dst.State, p.State)
	setIf(&dst.Country, p.Country)
	setIf(&dst.ZipCode, p.ZipCode)
}

// contactFields are the contact fields of cardholder and card requests.
type contactFields struct {
	CallingCode        *string `json:"callingCode"`
	CountryCallingCode *string `json:"countryCallingCode"`
	PhoneNum           *string `json:"phoneNum"`
	CellNum            *string `json:"cellNum"`
	EmailAdr           *string `json:"emailAdr"`
}

// check validates the fields; required makes callingCode,
// countryCallingCode, cellNum and emailAdr mandatory (cardholder creation).
func (f *contactFields) check(c *check, required bool) {
	c.digits("callingCode", f.CallingCode, required, 1, 3)
	c.upper("countryCallingCode", f.CountryCallingCode, required, 2, "an ISO 3166-1 alpha-2 code")
	c.digits("phoneNum", f.PhoneNum, false, 10, 20)
	c.digits("cellNum", f.CellNum, required, 10, 20)
	c.email("emailAdr", f.EmailAdr, required)
}

func (f *contactFields) any() bool {
	return f.CallingCode != nil || f.CountryCallingCode != nil || f.PhoneNum != nil || f.CellNum != nil || f.EmailAdr != nil
}

func (f *contactFields) apply(dst *contact) {
	if f.CallingCode != nil {
		dst.CallingCode = strings.Repeat("0", 3-len(*f.CallingCode)) + *f.CallingCode
	}
	setIf(&dst.CountryCallingCode, f.CountryCallingCode)
	setIf(&dst.PhoneNum, f.PhoneNum)
	setIf(&dst.CellNum, f.CellNum)
	setIf(&dst.EmailAdr, f.EmailAdr)
}

type cardholderRequest struct {
	personalFields
	contactFields
	TransactionLimit *int64 `json:"transactionLimit"`
	SumsubEnabled    *int64 `json:"sumsubEnabled"`
}

func (r *cardholderRequest) check(required bool, now time.Time) error {
	var c check
	r.personalFields.check(&c, required, now)
	r.contactFields.check(&c, required)
	c.between("transactionLimit", r.TransactionLimit, false, 1, programLimit)
	c.oneOf("sumsubEnabled", r.SumsubEnabled, false, 0, 1)
	if c.err == nil && deref(r.SumsubEnabled) == 1 {
		c.fail("sumsubEnabled", "the Program is not authorised for SumSub")
	}
	return c.err
}

// cardholderView is a cardholder as GET /cardholders and
// GET /cardholders/{id} show it. Its status is the cardholder's (0–7), so
// the single-object response carries no envelope status (see doc.go).
type cardholderView struct {
	CardholderID int64 `json:"cardholderId"`
	Status       int   `json:"status"`
	personal
	contact
	TransactionLimit int64  `json:"transactionLimit"`
	SumsubEnabled    int    `json:"sumsubEnabled"`
	ApplicationLink  string `json:"applicationLink,omitempty"`
	DateCreated      string `json:"dateCreated"`
	DateUpdated      string `json:"dateUpdated"`
}

func (h *cardholder) view() cardholderView {
	return cardholderView{
		CardholderID: h.id, Status: h.status, personal: h.personal, contact: h.contact,
		TransactionLimit: h.limit, SumsubEnabled: h.sumsub, ApplicationLink: h.link,
		DateCreated: stamp(h.created), DateUpdated: stamp(h.updated),
	}
}

// stamp formats a time as the API's date strings: RFC 3339, UTC, seconds.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

type cardholderCreated struct {
	Status       string `json:"status"`
	CardholderID int64  `json:"cardholderId"`
}

func createCardholder(e *Emulator, c *call) (any, error) {
	var req cardholderRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := req.check(true, c.now); err != nil {
		return nil, err
	}
	w := e.world
	if err := room(len(w.holders), "cardholders"); err != nil {
		return nil, err
	}
	h := &cardholder{
		id: firstCardholderID + int64(len(w.holders)), status: chDraft,
		limit: programLimit, created: c.now, updated: c.now,
	}
	req.personalFields.apply(&h.personal)
	req.contactFields.apply(&h.contact)
	if h.contact.PhoneNum == "" {
		h.contact.PhoneNum = h.contact.CellNum
	}
	setIf(&h.limit, req.TransactionLimit)
	w.holders = append(w.holders, h)
	return cardholderCreated{Status: ok, CardholderID: h.id}, nil
}

func listCardholders(e *Emulator, c *call) (any, error) {
	lq, err := parseList(c.query, "cardholderId", "status", "lastName", "dateCreated")
	if err != nil {
		return nil, err
	}
	status, err := intParam(c.query, "status", 0, 7)
	if err != nil {
		return nil, err
	}
	var items []*cardholder
	for _, h := range e.world.holders {
		if (status == nil || int64(h.status) == *status) && lq.inWindow(h.created) {
			items = append(items, h)
		}
	}
	return page(items, lq, map[string]func(a, b *cardholder) int{
		"status":      by(func(h *cardholder) int { return h.status }),
		"lastName":    by(func(h *cardholder) string { return h.personal.LastName }),
		"dateCreated": by(func(h *cardholder) int64 { return h.created.UnixNano() }),
	}, (*cardholder).view), nil
}

func (e *Emulator) holderParam(c *call) (*cardholder, error) {
	id, err := c.id(0, "cardholderId")
	if err != nil {
		return nil, err
	}
	return e.world.holder(id)
}

func getCardholder(e *Emulator, c *call) (any, error) {
	h, err := e.holderParam(c)
	if err != nil {
		return nil, err
	}
	return h.view(), nil
}

// editCardholder is PUT /cardholders/{id}: personal details may change only
// in status 2, 4, 6 or 7, and an edit sends the cardholder back to Draft.
func editCardholder(e *Emulator, c *call) (any, error) {
	h, err := e.holderParam(c)
	if err != nil {
		return nil, err
	}
	var req cardholderRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	switch h.status {
	case chPending, chApproved, chUnderReview:
		field := req.personalFields.present()
		if field == "" {
			field = "cardholder"
		}
		return nil, conflict("%s: locked while the cardholder's status is %d (%s)", field, h.status, holderStatusName(h.status))
	case chDeleted:
		return nil, conflict("cardholder %d is deleted", h.id)
	}
	if err := req.check(false, c.now); err != nil {
		return nil, err
	}
	if req.personalFields.present() == "" && !req.contactFields.any() && req.TransactionLimit == nil && req.SumsubEnabled == nil {
		return nil, invalid("request body: has no field to change")
	}
	req.personalFields.apply(&h.personal)
	req.contactFields.apply(&h.contact)
	if req.TransactionLimit != nil {
		e.setHolderLimit(h, *req.TransactionLimit)
	}
	h.status, h.link, h.updated = chDraft, "", c.now
	h.review++
	return success{Status: ok}, nil
}

type holderUpdateRequest struct {
	contactFields
	TransactionLimit *int64 `json:"transactionLimit"`
}

// updateCardholder is PUT /cardholders/{id}/update: limit and contact
// fields, allowed in any status but Deleted.
func updateCardholder(e *Emulator, c *call) (any, error) {
	h, err := e.holderParam(c)
	if err != nil {
		return nil, err
	}
	var req holderUpdateRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var chk check
	req.contactFields.check(&chk, false)
	chk.between("transactionLimit", req.TransactionLimit, false, 1, programLimit)
	if chk.err != nil {
		return nil, chk.err
	}
	if !req.contactFields.any() && req.TransactionLimit == nil {
		return nil, invalid("request body: has no field to change")
	}
	if h.status == chDeleted {
		return nil, conflict("cardholder %d is deleted", h.id)
	}
	req.contactFields.apply(&h.contact)
	if req.TransactionLimit != nil {
		e.setHolderLimit(h, *req.TransactionLimit)
	}
	h.updated = c.now
	return success{Status: ok}, nil
}

// setHolderLimit sets a cardholder's limit and lowers any card limit above
// it, keeping the cascade Program ≥ cardholder ≥ card.
func (e *Emulator) setHolderLimit(h *cardholder, limit int64) {
	h.limit = limit
	for _, cd := range e.world.cards {
		if cd.holderID == h.id && cd.limit > limit {
			cd.limit = limit
		}
	}
}

// deleteCardholder is DELETE /cardholders/{id} (path chosen; see doc.go):
// allowed from 1, 2, 4 and 7.
func deleteCardholder(e *Emulator, c *call) (any, error) {
	h, err := e.holderParam(c)
	if err != nil {
		return nil, err
	}
	switch h.status {
	case chApproved, chDeclined, chDraft, chAdmin:
	default:
		return nil, conflict("cardholder %d cannot be deleted in status %d (%s)", h.id, h.status, holderStatusName(h.status))
	}
	h.status, h.updated = chDeleted, c.now
	h.review++
	return success{Status: ok}, nil
}

func holderStatusName(s int) string {
	switch s {
	case chPending:
		return "Pending"
	case chApproved:
		return "Approved"
	case chDeclined:
		return "Compliance Decline"
	case chUnderReview:
		return "Under Review"
	case chDraft:
		return "Draft"
	case chDeleted:
		return "Deleted"
	case chError:
		return "Error"
	case chAdmin:
		return "Admin Decline"
	}
	return "Unknown"
}
