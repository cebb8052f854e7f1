package axysemu

import (
	"strings"
	"testing"
)

func TestCreateCardholder(t *testing.T) {
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantMsg    string // fragment of the error message
	}{
		{"valid", validCardholder(), 200, ""},
		{"valid with optional fields", with(validCardholder(), "phoneNum", "4155550199", "transactionLimit", 100000, "sumsubEnabled", 0), 200, ""},
		{"missing firstName", with(validCardholder(), "firstName", nil), 422, "firstName: is required"},
		{"short firstName", with(validCardholder(), "firstName", "J"), 422, "firstName: must be 2 to 50"},
		{"long lastName", with(validCardholder(), "lastName", strings.Repeat("x", 51)), 422, "lastName"},
		{"blank city", with(validCardholder(), "city", " "), 422, "city: must not be blank"},
		{"gender out of enum", with(validCardholder(), "gender", 3), 422, "gender: must be one of 0, 1, 2"},
		{"gender as string", with(validCardholder(), "gender", "0"), 400, "gender: must be an integer"},
		{"gender as float", with(validCardholder(), "gender", 1.5), 400, "gender"},
		{"firstName as number", with(validCardholder(), "firstName", 42), 400, "firstName: must be a string"},
		{"placeOfBirth alpha-2", with(validCardholder(), "placeOfBirth", "US"), 422, "placeOfBirth: must be an ISO 3166-1 alpha-3"},
		{"country alpha-3", with(validCardholder(), "country", "USA"), 422, "country"},
		{"country lower case", with(validCardholder(), "country", "us"), 422, "country"},
		{"dob not a date", with(validCardholder(), "dob", "14/05/1990"), 422, "dob: must be a date"},
		{"dob in the future", with(validCardholder(), "dob", "2999-01-01"), 422, "dob: must not be in the future"},
		{"callingCode too long", with(validCardholder(), "callingCode", "1234"), 422, "callingCode"},
		{"callingCode letters", with(validCardholder(), "callingCode", "1a"), 422, "callingCode: must contain digits only"},
		{"cellNum short", with(validCardholder(), "cellNum", "12345"), 422, "cellNum: must be 10 to 20"},
		{"phoneNum letters", with(validCardholder(), "phoneNum", "41555501xx"), 422, "phoneNum"},
		{"emailAdr without @", with(validCardholder(), "emailAdr", "jordan.example.com"), 422, "emailAdr: must be an email"},
		{"emailAdr too short", with(validCardholder(), "emailAdr", "a@b.c"), 422, "emailAdr: must be 6 to 50"},
		{"limit above ceiling", with(validCardholder(), "transactionLimit", programLimit+1), 422, "transactionLimit: must be between"},
		{"limit zero", with(validCardholder(), "transactionLimit", 0), 422, "transactionLimit"},
		{"sumsub not authorised", with(validCardholder(), "sumsubEnabled", 1), 422, "sumsubEnabled: the Program is not authorised"},
		{"sumsub out of enum", with(validCardholder(), "sumsubEnabled", 2), 422, "sumsubEnabled"},
		{"unknown field", with(validCardholder(), "addrLine2", "Apt 4"), 400, "addrLine2: unknown field"},
		{"malformed JSON", `{"firstName":`, 400, "malformed JSON"},
		{"array body", `[1,2]`, 400, "request body must be a JSON object"},
		{"trailing data", `{"firstName":"Jordan"} {}`, 400, "unexpected data after the object"},
		{"empty body", "", 422, "firstName: is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			r := h.call("POST", "/v2/cardholders", tt.body)
			if tt.wantStatus != 200 {
				r.wantError(t, tt.wantStatus, tt.wantMsg)
				if got := h.call("GET", "/v2/cardholders", nil).num("total"); got != 0 {
					t.Fatalf("a rejected create left %d cardholders", got)
				}
				return
			}
			r.must(t, 200)
			if r.str("status") != "success" || r.num("cardholderId") != firstCardholderID {
				t.Fatalf("create = %s", r.raw)
			}
			got := h.call("GET", path("/v2/cardholders/%d", r.num("cardholderId")), nil).must(t, 200)
			if got.num("status") != chDraft || got.str("callingCode") != "001" || got.str("firstName") != "Jordan" {
				t.Fatalf("new cardholder = %s", got.raw)
			}
		})
	}
}

func TestGetCardholderErrors(t *testing.T) {
	h := newHarness(t, Options{})
	h.createCardholder()
	tests := []struct {
		name, path string
		status     int
		msg        string
	}{
		{"unknown id", "/v2/cardholders/99999", 404, "cardholder 99999 not found"},
		{"id below the first", "/v2/cardholders/1", 404, "not found"},
		{"non-numeric id", "/v2/cardholders/abc", 400, "cardholderId: must be a positive integer"},
		{"negative id", "/v2/cardholders/-3", 400, "cardholderId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.call("GET", tt.path, nil).wantError(t, tt.status, tt.msg)
		})
	}
}

