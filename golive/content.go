package golive

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/evidence-proxy/evidence-proxy/coverage"
)

//go:embed content/readiness.yaml
var builtinContent []byte

// Content is the audit-readiness content: the auditor's four kinds of
// evidence, the production-only set-up the integrator confirms, and what
// the emulation engine does not test. It is data (content/readiness.yaml,
// embedded), versioned like the matrix; reports and bundles name it by
// its Ref.
type Content struct {
	ID      string `yaml:"id" json:"id"`
	Version string `yaml:"version" json:"version"`
	Title   string `yaml:"title" json:"title"`
	Source  string `yaml:"source" json:"source"`
	// Kinds are the four kinds of evidence, one per matrix area, in
	// coverage.Areas order.
	Kinds []Kind `yaml:"kinds" json:"kinds"`
	// Setup are the production-only set-up items.
	Setup []Item `yaml:"setup" json:"setup"`
	// NotTested are the production behaviours with no staging equivalent.
	NotTested []Item `yaml:"not_tested" json:"not_tested"`
	sha       string
}

// Kind is one kind of evidence the auditor reviews.
type Kind struct {
	// Area is the matrix area (coverage.Areas) whose requirements are the
	// kind's.
	Area   string `yaml:"area" json:"area"`
	Title  string `yaml:"title" json:"title"`
	Detail string `yaml:"detail" json:"detail"`
}

// Item is a set-up item or a behaviour staging does not test; ID is what
// the checklist file names it by.
type Item struct {
	ID     string `yaml:"id" json:"id"`
	Title  string `yaml:"title" json:"title"`
	Detail string `yaml:"detail" json:"detail"`
}

// ContentRef identifies the content a readiness view was built from.
type ContentRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	// SHA256 is the hex SHA-256 of the content's YAML.
	SHA256 string `json:"sha256"`
}

// BuiltinContent returns the embedded readiness content. It panics if the
// embedded file does not parse, which the package's tests rule out.
func BuiltinContent() *Content {
	c, err := parseContent(builtinContent)
	if err != nil {
		panic(fmt.Sprintf("golive: built-in readiness content: %v", err))
	}
	return c
}

// Ref identifies the content.
func (c *Content) Ref() ContentRef { return ContentRef{ID: c.ID, Version: c.Version, SHA256: c.sha} }

func parseContent(data []byte) (*Content, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Content
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse readiness content: %w", err)
	}
	if c.ID == "" || c.Version == "" || c.Title == "" {
		return nil, errors.New("parse readiness content: id, version and title are required")
	}
	var areas []string
	for _, k := range c.Kinds {
		areas = append(areas, k.Area)
	}
	if !slices.Equal(areas, coverage.Areas[:]) {
		return nil, fmt.Errorf("parse readiness content: kinds %v are not the matrix areas %v", areas, coverage.Areas)
	}
	for _, list := range [][]Item{c.Setup, c.NotTested} {
		if err := checkItems(list); err != nil {
			return nil, fmt.Errorf("parse readiness content: %w", err)
		}
	}
	sum := sha256.Sum256(data)
	c.sha = hex.EncodeToString(sum[:])
	return &c, nil
}

func checkItems(items []Item) error {
	seen := map[string]bool{}
	for _, it := range items {
		if !scriptIDPattern.MatchString(it.ID) || seen[it.ID] || it.Title == "" {
			return fmt.Errorf("item %q: a unique id and a title are required", it.ID)
		}
		seen[it.ID] = true
	}
	return nil
}

// item returns the item with the given id in list.
func item(list []Item, id string) (Item, bool) {
	for _, it := range list {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// itemIDs lists the ids of items, for error messages.
func itemIDs(list []Item) []string {
	out := make([]string, len(list))
	for i, it := range list {
		out[i] = it.ID
	}
	return out
}
