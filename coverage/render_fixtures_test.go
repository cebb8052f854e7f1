package coverage

import (
	"strings"
	"time"
)

// The renderer tests run over hand-built reports: the renderers only read
// a *Report, so they need neither a matrix nor a classifier.

// renderCase is one hand-built report for the renderer tests.
type renderCase struct {
	name   string
	report *Report
}

func renderCases() []renderCase {
	return []renderCase{
		{"zero", &Report{}},
		{"empty", emptyReport()},
		{"mixed", mixedReport()},
		{"long", longReport()},
		{"hostile", hostileReport()},
	}
}

var renderEpoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// renderProxy is the proxy in the fixtures' steps, with the variable name
// of older matrices (renderers show it as $EVIDENCE_PROXY_URL).
const renderProxy = "$PROXY/v2"

// withSummary fills in the summary from the requirements, areas in the
// order they first appear, as the classifier does.
func renderSummarised(r *Report) *Report {
	r.Summary = Summary{Total: len(r.Requirements), ByStatus: map[Status]int{}}
	index := map[string]int{}
	for _, q := range r.Requirements {
		r.Summary.ByStatus[q.Status]++
		i, ok := index[q.Area]
		if !ok {
			i = len(r.Summary.Areas)
			index[q.Area] = i
			r.Summary.Areas = append(r.Summary.Areas, AreaSummary{Area: q.Area})
		}
		a := &r.Summary.Areas[i]
		a.Total++
		switch q.Status {
		case StatusMet:
			a.Met++
		case StatusPartial:
			a.Partial++
		case StatusMissing:
			a.Missing++
		case StatusViolated:
			a.Violated++
		}
	}
	for i := range r.Summary.Areas {
		a := &r.Summary.Areas[i]
		a.Ratio = float64(a.Met) / float64(a.Total)
	}
	return r
}

func renderMatrix() MatrixRef {
	return MatrixRef{ID: "axys-v2", Version: "2026.03", SHA256: "9f2c4e1ab07d55c3e8a1f6b2d4c9e0a7b3f5d8c1e2a4b6c8d0e1f3a5b7c9d2e4"}
}

func renderCatalogue() []EndpointUse {
	eps := []struct{ method, path string }{
		{"POST", "/cardholders"}, {"GET", "/cardholders/{cardholderId}"},
		{"PUT", "/cardholders/{cardholderId}"}, {"PUT", "/cardholders/{cardholderId}/kyc-submit"},
		{"POST", "/cardholders/{cardholderId}/kyc-url/refresh"}, {"POST", "/cards/virtual/{cardholderId}"},
		{"POST", "/cards/assign/{cardholderId}"}, {"GET", "/cards/{cardId}"},
		{"GET", "/cards/{cardId}/balance"}, {"PUT", "/cards/{cardId}/status"},
		{"GET", "/cards/transactions"}, {"GET", "/cards/fees"},
		{"POST", "/staging/kyc/validate"}, {"*", "other"},
	}
	out := make([]EndpointUse, len(eps))
	for i, e := range eps {
		out[i] = EndpointUse{Method: e.method, Template: e.path, Statuses: map[string]int{}}
	}
	return out
}

func emptyReport() *Report {
	r := &Report{Schema: ReportSchema, Matrix: renderMatrix(), Endpoints: renderCatalogue(), StatusCounts: map[string]int{}}
	r.Requirements = []RequirementResult{
		{ID: "TM1", Title: "Onboarding happy path reaches approval", Area: "state transitions", Basis: "test matrix row 1",
			Status: StatusMissing, Explanation: "no cardholder was seen reaching status 1 after a KYC submission",
			Steps: []string{
				"curl -sS -X PUT " + renderProxy + "/cardholders/$CARDHOLDER_ID/kyc-submit",
				"curl -sS -X POST " + renderProxy + "/staging/kyc/validate \\\n  -H 'Content-Type: application/json' \\\n  -d '{\"cardholderId\": '$CARDHOLDER_ID', \"result\": \"pass\"}'",
			}},
		{ID: "L1", Title: "Cardholder creation tested", Area: "call traces", Basis: "launch checklist L1",
			Status: StatusMissing, Explanation: "no POST /cardholders call was recorded",
			Steps: []string{"curl -sS -X POST " + renderProxy + "/cardholders -H 'Content-Type: application/json' -d @cardholder.json"}},
	}
	return renderSummarised(r)
}

