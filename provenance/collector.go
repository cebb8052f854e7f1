package provenance

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Limits of what a collector keeps, so that provenance stays small
// whatever the upstreams do. Past them new facts are not kept (and calls
// over them count as unobserved, evidence.ClassOther); each limit is
// logged once.
const (
	MaxOrigins         = 64
	MaxChainsPerOrigin = 16
	MaxClientCerts     = 16
	// MaxStarts is how many starts are kept: the most recent.
	MaxStarts = 32
)

// saveErrorEvery rate-limits the log line of a failing save.
const saveErrorEvery = time.Minute

// Saver persists provenance (recorder.Store implements it).
type Saver interface {
	SaveProvenance(*evidence.Provenance) error
}

// Options configure a Collector. The zero value keeps provenance in
// memory only, with the system trust store and the wall clock.
type Options struct {
	// InstanceID is the store's instance id.
	InstanceID string
	// ToolVersion is recorded with this start.
	ToolVersion string
	// Previous is what the store kept from earlier runs (nil for none).
	Previous *evidence.Provenance
	// Saver, when set, is given the whole provenance every time it
	// changes (a start, a new origin, chain or client certificate): rare
	// events, never one per call.
	Saver Saver
	// SystemRoots returns the system trust store that a claim of
	// evidence.VerifiedBySystem is confirmed against; nil means
	// x509.SystemCertPool (which honours SSL_CERT_FILE and SSL_CERT_DIR).
	SystemRoots func() (*x509.CertPool, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives save failures (at most one line a minute) and the
	// limits reached; nil discards.
	Logger *slog.Logger
}

// Collector gathers a sidecar's provenance as it runs: its start, the
// client certificate it presents, and each upstream TLS handshake. It is
// safe for concurrent use. A handshake already seen costs one SHA-256 of
// the leaf and a map lookup; only a new origin or chain takes more (a
// chain verification and a save).
type Collector struct {
	opts Options
	log  *slog.Logger
	// saveMu serialises saves, so that a later snapshot is never
	// overwritten by an earlier one.
	saveMu sync.Mutex

	// mu guards the fields below.
	mu   sync.Mutex
	prov *evidence.Provenance
	// seen holds the handshakes already recorded: origin, leaf SHA-256 and
	// claimed verification.
	seen        map[string]struct{}
	dirty       bool
	lastSaveLog time.Time
	limitLogged map[string]bool
}

// NewCollector starts collecting: it takes over what the store kept,
// records this start and saves. A save failure is returned: the store is
// not usable.
func NewCollector(o Options) (*Collector, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SystemRoots == nil {
		o.SystemRoots = x509.SystemCertPool
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	prov := Clone(o.Previous)
	if prov == nil {
		prov = &evidence.Provenance{}
	}
	if prov.InstanceID != "" && o.InstanceID != "" && prov.InstanceID != o.InstanceID {
		return nil, fmt.Errorf("start provenance: the store's provenance is of instance %s, not %s", prov.InstanceID, o.InstanceID)
	}
	if o.InstanceID != "" {
		prov.InstanceID = o.InstanceID
	}
	prov.Starts = append(prov.Starts, evidence.Start{Time: o.Now().UTC(), ToolVersion: o.ToolVersion})
	if n := len(prov.Starts); n > MaxStarts {
		prov.Starts = append([]evidence.Start(nil), prov.Starts[n-MaxStarts:]...)
	}
	c := &Collector{opts: o, log: log.With("component", "provenance"), prov: prov,
		seen: map[string]struct{}{}, limitLogged: map[string]bool{}, dirty: true}
	if err := c.save(); err != nil {
		return nil, fmt.Errorf("start provenance: %w", err)
	}
	return c, nil
}

// SetClientCertificate records the client certificate the sidecar
// presents upstream (call it at start, and again after a rotation). A save
// failure is returned.
func (c *Collector) SetClientCertificate(cert *x509.Certificate) error {
	facts := CertOf(cert)
	c.mu.Lock()
	changed := c.addClientCert(facts)
	c.mu.Unlock()
	if !changed {
		return nil
	}
	if err := c.save(); err != nil {
		return fmt.Errorf("record client certificate: %w", err)
	}
	return nil
}

func (c *Collector) addClientCert(facts evidence.Cert) bool {
	for _, have := range c.prov.ClientCerts {
		if have.SHA256 == facts.SHA256 {
			return false
		}
	}
	if len(c.prov.ClientCerts) >= MaxClientCerts {
		c.limit("client certificates", MaxClientCerts)
		return false
	}
	c.prov.ClientCerts = append(c.prov.ClientCerts, facts)
	c.dirty = true
	return true
}

// ObserveHandshake records the server certificate chain of one upstream
// TLS connection to host:port, verified as verifiedBy says
// (evidence.VerifiedBySystem when the transport used the system roots,
// evidence.VerifiedByUpstreamCA with --upstream-ca). Call it once per
// handshake, e.g. from tls.Config.VerifyConnection or after the handshake
// of a DialTLSContext; never per call. A claim of system trust is
// confirmed against Options.SystemRoots for host: a chain that does not
// verify there is recorded as evidence.VerifiedByNone. Save failures are
// logged (rate-limited) and retried at the next change or Flush.
func (c *Collector) ObserveHandshake(host, port string, cs tls.ConnectionState, verifiedBy string) {
	if len(cs.PeerCertificates) == 0 {
		return
	}
	k := newOriginKey("https", host, port)
	leaf := cs.PeerCertificates[0]
	sha := fingerprint(leaf.Raw)
	seenKey := k.String() + "|" + sha + "|" + verifiedBy
	c.mu.Lock()
	_, done := c.seen[seenKey]
	c.mu.Unlock()
	if done {
		return
	}
	chain := c.chainOf(k, cs, verifiedBy)
	c.mu.Lock()
	c.seen[seenKey] = struct{}{}
	changed := c.addChain(k, chain)
	c.mu.Unlock()
	if changed {
		if err := c.save(); err != nil {
			c.logSaveError(err)
		}
	}
}

// chainOf builds the facts of a handshake's chain, confirming a claim of
// system trust.
func (c *Collector) chainOf(k originKey, cs tls.ConnectionState, claimed string) evidence.Chain {
	leaf := cs.PeerCertificates[0]
	root := cs.PeerCertificates[len(cs.PeerCertificates)-1]
	verifiedBy := evidence.VerifiedByNone
	switch claimed {
	case evidence.VerifiedBySystem:
		if anchor := c.systemAnchor(k.host, cs.PeerCertificates); anchor != nil {
			verifiedBy, root = evidence.VerifiedBySystem, anchor
		}
	case evidence.VerifiedByUpstreamCA:
		if len(cs.VerifiedChains) > 0 && len(cs.VerifiedChains[0]) > 0 {
			vc := cs.VerifiedChains[0]
			verifiedBy, root = evidence.VerifiedByUpstreamCA, vc[len(vc)-1]
		}
	}
	emulator := IsEmulatorCert(leaf)
	return evidence.Chain{
		Leaf: CertOf(leaf), Root: CertOf(root), VerifiedBy: verifiedBy, Emulator: emulator,
		Class: Classify(k.host, k.port, verifiedBy, emulator), ObservedAt: c.opts.Now().UTC(),
	}
}

// systemAnchor verifies the presented chain for host against the system
// roots and returns the trust anchor, or nil.
func (c *Collector) systemAnchor(host string, certs []*x509.Certificate) *x509.Certificate {
	roots, err := c.opts.SystemRoots()
	if err != nil || roots == nil {
		return nil
	}
	inter := x509.NewCertPool()
	for _, cert := range certs[1:] {
		inter.AddCert(cert)
	}
	chains, err := certs[0].Verify(x509.VerifyOptions{
		DNSName: host, Roots: roots, Intermediates: inter, CurrentTime: c.opts.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil || len(chains) == 0 {
		return nil
	}
	return chains[0][len(chains[0])-1]
}

// addChain adds a chain to its origin; the same leaf seen verified in a
// weaker way downgrades the chain kept. It reports a change.
func (c *Collector) addChain(k originKey, chain evidence.Chain) bool {
	o := c.origin(k)
	if o == nil {
		return false
	}
	for i := range o.Chains {
		have := &o.Chains[i]
		if have.Leaf.SHA256 != chain.Leaf.SHA256 {
			continue
		}
		if trust(chain.VerifiedBy) >= trust(have.VerifiedBy) {
			return false
		}
		have.VerifiedBy, have.Root = chain.VerifiedBy, chain.Root
		have.Class = Classify(k.host, k.port, have.VerifiedBy, have.Emulator)
		c.dirty = true
		return true
	}
	if len(o.Chains) >= MaxChainsPerOrigin {
		c.limit("certificate chains of "+k.String(), MaxChainsPerOrigin)
		return false
	}
	o.Chains = append(o.Chains, chain)
	c.dirty = true
	return true
}

// origin returns the origin k, adding it when there is room.
func (c *Collector) origin(k originKey) *evidence.Origin {
	for i := range c.prov.Origins {
		o := &c.prov.Origins[i]
		if o.Scheme == k.scheme && o.Host == k.host && o.Port == k.port {
			return o
		}
	}
	if len(c.prov.Origins) >= MaxOrigins {
		c.limit("origins", MaxOrigins)
		return nil
	}
	c.prov.Origins = append(c.prov.Origins, evidence.Origin{Scheme: k.scheme, Host: k.host, Port: k.port})
	return &c.prov.Origins[len(c.prov.Origins)-1]
}

// limit logs, once per kind, that a limit was reached. Callers hold mu.
func (c *Collector) limit(what string, n int) {
	if c.limitLogged[what] {
		return
	}
	c.limitLogged[what] = true
	c.log.Warn("provenance limit reached; later ones count as unobserved", "what", what, "limit", n)
}

// Provenance returns a copy of what has been collected.
func (c *Collector) Provenance() *evidence.Provenance {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Clone(c.prov)
}

// Flush saves the provenance if a save failed since the last success.
func (c *Collector) Flush() error {
	if err := c.save(); err != nil {
		return fmt.Errorf("flush provenance: %w", err)
	}
	return nil
}

// save hands the latest snapshot to the Saver when something changed
// since the last successful save.
func (c *Collector) save() error {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.mu.Lock()
	if !c.dirty || c.opts.Saver == nil {
		c.dirty = false
		c.mu.Unlock()
		return nil
	}
	snap := Clone(c.prov)
	c.dirty = false
	c.mu.Unlock()
	if err := c.opts.Saver.SaveProvenance(snap); err != nil {
		c.mu.Lock()
		c.dirty = true
		c.mu.Unlock()
		return err
	}
	return nil
}

func (c *Collector) logSaveError(err error) {
	c.mu.Lock()
	now := c.opts.Now()
	quiet := !c.lastSaveLog.IsZero() && now.Sub(c.lastSaveLog) < saveErrorEvery
	if !quiet {
		c.lastSaveLog = now
	}
	c.mu.Unlock()
	if !quiet {
		c.log.Error("save provenance", "err", err)
	}
}
