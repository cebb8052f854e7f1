package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// FormatV3 names a bundle that carries attachments or derived members
// beyond the coverage reports, or a contract in its manifest: format v2
// plus those. A bundle with none of them is still written as
// FormatVersion (v2), which tools that know only v2 verify; a v3 bundle
// they refuse by its format rather than misread.
const FormatV3 = "evidence-proxy/bundle/v3"

// Attachments: files a bundle carries as they were given, written right
// after matrix.yaml in this order (each only when given) so that verify
// has them before the records.
const (
	// MemberSpec is the API description (OpenAPI) the contract findings
	// hold the calls against, as loaded.
	MemberSpec = "openapi.yaml"
	// MemberReadinessContent is the audit-readiness content the readiness
	// view was built from.
	MemberReadinessContent = "readiness-content.yaml"
	// MemberChecklist is the integrator's go-live checklist file
	// (--golive-checklist), as given.
	MemberChecklist = "golive-checklist.yaml"
	// MemberGoliveResult is a signed go-live result (golive verify --out),
	// as given: verify checks its signature, the bundle only carries it.
	MemberGoliveResult = "golive-result.json"
)

// Derived members beyond the coverage reports, written after them in this
// order when the coverage computation renders them; verify recomputes
// them from the records and the attachments like the reports.
const (
	// MemberContract is the contract summary: every call held against the
	// API description, findings grouped per endpoint and rule.
	MemberContract = "contract.json"
	// MemberReadinessJSON and MemberReadinessMD are the audit-readiness
	// view, as JSON and as Markdown.
	MemberReadinessJSON = "readiness.json"
	MemberReadinessMD   = "readiness.md"
)

// attachmentNames are the attachment member names in writing order.
func attachmentNames() []string {
	return []string{MemberSpec, MemberReadinessContent, MemberChecklist, MemberGoliveResult}
}

// derivedNames are the derived member names beyond the coverage reports,
// in writing order.
func derivedNames() []string {
	return []string{MemberContract, MemberReadinessJSON, MemberReadinessMD}
}

// attachmentLimit caps an attachment's size, checked before it is read.
func attachmentLimit(name string) int64 {
	if name == MemberSpec {
		return 16 << 20
	}
	return 1 << 20
}

// Attachment is a file a bundle carries as it was given (one of the
// Member* attachment names), bound to the manifest by size and SHA-256
// like every member.
type Attachment struct {
	Name string
	Data []byte
}

// Attaching is a Coverage whose reports also depend on attachments: the
// API description the contract findings hold the calls against, the
// readiness content, the integrator's checklist. Write and Merge call
// Attach with the attachments they were given and write those it returns
// (the given ones and any default it used, so that the bundle holds
// everything its reports were computed from); Verify calls it with the
// bundle's attachments, which must then be all it uses.
type Attaching interface {
	Coverage
	// Attach returns the computation over the attachments given (any
	// order) and every attachment it uses, in any order. An attachment
	// that cannot be used is an error naming it.
	Attach(given []Attachment) (Coverage, []Attachment, error)
}

