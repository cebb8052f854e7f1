package coverage

import (
	"strings"
)

// The next steps are what a report shows first: every requirement that is
// not met, violated ones first (the client must change), then missing,
// then partial, each in matrix order, with what to do and the matrix's
// commands. The commands read two shell variables the section defines:
//
//	EVIDENCE_PROXY_URL  the sidecar's proxy listener, without the /v2 apps
//	                    add (the commands add it): RenderOptions.ProxyURL
//	AXYS_API_KEY        the staging API key; empty when the sidecar adds
//	                    its own (curl then sends no X-API-Key header)
//
// the names the go-live test scripts read. A matrix's steps written with
// the older names $PROXY and $KEY (the convention of the built-in matrix's
// header, and so of matrices that extend it) are shown with the new ones.

// Shell variables the steps' commands read.
const (
	ProxyURLVar = "EVIDENCE_PROXY_URL"
	APIKeyVar   = "AXYS_API_KEY"
)

// legacyStepVars maps the older variable names of matrix steps to the
// ones the report defines.
var legacyStepVars = [...][2]string{{"PROXY", ProxyURLVar}, {"KEY", APIKeyVar}}

// StepCommand returns a matrix step with the variables renamed to the
// ones reports define: $PROXY and ${PROXY} become $EVIDENCE_PROXY_URL,
// $KEY and ${KEY} become $AXYS_API_KEY; longer names ($KEYS, $PROXY_2)
// are left alone.
func StepCommand(step string) string {
	if !strings.Contains(step, "$") {
		return step
	}
	var b strings.Builder
	for i := 0; i < len(step); i++ {
		if step[i] != '$' {
			b.WriteByte(step[i])
			continue
		}
		name, n := legacyVarAt(step[i+1:])
		if n == 0 {
			b.WriteByte('$')
			continue
		}
		b.WriteString("$" + name)
		i += n
	}
	return b.String()
}

// legacyVarAt reports whether s starts with a legacy variable name (bare
// or in braces, ending there) and returns its replacement and the bytes it
// spans.
func legacyVarAt(s string) (string, int) {
	for _, v := range legacyStepVars {
		if strings.HasPrefix(s, "{"+v[0]+"}") {
			return v[1], len(v[0]) + 2
		}
		if rest, ok := strings.CutPrefix(s, v[0]); ok && (rest == "" || !isShellNameByte(rest[0])) {
			return v[1], len(v[0])
		}
	}
	return "", 0
}

func isShellNameByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// stepVar is one variable the next steps define, as a shell assignment
// and what it is.
type stepVar struct {
	Name  string
	Value string // shell-quoted when needed
	Note  string
}

// Assignment is the line to paste: export NAME=VALUE.
func (v stepVar) Assignment() string { return "export " + v.Name + "=" + v.Value }

// stepVars are the variables of the next steps under o.
func stepVars(o RenderOptions) []stepVar {
	proxy := stepVar{Name: ProxyURLVar, Value: shellQuote(o.ProxyURL),
		Note: "this sidecar's proxy listener (the commands add /v2)"}
	if o.ProxyURL == "" {
		proxy.Value = "http://127.0.0.1:8080"
		proxy.Note = "set: your sidecar's proxy listener, without /v2"
	}
	key := stepVar{Name: APIKeyVar, Value: `"$(cat staging/api-key)"`,
		Note: "your staging API key; empty when the sidecar adds its own"}
	if o.KeyAdded {
		key.Value = "''"
		key.Note = "empty: this sidecar adds its API key"
	}
	return []stepVar{proxy, key}
}

// shellQuote quotes s for a POSIX shell unless it is made of characters
// that need none.
func shellQuote(s string) string {
	safe := s != ""
	for i := 0; i < len(s) && safe; i++ {
		c := s[i]
		safe = isShellNameByte(c) || strings.IndexByte("-./:@%+,=", c) >= 0
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// placeholderNote says what the braces in the commands stand for.
const placeholderNote = "Replace {cardholderId}, {cardId}, {walletId}, {depositId} and {token} with ids from your own calls, and <…> with a value a response showed."

// nextItem is one requirement of the next steps.
type nextItem struct {
	RequirementResult
	// Advice says what to do, in a sentence or two of plain text.
	Advice string
	// Commands and instructions, with the variables renamed.
	Steps []string
	// index is the requirement's position in the report.
	index int
}

// nextOrder is the order of the next steps by status.
var nextOrder = [...]Status{StatusViolated, StatusMissing, StatusPartial}

// nextItems lists the requirements that need work: violated, missing,
// partial, each in matrix order. Met ones need none, and neither do those
// with another verdict (a requirement not judged).
func nextItems(r *Report) []nextItem {
	var out []nextItem
	for _, st := range nextOrder {
		for i, q := range r.Requirements {
			if q.Status == st {
				out = append(out, newNextItem(i, q))
			}
		}
	}
	return out
}

func newNextItem(i int, q RequirementResult) nextItem {
	it := nextItem{RequirementResult: q, Advice: nextAdvice(q.Status), index: i}
	for _, s := range q.Steps {
		it.Steps = append(it.Steps, StepCommand(s))
	}
	return it
}

// nextAdvice is what to do about a requirement in a status.
func nextAdvice(s Status) string {
	switch s {
	case StatusViolated:
		return "Fix the client: the calls listed show the mishandling. Then show the fix: run the flow again " +
			"and judge only what came after it, with a window that starts after the fix " +
			"(evidence-proxy coverage --since TIME, and evidence-proxy export --since TIME for the auditor's bundle)."
	case StatusMissing:
		return "No evidence yet. Run the flow through the sidecar (the steps below), or have " +
			"evidence-proxy scripts --out DIR write a runnable test script for it (then sh DIR/run-all.sh)."
	case StatusPartial:
		return "Some of the evidence is there; the explanation says what is not. Complete the flow " +
			"(the steps below), or use the test script evidence-proxy scripts --out DIR writes."
	}
	return ""
}

// nextSummary counts the next steps in one line: "2 violated, 5 missing,
// 1 partial", or "none" when every requirement is met.
func nextSummary(items []nextItem) string {
	counts := map[Status]int{}
	var order []Status
	for _, it := range items {
		if counts[it.Status] == 0 {
			order = append(order, it.Status)
		}
		counts[it.Status]++
	}
	var parts []string
	for _, st := range order {
		parts = append(parts, groupThousands(counts[st])+" "+string(st))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
