package golive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Checklist is the integrator's go-live checklist file (--golive-checklist
// FILE): each production set-up item confirmed or not, each behaviour the
// emulation engine does not test acknowledged or not, every answer with a
// note. It travels in the bundle as the file itself (Raw) and in the
// readiness view.
//
//	content: axys-go-live 2026.12.1      optional: the content it answers
//	setup:
//	  production-certificate:
//	    confirmed: true
//	    note: issued 2026-11-20 from prod-2026.csr; kept in the vault as axys/prod
//	not_tested:
//	  kyc-documents:
//	    acknowledged: true
//	    note: our first live cardholders go through manual review
//
// Items left out are shown as not answered. A note says where something is
// kept, never the secret itself: a note holding a run of seven or more
// digits (an account or card number) or a private key is refused.
type Checklist struct {
	// SHA256 is the hex SHA-256 of the file.
	SHA256    string            `json:"sha256"`
	Setup     []Confirmation    `json:"setup"`
	NotTested []Acknowledgement `json:"not_tested"`
	// Raw is the file as read, for the bundle.
	Raw []byte `json:"-"`
}

// Confirmation answers one production set-up item.
type Confirmation struct {
	ID        string `json:"id"`
	Confirmed bool   `json:"confirmed"`
	Note      string `json:"note"`
}

// Acknowledgement answers one behaviour the emulation engine does not test.
type Acknowledgement struct {
	ID           string `json:"id"`
	Acknowledged bool   `json:"acknowledged"`
	Note         string `json:"note"`
}

// ChecklistError is a checklist file that cannot be used, with the line at
// fault (0 when unknown).
type ChecklistError struct {
	Line int
	Msg  string
}

func (e *ChecklistError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("checklist line %d: %s", e.Line, e.Msg)
	}
	return "checklist: " + e.Msg
}

// maxNote bounds a note, so the file stays a checklist.
const maxNote = 500

// LoadChecklist reads and parses a checklist file against content (nil
// means the built-in content).
func LoadChecklist(path string, content *Content) (*Checklist, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read checklist: %w", err)
	}
	c, err := ParseChecklist(data, content)
	if err != nil {
		return nil, fmt.Errorf("parse checklist %s: %w", path, err)
	}
	return c, nil
}

// ParseChecklist parses a checklist file against content (nil means the
// built-in content). Unknown keys and items, an answer that is not true
// or false, and a missing, empty, multi-line, overlong or secret-looking
// note are a *ChecklistError naming the line.
func ParseChecklist(data []byte, content *Content) (*Checklist, error) {
	if content == nil {
		content = BuiltinContent()
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlChecklistError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &ChecklistError{Msg: "want a mapping with setup and not_tested"}
	}
	sum := sha256.Sum256(data)
	c := &Checklist{SHA256: hex.EncodeToString(sum[:]), Setup: []Confirmation{}, NotTested: []Acknowledgement{}, Raw: data}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		var err error
		switch k.Value {
		case "content":
			err = checkContentLine(v, content)
		case "setup":
			err = eachAnswer(v, content.Setup, "setup", "confirmed", func(id string, yes bool, note string) {
				c.Setup = append(c.Setup, Confirmation{ID: id, Confirmed: yes, Note: note})
			})
		case "not_tested":
			err = eachAnswer(v, content.NotTested, "not_tested", "acknowledged", func(id string, yes bool, note string) {
				c.NotTested = append(c.NotTested, Acknowledgement{ID: id, Acknowledged: yes, Note: note})
			})
		default:
			err = &ChecklistError{Line: k.Line, Msg: fmt.Sprintf("unknown key %q (want content, setup or not_tested)", k.Value)}
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// yamlChecklistError turns a YAML syntax error into a ChecklistError with
// its line.
func yamlChecklistError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return &ChecklistError{Line: line, Msg: msg}
}

func checkContentLine(v *yaml.Node, content *Content) error {
	want := content.ID + " " + content.Version
	if v.Kind != yaml.ScalarNode || v.Value != want {
		return &ChecklistError{Line: v.Line, Msg: fmt.Sprintf("written for content %q; this evidence-proxy has %q: review the items, then change the line", v.Value, want)}
	}
	return nil
}

// eachAnswer checks one section (setup or not_tested) and calls add for
// each answer in file order.
func eachAnswer(sec *yaml.Node, items []Item, section, answer string, add func(id string, yes bool, note string)) error {
	if sec.Kind != yaml.MappingNode {
		return &ChecklistError{Line: sec.Line, Msg: section + ": want a mapping of items"}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(sec.Content); i += 2 {
		k, v := sec.Content[i], sec.Content[i+1]
		if _, ok := item(items, k.Value); !ok {
			return &ChecklistError{Line: k.Line, Msg: fmt.Sprintf("%s: unknown item %q (want one of %s)", section, k.Value, strings.Join(itemIDs(items), ", "))}
		}
		if seen[k.Value] {
			return &ChecklistError{Line: k.Line, Msg: fmt.Sprintf("%s: item %q appears twice", section, k.Value)}
		}
		seen[k.Value] = true
		yes, note, err := readAnswer(k, v, answer)
		if err != nil {
			return err
		}
		add(k.Value, yes, note)
	}
	return nil
}

// readAnswer reads {<answer>: true|false, note: text}.
func readAnswer(k, v *yaml.Node, answer string) (bool, string, error) {
	if v.Kind != yaml.MappingNode {
		return false, "", &ChecklistError{Line: k.Line, Msg: fmt.Sprintf("%s: want %s: true|false and a note", k.Value, answer)}
	}
	var yesNode, noteNode *yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		switch f := v.Content[i]; f.Value {
		case answer:
			yesNode = v.Content[i+1]
		case "note":
			noteNode = v.Content[i+1]
		default:
			return false, "", &ChecklistError{Line: f.Line, Msg: fmt.Sprintf("%s: unknown key %q (want %s and note)", k.Value, f.Value, answer)}
		}
	}
	if yesNode == nil || yesNode.Kind != yaml.ScalarNode || yesNode.Tag != "!!bool" {
		line := k.Line
		if yesNode != nil {
			line = yesNode.Line
		}
		return false, "", &ChecklistError{Line: line, Msg: fmt.Sprintf("%s: %s must be true or false", k.Value, answer)}
	}
	if noteNode == nil {
		return false, "", &ChecklistError{Line: k.Line, Msg: fmt.Sprintf("%s: a note is required (what was done, where it is recorded)", k.Value)}
	}
	note, err := checkNote(k.Value, noteNode)
	return yesNode.Value == "true", note, err
}

// secretLike matches what a note must never hold: a run of seven or more
// digits (spaces and dashes between them allowed) or a PEM private key.
// Dates (2026-11-20) are taken out first.
var (
	secretLike = regexp.MustCompile(`\d(?:[ -]?\d){6,}|PRIVATE KEY`)
	isoDate    = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
)

func checkNote(id string, n *yaml.Node) (string, error) {
	fail := func(msg string) error { return &ChecklistError{Line: n.Line, Msg: id + ": note " + msg} }
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", fail("must be text")
	}
	note := strings.TrimSpace(n.Value)
	switch {
	case note == "":
		return "", fail("is empty (say what was done, where it is recorded)")
	case len(note) > maxNote:
		return "", fail(fmt.Sprintf("is longer than %d bytes", maxNote))
	case strings.ContainsFunc(note, unicode.IsControl):
		return "", fail("must be one line")
	case secretLike.MatchString(isoDate.ReplaceAllString(note, " ")):
		return "", fail("looks like it holds a number or a key: say where it is kept, never the value itself")
	}
	return note, nil
}
