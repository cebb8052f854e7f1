package golive

import (
	"bytes"
	"fmt"
	"strings"
)

// render returns a script: the header that says what it is and how to run
// it, then its body.
func (p *scriptPlan) render(s Script) ([]byte, error) {
	var b bytes.Buffer
	r := p.reqs[s.Requirement]
	fmt.Fprintf(&b, "#!/bin/sh\n# %s: %s\n#\n", s.Requirement, oneLine(r.Title))
	field := func(name, text string) { wrapComment(&b, fmt.Sprintf("%-12s ", name), text) }
	field("Requirement", fmt.Sprintf("%s of matrix %s %s (%s; %s)", r.ID, p.o.Matrix.ID(), p.o.Matrix.Version(), r.Area, r.Basis))
	field("When written", p.statusText(s.Requirement))
	var body []byte
	switch s.Kind {
	case ScriptComposite:
		field("Produces", "the evidence of "+strings.Join(s.Runs, ", ")+", which this requirement requires: it runs their scripts")
		body = p.compositeBody(s)
	default:
		e, _ := p.cat.entry(s.Requirement)
		field("Produces", e.Produces)
		field("Takes", e.Takes)
		p.simulationLines(&b, e)
		var err error
		if body, err = scriptFS.ReadFile(bodyPath(s.Requirement)); err != nil {
			return nil, err
		}
	}
	b.WriteString("#\n")
	p.usage(&b, s)
	fmt.Fprintf(&b, "set -u\n# shellcheck disable=SC2034 # read by lib.sh\nEP_VERSION=%s\n# shellcheck source=lib.sh\n. \"$(dirname \"$0\")/lib.sh\"\nep_init %s\n\n", shellQuote(p.o.ToolVersion), s.Requirement)
	b.Write(body)
	return b.Bytes(), nil
}

// statusText is the requirement's verdict when the scripts were written.
func (p *scriptPlan) statusText(id string) string {
	r, ok := p.results[id]
	if !ok {
		return "not in the report"
	}
	return string(r.Status) + ": " + oneLine(r.Explanation)
}

func (p *scriptPlan) simulationLines(b *bytes.Buffer, e catalogEntry) {
	name := "Simulation"
	for _, key := range e.Simulations {
		sim := p.cat.Simulations[key]
		who := "evidence-proxy's emulator only"
		if sim.Documented {
			who = "documented by Axys"
		}
		wrapComment(b, fmt.Sprintf("%-12s ", name), fmt.Sprintf("%s (%s): %s", sim.Call, who, sim.Note))
		name = ""
	}
	if p.cat.emulatorOnly(e) {
		wrapComment(b, fmt.Sprintf("%-12s ", ""), "Where an emulator-only endpoint answers 404 (Axys staging), the script stops with exit status 3; do that step with the simulation Axys documents for your program, then the rest by hand.")
	}
}

// usage is the part of the header every script shares.
func (p *scriptPlan) usage(b *bytes.Buffer, s Script) {
	fmt.Fprintf(b, `# Run it through the sidecar, in front of Axys staging or the emulator:
#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh %s
#
#   EVIDENCE_PROXY_URL  the sidecar's proxy listener (calls go to .../v2)
#   AXYS_API_KEY        the staging API key; set it empty (AXYS_API_KEY=)
#                       when the sidecar adds the key (serve --api-key)
#   AXYS_ENV            staging or unset; anything else is refused
#
`, s.File)
	if s.Kind == ScriptLong {
		fmt.Fprintf(b, "# This script runs for hours: run-all.sh runs it only with --long. Run it\n# alone, e.g. nohup sh %s >%s.log 2>&1 &\n#\n", s.File, s.Requirement)
	}
	fmt.Fprintf(b, `# It refuses to run (exit 2, before any call) without these variables,
# against a production URL, or when the sidecar does not answer; it stops
# with a clear message (exit 1) when staging answers unexpectedly. Every
# call carries User-Agent: evidence-proxy-script/%s (%s) and
# X-Evidence-Script: %s, so the coverage report tells its evidence from
# the app's.
#
# Written by evidence-proxy %s, script catalogue %s.

`, oneLine(p.o.ToolVersion), s.Requirement, s.Requirement, oneLine(p.o.ToolVersion), p.cat.Version)
}

