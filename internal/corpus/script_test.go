package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/coverage"
	"github.com/evidence-proxy/evidence-proxy/events"
)

// script is one parsed traffic script.
type script struct {
	seed   int64
	labels []label
	cmds   []command
}

// label is a verdict the script's author expects.
type label struct {
	line   int
	req    string
	status coverage.Status
}

// command is one line to run: its words, with a call's body, expected
// status and captures split out.
type command struct {
	line   int
	words  []string
	body   string
	status int
	takes  []capture
}

type capture struct{ name, path string }

// parseScript reads a script; a malformed line is an error naming it.
func parseScript(src string) (*script, error) {
	s := &script{seed: 1}
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := s.parseLine(i+1, line); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
	}
	return s, nil
}

func (s *script) parseLine(n int, line string) error {
	words := strings.Fields(line)
	switch words[0] {
	case "seed":
		v, err := strconv.ParseInt(words[len(words)-1], 10, 64)
		s.seed = v
		return err
	case "label":
		if len(words) != 3 || !known(coverage.Status(words[2])) {
			return fmt.Errorf("want label <requirement> met|partial|missing|violated|n/a")
		}
		s.labels = append(s.labels, label{n, words[1], coverage.Status(words[2])})
		return nil
	}
	c := command{line: n}
	head, takes, _ := strings.Cut(line, "->")
	head, status, hasStatus := strings.Cut(head, "=>")
	if hasStatus {
		v, err := strconv.Atoi(strings.TrimSpace(status))
		if err != nil {
			return fmt.Errorf("bad status %q", status)
		}
		c.status = v
	}
	c.words = strings.Fields(head)
	if isMethod(words[0]) {
		parts := strings.SplitN(strings.TrimSpace(head), " ", 3)
		c.words = parts[:min(2, len(parts))]
		if len(parts) == 3 {
			c.body = strings.TrimSpace(parts[2])
		}
	}
	for _, tk := range strings.Fields(takes) {
		name, path, ok := strings.Cut(tk, "=")
		if !ok {
			return fmt.Errorf("bad capture %q (want name=path)", tk)
		}
		c.takes = append(c.takes, capture{name, path})
	}
	s.cmds = append(s.cmds, c)
	return nil
}

func known(st coverage.Status) bool {
	for _, s := range coverage.Statuses {
		if s == st {
			return true
		}
	}
	return st == coverage.StatusNotApplicable
}

func isMethod(w string) bool {
	switch w {
	case "GET", "POST", "PUT", "PATCH", "DELETE":
		return true
	}
	return false
}

// runner runs a script's commands in a world. trace is the traceparent
// the calls and events carry ("" none), traces those made so far by name.
type runner struct {
	t      *testing.T
	w      *world
	vars   map[string]string
	pace   time.Duration
	start  time.Time
	trace  string
	traces map[string]string
}

func (r *runner) run(cmds []command) {
	for _, c := range cmds {
		r.w.clock.advance(r.pace)
		if err := r.do(c); err != nil {
			r.t.Fatalf("line %d: %v", c.line, err)
		}
	}
}

func (r *runner) do(c command) error {
	w := c.words
	switch w[0] {
	case "pace":
		d, err := time.ParseDuration(w[1])
		r.pace = d
		return err
	case "sleep":
		d, err := parseDuration(w[1])
		r.w.clock.advance(d)
		return err
	case "fault":
		count := "1"
		if len(w) > 2 {
			count = w[2]
		}
		return r.call(r.w.app, "POST", "/staging/faults", `{"status":`+w[1]+`,"count":`+count+`}`, 200, nil)
	case "badkey":
		return r.badKey(w[1], w[2], c.status)
	case "guard":
		_, err := r.send(r.w.viaProxy, w[1], "http://production.api.axyscards.com/v2"+r.expand(w[2]), "{}", 403)
		return err
	case "holder", "approved", "virtual", "physical":
		return r.macro(w)
	case "event":
		return r.event(w[1:])
	case "trace":
		return r.useTrace(w[1])
	}
	if !isMethod(w[0]) || len(w) != 2 {
		return fmt.Errorf("unknown command %q", strings.Join(w, " "))
	}
	return r.call(r.w.app, w[0], w[1], c.body, c.status, c.takes)
}

// call sends one call to the sidecar and captures from its answer.
func (r *runner) call(cl *http.Client, method, path, body string, want int, takes []capture) error {
	doc, err := r.send(cl, method, r.w.base+r.expand(path), r.expand(body), want)
	if err != nil {
		return err
	}
	for _, tk := range takes {
		v, ok := lookup(doc, tk.path)
		if !ok {
			return fmt.Errorf("%s %s: no %s in the answer %s", method, path, tk.path, doc)
		}
		r.vars[tk.name] = v
	}
	return nil
}