// mixedReport is a realistic report: every status, four areas, a day of
// traffic in 48 buckets.
func mixedReport() *Report {
	r := &Report{
		Schema: ReportSchema, Matrix: renderMatrix(),
		Records: 1873, FirstSeq: 1, LastSeq: 1873,
		From: renderEpoch, To: renderEpoch.Add(3*time.Hour + 58*time.Minute + 41*time.Second),
		StatusCounts: map[string]int{"200": 1502, "201": 96, "400": 31, "401": 4, "403": 12, "404": 58, "409": 7, "422": 19, "429": 88, "502": 9, "503": 41, "none": 6},
	}
	r.Requirements = []RequirementResult{
		{ID: "TM1", Title: "Onboarding happy path reaches approval", Area: "state transitions", Basis: "test matrix row 1",
			Status: StatusMet, Explanation: "cardholder 1042 went 3 → 1 after kyc-submit and a staging pass", Evidence: []uint64{12, 14, 15, 31}},
		{ID: "TM2", Title: "Compliance decline handled with a KYC URL refresh", Area: "state transitions", Basis: "test matrix row 2",
			Status: StatusPartial, Explanation: "cardholder 1043 was declined (status 2) but no kyc-url/refresh followed",
			Evidence: []uint64{40, 44}, Steps: []string{"curl -sS -X POST " + renderProxy + "/cardholders/1043/kyc-url/refresh"}},
		{ID: "TM4", Title: "Admin decline is not retried", Area: "error handling", Basis: "test matrix row 4",
			Status: StatusViolated, Explanation: "cardholder 1051 reached status 7 and kyc-submit was called again 38 s later",
			Evidence: []uint64{220, 233}, Steps: []string{"Stop automatic re-submission when a cardholder reaches status 7; open a support ticket instead."}},
		{ID: "TM6", Title: "Edit of a compliance-locked field is blocked", Area: "error handling", Basis: "test matrix row 6",
			Status: StatusMet, Explanation: "PUT /cardholders/1042 during review returned 409", Evidence: []uint64{18}},
		{ID: "TM7", Title: "Polling backs off while compliance is pending", Area: "call traces", Basis: "test matrix row 7",
			Status: StatusViolated, Explanation: "GET /cardholders/1044 polled every 0.4 s, faster than the 2 s minimum",
			Evidence: []uint64{301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312}},
		{ID: "TM8", Title: "Virtual card issuance", Area: "call traces", Basis: "test matrix row 8",
			Status: StatusMet, Explanation: "card 88120 issued with issuerCardStatus 1 and crypto addresses", Evidence: []uint64{52}},
		{ID: "TM9", Title: "Physical card issuance", Area: "call traces", Basis: "test matrix row 9", Conditional: "physical cards",
			Status: StatusMissing, Explanation: "no POST /cards/assign call was recorded",
			Steps: []string{"curl -sS -X POST " + renderProxy + "/cards/assign/1042 -H 'Content-Type: application/json' -d '{\"alias\": \"audit\"}'"}},
		{ID: "C2", Title: "Block and unblock a card", Area: "state transitions", Basis: "inferred (C2)",
			Status: StatusMet, Explanation: "card 88120 went 1 → 2 → 1", Evidence: []uint64{61, 63, 70, 72}},
		{ID: "ERR-429", Title: "Rate limiting (429) is handled with backoff", Area: "error handling", Basis: "error-code list",
			Status: StatusMet, Explanation: "after 429 on seq 402 the next call came 2.1 s later", Evidence: []uint64{402, 403}},
		{ID: "ERR-403", Title: "Both causes of 403 are told apart", Area: "error handling", Basis: "error-code list",
			Status: StatusPartial, Explanation: "only the IP-allowlist 403 was seen; no scope 403",
			Evidence: []uint64{9}, Steps: []string{"curl -sS " + renderProxy + "/cards/fees -H \"X-API-Key: $KEY\""}},
		{ID: "C16", Title: "Transactions and fees reconciled over the same window", Area: "reconciliation", Basis: "inferred (C16)",
			Status: StatusPartial, Explanation: "transactions paged to the end (offset 200 + 37 ≥ 237) but fees stopped at offset 50 of 120",
			Evidence: []uint64{900, 901, 902, 910}, Steps: []string{"curl -sS '" + renderProxy + "/cards/fees?limit=50&offset=100&from=2026-03-01&to=2026-03-02'"}},
		{ID: "L17", Title: "Wallet transactions reconciled", Area: "reconciliation", Basis: "launch checklist L17", Conditional: "wallets",
			Status: StatusMissing, Explanation: "no GET /wallets/transactions call was recorded",
			Steps: []string{"curl -sS \"$EVIDENCE_PROXY_URL/v2/wallets/transactions?limit=100&offset=0\" -H \"X-API-Key:$AXYS_API_KEY\""}},
		{ID: "GUARD-ENV", Title: "No /staging/* call is sent to production", Area: "call traces", Basis: "going-live checks",
			Status: StatusMet, Explanation: "all 23 /staging/* calls went to the staging host", Evidence: []uint64{15, 44, 71, 88, 97, 120, 131}},
	}
	r.Endpoints = renderCatalogue()
	uses := map[string]map[string]int{
		"POST /cardholders":                          {"201": 41, "422": 19},
		"GET /cardholders/{cardholderId}":            {"200": 1210, "404": 40, "429": 88},
		"PUT /cardholders/{cardholderId}/kyc-submit": {"200": 55},
		"POST /cards/virtual/{cardholderId}":         {"201": 55},
		"GET /cards/{cardId}":                        {"200": 101, "404": 18},
		"GET /cards/{cardId}/balance":                {"200": 191, "503": 41},
		"* other":                                    {"400": 31, "401": 4, "403": 12, "409": 7, "502": 9, "none": 6},
	}
	for i := range r.Endpoints {
		e := &r.Endpoints[i]
		for code, n := range uses[e.Method+" "+e.Template] {
			e.Statuses[code] = n
			e.Calls += n
		}
	}
	r.Timeline = renderTimeline(48, 5*time.Minute, func(i int) map[string]int {
		m := map[string]int{"2xx": 20 + (i*37)%29, "4xx": (i * 7) % 6}
		if i%9 == 4 {
			m["5xx"] = 3 + i%4
		}
		if i == 30 {
			m["none"] = 6
		}
		return m
	})
	withFirstMet(r, 5*time.Second)
	return renderSummarised(r)
}

