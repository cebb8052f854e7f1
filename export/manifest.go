package export

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/provenance"
)

// FormatVersion names the bundle format. It changes only when a bundle
// written by a newer tool could not be verified by an older one. Version 2
// added the provenance, the environment class and the embedded matrix.
const FormatVersion = "evidence-proxy/bundle/v2"

// Bundle kinds.
const (
	// KindExport is a bundle exported from one store: one source.
	KindExport = "export"
	// KindMerge is a bundle merged from several exports: one source each.
	KindMerge = "merge"
)

// Member names of a bundle.
const (
	MemberManifest  = "manifest.json"
	MemberSignature = "manifest.sig"
	MemberRecords   = "records.jsonl"
	MemberHAR       = "traces.har"
	// MemberMatrix is the coverage matrix's canonical YAML; it comes right
	// after manifest.sig.
	MemberMatrix = "matrix.yaml"
	sourcesDir   = "sources/"
)

// ToolName is the creator written in manifests and HAR files.
const ToolName = "evidence-proxy"

// Manifest describes a bundle. It is the signed part: every other member is
// bound to it by size and SHA-256, and the records of every source by their
// count, sequence range, first prev_hash and chain head.
type Manifest struct {
	Format string `json:"format"`
	Kind   string `json:"kind"`
	// Environment is the class of the whole bundle, the first thing an
	// auditor reads.
	Environment Environment `json:"environment"`
	Tool        Tool        `json:"tool"`
	CreatedAt   time.Time   `json:"created_at"`
	Matrix      MatrixInfo  `json:"matrix"`
	// Contract is the API description the contract findings
	// (contract.json) were computed against (format v3).
	Contract *ContractInfo `json:"contract,omitempty"`
	// TimeRange is the range the export was asked for, if any; the records
	// actually included are described by Records and Sources.
	TimeRange *TimeRange `json:"time_range,omitempty"`
	Records   Totals     `json:"records"`
	// Sources lists the record chains: exactly one in an export, one per
	// input in a merge, ordered by instance id.
	Sources []SourceChain `json:"sources"`
	Signer  Signer        `json:"signer"`
	// Members lists every member but manifest.json and manifest.sig, in the
	// order they are written.
	Members []Member `json:"members"`
}

// Environment is a bundle's environment class.
type Environment struct {
	// Class combines the sources' classes (provenance.Combine).
	Class evidence.Class `json:"class"`
	// AllowMixed is set on a merge of sources of different classes,
	// allowed by MergeOptions.AllowMixed; Class is then mixed.
	AllowMixed bool `json:"allow_mixed,omitempty"`
}

