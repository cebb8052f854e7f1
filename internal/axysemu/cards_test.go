package axysemu

import (
	"strconv"
	"strings"
	"testing"
)

func TestIssueCards(t *testing.T) {
	tests := []struct {
		name       string
		holder     int // cardholder status before the call
		path       string
		body       any
		wantStatus int
		wantMsg    string
		wantIssuer int64
		wantType   string
	}{
		{"virtual", chApproved, "/v2/cards/virtual/%d", map[string]any{"nameOnCard": "JORDAN REYES", "alias": "travel", "transactionLimit": 1000}, 200, "", cardActive, "virtual"},
		{"physical", chApproved, "/v2/cards/assign/%d", map[string]any{"nameOnCard": "JORDAN REYES", "cardType": 1}, 200, "", cardNotActivated, "physical"},
		{"physical default design", chApproved, "/v2/cards/assign/%d", map[string]any{"nameOnCard": "JORDAN REYES"}, 200, "", cardNotActivated, "physical"},
		{"virtual for a cardholder under review", chUnderReview, "/v2/cards/virtual/%d", map[string]any{"nameOnCard": "J R"}, 409, "is not approved (status 3, Under Review)", 0, ""},
		{"physical for a draft cardholder", chDraft, "/v2/cards/assign/%d", map[string]any{"nameOnCard": "J R"}, 409, "is not approved", 0, ""},
		{"virtual for a deleted cardholder", chDeleted, "/v2/cards/virtual/%d", map[string]any{"nameOnCard": "J R"}, 409, "not approved", 0, ""},
		{"missing nameOnCard", chApproved, "/v2/cards/virtual/%d", map[string]any{}, 422, "nameOnCard: is required", 0, ""},
		{"nameOnCard too long", chApproved, "/v2/cards/virtual/%d", map[string]any{"nameOnCard": strings.Repeat("X", 27)}, 422, "nameOnCard: must be 1 to 26", 0, ""},
		{"limit above the cardholder's", chApproved, "/v2/cards/virtual/%d", map[string]any{"nameOnCard": "J R", "transactionLimit": programLimit}, 422, "must not exceed the cardholder's limit", 0, ""},
		{"bad contact field", chApproved, "/v2/cards/virtual/%d", map[string]any{"nameOnCard": "J R", "cellNum": "12"}, 422, "cellNum", 0, ""},
		{"cardType on a virtual card", chApproved, "/v2/cards/virtual/%d", map[string]any{"nameOnCard": "J R", "cardType": 0}, 400, "cardType: unknown field", 0, ""},
		{"inactive design slot", chApproved, "/v2/cards/assign/%d", map[string]any{"nameOnCard": "J R", "cardType": 3}, 422, "cardType: design slot 3 is not active", 0, ""},
		{"design slot out of range", chApproved, "/v2/cards/assign/%d", map[string]any{"nameOnCard": "J R", "cardType": 6}, 422, "cardType: must be between 0 and 5", 0, ""},
		{"cardType as string", chApproved, "/v2/cards/assign/%d", map[string]any{"nameOnCard": "J R", "cardType": "0"}, 400, "cardType: must be an integer", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			id := h.createCardholder()
			h.call("PUT", path("/v2/cardholders/%d/update", id), map[string]any{"transactionLimit": programLimit - 1}).must(t, 200)
			h.forceHolder(id, tt.holder)
			r := h.call("POST", path(tt.path, id), tt.body)
			if tt.wantStatus != 200 {
				r.wantError(t, tt.wantStatus, tt.wantMsg)
				if n := h.call("GET", "/v2/cards", nil).num("total"); n != 0 {
					t.Fatalf("a rejected issue left %d cards", n)
				}
				return
			}
			r.must(t, 200)
			if r.str("type") != tt.wantType || r.num("issuerCardStatus") != tt.wantIssuer || r.num("cardStatus") != 1 {
				t.Fatalf("issue = %s", r.raw)
			}
			addrs, _ := r.body["cryptoAddresses"].([]any)
			if len(addrs) != 3 {
				t.Fatalf("cryptoAddresses = %v", r.body["cryptoAddresses"])
			}
			card := h.call("GET", path("/v2/cards/%d", r.num("cardId")), nil).must(t, 200)
			masked := card.str("maskedCardNumber")
			if card.str("status") != "success" || card.num("issuerCardStatus") != tt.wantIssuer || len(masked) != 16 || !strings.Contains(masked, "******") {
				t.Fatalf("card = %s", card.raw)
			}
			if h.call("GET", path("/v2/cards/%d/balance", r.num("cardId")), nil).must(t, 200).num("ledgerBalance") != 0 {
				t.Fatal("a new card has money")
			}
		})
	}
}