func TestListCardholders(t *testing.T) {
	h := newHarness(t, Options{})
	names := []string{"Zeta", "Alpha", "Mu", "Beta", "Omega"}
	var ids []int64
	for _, n := range names {
		ids = append(ids, h.call("POST", "/v2/cardholders", with(validCardholder(), "lastName", n)).must(t, 200).num("cardholderId"))
		h.clock.Advance(1e9 * 10) // 10 s apart
	}
	h.forceHolder(ids[1], chApproved)
	h.forceHolder(ids[3], chApproved)
	start := h.clock.Now().Add(-50e9).Unix()

	lastNames := func(r response) string {
		var out []string
		for _, it := range r.items() {
			out = append(out, it["lastName"].(string))
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name      string
		query     string
		wantNames string
		wantTotal int64
	}{
		{"default", "", "Zeta,Alpha,Mu,Beta,Omega", 5},
		{"limit and offset", "?limit=2&offset=1", "Alpha,Mu", 5},
		{"offset past the end", "?offset=10", "", 5},
		{"status filter", "?status=1", "Alpha,Beta", 2},
		{"status with no match", "?status=7", "", 0},
		{"orderBy lastName", "?orderBy=lastName", "Alpha,Beta,Mu,Omega,Zeta", 5},
		{"orderBy lastName desc", "?orderBy=lastName&sort=desc", "Zeta,Omega,Mu,Beta,Alpha", 5},
		{"orderBy status", "?orderBy=status", "Alpha,Beta,Zeta,Mu,Omega", 5},
		{"sort desc by id", "?sort=desc", "Omega,Beta,Mu,Alpha,Zeta", 5},
		{"after", path("?after=%d", start+15), "Mu,Beta,Omega", 3},
		{"before", path("?before=%d", start+15), "Zeta,Alpha", 2},
		{"filters combine", path("?status=1&after=%d", start+15), "Beta", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.call("GET", "/v2/cardholders"+tt.query, nil).must(t, 200)
			if got := lastNames(r); got != tt.wantNames {
				t.Errorf("items = %q, want %q", got, tt.wantNames)
			}
			if got := r.num("total"); got != tt.wantTotal {
				t.Errorf("total = %d, want %d", got, tt.wantTotal)
			}
		})
	}

	bad := []struct{ query, msg string }{
		{"?limit=0", "limit: must be between 1 and 200"},
		{"?limit=201", "limit"},
		{"?limit=ten", "limit: must be an integer"},
		{"?offset=-1", "offset"},
		{"?status=8", "status"},
		{"?orderBy=firstName", "orderBy: must be one of"},
		{"?sort=up", "sort: must be asc or desc"},
		{"?before=yesterday", "before: must be an integer"},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.query, func(t *testing.T) {
			h.call("GET", "/v2/cardholders"+tt.query, nil).wantError(t, 400, tt.msg)
		})
	}
}

func TestUpdateCardholder(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    any
		want    int
		msg     string
		checkFn func(t *testing.T, r response)
	}{
		{"contact while under review", chUnderReview, map[string]any{"emailAdr": "new@example.com"}, 200, "", func(t *testing.T, r response) {
			if r.str("emailAdr") != "new@example.com" || r.num("status") != chUnderReview {
				t.Fatalf("after update: %s", r.raw)
			}
		}},
		{"limit while approved", chApproved, map[string]any{"transactionLimit": 1000}, 200, "", func(t *testing.T, r response) {
			if r.num("transactionLimit") != 1000 {
				t.Fatalf("after update: %s", r.raw)
			}
		}},
		{"limit above ceiling", chApproved, map[string]any{"transactionLimit": programLimit + 1}, 422, "transactionLimit", nil},
		{"bad email", chDraft, map[string]any{"emailAdr": "nope"}, 422, "emailAdr", nil},
		{"personal field is not accepted here", chDraft, map[string]any{"firstName": "Al"}, 400, "firstName: unknown field", nil},
		{"empty body", chDraft, map[string]any{}, 422, "has no field to change", nil},
		{"deleted", chDeleted, map[string]any{"cellNum": "4155550123"}, 409, "is deleted", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			id := h.createCardholder()
			h.forceHolder(id, tt.status)
			r := h.call("PUT", path("/v2/cardholders/%d/update", id), tt.body)
			if tt.want != 200 {
				r.wantError(t, tt.want, tt.msg)
				return
			}
			r.must(t, 200)
			tt.checkFn(t, h.call("GET", path("/v2/cardholders/%d", id), nil).must(t, 200))
		})
	}
}

func TestLoweringHolderLimitLowersCardLimits(t *testing.T) {
	h := newHarness(t, Options{})
	id := h.approved()
	card := h.virtualCard(id)
	h.call("PUT", path("/v2/cardholders/%d/update", id), map[string]any{"transactionLimit": 500}).must(t, 200)
	if got := h.call("GET", path("/v2/cards/%d", card), nil).num("transactionLimit"); got != 500 {
		t.Fatalf("card limit = %d, want 500", got)
	}
}