func (r *runner) send(cl *http.Client, method, url, body string, want int) ([]byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.trace != "" {
		req.Header.Set("Traceparent", r.trace)
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	doc, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if want != 0 && resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s answered %d, want %d: %s", method, url, resp.StatusCode, want, doc)
	}
	return doc, nil
}

// badKey sends a call with a wrong X-API-Key (the sidecar adds its key
// only to calls that carry none).
func (r *runner) badKey(method, path string, want int) error {
	req, err := http.NewRequest(method, r.w.base+r.expand(path), nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", "not-a-key")
	resp, err := r.w.app.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if want != 0 && resp.StatusCode != want {
		return fmt.Errorf("%s %s with a wrong key answered %d, want %d", method, path, resp.StatusCode, want)
	}
	return nil
}

// expand replaces {name} with captured values.
func (r *runner) expand(s string) string {
	for name, v := range r.vars {
		s = strings.ReplaceAll(s, "{"+name+"}", v)
	}
	return s
}

// lookup reads a dotted path ("items.0.transId") from a JSON answer, as
// text.
func lookup(doc []byte, path string) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) != nil {
		return "", false
	}
	for _, seg := range strings.Split(path, ".") {
		switch t := x.(type) {
		case map[string]any:
			x = t[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return "", false
			}
			x = t[i]
		default:
			return "", false
		}
	}
	switch t := x.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	}
	return "", false
}

// parseDuration reads durations with days (7d) as well as Go's.
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err
	}
	return time.ParseDuration(s)
}

// fullHolder is a cardholder with every field the create call takes.
const fullHolder = `{"firstName":"Jordan","lastName":"Reyes","emailAdr":"jordan@example.com","gender":0,"nationality":"American",` +
	`"placeOfBirth":"USA","dob":"1990-05-14","adrLine1":"123 Market Street","city":"San Francisco","state":"CA","country":"US",` +
	`"zipCode":"94105","callingCode":"001","cellNum":"4155550100","countryCallingCode":"US"}`

// macro runs the few steps many scripts share, each the calls an
// integration makes for it.
func (r *runner) macro(w []string) error {
	switch w[0] {
	case "holder":
		return r.call(r.w.app, "POST", "/cardholders", fullHolder, 200, []capture{{w[1], "cardholderId"}})
	case "approved":
		h := w[1]
		steps := []func() error{
			func() error {
				return r.call(r.w.app, "POST", "/cardholders", fullHolder, 200, []capture{{h, "cardholderId"}})
			},
			func() error { return r.call(r.w.app, "PUT", "/cardholders/{"+h+"}/kyc-submit", "", 200, nil) },
			func() error {
				return r.call(r.w.app, "POST", "/staging/kyc/validate", `{"cardholderId":{`+h+`},"result":"pass"}`, 200, nil)
			},
			func() error { return r.call(r.w.app, "GET", "/cardholders/{"+h+"}", "", 200, nil) },
		}
		for _, step := range steps {
			r.w.clock.advance(r.pace)
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	case "virtual":
		return r.call(r.w.app, "POST", "/cards/virtual/{"+w[1]+"}", `{"nameOnCard":"JORDAN REYES"}`, 200, []capture{{w[2], "cardId"}})
	case "physical":
		return r.call(r.w.app, "POST", "/cards/assign/{"+w[1]+"}", `{"nameOnCard":"JORDAN REYES","cardType":0}`, 200, []capture{{w[2], "cardId"}})
	}
	return fmt.Errorf("unknown macro %q", w[0])
}

// readScript reads and parses a script file.
func readScript(t *testing.T, path string) *script {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseScript(string(src))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

// event sends an event of the app to the sidecar's receiver: a name, then
// attributes key=value (values as the event command reads them: JSON
// literals, else strings), in the current trace.
func (r *runner) event(words []string) error {
	if len(words) == 0 {
		return fmt.Errorf("event: want a name")
	}
	args := make([]string, len(words)-1)
	for i, a := range words[1:] {
		args[i] = r.expand(a)
	}
	e, err := events.ParseArgs(words[0], args, r.w.clock.Now())
	if err != nil {
		return err
	}
	e.Traceparent = r.trace
	_, err = events.Send(context.Background(), events.ClientOptions{URL: r.w.events}, e)
	return err
}

// useTrace makes the calls and events after it carry the trace named
// name (a fresh W3C trace id the first time), or none with "none".
func (r *runner) useTrace(name string) error {
	if name == "none" {
		r.trace = ""
		return nil
	}
	if r.traces == nil {
		r.traces = map[string]string{}
	}
	tp, ok := r.traces[name]
	if !ok {
		tp = fmt.Sprintf("00-%032x-%016x-01", len(r.traces)+1, len(r.traces)+1)
		r.traces[name] = tp
	}
	r.trace = tp
	return nil
}