// ContractInfo identifies the API description a bundle's contract
// findings were computed against: its info.title and info.version, and
// the SHA-256 of the MemberSpec attachment that holds it.
type ContractInfo struct {
	Title   string `json:"title,omitempty"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
}

// Contracted is implemented by a Coverage whose reports hold the calls
// against an API description: it names it, for the manifest.
type Contracted interface {
	Contract() ContractInfo
}

// sortAttachments orders attachments as they are written and refuses
// unknown names, duplicates and oversized ones.
func sortAttachments(atts []Attachment) ([]Attachment, error) {
	out := make([]Attachment, 0, len(atts))
	for _, name := range attachmentNames() {
		for i, a := range atts {
			if a.Name != name {
				continue
			}
			if slices.ContainsFunc(atts[i+1:], func(b Attachment) bool { return b.Name == name }) {
				return nil, fmt.Errorf("attachment %s given twice", name)
			}
			if int64(len(a.Data)) > attachmentLimit(name) {
				return nil, fmt.Errorf("attachment %s: %d bytes, more than the %d allowed", name, len(a.Data), attachmentLimit(name))
			}
			out = append(out, a)
		}
	}
	if len(out) != len(atts) {
		for _, a := range atts {
			if !slices.Contains(attachmentNames(), a.Name) {
				return nil, fmt.Errorf("unknown attachment %q (known: %v)", a.Name, attachmentNames())
			}
		}
	}
	return out, nil
}

// attach resolves the coverage computation of a bundle being written: an
// Attaching coverage is given the attachments and returns the ones the
// bundle carries; any other carries the given ones as they are.
func attach(cov Coverage, given []Attachment) (Coverage, []Attachment, error) {
	a, ok := cov.(Attaching)
	if !ok {
		atts, err := sortAttachments(given)
		return cov, atts, err
	}
	if _, err := sortAttachments(given); err != nil {
		return nil, nil, err
	}
	c, used, err := a.Attach(given)
	if err != nil {
		return nil, nil, fmt.Errorf("attach: %w", err)
	}
	atts, err := sortAttachments(append(slices.Clone(given), missingFrom(given, used)...))
	return c, atts, err
}

// missingFrom returns the attachments of used not named in given.
func missingFrom(given, used []Attachment) []Attachment {
	var out []Attachment
	for _, u := range used {
		if !slices.ContainsFunc(given, func(g Attachment) bool { return g.Name == u.Name }) {
			out = append(out, u)
		}
	}
	return out
}

// attachmentMembers are the manifest entries of attachments.
func attachmentMembers(atts []Attachment) []Member {
	out := make([]Member, 0, len(atts))
	for _, a := range atts {
		out = append(out, memberOf(a.Name, a.Data))
	}
	return out
}

// writeAttachments writes the attachments, in order.
func writeAttachments(bw *bundleWriter, atts []Attachment) error {
	for _, a := range atts {
		if err := bw.addBytes(a.Name, a.Data); err != nil {
			return err
		}
	}
	return nil
}

// derivedMembers are the manifest entries of the derived members files
// holds beyond the coverage reports, in order.
func derivedMembers(files map[string][]byte) []Member {
	var out []Member
	for _, name := range derivedNames() {
		if data, ok := files[name]; ok {
			out = append(out, memberOf(name, data))
		}
	}
	return out
}

// writeDerived writes the derived members files holds, in order.
func writeDerived(bw *bundleWriter, files map[string][]byte) error {
	for _, name := range derivedNames() {
		if data, ok := files[name]; ok {
			if err := bw.addBytes(name, data); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkFileNames checks a coverage computation's files: the three reports
// and only known derived members besides.
func checkFileNames(files map[string][]byte) error {
	for _, name := range coverageFiles() {
		if _, ok := files[name]; !ok {
			return fmt.Errorf("render coverage: no %s", name)
		}
	}
	reports := coverageFiles()
	for name := range files {
		if !slices.Contains(reports[:], name) && !slices.Contains(derivedNames(), name) {
			return fmt.Errorf("render coverage: unknown file %q", name)
		}
	}
	return nil
}

// describeExtras sets what a manifest says of attachments, derived members
// and the contract: the format (v3 when there is any) and the contract the
// computation names, whose SHA-256 must be the MemberSpec attachment's.
func (m *Manifest) describeExtras(atts []Attachment, files map[string][]byte, cov Coverage) error {
	if c, ok := cov.(Contracted); ok {
		info := c.Contract()
		i := slices.IndexFunc(atts, func(a Attachment) bool { return a.Name == MemberSpec })
		if i < 0 || sha256Hex(atts[i].Data) != info.SHA256 {
			return fmt.Errorf("the contract's description (sha256 %s…) is not the %s attachment", shortHash(info.SHA256), MemberSpec)
		}
		m.Contract = &info
	}
	if len(atts) > 0 || len(derivedMembers(files)) > 0 || m.Contract != nil {
		m.Format = FormatV3
	}
	return nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// listed returns those of names the manifest lists as members, in the
// order of names.
func (m *Manifest) listed(names []string) []string {
	var out []string
	for _, name := range names {
		if _, ok := m.member(name); ok {
			out = append(out, name)
		}
	}
	return out
}

// validateFormat accepts v2 and v3; a v2 manifest has no attachment,
// derived member or contract.
func (m *Manifest) validateFormat() error {
	switch m.Format {
	case FormatV3:
		return nil
	case FormatVersion:
		if len(m.listed(attachmentNames())) > 0 || len(m.listed(derivedNames())) > 0 || m.Contract != nil {
			return fmt.Errorf("format %q lists members or a contract only %q has", m.Format, FormatV3)
		}
		return nil
	}
	return fmt.Errorf("format %q is neither %q nor %q (bundles from before provenance and embedded matrices: export them again)", m.Format, FormatVersion, FormatV3)
}

// readAttachments reads the attachments the manifest lists, which follow
// matrix.yaml, checks each against the manifest, and for a v3 bundle
// rebuilds the coverage computation over them: it must use nothing the
// bundle lacks, and name the manifest's contract.
func (v *verifier) readAttachments(br *bundleReader) error {
	for _, name := range v.manifest.listed(attachmentNames()) {
		data, err := readNamed(br, name, attachmentLimit(name))
		if err != nil {
			return err
		}
		if want, _ := v.manifest.member(name); sha256Hex(data) != want.SHA256 || int64(len(data)) != want.Size {
			return &MemberError{Member: name, Reason: "size or SHA-256 does not match the manifest's"}
		}
		v.attachments = append(v.attachments, Attachment{Name: name, Data: data})
	}
	v.base = v.coverage
	if v.manifest.Format != FormatV3 {
		return nil
	}
	return v.attachCoverage()
}

// attachCoverage rebuilds the computation over the bundle's attachments.
func (v *verifier) attachCoverage() error {
	a, ok := v.coverage.(Attaching)
	if !ok {
		if len(v.manifest.listed(derivedNames())) > 0 || v.manifest.Contract != nil {
			return &MemberError{Member: MemberManifest, Reason: "lists contract or readiness members this verifier cannot recompute"}
		}
		return nil
	}
	cov, used, err := a.Attach(v.attachments)
	if err != nil {
		return &MemberError{Member: MemberManifest, Reason: "the attachments cannot be used", Err: err}
	}
	for _, u := range used {
		i := slices.IndexFunc(v.attachments, func(g Attachment) bool { return g.Name == u.Name })
		if i < 0 || !bytes.Equal(v.attachments[i].Data, u.Data) {
			return &MemberError{Member: u.Name, Reason: "missing: the bundle's reports need it to be recomputed"}
		}
	}
	v.coverage = cov
	return v.checkContract()
}

// checkContract compares the manifest's contract with the one the
// rebuilt computation names.
func (v *verifier) checkContract() error {
	c, ok := v.coverage.(Contracted)
	switch m := v.manifest.Contract; {
	case !ok && m == nil:
		return nil
	case !ok:
		return &MemberError{Member: MemberManifest, Reason: "names a contract this verifier cannot recompute"}
	case m == nil || *m != c.Contract():
		return &MemberError{Member: MemberManifest, Reason: fmt.Sprintf("contract %+v is not the description %s holds (%+v)", m, MemberSpec, c.Contract())}
	}
	return nil
}

// readSoFar is the members read before readMembers: matrix.yaml and the
// attachments.
func (v *verifier) readSoFar() map[string]bool {
	seen := map[string]bool{MemberMatrix: true}
	for _, a := range v.attachments {
		seen[a.Name] = true
	}
	return seen
}

// checkDerivedMembers compares the derived members recomputed (in files)
// with the bundle's: the same names, the same bytes.
func (v *verifier) checkDerivedMembers(files map[string][]byte) error {
	for _, name := range derivedNames() {
		got, recomputed := files[name]
		_, listed := v.manifest.member(name)
		switch {
		case recomputed != listed && listed:
			return &MemberError{Member: name, Reason: "not recomputed from the records: this verifier does not derive it"}
		case recomputed != listed:
			return &MemberError{Member: name, Reason: "missing: the coverage recomputed from the records has it"}
		case listed && !bytes.Equal(got, v.small[name]):
			return &MemberError{Member: name, Reason: "differs from the one recomputed from the records and attachments"}
		}
	}
	return nil
}

// mergeAttachments gathers the inputs' attachments (an input that carries
// one must agree with every other that does) and rebuilds the merged
// computation over them from the first input's.
func mergeAttachments(inputs []*mergeInput) (Coverage, []Attachment, error) {
	var union []Attachment
	from := map[string]string{}
	v3 := false
	for _, in := range inputs {
		v3 = v3 || in.v.manifest.Format == FormatV3
		for _, a := range in.v.attachments {
			i := slices.IndexFunc(union, func(b Attachment) bool { return b.Name == a.Name })
			if i < 0 {
				union, from[a.Name] = append(union, a), in.path
				continue
			}
			if !bytes.Equal(union[i].Data, a.Data) {
				return nil, nil, fmt.Errorf("inputs %s and %s carry different %s: merge bundles exported with the same one", from[a.Name], in.path, a.Name)
			}
		}
	}
	base := inputs[0].v.base
	if !v3 {
		return base, nil, nil
	}
	return attach(base, union)
}

// recomputedParts names what verify recomputed, for the verdict.
func recomputedParts(m *Manifest) string {
	parts := "provenance, coverage"
	if _, ok := m.member(MemberContract); ok {
		parts += ", contract findings"
	}
	if _, ok := m.member(MemberReadinessJSON); ok {
		parts += ", readiness"
	}
	return parts + " and HAR"
}
