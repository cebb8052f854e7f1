package golive

import (
	"bytes"
	"embed"
	"fmt"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// scriptFS holds the script catalogue, lib.sh and one body per requirement
// (scripts/<requirement>.sh).
//
//go:embed scripts/catalog.yaml scripts/*.sh
var scriptFS embed.FS

// catalog is scripts/catalog.yaml: what each built-in requirement's script
// produces, or why no script can.
type catalog struct {
	Version       string                `yaml:"version"`
	Matrix        string                `yaml:"matrix"`
	MatrixVersion string                `yaml:"matrix_version"`
	Simulations   map[string]simulation `yaml:"simulations"`
	Scripts       []catalogEntry        `yaml:"scripts"`
}

// simulation is a /staging/* endpoint a script calls.
type simulation struct {
	Call string `yaml:"call"`
	// Documented is set for the endpoints the Axys docs show; the others
	// are the emulator's own.
	Documented bool   `yaml:"documented"`
	Note       string `yaml:"note"`
}

// catalogEntry is one requirement's script or explanation.
type catalogEntry struct {
	Requirement string   `yaml:"requirement"`
	Produces    string   `yaml:"produces"`
	Takes       string   `yaml:"takes"`
	Long        bool     `yaml:"long"`
	Simulations []string `yaml:"simulations"`
	// Manual, when set, says why no script can produce the evidence.
	Manual string `yaml:"manual"`
}

var scriptIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]*$`)

// loadCatalog parses and checks the embedded catalogue: strict keys, every
// simulation known, a body for every scripted requirement and none for a
// manual one.
func loadCatalog() (*catalog, error) {
	data, err := scriptFS.ReadFile("scripts/catalog.yaml")
	if err != nil {
		return nil, fmt.Errorf("read script catalogue: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse script catalogue: %w", err)
	}
	seen := map[string]bool{}
	for _, e := range c.Scripts {
		if err := c.checkEntry(e, seen); err != nil {
			return nil, fmt.Errorf("script catalogue: %s: %w", e.Requirement, err)
		}
	}
	return &c, nil
}

func (c *catalog) checkEntry(e catalogEntry, seen map[string]bool) error {
	if !scriptIDPattern.MatchString(e.Requirement) || seen[e.Requirement] {
		return fmt.Errorf("bad or repeated requirement id")
	}
	seen[e.Requirement] = true
	_, bodyErr := scriptFS.ReadFile(bodyPath(e.Requirement))
	switch {
	case e.Manual != "" && (e.Produces != "" || e.Long || len(e.Simulations) > 0 || bodyErr == nil):
		return fmt.Errorf("a manual entry has no script")
	case e.Manual == "" && (e.Produces == "" || e.Takes == ""):
		return fmt.Errorf("produces and takes are required")
	case e.Manual == "" && bodyErr != nil:
		return fmt.Errorf("no script body: %w", bodyErr)
	}
	for _, s := range e.Simulations {
		if _, ok := c.Simulations[s]; !ok {
			return fmt.Errorf("unknown simulation %q", s)
		}
	}
	return nil
}

func (c *catalog) entry(id string) (catalogEntry, bool) {
	for _, e := range c.Scripts {
		if e.Requirement == id {
			return e, true
		}
	}
	return catalogEntry{}, false
}

func bodyPath(id string) string { return "scripts/" + id + ".sh" }

// emulatorOnly reports whether an entry calls a simulation endpoint the
// Axys docs do not show.
func (c *catalog) emulatorOnly(e catalogEntry) bool {
	for _, s := range e.Simulations {
		if !c.Simulations[s].Documented {
			return true
		}
	}
	return false
}

// forcesFaults reports whether an entry forces the emulator's next answers,
// which every call in flight would see: run-all runs such scripts last,
// one at a time.
func (e catalogEntry) forcesFaults() bool {
	for _, s := range e.Simulations {
		if s == "faults" {
			return true
		}
	}
	return false
}