func (p *scriptPlan) compositeBody(s Script) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s is met when the requirements it requires are: their scripts run here.\n", s.Requirement)
	b.WriteString("dir=$(dirname \"$0\")\n")
	for _, part := range s.Runs {
		fmt.Fprintf(&b, "sh \"$dir/%s.sh\" || exit $?\n", part)
	}
	fmt.Fprintf(&b, "ep_done \"the evidence of %s\"\n", strings.Join(s.Runs, ", "))
	return b.Bytes()
}

// runAll is run-all.sh: every quick script, those forcing the emulator's
// answers last, then with --long the long ones.
func (p *scriptPlan) runAll() []byte {
	var quick, faults []string
	for _, s := range p.scriptsOf(ScriptQuick) {
		if e, _ := p.cat.entry(s.Requirement); e.forcesFaults() {
			faults = append(faults, s.Requirement)
		} else {
			quick = append(quick, s.Requirement)
		}
	}
	var long []string
	for _, s := range p.scriptsOf(ScriptLong) {
		long = append(long, s.Requirement)
	}
	var manual []string
	for _, m := range p.set.Manual {
		manual = append(manual, m.Requirement)
	}
	var b bytes.Buffer
	b.WriteString("#!/bin/sh\n")
	wrapComment(&b, "", fmt.Sprintf("run-all.sh: runs one after the other the test scripts evidence-proxy %s wrote for the gaps of matrix %s %s; those that force the emulator's next answers run last. Long scripts (hours of polling) run only with --long.",
		oneLine(p.o.ToolVersion), p.o.Matrix.ID(), p.o.Matrix.Version()))
	fmt.Fprintf(&b, runAllTemplate, shellQuote(p.o.ToolVersion),
		strings.Join(append(quick, faults...), " "), strings.Join(long, " "), strings.Join(manual, " "))
	return b.Bytes()
}

const runAllTemplate = `#
#   EVIDENCE_PROXY_URL=http://127.0.0.1:8080 AXYS_API_KEY=<staging key> sh run-all.sh [--long]
#
# The variables are those of every script (see their headers). It checks
# them and the sidecar before any script runs, goes on past a script that
# fails, and exits 1 when any failed (3 when the only trouble is steps
# that need the emulator). README.md lists what no script can produce.
set -u
# shellcheck disable=SC2034 # read by lib.sh
EP_VERSION=%s
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
long=0
for arg in "$@"; do
	case $arg in
	--long) long=1 ;;
	*) ep_die 2 "usage: sh run-all.sh [--long]" ;;
	esac
done
ep_init run-all
dir=$(dirname "$0")
quick='%s'
long_scripts='%s'
manual='%s'
ok='' failed='' emulator=''
run() {
	sh "$dir/$1.sh"
	rc=$?
	case $rc in
	0) ok="$ok $1" ;;
	2) ep_die 2 "$1.sh could not start (see above): stopping" ;;
	3) emulator="$emulator $1" ;;
	*) failed="$failed $1" ;;
	esac
}
for s in $quick; do run "$s"; done
if [ "$long" = 1 ]; then
	for s in $long_scripts; do run "$s"; done
elif [ -n "$long_scripts" ]; then
	ep_say "not run (hours of polling; use --long): $long_scripts"
fi
[ -z "$manual" ] || ep_say "no script can produce (see README.md): $manual"
ep_say "evidence produced:${ok:- none}"
[ -z "$emulator" ] || ep_say "steps need the emulator's simulation endpoints:$emulator"
if [ -n "$failed" ]; then
	ep_say "failed:$failed"
	exit 1
fi
[ -z "$emulator" ] || exit 3
exit 0
`

