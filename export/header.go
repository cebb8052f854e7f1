package export

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/provenance"
)

// Header is the provenance in a few lines: what every coverage report of
// a bundle starts with and what verify prints first. The environment comes
// first, and anything not axys-staging starts with "NOT AXYS STAGING". It
// holds no wall-clock time: equal inputs give equal lines.
type Header struct {
	Class evidence.Class `json:"class"`
	// AllowMixed says a merge mixed classes on purpose.
	AllowMixed bool `json:"allow_mixed,omitempty"`
	// Warning is the environment line when the class is not axys-staging.
	Warning string       `json:"warning,omitempty"`
	Lines   []HeaderLine `json:"lines"`
}

// HeaderLine is one labelled line of a Header.
type HeaderLine struct {
	Label string `json:"label"`
	Text  string `json:"text"`
}

// HeaderInput is what a Header is made of.
type HeaderInput struct {
	// Sources are the provenance of each record source, in instance order.
	Sources []*evidence.Provenance
	// Class is the environment of all sources together; AllowMixed as in
	// Environment.
	Class      evidence.Class
	AllowMixed bool
	// Window is the time range asked for (nil: all records); Records the
	// records actually covered.
	Window  *TimeRange
	Records Totals
	Matrix  MatrixInfo
}

// The most origins, certificates and keys a header line names; the rest
// are counted.
const headerListMax = 4

// Header returns the header of a bundle described by m.
func (m *Manifest) Header() Header {
	in := HeaderInput{Class: m.Environment.Class, AllowMixed: m.Environment.AllowMixed,
		Window: m.TimeRange, Records: m.Records, Matrix: m.Matrix}
	for _, s := range m.Sources {
		in.Sources = append(in.Sources, s.Provenance)
	}
	return NewHeader(in)
}

// NewHeader builds the header lines: environment, sources (several only),
// who recorded (client certificates: Tenant and Programs), API keys,
// sidecar, window and matrix.
func NewHeader(in HeaderInput) Header {
	h := Header{Class: in.Class, AllowMixed: in.AllowMixed}
	env := environmentText(in)
	if in.Class != evidence.ClassAxysStaging {
		h.Warning = env
	}
	h.add("environment", env)
	if len(in.Sources) > 1 {
		h.add("sources", sourcesText(in))
	}
	h.add("recorded by", recordedByText(in.Sources))
	h.add("api keys", apiKeysText(in.Sources))
	h.add("sidecar", sidecarText(in.Sources))
	h.add("window", windowText(in.Window, in.Records))
	h.add("matrix", fmt.Sprintf("%s %s (SHA-256 %s)", in.Matrix.ID, in.Matrix.Version, in.Matrix.SHA256))
	return h
}

func (h *Header) add(label, text string) {
	h.Lines = append(h.Lines, HeaderLine{Label: label, Text: cleanText(text)})
}

// Text returns the header as aligned lines for a terminal.
func (h Header) Text() []string {
	out := make([]string, 0, len(h.Lines))
	for _, l := range h.Lines {
		out = append(out, fmt.Sprintf("%-12s %s", l.Label, l.Text))
	}
	return out
}

func environmentText(in HeaderInput) string {
	var parts []string
	for _, p := range in.Sources {
		desc := originsText(p)
		if len(in.Sources) > 1 {
			desc = p.InstanceID + ": " + desc
		}
		parts = append(parts, desc)
	}
	text := strings.Join(parts, "; ")
	switch in.Class {
	case evidence.ClassAxysStaging:
		return "axys-staging: " + text
	case evidence.ClassNone:
		return "NOT AXYS STAGING: no call reached an upstream"
	case evidence.ClassEmulator, evidence.ClassOther:
		return "NOT AXYS STAGING: " + text
	default:
		return fmt.Sprintf("NOT AXYS STAGING (%s): %s", in.Class, text)
	}
}

// originsText describes the origins of one source.
func originsText(p *evidence.Provenance) string {
	if len(p.Origins) == 0 {
		return "no call reached an upstream"
	}
	var parts []string
	for i, o := range p.Origins {
		if i == headerListMax {
			parts = append(parts, fmt.Sprintf("and %d more origins", len(p.Origins)-i))
			break
		}
		parts = append(parts, originText(o))
	}
	return strings.Join(parts, "; ")
}

// originText describes one origin: its calls, where, and why it has its
// class.
func originText(o evidence.Origin) string {
	calls := plural(o.Calls, "call")
	switch o.Class {
	case evidence.ClassEmulator:
		return fmt.Sprintf("%s to the evidence-proxy emulator at %s", calls, o.Address())
	case evidence.ClassAxysStaging:
		return fmt.Sprintf("%s to %s, chain verified against the system trust store (root %s)", calls, o.Address(), rootText(o))
	}
	var why []string
	for _, ch := range o.Chains {
		why = append(why, chainReason(o, ch))
	}
	if o.UnobservedCalls > 0 {
		why = append(why, plural(o.UnobservedCalls, "call")+" over a server certificate never observed")
	}
	return fmt.Sprintf("%s to %s (%s): %s", calls, o.Address(), o.Class, strings.Join(why, "; "))
}