// withFirstMet marks every met requirement (and the violated TM4, met
// before) first met at its last evidence call, step apart per record.
func withFirstMet(r *Report, step time.Duration) {
	for i := range r.Requirements {
		q := &r.Requirements[i]
		if (q.Status == StatusMet || q.ID == "TM4") && len(q.Evidence) > 0 {
			seq := q.Evidence[len(q.Evidence)-1]
			q.FirstMet = &MetMark{Seq: seq, Time: r.From.Add(time.Duration(seq) * step)}
		}
	}
}

func renderTimeline(n int, width time.Duration, classes func(i int) map[string]int) []TimelineBucket {
	out := make([]TimelineBucket, n)
	for i := range out {
		out[i] = TimelineBucket{Start: renderEpoch.Add(time.Duration(i) * width), WidthMS: width.Milliseconds(), Classes: classes(i)}
	}
	return out
}

// longReport stresses layout: very long titles, ids and steps, and a
// requirement with hundreds of evidence calls.
func longReport() *Report {
	r := &Report{
		Schema: ReportSchema, Matrix: MatrixRef{ID: "axys-v2-with-a-very-long-custom-extension-name", Version: "2026.03+local.7", SHA256: strings.Repeat("ab", 32)},
		Records: 1234567, FirstSeq: 1000001, LastSeq: 2234567,
		From: renderEpoch, To: renderEpoch.Add(49 * time.Hour),
		StatusCounts: map[string]int{"200": 1234000, "201": 1, "404": 566},
	}
	many := make([]uint64, 640)
	for i := range many {
		many[i] = uint64(1000001 + 7*i)
	}
	long := strings.Repeat("Polling resumes correctly after re-submission and eventually reaches approval ", 4)
	r.Requirements = []RequirementResult{
		{ID: "TM3-RESUBMISSION-AFTER-DECLINE-WITH-REFRESH", Title: long, Area: "state transitions", Basis: "test matrix row 3",
			Conditional: "bank rail and 3DS and wallets and physical cards", Status: StatusMet, Explanation: long, Evidence: many},
		{ID: "TM7", Title: "Polling backs off", Area: "call traces with an unusually long area name for layout", Basis: "test matrix row 7",
			Status: StatusMissing, Explanation: "no polling was observed",
			Steps: []string{"curl -sS " + renderProxy + "/cardholders/1042?" + strings.Repeat("expand=everything&", 20)}},
	}
	r.Endpoints = []EndpointUse{{Method: "GET", Template: "/cardholders/{cardholderId}" + strings.Repeat("/segment", 12), Calls: 1234567, Statuses: map[string]int{"200": 1234000, "201": 1, "404": 566}}}
	r.Timeline = renderTimeline(240, 12*time.Minute, func(i int) map[string]int {
		return map[string]int{"2xx": 4000 + (i*911)%1500, "4xx": i % 3}
	})
	return renderSummarised(r)
}

