package golive

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/coverage"
)

// ScriptKind says what a written script does.
type ScriptKind string

const (
	// ScriptQuick produces its evidence in minutes; run-all.sh runs it.
	ScriptQuick ScriptKind = "quick"
	// ScriptLong needs hours or days of polling; run-all.sh runs it only
	// with --long, and its header says how long.
	ScriptLong ScriptKind = "long"
	// ScriptComposite runs the scripts of the requirements its requires
	// rule names.
	ScriptComposite ScriptKind = "composite"
)

// ScriptOptions configure WriteScripts. Report, Matrix and Dir are
// required.
type ScriptOptions struct {
	// Report says which requirements are missing or partial.
	Report *coverage.Report
	// Matrix is the matrix the report was computed against.
	Matrix *coverage.Matrix
	// Dir is where the scripts are written (created 0755 when missing);
	// files of the same names are replaced.
	Dir string
	// Requirements, when set, are the only requirements written, whatever
	// their status, with every part their requires rules name. Empty means
	// every requirement not met, with the parts not met.
	Requirements []string
	// ToolVersion goes into each script's header and User-Agent; empty
	// means "dev".
	ToolVersion string
}

// ScriptSet is what WriteScripts wrote.
type ScriptSet struct {
	Dir string `json:"dir"`
	// Scripts are the scripts written, in matrix order.
	Scripts []Script `json:"scripts"`
	// Manual are the requirements no script can honestly produce, each
	// with why (also in README.md).
	Manual []Explanation `json:"manual,omitempty"`
	// Violated are requirements the traffic shows mishandled: no script
	// helps, the app must change.
	Violated []string `json:"violated,omitempty"`
	// Unscripted are requirements of the matrix evidence-proxy has no
	// script for (a matrix of one's own): their steps are in README.md.
	Unscripted []string `json:"unscripted,omitempty"`
	// MatrixMismatch, when set, says that the scripts were written for
	// another matrix or version than the report's: a requirement of the
	// same id may be judged otherwise (also in README.md).
	MatrixMismatch string `json:"matrix_mismatch,omitempty"`
}

// Script is one script written.
type Script struct {
	Requirement string          `json:"requirement"`
	Title       string          `json:"title"`
	File        string          `json:"file"`
	Kind        ScriptKind      `json:"kind"`
	Status      coverage.Status `json:"status"`
	// Runs are the requirements whose scripts a composite script runs.
	Runs []string `json:"runs,omitempty"`
	// EmulatorOnly is set when a step needs a simulation endpoint of
	// evidence-proxy's emulator that the Axys docs do not show.
	EmulatorOnly bool `json:"emulator_only,omitempty"`
}

// Explanation says why a requirement gets no script.
type Explanation struct {
	Requirement string `json:"requirement"`
	Title       string `json:"title"`
	Why         string `json:"why"`
}

// ErrUnknownRequirement is wrapped by WriteScripts when a requirement asked
// for is not in the matrix.
var ErrUnknownRequirement = errors.New("unknown requirement")

// WriteScripts writes, for the gaps of a coverage report, one POSIX sh
// script per requirement that drives the flow through the sidecar (see the
// package documentation), the lib.sh they share, run-all.sh and a
// README.md. Nothing is called: the scripts run later, by hand.
func WriteScripts(o ScriptOptions) (*ScriptSet, error) {
	if o.Report == nil || o.Matrix == nil || o.Dir == "" {
		return nil, errors.New("write scripts: a report, its matrix and a directory are required")
	}
	cat, err := loadCatalog()
	if err != nil {
		return nil, fmt.Errorf("write scripts: %w", err)
	}
	p, err := planScripts(o, cat)
	if err != nil {
		return nil, fmt.Errorf("write scripts: %w", err)
	}
	if err := p.write(); err != nil {
		return nil, fmt.Errorf("write scripts: %w", err)
	}
	return &p.set, nil
}

// scriptPlan is what WriteScripts will write.
type scriptPlan struct {
	o       ScriptOptions
	cat     *catalog
	reqs    map[string]coverage.Requirement
	results map[string]coverage.RequirementResult
	set     ScriptSet
}

func planScripts(o ScriptOptions, cat *catalog) (*scriptPlan, error) {
	if o.ToolVersion == "" {
		o.ToolVersion = "dev"
	}
	p := &scriptPlan{o: o, cat: cat, reqs: map[string]coverage.Requirement{}, results: map[string]coverage.RequirementResult{}}
	p.set.Dir = o.Dir
	if id, v := o.Matrix.ID(), o.Matrix.Version(); id != cat.Matrix || v != cat.MatrixVersion {
		p.set.MatrixMismatch = fmt.Sprintf("the scripts were written for matrix %s %s, the report's is %s %s", cat.Matrix, cat.MatrixVersion, id, v)
	}
	for _, r := range o.Matrix.Requirements() {
		p.reqs[r.ID] = r
	}
	for _, r := range o.Report.Requirements {
		p.results[r.ID] = r
	}
	chosen, err := p.choose()
	if err != nil {
		return nil, err
	}
	for _, r := range o.Matrix.Requirements() {
		if chosen[r.ID] {
			p.add(r)
		}
	}
	return p, nil
}