// readme is README.md: what was written, how to run it, and what no
// script can produce.
func (p *scriptPlan) readme() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Test scripts for matrix %s %s\n\n", p.o.Matrix.ID(), p.o.Matrix.Version())
	fmt.Fprintf(&b, "Written by evidence-proxy %s (script catalogue %s) for the requirements the coverage report\n", oneLine(p.o.ToolVersion), p.cat.Version)
	b.WriteString("showed missing or partial. Run them through the sidecar, in front of Axys staging or the emulator:\n\n")
	b.WriteString("```sh\nexport EVIDENCE_PROXY_URL=http://127.0.0.1:8080   # the sidecar's proxy listener\nexport AXYS_API_KEY=...                          # or AXYS_API_KEY= when the sidecar adds it\nsh run-all.sh            # the quick ones; --long adds those that poll for hours\n```\n\n")
	b.WriteString("Each script is POSIX sh with curl only; its header says what it produces, how long it takes and\n")
	b.WriteString("which simulation endpoints it calls. Calls carry `X-Evidence-Script: <requirement>`, so the report\nmarks the evidence they produce as produced by a script.\n\n")
	if len(p.set.Scripts) > 0 {
		b.WriteString("| script | requirement | kind | status when written |\n|---|---|---|---|\n")
		for _, s := range p.set.Scripts {
			kind := string(s.Kind)
			if s.EmulatorOnly {
				kind += ", needs the emulator"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.File, mdEscape(oneLine(s.Title)), kind, s.Status)
		}
		b.WriteString("\n")
	}
	p.readmeRest(&b)
	return b.Bytes()
}

func (p *scriptPlan) readmeRest(b *bytes.Buffer) {
	if p.set.MatrixMismatch != "" {
		fmt.Fprintf(b, "**Note:** %s: a requirement of the same id may be judged otherwise; check each one's status after its script.\n\n", mdEscape(p.set.MatrixMismatch))
	}
	if len(p.set.Manual) > 0 {
		b.WriteString("## What no script can produce\n\n")
		for _, m := range p.set.Manual {
			fmt.Fprintf(b, "- **%s** %s: %s\n", m.Requirement, mdEscape(oneLine(m.Title)), mdEscape(oneLine(m.Why)))
		}
		b.WriteString("\n")
	}
	if len(p.set.Violated) > 0 {
		fmt.Fprintf(b, "## Violated\n\n%s: the traffic shows them mishandled. No script helps: the app must change, and the\nviolating calls stay in the evidence.\n\n", strings.Join(p.set.Violated, ", "))
	}
	if len(p.set.Unscripted) > 0 {
		b.WriteString("## Without a script\n\nevidence-proxy has no script for these requirements of your matrix; their steps:\n\n")
		for _, id := range p.set.Unscripted {
			fmt.Fprintf(b, "- **%s** %s\n", id, mdEscape(oneLine(p.reqs[id].Title)))
			for _, st := range p.reqs[id].Steps {
				fmt.Fprintf(b, "  - `%s`\n", strings.ReplaceAll(oneLine(st), "`", "'"))
			}
		}
		b.WriteString("\n")
	}
}

// oneLine makes text safe for a one-line comment or cell: control
// characters become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// wrapComment writes text as shell comment lines of at most 76 columns,
// the first starting with lead, the others indented under it.
func wrapComment(b *bytes.Buffer, lead, text string) {
	cont := "# " + strings.Repeat(" ", len(lead))
	line, empty := "# "+lead, true
	for _, w := range strings.Fields(oneLine(text)) {
		if !empty && len(line)+1+len(w) > 76 {
			b.WriteString(line + "\n")
			line, empty = cont, true
		}
		if !empty {
			line += " "
		}
		line += w
		empty = false
	}
	b.WriteString(strings.TrimRight(line, " ") + "\n")
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// mdEscape escapes text for a Markdown cell.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}
