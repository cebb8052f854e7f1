package golive

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/evidence-proxy/evidence-proxy/dsse"
)

const (
	// ResultSchema names the result's JSON schema.
	ResultSchema = "evidence-proxy/golive-result/v1"
	// ResultPayloadType is the DSSE payload type of a signed result.
	ResultPayloadType = "application/vnd.evidence-proxy.golive-result+json"
)

// ErrInvalidResult is wrapped by CheckResult for a result that is not
// authentic or not well formed.
var ErrInvalidResult = errors.New("invalid go-live result")

// Outcome is how a check ended.
type Outcome string

const (
	OutcomePassed  Outcome = "passed"
	OutcomeFailed  Outcome = "failed"
	OutcomeSkipped Outcome = "skipped"
)

// Result is the record of one production verification: what was checked,
// with which certificate (its public facts) and API key (its fingerprint
// only), and how each check ended. It holds nothing secret and nothing of
// production's data (only the count of cardholders listed). SignResult
// signs it with the bundle key; CheckResult verifies it.
type Result struct {
	Schema      string    `json:"schema"`
	Time        time.Time `json:"time"`
	ToolVersion string    `json:"tool_version"`
	BaseURL     string    `json:"base_url"`
	// DocumentedProduction is set when BaseURL is ProductionBaseURL; a
	// result against any other host (a test server) says so.
	DocumentedProduction bool      `json:"documented_production"`
	ClientCert           CertFacts `json:"client_cert"`
	// APIKeyFingerprint is the production key's fingerprint with the
	// store's redaction key ("[redacted:…]"); empty without one.
	APIKeyFingerprint string  `json:"api_key_fingerprint,omitempty"`
	Checks            []Check `json:"checks"`
	// Passed: both calls passed and no check failed.
	Passed bool `json:"passed"`
}

// CertFacts are the public facts of the production client certificate.
type CertFacts struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	SHA256     string    `json:"sha256"`
	SPKISHA256 string    `json:"spki_sha256"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	Tenant     string    `json:"tenant,omitempty"`
	Programs   []string  `json:"programs,omitempty"`
}

// Check is one check of a verification. Layer says where a failure lies
// (one of the Layer constants); Detail says why in a sentence.
type Check struct {
	ID      string    `json:"id"`
	Outcome Outcome   `json:"outcome"`
	Layer   string    `json:"layer,omitempty"`
	Detail  string    `json:"detail"`
	Request *Exchange `json:"request,omitempty"`
}

// Exchange is what a result keeps of one call: never a header or a body,
// only the API's error message.
type Exchange struct {
	Method     string `json:"method"`
	URL        string `json:"url"`
	Status     int    `json:"status,omitempty"`
	Message    string `json:"message,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

func (r *Result) failed() bool {
	for _, c := range r.Checks {
		if c.Outcome == OutcomeFailed {
			return true
		}
	}
	return false
}

// passed is the verdict the checks give: both calls passed, none failed.
func (r *Result) passed() bool {
	calls := 0
	for _, c := range r.Checks {
		if c.Outcome == OutcomeFailed {
			return false
		}
		if (c.ID == checkCardholders || c.ID == checkSimulation) && c.Outcome == OutcomePassed {
			calls++
		}
	}
	return calls == 2
}

func (r *Result) seal() *Result {
	r.Passed = r.passed()
	return r
}

// Failure returns the first failed check, if any.
func (r *Result) Failure() (Check, bool) {
	for _, c := range r.Checks {
		if c.Outcome == OutcomeFailed {
			return c, true
		}
	}
	return Check{}, false
}

// SignResult returns the result as a DSSE envelope (payload type
// ResultPayloadType) signed with key, the bundle signing key.
func SignResult(r *Result, key ed25519.PrivateKey) ([]byte, error) {
	payload, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("sign go-live result: %w", err)
	}
	env, err := dsse.Sign(key, ResultPayloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("sign go-live result: %w", err)
	}
	return env, nil
}

// WriteResult signs the result and writes it to path (mode 0644: it holds
// nothing secret), atomically.
func WriteResult(path string, r *Result, key ed25519.PrivateKey) error {
	env, err := SignResult(r, key)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, env, 0o644); err != nil {
		return fmt.Errorf("write go-live result %s: %w", filepath.Base(path), err)
	}
	return nil
}

// ReadResultFile reads a signed result and checks it with CheckResult.
func ReadResultFile(path string, pub ed25519.PublicKey) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read go-live result: %w", err)
	}
	return CheckResult(data, pub)
}

// CheckResult verifies a signed result against the pinned public key and
// returns it: the envelope must verify (dsse.Open), the payload decode
// strictly with this schema, and its Passed agree with its checks.
// Whether the switch passed is Result.Passed; an error means the result
// itself cannot be trusted (it wraps ErrInvalidResult).
func CheckResult(data []byte, pub ed25519.PublicKey) (*Result, error) {
	payload, err := dsse.Open(data, ResultPayloadType, pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidResult, err)
	}
	if r.Schema != ResultSchema {
		return nil, fmt.Errorf("%w: schema %q, want %q", ErrInvalidResult, r.Schema, ResultSchema)
	}
	if r.Passed != r.passed() {
		return nil, fmt.Errorf("%w: passed is %v but its checks say %v", ErrInvalidResult, r.Passed, r.passed())
	}
	return &r, nil
}
