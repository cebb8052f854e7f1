package contract

import (
	"strings"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// RequestFieldViolations holds only the request of rec against the
// description (its path and query parameters and its body, never the
// response) and returns the fields that break the contract, as
// Result.RequestViolations would: nil when none do, when rec is not a
// call, or when the call is outside the description. It is what the
// coverage classifier needs to refuse a call as evidence for a
// requirement relying on one of those fields, at a fraction of Check's
// cost: the response, usually the larger body, is not decoded. Safe for
// concurrent use.
func (s *Spec) RequestFieldViolations(rec *evidence.Record) []string {
	if rec.Kind != evidence.KindCall && rec.Kind != "" {
		return nil
	}
	res := Result{Seq: rec.Seq, Method: strings.ToUpper(rec.Request.Method)}
	op, vals, _ := s.routes.lookup(res.Method, s.apiPath(urlPath(rec.Request.URL)))
	if op == nil {
		return nil
	}
	res.Endpoint, res.Documented = op.Template, true
	c := &checker{res: &res}
	c.request(op, vals, rec)
	return res.RequestViolations()
}