// chainReason says what one chain of an origin that is not axys-staging
// shows.
func chainReason(o evidence.Origin, ch evidence.Chain) string {
	root := fmt.Sprintf("root %s, SHA-256 %s", ch.Root.Subject, ch.Root.SHA256)
	switch {
	case ch.Class == evidence.ClassEmulator:
		return plural(ch.Calls, "call") + " to the evidence-proxy emulator"
	case ch.Class == evidence.ClassAxysStaging:
		return plural(ch.Calls, "call") + " verified against the system trust store"
	case ch.VerifiedBy == evidence.VerifiedByUpstreamCA && o.Host == provenance.StagingHost:
		return "the staging host name verified only against --upstream-ca (" + root + "): compare it with Axys's root"
	case ch.VerifiedBy == evidence.VerifiedByUpstreamCA:
		return "verified against --upstream-ca (" + root + ")"
	case ch.VerifiedBy == evidence.VerifiedBySystem:
		return "not the documented staging origin " + provenance.StagingHost + ":" + provenance.StagingPort
	default:
		return "certificate not verified against the system trust store (" + root + ")"
	}
}

func rootText(o evidence.Origin) string {
	for _, ch := range o.Chains {
		return fmt.Sprintf("%s, SHA-256 %s…", ch.Root.Subject, shortHash(ch.Root.SHA256))
	}
	return "unknown"
}

func sourcesText(in HeaderInput) string {
	var parts []string
	for _, p := range in.Sources {
		var calls int64
		for _, o := range p.Origins {
			calls += o.Calls
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", p.InstanceID, p.Class, plural(calls, "upstream call")))
	}
	text := fmt.Sprintf("%d sources: %s", len(in.Sources), strings.Join(parts, ", "))
	if in.AllowMixed {
		text += "; classes mixed on purpose (--allow-mixed)"
	}
	return text
}

func recordedByText(sources []*evidence.Provenance) string {
	var parts []string
	seen := map[string]bool{}
	for _, p := range sources {
		for _, c := range p.ClientCerts {
			if seen[c.SHA256] {
				continue
			}
			seen[c.SHA256] = true
			programs := "no Program (no OU)"
			if len(c.Programs) > 0 {
				programs = fmt.Sprintf("Programs %q", strings.Join(c.Programs, ", "))
			}
			parts = append(parts, fmt.Sprintf("Tenant %q, %s (client certificate %s, SHA-256 %s…, valid until %s; %s)",
				c.Tenant, programs, c.Subject, shortHash(c.SHA256), day(c.NotAfter), plural(c.Calls, "call")))
		}
	}
	if len(parts) == 0 {
		return "no client certificate observed"
	}
	return listText(parts, "client certificates")
}

func apiKeysText(sources []*evidence.Provenance) string {
	var parts []string
	var more int64
	for _, p := range sources {
		for _, k := range p.APIKeys {
			parts = append(parts, fmt.Sprintf("%s (%s)", k.Fingerprint, plural(k.Calls, "call")))
		}
		more += p.MoreAPIKeyCalls
	}
	if len(parts) == 0 {
		return "none seen"
	}
	text := listText(parts, "keys")
	if more > 0 {
		text += fmt.Sprintf("; %s with further keys", plural(more, "call"))
	}
	return text
}

func sidecarText(sources []*evidence.Provenance) string {
	var parts []string
	for _, p := range sources {
		if len(p.Starts) == 0 {
			parts = append(parts, "instance "+p.InstanceID+", no start recorded")
			continue
		}
		last := p.Starts[len(p.Starts)-1]
		text := fmt.Sprintf("instance %s, last started %s (evidence-proxy %s)", p.InstanceID, last.Time.UTC().Format(time.RFC3339), orDash(last.ToolVersion))
		if n := len(p.Starts); n > 1 {
			text += fmt.Sprintf(", %d starts since %s", n, p.Starts[0].Time.UTC().Format(time.RFC3339))
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "; ")
}

func windowText(w *TimeRange, r Totals) string {
	asked := "all records"
	if w != nil {
		asked = evidence.Window{Since: w.Since, Until: w.Until}.String()
	}
	if r.Count == 0 {
		return "requested " + asked + "; no records"
	}
	return fmt.Sprintf("requested %s; %s from %s to %s", asked, plural(r.Count, "record"),
		r.FirstTime.UTC().Format(time.RFC3339Nano), r.LastTime.UTC().Format(time.RFC3339Nano))
}

func listText(parts []string, what string) string {
	if len(parts) > headerListMax {
		return strings.Join(parts[:headerListMax], "; ") + fmt.Sprintf("; and %d more %s", len(parts)-headerListMax, what)
	}
	return strings.Join(parts, "; ")
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cleanText replaces control and bidirectional-control characters with
// spaces: certificate subjects come from upstreams, and must not move an
// auditor's cursor, colour the terminal or reorder what they read.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}