// hostile is text an attacker could place in a matrix file or in traffic
// that ends up in a report: markup, attribute breakouts, script URLs,
// Markdown table breakers, backtick fences and terminal escapes.
const renderHostileText = "<script>alert(1)</script>\"><img src=x onerror=alert(2)> | `x` ``` javascript:alert(3) \x1b[31mred\x1b[0m"

func hostileReport() *Report {
	r := &Report{
		Schema: ReportSchema + renderHostileText, Matrix: MatrixRef{ID: renderHostileText, Version: "1</title><script>alert(4)</script>", SHA256: renderHostileText},
		Records: 3, FirstSeq: 1, LastSeq: 3, From: renderEpoch, To: renderEpoch.Add(time.Second),
		StatusCounts: map[string]int{"200": 2, renderHostileText: 1},
	}
	r.Requirements = []RequirementResult{
		{ID: "X1\"><script>alert(5)</script>", Title: renderHostileText, Area: renderHostileText, Basis: renderHostileText, Conditional: renderHostileText,
			Status: StatusViolated, Explanation: renderHostileText, Evidence: []uint64{1, 2},
			Steps: []string{"curl " + renderProxy + "/x -d '" + renderHostileText + "'\n```\n</code></pre><script>alert(6)</script>"}},
		{ID: "X2", Title: "plain", Area: "error handling", Basis: "b", Status: Status("<b>odd</b>"), Explanation: "e"},
	}
	r.Endpoints = []EndpointUse{{Method: renderHostileText, Template: renderHostileText, Calls: 1, Statuses: map[string]int{renderHostileText: 1}}}
	r.Timeline = []TimelineBucket{{Start: renderEpoch, WidthMS: 1000, Classes: map[string]int{"2xx": 2, renderHostileText: 1}}}
	return renderSummarised(r)
}
