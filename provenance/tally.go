package provenance

import (
	"cmp"
	"slices"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// MaxAPIKeys is how many distinct API-key fingerprints a bundle lists; the
// calls of any later ones (in record order) are counted together.
const MaxAPIKeys = 64

// maxPrefixes bounds the URL prefixes a Tally remembers (several spellings
// of one origin); past it, prefixes are parsed every time.
const maxPrefixes = 4096

// apiKeyHeader is X-API-Key in canonical form, as records carry it.
const apiKeyHeader = "X-Api-Key"

// Tally derives the provenance of a run of records: starting from what a
// store observed (or what a bundle claims), it counts the calls per
// origin, chain, client certificate and API-key fingerprint, their first
// and last times, and keeps only what the records used. Export derives a
// bundle's provenance with it, and verify derives it again from the
// bundle's records to compare. Observe costs a few map lookups per record
// and allocates nothing for origins, chains and keys already seen.
type Tally struct {
	known    *evidence.Provenance
	origins  map[originKey]*originTally
	prefixes map[string]*originTally
	clients  map[string]*int64
	keys     map[string]*int64
	moreKeys int64
	// unobservedClients counts calls with an unknown client certificate.
	unobservedClients int64
	unknown           *UnknownOrigin
}

// UnknownOrigin is the first record whose upstream is not among the known
// origins.
type UnknownOrigin struct {
	Seq    uint64
	Origin string
}

type originTally struct {
	key         originKey
	known       *evidence.Origin
	chains      map[string]*int64
	calls       int64
	unobserved  int64
	first, last time.Time
}

// NewTally starts a tally over the facts of known (nil for none).
func NewTally(known *evidence.Provenance) *Tally {
	t := &Tally{known: known, origins: map[originKey]*originTally{}, prefixes: map[string]*originTally{},
		clients: map[string]*int64{}, keys: map[string]*int64{}}
	if known == nil {
		t.known = &evidence.Provenance{}
	}
	for i := range t.known.Origins {
		o := &t.known.Origins[i]
		ot := &originTally{key: newOriginKey(o.Scheme, o.Host, o.Port), known: o, chains: map[string]*int64{}}
		if t.origins[ot.key] != nil {
			continue // the first entry of an origin wins; a duplicate never matches its derivation
		}
		for _, ch := range o.Chains {
			ot.chains[ch.Leaf.SHA256] = new(int64)
		}
		t.origins[ot.key] = ot
	}
	for _, c := range t.known.ClientCerts {
		t.clients[c.SHA256] = new(int64)
	}
	return t
}

// Observe counts one record.
func (t *Tally) Observe(rec *evidence.Record) {
	if rec.Kind != evidence.KindCall {
		return
	}
	t.observeKeys(rec)
	if !reachedUpstream(rec) {
		return
	}
	o := t.originOf(rec)
	if o == nil {
		return
	}
	o.calls++
	if o.first.IsZero() || rec.Time.Before(o.first) {
		o.first = rec.Time
	}
	if rec.Time.After(o.last) {
		o.last = rec.Time
	}
	var server, client string
	if rec.TLS != nil {
		server, client = rec.TLS.ServerCertSHA256, rec.TLS.ClientCertSHA256
	}
	if n := o.chains[server]; n != nil && server != "" {
		*n++
	} else {
		o.unobserved++
	}
	if client != "" {
		if n := t.clients[client]; n != nil {
			*n++
		} else {
			t.unobservedClients++
		}
	}
}

// reachedUpstream reports whether a call got to an upstream: it was not
// refused by the proxy, and a server certificate was seen or a response
// came that the proxy did not make itself. Refusals and failures before
// any answer prove nothing about an environment.
func reachedUpstream(rec *evidence.Record) bool {
	if rec.Error != nil && (rec.Error.Kind == evidence.ErrGuardRefused || rec.Error.Kind == evidence.ErrStoreUnavailable) {
		return false // refused by the proxy before anything was sent
	}
	if rec.TLS != nil && rec.TLS.ServerCertSHA256 != "" {
		return true
	}
	return rec.Response != nil && !rec.Response.Synthetic
}

// originOf finds (or adds) the origin of a record's URL.
func (t *Tally) originOf(rec *evidence.Record) *originTally {
	prefix, ok := urlOrigin(rec.Request.URL)
	if !ok {
		prefix = "?"
	}
	if o := t.prefixes[prefix]; o != nil {
		return o
	}
	k, ok := parseOrigin(prefix)
	if !ok {
		k = originKey{scheme: "unknown", host: "unparsable-url", port: "0"}
	}
	o := t.origins[k]
	if o == nil {
		o = &originTally{key: k, chains: map[string]*int64{}}
		t.origins[k] = o
	}
	if o.known == nil && t.unknown == nil {
		t.unknown = &UnknownOrigin{Seq: rec.Seq, Origin: k.String()}
	}
	if len(t.prefixes) < maxPrefixes {
		t.prefixes[prefix] = o
	}
	return o
}

// observeKeys counts the API-key fingerprints of a call. Only values in
// redacted form ("[redacted:<hex>]") are counted: anything else could be
// a key, and is never copied.
func (t *Tally) observeKeys(rec *evidence.Record) {
	for _, v := range rec.Request.Header[apiKeyHeader] {
		if !isFingerprint(v) {
			continue
		}
		if n := t.keys[v]; n != nil {
			*n++
			continue
		}
		if len(t.keys) >= MaxAPIKeys {
			t.moreKeys++
			continue
		}
		n := int64(1)
		t.keys[v] = &n
	}
}

// isFingerprint reports whether v is a redaction fingerprint:
// "[redacted:" 1–64 lower-case hex digits "]".
func isFingerprint(v string) bool {
	const pre = "[redacted:"
	if len(v) < len(pre)+2 || len(v) > len(pre)+65 || v[:len(pre)] != pre || v[len(v)-1] != ']' {
		return false
	}
	for _, c := range []byte(v[len(pre) : len(v)-1]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// FirstUnknown returns the first record whose upstream is not among the
// known origins, if any.
func (t *Tally) FirstUnknown() (UnknownOrigin, bool) {
	if t.unknown == nil {
		return UnknownOrigin{}, false
	}
	return *t.unknown, true
}

// Result returns the provenance of the records observed: the known
// starts, and only the origins, chains and client certificates the records
// used, with their counts. Certificate facts and every class are derived
// again from the certificates themselves (see Classify): a chain whose
// leaf is missing, does not parse or does not match its SHA-256 is
// evidence.ClassOther.
func (t *Tally) Result() *evidence.Provenance {
	out := &evidence.Provenance{InstanceID: t.known.InstanceID, Starts: slices.Clone(t.known.Starts),
		UnobservedClientCalls: t.unobservedClients, MoreAPIKeyCalls: t.moreKeys}
	var classes []evidence.Class
	for _, o := range t.sortedOrigins() {
		origin := o.result()
		classes = append(classes, origin.Class)
		out.Origins = append(out.Origins, origin)
	}
	out.Class = Combine(classes...)
	done := map[string]bool{}
	for _, c := range t.known.ClientCerts {
		if n := *t.clients[c.SHA256]; n > 0 && !done[c.SHA256] {
			done[c.SHA256] = true
			c.Calls = n
			facts, _ := refresh(cloneCert(c))
			out.ClientCerts = append(out.ClientCerts, facts)
		}
	}
	slices.SortFunc(out.ClientCerts, func(a, b evidence.Cert) int { return cmp.Compare(a.SHA256, b.SHA256) })
	for fp, n := range t.keys {
		out.APIKeys = append(out.APIKeys, evidence.APIKey{Fingerprint: fp, Calls: *n})
	}
	slices.SortFunc(out.APIKeys, func(a, b evidence.APIKey) int { return cmp.Compare(a.Fingerprint, b.Fingerprint) })
	return out
}

func (t *Tally) sortedOrigins() []*originTally {
	var used []*originTally
	for _, o := range t.origins {
		if o.calls > 0 {
			used = append(used, o)
		}
	}
	slices.SortFunc(used, func(a, b *originTally) int {
		return cmp.Or(cmp.Compare(a.key.scheme, b.key.scheme), cmp.Compare(a.key.host, b.key.host), cmp.Compare(a.key.port, b.key.port))
	})
	return used
}

// result is the origin's part of Result.
func (o *originTally) result() evidence.Origin {
	out := evidence.Origin{Scheme: o.key.scheme, Host: o.key.host, Port: o.key.port,
		Calls: o.calls, FirstTime: o.first, LastTime: o.last, UnobservedCalls: o.unobserved}
	var classes []evidence.Class
	if o.known != nil {
		done := map[string]bool{}
		for _, ch := range o.known.Chains {
			n := *o.chains[ch.Leaf.SHA256]
			if n == 0 || done[ch.Leaf.SHA256] {
				continue
			}
			done[ch.Leaf.SHA256] = true
			ch = o.chainResult(ch)
			ch.Calls = n
			classes = append(classes, ch.Class)
			out.Chains = append(out.Chains, ch)
		}
	}
	slices.SortFunc(out.Chains, func(a, b evidence.Chain) int {
		return cmp.Or(a.ObservedAt.Compare(b.ObservedAt), cmp.Compare(a.Leaf.SHA256, b.Leaf.SHA256))
	})
	if o.unobserved > 0 {
		classes = append(classes, evidence.ClassOther)
	}
	out.Class = Combine(classes...)
	return out
}

// chainResult derives a chain's facts and class from its certificates.
func (o *originTally) chainResult(ch evidence.Chain) evidence.Chain {
	sha := ch.Leaf.SHA256
	leaf, parsed := refresh(cloneCert(ch.Leaf))
	ch.Root, _ = refresh(cloneCert(ch.Root))
	ch.Leaf = leaf
	ch.Emulator = parsed != nil && IsEmulatorCert(parsed)
	if parsed == nil || leaf.SHA256 != sha {
		// Keep the name the records use, so the difference shows as a
		// class, not as a missing chain.
		ch.Leaf.SHA256, ch.Class = sha, evidence.ClassOther
		return ch
	}
	ch.Class = Classify(o.key.host, o.key.port, ch.VerifiedBy, ch.Emulator)
	return ch
}