// Tool names the program that wrote a bundle.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// TimeRange is a requested [Since, Until) range; a zero bound is open.
type TimeRange struct {
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// Totals summarises the records of all sources.
type Totals struct {
	Count     int64     `json:"count"`
	FirstTime time.Time `json:"first_time,omitzero"`
	LastTime  time.Time `json:"last_time,omitzero"`
}

// SourceChain is one record chain of a bundle: a contiguous run of records of
// one store, from FirstSeq to LastSeq, the first linking to PrevHash and
// the last having hash ChainHead. An empty source has Count 0, zero
// sequence numbers and empty hashes.
type SourceChain struct {
	InstanceID string `json:"instance_id"`
	// Records is the member holding the chain.
	Records string `json:"records"`
	// Manifest and Signature are, in a merged bundle, the members holding
	// the source's original manifest and its signature; KeyID the key that
	// signed it.
	Manifest  string `json:"manifest,omitempty"`
	Signature string `json:"signature,omitempty"`
	KeyID     string `json:"key_id,omitempty"`
	// Provenance is where the source's records come from, derived from
	// them over what the store observed (see package provenance); verify
	// derives it again from the records.
	Provenance *evidence.Provenance `json:"provenance"`

	Count     int64     `json:"count"`
	FirstSeq  uint64    `json:"first_seq"`
	LastSeq   uint64    `json:"last_seq"`
	FirstTime time.Time `json:"first_time,omitzero"`
	LastTime  time.Time `json:"last_time,omitzero"`
	PrevHash  string    `json:"prev_hash,omitempty"`
	ChainHead string    `json:"chain_head,omitempty"`
	// StoreHead is the store's last record when the export started, when
	// the exporter knew it.
	StoreHead *ChainPoint `json:"store_head,omitempty"`
}

// ChainPoint names one record of a chain.
type ChainPoint struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// Signer is the key that signed the manifest.
type Signer struct {
	KeyID string `json:"key_id"`
	// PublicKey is the base64 of the raw 32-byte ed25519 public key.
	PublicKey string `json:"public_key"`
}

// Member is one file of the bundle.
type Member struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// encodeManifest returns the manifest.json bytes of m.
func encodeManifest(m *Manifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeManifest parses and checks manifest bytes; member names the member
// they came from, for errors.
func decodeManifest(member string, data []byte) (*Manifest, error) {
	var m Manifest
	if err := decodeStrict(data, &m); err != nil {
		return nil, &MemberError{Member: member, Reason: "malformed manifest", Err: err}
	}
	if err := m.validate(); err != nil {
		return nil, &MemberError{Member: member, Reason: err.Error()}
	}
	return &m, nil
}

// decodeStrict decodes one JSON value, rejecting unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// member returns the manifest entry of a member.
func (m *Manifest) member(name string) (Member, bool) {
	for _, mem := range m.Members {
		if mem.Name == name {
			return mem, true
		}
	}
	return Member{}, false
}

// expectedMembers returns the members a bundle of m's kind and sources must
// hold besides manifest.json and manifest.sig, in writing order.
func (m *Manifest) expectedMembers() []string {
	names := append([]string{MemberMatrix}, m.listed(attachmentNames())...)
	for _, s := range m.Sources {
		if s.Manifest != "" {
			names = append(names, s.Manifest, s.Signature)
		}
		names = append(names, s.Records)
	}
	names = append(names, MemberHAR)
	c := coverageFiles()
	return append(append(names, c[:]...), m.listed(derivedNames())...)
}

func (m *Manifest) validate() error {
	if err := m.validateFormat(); err != nil {
		return err
	}
	if err := m.validateSources(); err != nil {
		return err
	}
	if err := m.validateEnvironment(); err != nil {
		return err
	}
	if err := m.Signer.validate(); err != nil {
		return err
	}
	if !isHexHash(m.Matrix.SHA256) {
		return fmt.Errorf("matrix sha256 is not a hex SHA-256")
	}
	return m.validateMembers()
}

// validateEnvironment checks the classes: each source's is valid, and the
// bundle's combines them; mixed classes in a merge need allow_mixed.
func (m *Manifest) validateEnvironment() error {
	var classes []evidence.Class
	for _, s := range m.Sources {
		classes = append(classes, s.Provenance.Class)
	}
	want := provenance.Combine(classes...)
	switch env := m.Environment; {
	case env.Class != want:
		return fmt.Errorf("environment class %q, the sources' classes make it %q", env.Class, want)
	case env.AllowMixed && m.Kind != KindMerge:
		return fmt.Errorf("allow_mixed is set on a bundle that is not a merge")
	case m.Kind == KindMerge && want == evidence.ClassMixed && !env.AllowMixed:
		return fmt.Errorf("a merge of mixed classes without allow_mixed")
	}
	return nil
}

func (m *Manifest) validateSources() error {
	switch m.Kind {
	case KindExport:
		if len(m.Sources) != 1 {
			return fmt.Errorf("an export has %d sources, want 1", len(m.Sources))
		}
	case KindMerge:
		if len(m.Sources) == 0 {
			return fmt.Errorf("a merge has no sources")
		}
	default:
		return fmt.Errorf("unknown kind %q", m.Kind)
	}
	var total int64
	for i := range m.Sources {
		s := &m.Sources[i]
		if i > 0 && m.Sources[i-1].InstanceID >= s.InstanceID {
			return fmt.Errorf("sources not ordered by unique instance id at %q", s.InstanceID)
		}
		if err := s.validate(m.Kind); err != nil {
			return fmt.Errorf("source %q: %w", s.InstanceID, err)
		}
		total += s.Count
	}
	if total != m.Records.Count {
		return fmt.Errorf("records.count %d is not the sum of the sources' counts %d", m.Records.Count, total)
	}
	return nil
}

func (s *SourceChain) validate(kind string) error {
	if err := checkInstanceID(s.InstanceID); err != nil {
		return err
	}
	want := SourceChain{Records: MemberRecords}
	if kind == KindMerge {
		want = sourceMembers(s.InstanceID)
	}
	if s.Records != want.Records || s.Manifest != want.Manifest || s.Signature != want.Signature {
		return fmt.Errorf("member names are not the expected ones")
	}
	if (kind == KindMerge) != (s.KeyID != "") {
		return fmt.Errorf("key_id must be set exactly in merged bundles")
	}
	switch p := s.Provenance; {
	case p == nil:
		return fmt.Errorf("no provenance")
	case p.InstanceID != s.InstanceID:
		return fmt.Errorf("provenance is of instance %q", p.InstanceID)
	case !p.Class.Valid():
		return fmt.Errorf("provenance class %q is not a known class", p.Class)
	}
	if s.Count == 0 {
		if s.FirstSeq != 0 || s.LastSeq != 0 || s.PrevHash != "" || s.ChainHead != "" {
			return fmt.Errorf("an empty source has sequence numbers or hashes")
		}
		return nil
	}
	if s.Count < 0 || s.FirstSeq == 0 || s.LastSeq < s.FirstSeq || s.LastSeq-s.FirstSeq+1 != uint64(s.Count) {
		return fmt.Errorf("count %d does not match seq %d-%d", s.Count, s.FirstSeq, s.LastSeq)
	}
	if !isHexHash(s.PrevHash) || !isHexHash(s.ChainHead) {
		return fmt.Errorf("prev_hash or chain_head is not a hex SHA-256")
	}
	return nil
}

// sourceMembers returns the member names of a merged bundle's source.
func sourceMembers(instance string) SourceChain {
	dir := sourcesDir + instance + "/"
	return SourceChain{Records: dir + MemberRecords, Manifest: dir + MemberManifest, Signature: dir + MemberSignature}
}

func (s Signer) validate() error {
	pub, err := base64.StdEncoding.Strict().DecodeString(s.PublicKey)
	if err != nil || len(pub) != 32 {
		return fmt.Errorf("signer public_key is not a base64 ed25519 key")
	}
	if s.KeyID != KeyID(pub) {
		return fmt.Errorf("signer key_id does not match its public key")
	}
	return nil
}

func (m *Manifest) validateMembers() error {
	want := m.expectedMembers()
	if len(m.Members) != len(want) {
		return fmt.Errorf("lists %d members, want %d", len(m.Members), len(want))
	}
	for i, mem := range m.Members {
		if mem.Name != want[i] {
			return fmt.Errorf("member %d is %q, want %q", i, mem.Name, want[i])
		}
		if mem.Size < 0 || !isHexHash(mem.SHA256) {
			return fmt.Errorf("member %q has a bad size or sha256", mem.Name)
		}
	}
	if mem := m.Members[0]; mem.SHA256 != m.Matrix.SHA256 {
		return fmt.Errorf("member %s has SHA-256 %s…, not the matrix's %s…", MemberMatrix, shortHash(mem.SHA256), shortHash(m.Matrix.SHA256))
	}
	return nil
}

// checkInstanceID accepts ids usable as one path element: 1–128 of
// [A-Za-z0-9._-], not starting with a dot or dash.
func checkInstanceID(id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("instance id %q: must be 1-128 characters", id)
	}
	for i, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			i > 0 && (c == '.' || c == '_' || c == '-')
		if !ok {
			return fmt.Errorf("instance id %q: only letters, digits, '.', '_' and '-' (not first) are allowed", id)
		}
	}
	return nil
}

func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
