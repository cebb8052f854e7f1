package coverage

import "strings"

// Endpoint is one API endpoint of the catalogue: a method and a path
// template relative to /v2, with {name} for each path parameter.
type Endpoint struct {
	Method   string `json:"method"`
	Template string `json:"template"`
	// Staging is set for the /staging/* simulation endpoints, which exist
	// only in staging and answer 404 in production.
	Staging bool `json:"staging,omitempty"`
	// Deprecated is set for endpoints the API keeps but no longer
	// recommends.
	Deprecated bool `json:"deprecated,omitempty"`
	// Inferred is set for paths the public docs do not show: the local
	// emulator's choices (internal/axysemu), which the real API may spell
	// differently.
	Inferred bool `json:"inferred,omitempty"`
}

// OtherEndpoint is the template reported for calls outside the catalogue.
const OtherEndpoint = "other"

// catalogue lists every endpoint whose path is known: the published API of
// the fact sheet's endpoint index, the deprecated blockchain endpoints, the
// paths the emulator chose for endpoints the docs name without a path, and
// the /staging/* simulation endpoints. Its order is the inventory's order.
var catalogue = [...]Endpoint{
	{Method: "GET", Template: "/cardholders"},
	{Method: "POST", Template: "/cardholders"},
	{Method: "GET", Template: "/cardholders/{cardholderId}"},
	{Method: "PUT", Template: "/cardholders/{cardholderId}"},
	{Method: "DELETE", Template: "/cardholders/{cardholderId}", Inferred: true},
	{Method: "PUT", Template: "/cardholders/{cardholderId}/update"},
	{Method: "PUT", Template: "/cardholders/{cardholderId}/kyc-submit"},
	{Method: "POST", Template: "/cardholders/{cardholderId}/kyc-url/refresh"},
	{Method: "POST", Template: "/cardholders/{cardholderId}/register-bank-account"},
	{Method: "POST", Template: "/cardholders/{cardholderId}/register-wallet-address", Deprecated: true},
	{Method: "POST", Template: "/cards/virtual/{cardholderId}"},
	{Method: "POST", Template: "/cards/assign/{cardholderId}"},
	{Method: "GET", Template: "/cards"},
	{Method: "GET", Template: "/cards/{cardId}"},
	{Method: "GET", Template: "/cards/{cardId}/balance"},
	{Method: "PUT", Template: "/cards/{cardId}/activate"},
	{Method: "PUT", Template: "/cards/{cardId}/status"},
	{Method: "PUT", Template: "/cards/{cardId}/update"},
	{Method: "PUT", Template: "/cards/{cardId}/pin"},
	{Method: "POST", Template: "/cards/{cardId}/bank-deposit"},
	{Method: "POST", Template: "/cards/{cardId}/deposit", Deprecated: true},
	{Method: "GET", Template: "/cards/transactions"},
	{Method: "GET", Template: "/cards/fees"},
	{Method: "POST", Template: "/wallets"},
	{Method: "GET", Template: "/wallets", Inferred: true},
	{Method: "GET", Template: "/wallets/{walletId}", Inferred: true},
	{Method: "POST", Template: "/wallets/{walletId}/bank-deposit"},
	{Method: "POST", Template: "/wallets/{walletId}/deposit", Deprecated: true},
	{Method: "POST", Template: "/wallets/transfer"},
	{Method: "GET", Template: "/wallets/transactions"},
	{Method: "POST", Template: "/otp/listeners"},
	{Method: "DELETE", Template: "/otp/listeners/{token}", Inferred: true},
	{Method: "GET", Template: "/otp/{token}"},
	{Method: "POST", Template: "/staging/kyc/validate", Staging: true},
	{Method: "POST", Template: "/staging/deposits", Staging: true, Inferred: true},
	{Method: "GET", Template: "/staging/deposits/{depositId}", Staging: true, Inferred: true},
	{Method: "POST", Template: "/staging/cards/{cardId}/spend", Staging: true, Inferred: true},
	{Method: "POST", Template: "/staging/cards/{cardId}/3ds-challenge", Staging: true, Inferred: true},
	{Method: "GET", Template: "/staging/cards/{cardId}/sensitive", Staging: true, Inferred: true},
	{Method: "POST", Template: "/staging/bank-accounts/{depositId}/confirm", Staging: true, Inferred: true},
	{Method: "POST", Template: "/staging/bank-accounts/{depositId}/expire", Staging: true, Inferred: true},
	{Method: "POST", Template: "/staging/faults", Staging: true, Inferred: true},
}

