package coverage

import "time"

// ReportSchema names the JSON report's schema; it changes only when the
// report's meaning changes incompatibly.
const ReportSchema = "evidence-proxy/coverage/v1"

// Status is a requirement's verdict.
type Status string

const (
	// StatusMet: the listed calls prove the requirement.
	StatusMet Status = "met"
	// StatusPartial: some of the required evidence is there, not all.
	StatusPartial Status = "partial"
	// StatusMissing: no evidence at all.
	StatusMissing Status = "missing"
	// StatusViolated: the traffic shows the requirement mishandled (polling
	// too fast, retrying after an admin decline, …). It wins over met.
	StatusViolated Status = "violated"
	// StatusNotApplicable: the requirement is not judged: it belongs to a
	// conditional group the program has not opted into (the app-events
	// group while the records hold no event of the app). Never met.
	StatusNotApplicable Status = "n/a"
)

// Statuses lists every verdict of a judged requirement in report order;
// StatusNotApplicable, the one of a requirement not judged, is not among
// them (Summary.ByStatus counts it only when some requirement has it).
var Statuses = [...]Status{StatusMet, StatusPartial, StatusMissing, StatusViolated}

// Report is the coverage of one ordered record stream against one matrix.
// It is a pure function of the records and the matrix: it holds no wall
// clock time, and equal inputs give byte-identical JSON.
type Report struct {
	Schema string    `json:"schema"`
	Matrix MatrixRef `json:"matrix"`
	// Records is the number of records observed; FirstSeq and LastSeq their
	// sequence range; From and To the times of the first and last.
	Records  int       `json:"records"`
	FirstSeq uint64    `json:"first_seq"`
	LastSeq  uint64    `json:"last_seq"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Summary  Summary   `json:"summary"`
	// Requirements in matrix order.
	Requirements []RequirementResult `json:"requirements"`
	// Endpoints is the inventory of API endpoint templates, seen or not, in
	// catalogue order; calls to unknown paths are counted under "other".
	Endpoints []EndpointUse `json:"endpoints"`
	// StatusCounts counts responses by status code ("200", "409", …;
	// "none" for calls without a response).
	StatusCounts map[string]int `json:"status_counts"`
	// Timeline buckets calls over the observed time range for charts.
	Timeline []TimelineBucket `json:"timeline"`
	// Undocumented breaks the calls outside the documented API down by
	// method and path shape (ids shown as {id}), sorted, at most
	// MaxUndocumented of them; nil when there were none. Endpoints counts
	// them all under "other".
	Undocumented []EndpointUse `json:"undocumented,omitempty"`
	// Events summarizes the app's event records (counts per name, names
	// no requirement uses); nil when there were none.
	Events *EventSummary `json:"events,omitempty"`
}

// MatrixRef identifies the matrix a report was computed against.
type MatrixRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	// SHA256 is the hex SHA-256 of the matrix's canonical YAML bytes.
	SHA256 string `json:"sha256"`
}

// Summary counts verdicts overall and per evidence area.
type Summary struct {
	Total    int            `json:"total"`
	ByStatus map[Status]int `json:"by_status"`
	Areas    []AreaSummary  `json:"areas"`
}

// AreaSummary is the coverage of one auditor evidence area.
type AreaSummary struct {
	Area     string `json:"area"`
	Total    int    `json:"total"`
	Met      int    `json:"met"`
	Partial  int    `json:"partial"`
	Missing  int    `json:"missing"`
	Violated int    `json:"violated"`
	// NotApplicable counts the requirements not judged (StatusNotApplicable).
	NotApplicable int `json:"not_applicable,omitempty"`
	// Ratio is Met over the requirements judged, Total - NotApplicable (0
	// when there are none): a group the program has not opted into does
	// not lower it.
	Ratio float64 `json:"ratio"`
}

// RequirementResult is the verdict on one requirement.
type RequirementResult struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Area        string `json:"area"`
	Basis       string `json:"basis"`
	Conditional string `json:"conditional,omitempty"`
	Status      Status `json:"status"`
	// Explanation is one line saying why.
	Explanation string `json:"explanation"`
	// Evidence are the sequence numbers of the records that prove the
	// verdict (for violated, the calls that show the mishandling),
	// ascending: calls, and the app's events for event steps.
	Evidence []uint64 `json:"evidence"`
	// EvidenceEvents are the sequence numbers among Evidence that are
	// event records (evidence.KindEvent) rather than calls, ascending.
	EvidenceEvents []uint64 `json:"evidence_events,omitempty"`
	// LastViolated is, for a violated requirement, the time of the latest
	// call that showed the mishandling, and HandledSince how many times the
	// rule's correct handling followed it (violation.go); zero otherwise.
	LastViolated time.Time `json:"last_violated,omitzero"`
	HandledSince int       `json:"handled_since,omitempty"`
	// ContractRefused are the first calls the engine's contract gate kept
	// from the requirement: calls it would otherwise have taken whose
	// request breaks the API's description in a field the requirement
	// relies on. The explanation names the fields.
	ContractRefused []uint64 `json:"contract_refused,omitempty"`
	// Steps say how to produce the missing evidence (curl commands through
	// the proxy); empty when met.
	Steps []string `json:"steps,omitempty"`
	// FirstMet is the record at which the requirement was first seen met
	// (it may be violated since); nil when it never was. Reports draw the
	// requirements met over time from it.
	FirstMet *MetMark `json:"first_met,omitempty"`
}

// EndpointUse is one endpoint template of the inventory.
type EndpointUse struct {
	Method   string `json:"method"`
	Template string `json:"template"`
	Calls    int    `json:"calls"`
	// Statuses counts responses by status code.
	Statuses map[string]int `json:"statuses"`
	// Documented is set on the endpoints of the API's description when the
	// engine holds one (Options.Contract): the inventory is then the
	// description's, every documented endpoint listed, exercised or not.
	Documented bool `json:"documented,omitempty"`
}

// TimelineBucket counts the calls that started in [Start, Start+Width) by
// status class ("2xx" … "5xx", "none").
type TimelineBucket struct {
	Start   time.Time      `json:"start"`
	WidthMS int64          `json:"width_ms"`
	Classes map[string]int `json:"classes"`
}