func TestNewCardDetails(t *testing.T) {
	h := newHarness(t, Options{})
	card := h.virtualCard(h.approved())
	s := h.call("GET", path("/v2/staging/cards/%d/sensitive", card), nil).must(t, 200)
	pan := s.str("cardNumber")
	if len(pan) != 16 || pan[0] != '4' || luhnDigit(pan[:15]) != int(pan[15]-'0') {
		t.Fatalf("PAN %q is not a 16-digit Luhn-valid 4… number", pan)
	}
	got := h.call("GET", path("/v2/cards/%d", card), nil)
	if got.str("maskedCardNumber") != pan[:6]+"******"+pan[12:] {
		t.Fatalf("masked %q does not match PAN %q", got.str("maskedCardNumber"), pan)
	}
	if strings.Contains(got.raw, pan) || strings.Contains(got.raw, `"cvv"`) {
		t.Fatalf("GET /cards/{id} leaks sensitive data: %s", got.raw)
	}
	for _, a := range got.body["cryptoAddresses"].([]any) {
		m := a.(map[string]any)
		addr := m["address"].(string)
		switch m["chain"] {
		case "evm":
			if len(addr) != 42 || !strings.HasPrefix(addr, "0x") {
				t.Errorf("evm address %q", addr)
			}
		case "bitcoin":
			if !strings.HasPrefix(addr, "bc1") {
				t.Errorf("bitcoin address %q", addr)
			}
		case "solana":
			if len(addr) < 32 {
				t.Errorf("solana address %q", addr)
			}
		default:
			t.Errorf("unexpected chain %v", m["chain"])
		}
	}
}

func TestLuhnDigit(t *testing.T) {
	tests := []struct {
		digits string
		want   int
	}{{"7992739871", 3}, {"411111111111111", 1}, {"424242424242424", 2}}
	for _, tt := range tests {
		if got := luhnDigit(tt.digits); got != tt.want {
			t.Errorf("luhnDigit(%s) = %d, want %d", tt.digits, got, tt.want)
		}
	}
}

func TestListCards(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.approved()
	b := h.call("POST", "/v2/cardholders", with(validCardholder(), "lastName", "Abbott")).must(t, 200).num("cardholderId")
	h.forceHolder(b, chApproved)
	v1 := h.virtualCard(a)
	p1 := h.physicalCard(a)
	v2 := h.virtualCard(b)
	ids := func(r response) string {
		var out []string
		for _, it := range r.items() {
			out = append(out, strconv.FormatInt(int64(it["cardId"].(float64)), 10))
		}
		return strings.Join(out, ",")
	}
	s := func(ids ...int64) string {
		var out []string
		for _, id := range ids {
			out = append(out, strconv.FormatInt(id, 10))
		}
		return strings.Join(out, ",")
	}
	tests := []struct{ query, want string }{
		{"", s(v1, p1, v2)},
		{"?issuerCardStatus=4", s(p1)},
		{"?issuerCardStatus=1", s(v1, v2)},
		{path("?cardholderId=%d", b), s(v2)},
		{path("?cardholderId=%d&issuerCardStatus=1", a), s(v1)},
		{"?orderBy=cardHolderLastName", s(v2, v1, p1)},
		{"?orderBy=issuerCardStatus&sort=desc", s(p1, v2, v1)},
		{"?limit=1&offset=2", s(v2)},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if got := ids(h.call("GET", "/v2/cards"+tt.query, nil).must(t, 200)); got != tt.want {
				t.Fatalf("cards = %s, want %s", got, tt.want)
			}
		})
	}
	h.call("GET", "/v2/cards?issuerCardStatus=5", nil).wantError(t, 400, "issuerCardStatus")
	h.call("GET", "/v2/cards?orderBy=alias", nil).wantError(t, 400, "orderBy")
	h.call("GET", "/v2/cards?cardholderId=x", nil).wantError(t, 400, "cardholderId")
	h.call("GET", "/v2/cards/424242", nil).wantError(t, 404, "card 424242 not found")
	h.call("GET", "/v2/cards/424242/balance", nil).wantError(t, 404, "not found")
}