// choose returns the requirements to write: those asked for with all the
// parts their requires rules name, or every one not met (the violated
// ones are only listed) with the parts that are not met.
func (p *scriptPlan) choose() (map[string]bool, error) {
	chosen := map[string]bool{}
	for _, id := range p.o.Requirements {
		if _, ok := p.reqs[id]; !ok {
			return nil, fmt.Errorf("%w %q (not in matrix %s)", ErrUnknownRequirement, id, p.o.Matrix.ID())
		}
		chosen[id] = true
	}
	if len(p.o.Requirements) == 0 {
		for id, r := range p.results {
			if _, ok := p.reqs[id]; ok && r.Status != coverage.StatusMet {
				chosen[id] = true
			}
		}
	}
	for id := range chosen {
		for _, part := range p.o.Matrix.Requires(id) {
			if p.explicit() || p.status(part) != coverage.StatusMet {
				chosen[part] = true
			}
		}
	}
	return chosen, nil
}

// explicit reports whether the requirements were named: then they are
// written whatever their status, with all their parts.
func (p *scriptPlan) explicit() bool { return len(p.o.Requirements) > 0 }

// status is a requirement's status in the report (missing when the report
// does not list it).
func (p *scriptPlan) status(id string) coverage.Status {
	if r, ok := p.results[id]; ok {
		return r.Status
	}
	return coverage.StatusMissing
}

// add classifies one chosen requirement.
func (p *scriptPlan) add(r coverage.Requirement) {
	st := p.status(r.ID)
	if st == coverage.StatusViolated {
		p.set.Violated = append(p.set.Violated, r.ID)
		return
	}
	s := Script{Requirement: r.ID, Title: r.Title, File: r.ID + ".sh", Status: st}
	if parts := p.o.Matrix.Requires(r.ID); len(parts) > 0 {
		p.addComposite(s, parts)
		return
	}
	e, ok := p.cat.entry(r.ID)
	switch {
	case !ok:
		p.set.Unscripted = append(p.set.Unscripted, r.ID)
	case e.Manual != "":
		p.set.Manual = append(p.set.Manual, Explanation{Requirement: r.ID, Title: r.Title, Why: e.Manual})
	default:
		s.Kind, s.EmulatorOnly = ScriptQuick, p.cat.emulatorOnly(e)
		if e.Long {
			s.Kind = ScriptLong
		}
		p.set.Scripts = append(p.set.Scripts, s)
	}
}

// addComposite adds the script of a requirement whose rule requires
// others: it runs the scripts of those parts that have one (and, unless
// the requirements were named, are not met). Without any, the requirement
// is explained instead.
func (p *scriptPlan) addComposite(s Script, parts []string) {
	s.Kind = ScriptComposite
	var without []string
	for _, part := range parts {
		if !p.explicit() && p.status(part) == coverage.StatusMet {
			continue
		}
		e, ok := p.cat.entry(part)
		if !ok || e.Manual != "" || p.status(part) == coverage.StatusViolated {
			without = append(without, part)
			continue
		}
		s.Runs = append(s.Runs, part)
		s.EmulatorOnly = s.EmulatorOnly || p.cat.emulatorOnly(e)
	}
	if len(s.Runs) == 0 {
		p.set.Manual = append(p.set.Manual, Explanation{Requirement: s.Requirement, Title: s.Title,
			Why: "It is met when " + strings.Join(parts, ", ") + " are; no script can produce " + strings.Join(without, ", ") + " (see them)."})
		return
	}
	p.set.Scripts = append(p.set.Scripts, s)
}

// outFile is one file WriteScripts writes.
type outFile struct {
	name string
	data []byte
	mode os.FileMode
}

// write writes lib.sh, the scripts, run-all.sh and README.md.
func (p *scriptPlan) write() error {
	if err := os.MkdirAll(p.o.Dir, 0o755); err != nil {
		return err
	}
	lib, err := scriptFS.ReadFile("scripts/lib.sh")
	if err != nil {
		return err
	}
	files := []outFile{{"lib.sh", lib, 0o644}}
	for _, s := range p.set.Scripts {
		data, err := p.render(s)
		if err != nil {
			return err
		}
		files = append(files, outFile{s.File, data, 0o755})
	}
	files = append(files, outFile{"run-all.sh", p.runAll(), 0o755}, outFile{"README.md", p.readme(), 0o644})
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(p.o.Dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so a script is never half written.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// scriptsOf returns the scripts of the given kinds, in plan order.
func (p *scriptPlan) scriptsOf(kinds ...ScriptKind) []Script {
	var out []Script
	for _, s := range p.set.Scripts {
		if slices.Contains(kinds, s.Kind) {
			out = append(out, s)
		}
	}
	return out
}