// Endpoints returns the catalogue in inventory order.
func Endpoints() []Endpoint {
	out := make([]Endpoint, len(catalogue))
	copy(out, catalogue[:])
	return out
}

// maxParams bounds the path parameters of a catalogue template.
const maxParams = 4

// routeNode is one path segment of the catalogue's routing tree. Literal
// children are tried before the parameter child, so /cards/transactions
// wins over /cards/{cardId}.
type routeNode struct {
	lits  []routeLit
	param *routeNode
	// eps are the catalogue indexes of the endpoints ending here.
	eps []int
}

type routeLit struct {
	seg  string
	next *routeNode
}

// routes is the routing tree of the catalogue, built once; it is read-only.
type routes struct {
	root routeNode
	// params[i] are the parameter names of catalogue[i], in path order.
	params [len(catalogue)][]string
}

func newRoutes() *routes {
	rt := &routes{}
	for i, ep := range catalogue {
		n := &rt.root
		for seg := range strings.SplitSeq(strings.Trim(ep.Template, "/"), "/") {
			if name, ok := paramName(seg); ok {
				rt.params[i] = append(rt.params[i], name)
				if n.param == nil {
					n.param = &routeNode{}
				}
				n = n.param
				continue
			}
			n = n.literal(seg)
		}
		n.eps = append(n.eps, i)
	}
	return rt
}

func (n *routeNode) literal(seg string) *routeNode {
	for _, l := range n.lits {
		if l.seg == seg {
			return l.next
		}
	}
	next := &routeNode{}
	n.lits = append(n.lits, routeLit{seg: seg, next: next})
	return next
}

// paramName returns name for a "{name}" segment.
func paramName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// apiPath returns the part of a URL path below /v2 ("/cards/1"), without a
// query. Paths that do not start with /v2 are returned as they are.
func apiPath(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if rest, ok := strings.CutPrefix(p, "/v2"); ok && (rest == "" || rest[0] == '/') {
		p = rest
	}
	return p
}

// lookup returns the catalogue index of method and the API path p (below
// /v2), or -1, and fills vals with its parameter values in path order. As
// the API routes, the most specific path wins (a literal segment over a
// parameter) and only then is the method chosen: GET /otp/listeners is not
// GET /otp/{token}. It does not allocate.
func (rt *routes) lookup(method, p string, vals *[maxParams]string) int {
	if len(p) == 0 || p[0] != '/' {
		return -1
	}
	n := rt.walk(&rt.root, p[1:], vals, 0)
	if n == nil {
		return -1
	}
	for _, i := range n.eps {
		if catalogue[i].Method == method {
			return i
		}
	}
	return -1
}

// walk returns the node the path ends at, trying literals before the
// parameter at each segment.
func (rt *routes) walk(n *routeNode, rest string, vals *[maxParams]string, depth int) *routeNode {
	seg, tail, more := strings.Cut(rest, "/")
	if seg == "" {
		return nil
	}
	for _, l := range n.lits {
		if l.seg == seg {
			if end := rt.next(l.next, tail, more, vals, depth); end != nil {
				return end
			}
			break
		}
	}
	if n.param == nil || depth >= maxParams {
		return nil
	}
	vals[depth] = seg
	return rt.next(n.param, tail, more, vals, depth+1)
}

func (rt *routes) next(n *routeNode, tail string, more bool, vals *[maxParams]string, depth int) *routeNode {
	if more {
		return rt.walk(n, tail, vals, depth)
	}
	if len(n.eps) == 0 {
		return nil
	}
	return n
}

// templateIndexes returns the catalogue indexes with the given template.
func templateIndexes(template string) []int {
	var out []int
	for i, ep := range catalogue {
		if ep.Template == template {
			out = append(out, i)
		}
	}
	return out
}

// defaultRoutes is the routing tree EndpointTemplate uses. It is built at
// package initialisation and never written afterwards.
var defaultRoutes = newRoutes()

// EndpointTemplate maps a concrete call to its catalogue template:
// ("GET", "/v2/cards/123/balance") gives "/cards/{cardId}/balance". The path
// may carry the /v2 prefix and a query. Anything outside the catalogue,
// including a known path with another method, gives OtherEndpoint, so the
// result is safe as a bounded metric label. It does not allocate.
func EndpointTemplate(method, path string) string {
	var vals [maxParams]string
	if i := defaultRoutes.lookup(method, apiPath(path), &vals); i >= 0 {
		return catalogue[i].Template
	}
	return OtherEndpoint
}