func TestActivateErrors(t *testing.T) {
	h := newHarness(t, Options{})
	holder := h.approved()
	card := h.physicalCard(holder)
	s := h.call("GET", path("/v2/staging/cards/%d/sensitive", card), nil).must(t, 200)
	pan, _ := strconv.ParseInt(s.str("cardNumber"), 10, 64)
	cvv, _ := strconv.ParseInt(s.str("cvv"), 10, 64)
	good := map[string]any{"cardNumber": pan, "expMonth": s.num("expMonth"), "expYear": s.num("expYear"), "cvv": cvv, "newPin": 1234}
	tests := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"missing newPin", with(good, "newPin", nil), 422, "newPin: is required"},
		{"PAN as string", with(good, "cardNumber", s.str("cardNumber")), 400, "cardNumber: must be an integer"},
		{"wrong PAN", with(good, "cardNumber", pan+1), 422, "cardNumber: does not match"},
		{"wrong month", with(good, "expMonth", s.num("expMonth")%12+1), 422, "expMonth: does not match"},
		{"month 13", with(good, "expMonth", 13), 422, "expMonth: must be between 1 and 12"},
		{"wrong year", with(good, "expYear", s.num("expYear")+1), 422, "expYear: does not match"},
		{"wrong cvv", with(good, "cvv", (cvv+1)%1000), 422, "cvv: does not match"},
		{"PIN too long", with(good, "newPin", 12345), 422, "newPin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.call("PUT", path("/v2/cards/%d/activate", card), tt.body).wantError(t, tt.status, tt.msg)
			if h.cardStatus(card) != cardNotActivated {
				t.Fatal("a failed activation changed the card")
			}
		})
	}
	t.Run("two-digit year activates and sets the PIN", func(t *testing.T) {
		h.call("PUT", path("/v2/cards/%d/activate", card), with(good, "expYear", s.num("expYear")%100)).must(t, 200)
		h.call("PUT", path("/v2/cards/%d/activate", card), good).wantError(t, 409, "not awaiting activation")
		h.call("PUT", path("/v2/cards/%d/pin", card), map[string]any{"currentPin": "1234", "newPin": "9876"}).must(t, 200)
	})
	t.Run("virtual card", func(t *testing.T) {
		v := h.virtualCard(holder)
		h.call("PUT", path("/v2/cards/%d/activate", v), good).wantError(t, 409, "virtual cards are active from issue")
	})
}

func TestCardStatusUpdatePinErrors(t *testing.T) {
	h := newHarness(t, Options{})
	holder := h.approved()
	card := h.virtualCard(holder)
	pan := h.call("GET", path("/v2/staging/cards/%d/sensitive", card), nil).str("cardNumber")
	tests := []struct {
		name, method, path string
		body               any
		status             int
		msg                string
	}{
		{"newStatus 3", "PUT", "/v2/cards/%d/status", map[string]any{"newStatus": 3}, 422, "newStatus: must be one of 1, 2"},
		{"newStatus missing", "PUT", "/v2/cards/%d/status", map[string]any{}, 422, "newStatus: is required"},
		{"newStatus as string", "PUT", "/v2/cards/%d/status", map[string]any{"newStatus": "2"}, 400, "newStatus: must be an integer"},
		{"update nothing", "PUT", "/v2/cards/%d/update", map[string]any{}, 422, "has no field to change"},
		{"update limit above the cardholder's", "PUT", "/v2/cards/%d/update", map[string]any{"transactionLimit": programLimit + 1}, 422, "transactionLimit"},
		{"update alias too long", "PUT", "/v2/cards/%d/update", map[string]any{"alias": strings.Repeat("a", 51)}, 422, "alias"},
		{"update bad email", "PUT", "/v2/cards/%d/update", map[string]any{"emailAdr": "x"}, 422, "emailAdr"},
		{"pin wrong current", "PUT", "/v2/cards/%d/pin", map[string]any{"currentPin": "0000", "newPin": "1111"}, 422, "currentPin: does not match"},
		{"pin three digits", "PUT", "/v2/cards/%d/pin", map[string]any{"currentPin": pan[12:], "newPin": "111"}, 422, "newPin: must be 4 characters"},
		{"pin letters", "PUT", "/v2/cards/%d/pin", map[string]any{"currentPin": pan[12:], "newPin": "abcd"}, 422, "newPin: must contain digits only"},
		{"pin as number", "PUT", "/v2/cards/%d/pin", map[string]any{"currentPin": pan[12:], "newPin": 1111}, 400, "newPin: must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.call(tt.method, path(tt.path, card), tt.body).wantError(t, tt.status, tt.msg)
		})
	}
	t.Run("update applies", func(t *testing.T) {
		h.call("PUT", path("/v2/cards/%d/update", card), map[string]any{"alias": "groceries", "transactionLimit": 2500, "callingCode": "44"}).must(t, 200)
		r := h.call("GET", path("/v2/cards/%d", card), nil)
		if r.str("alias") != "groceries" || r.num("transactionLimit") != 2500 || r.str("callingCode") != "044" {
			t.Fatalf("after update: %s", r.raw)
		}
	})
	t.Run("default PIN is the PAN's last four", func(t *testing.T) {
		h.call("PUT", path("/v2/cards/%d/pin", card), map[string]any{"currentPin": pan[12:], "newPin": "2468"}).must(t, 200)
		h.call("PUT", path("/v2/cards/%d/pin", card), map[string]any{"currentPin": pan[12:], "newPin": "1357"}).wantError(t, 422, "currentPin")
	})
}
