package contract

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Result is what Check found in one record.
type Result struct {
	Seq uint64 `json:"seq"`
	// Skipped is set for records that are not calls (events, gaps): there
	// is nothing to check.
	Skipped bool `json:"skipped,omitempty"`
	// Method and Endpoint name the described operation the call matched;
	// Endpoint is OtherEndpoint when the path is not described.
	Method   string `json:"method,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	// Documented is set when the call matched a described operation.
	Documented bool `json:"documented,omitempty"`
	// Status is the response status; 0 when there was no response.
	Status int `json:"status,omitempty"`
	// Findings are sorted by side, field, rule and message.
	Findings []Finding `json:"findings,omitempty"`
}

// RequestViolations returns the fields of the request that break the
// contract (not-checked and undocumented findings excluded), in order.
func (r Result) RequestViolations() []string {
	var out []string
	for _, f := range r.Findings {
		if f.Side == SideRequest && f.Rule.Violation() && !slices.Contains(out, f.Field) {
			out = append(out, f.Field)
		}
	}
	return out
}

// HasViolation reports whether a finding on side breaks the contract.
func (r Result) HasViolation(side Side) bool {
	for _, f := range r.Findings {
		if f.Side == side && f.Rule.Violation() {
			return true
		}
	}
	return false
}

// Accepted reports whether the request breaks the contract and the
// upstream nevertheless answered 2xx: the calls that break in production.
func (r Result) Accepted() bool {
	return r.Status/100 == 2 && r.HasViolation(SideRequest)
}

// Violates reports whether the request breaks the contract in field or in
// a part holding it or held by it: a requirement relying on
// "request.body.result" cannot be met by a call whose body is not JSON
// ("request.body") or whose result is not in its enum.
func (r Result) Violates(field string) bool {
	return Affects(r.RequestViolations(), field)
}

// Affects reports whether any of the violated fields is field, one of its
// ancestors or one of its descendants ("request.body" affects
// "request.body.result" and the reverse; "request.body.items[0]" affects
// "request.body.items").
func Affects(violations []string, field string) bool {
	for _, v := range violations {
		if v == field || within(field, v) || within(v, field) {
			return true
		}
	}
	return false
}

// within reports whether field lies below parent.
func within(field, parent string) bool {
	if !strings.HasPrefix(field, parent) || len(field) == len(parent) {
		return false
	}
	c := field[len(parent)]
	return c == '.' || c == '['
}

// RequestViolations checks rec and returns the fields of its request that
// break the contract (see Result.RequestViolations): what the classifier
// needs to refuse a call as evidence for a requirement relying on them.
func (s *Spec) RequestViolations(rec *evidence.Record) []string {
	return s.Check(rec).RequestViolations()
}

// Check holds one record against the description: its request (path and
// query parameters, body) and its response (status, body). It never fails:
// what cannot be checked (a truncated or undecodable body, an absent
// response) is a not-checked finding. It is safe for concurrent use.
func (s *Spec) Check(rec *evidence.Record) Result { return s.check(rec, false) }

// check is Check; whole decodes bodies without pruning (see shape), for
// the tests that prove pruning changes nothing.
func (s *Spec) check(rec *evidence.Record, whole bool) Result {
	res := Result{Seq: rec.Seq}
	if rec.Kind != evidence.KindCall && rec.Kind != "" {
		res.Skipped = true
		return res
	}
	c := &checker{res: &res, whole: whole}
	res.Method = strings.ToUpper(rec.Request.Method)
	res.Status = rec.Status()
	p := s.apiPath(urlPath(rec.Request.URL))
	op, vals, found := s.routes.lookup(res.Method, p)
	switch {
	case op == nil && found:
		res.Method, res.Endpoint = standardMethod(res.Method), s.templateOf(p)
		c.add(SideRequest, "request.method", RuleUndocumentedMethod, quote(res.Method),
			"the path is described, this method is not")
	case op == nil:
		res.Method, res.Endpoint = standardMethod(res.Method), OtherEndpoint
		c.add(SideRequest, "request.url", RuleUndocumentedEndpoint, quote(p), "the path is not in the description")
	default:
		res.Endpoint, res.Documented = op.Template, true
		c.request(op, vals, rec)
		c.response(op, rec)
	}
	slices.SortFunc(res.Findings, compareFindings)
	return res
}

// templateOf returns the template of the operations at path p (whatever
// their method).
func (s *Spec) templateOf(p string) string {
	for _, m := range methods {
		if op, _, _ := s.routes.lookup(m, p); op != nil {
			return op.Template
		}
	}
	return OtherEndpoint
}

func compareFindings(a, b Finding) int {
	return cmp.Or(cmp.Compare(a.Side, b.Side), cmp.Compare(a.Field, b.Field),
		cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
}

// checker collects the findings of one record.
type checker struct {
	res   *Result
	whole bool
}

func (c *checker) add(side Side, field string, rule Rule, value, msg string) {
	c.res.Findings = append(c.res.Findings, Finding{
		Seq: c.res.Seq, Side: side, Method: c.res.Method, Endpoint: c.res.Endpoint,
		Field: field, Rule: rule, Value: shown(field, value), Message: msg,
	})
}

// request checks the path and query parameters and the body.
func (c *checker) request(op *operation, vals []string, rec *evidence.Record) {
	var query url.Values
	var qerr error
	if op.hasQuery {
		query, qerr = url.ParseQuery(rawQuery(rec.Request.URL))
		if qerr != nil {
			c.add(SideRequest, "request.query", RuleNotChecked, "", "not checked: the query does not parse")
		}
	}
	for _, p := range op.params {
		switch p.in {
		case "path":
			if p.index >= 0 && p.index < len(vals) {
				c.param(p, "request.path."+p.name, vals[p.index])
			}
		case "query":
			if qerr != nil {
				continue
			}
			v, ok := query[p.name]
			if !ok {
				if p.required {
					c.add(SideRequest, "request.query."+p.name, RuleRequired, "", "is required")
				}
				continue
			}
			c.param(p, "request.query."+p.name, v[0])
		}
	}
	if op.body != nil {
		c.body(SideRequest, "request.body", &rec.Request.Body, rec.Request.Header, op.body.media, op.body.required)
	}
}

// pathNames returns the parameter names of a template, in order.
func pathNames(template string) []string {
	var out []string
	for _, seg := range splitPath(template) {
		if isParam(seg) {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// param checks one path or query value, read as its schema's type.
func (c *checker) param(p *param, field, text string) {
	if p.schema == nil {
		return
	}
	v, ok := scalar(p.kind, text)
	if !ok {
		c.add(SideRequest, field, RuleType, quote(text), "must be "+article(p.kind))
		return
	}
	if p.typeOnly {
		return // reading the text as its type was the whole check
	}
	if err := p.schema.Validate(v); err != nil {
		c.schemaErrors(SideRequest, field, v, err)
	}
}

// response checks the status and the body of the upstream's answer.
func (c *checker) response(op *operation, rec *evidence.Record) {
	switch {
	case rec.Response == nil:
		msg := "not checked: no response"
		if rec.Error != nil && rec.Error.Kind != "" {
			msg += " (" + string(rec.Error.Kind) + ")"
		}
		c.add(SideResponse, "response", RuleNotChecked, "", msg)
		return
	case rec.Response.Synthetic:
		c.add(SideResponse, "response", RuleNotChecked, "", "not checked: the proxy's own answer, not the upstream's")
		return
	}
	r := op.match(rec.Response.Status)
	if r == nil {
		c.add(SideResponse, "response.status", RuleStatus, strconv.Itoa(rec.Response.Status),
			"is not described (described: "+op.codes()+")")
		return
	}
	if len(r.media) == 0 {
		return
	}
	c.body(SideResponse, "response.body", &rec.Response.Body, rec.Response.Header, r.media, true)
}

// match returns the response described for status: the exact code, then
// its range ("4XX"), then default.
func (op *operation) match(status int) *response {
	code := strconv.Itoa(status)
	var rng *response
	for _, r := range op.responses {
		switch {
		case r.code == code:
			return r
		case len(code) == 3 && r.code == code[:1]+"XX":
			rng = r
		}
	}
	if rng != nil {
		return rng
	}
	return op.deflt
}

func (op *operation) codes() string {
	var cs []string
	for _, r := range op.responses {
		cs = append(cs, r.code)
	}
	if op.deflt != nil {
		cs = append(cs, "default")
	}
	if len(cs) == 0 {
		return "none"
	}
	return strings.Join(cs, ", ")
}

// headerMediaType returns the media type of a Content-Type header,
// lowercased, without parameters.
func headerMediaType(h http.Header) string {
	ct := h.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

func article(kind string) string {
	switch kind {
	case "integer":
		return "an integer"
	case "array", "object":
		return "an " + kind
	}
	return "a " + kind
}
