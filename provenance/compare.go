package provenance

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

// Diff compares the provenance a bundle claims with the one derived from
// its records (Tally.Result over the claim) and returns the first
// difference in words, or "" when they are the same.
func Diff(claimed, derived *evidence.Provenance) string {
	a, errA := json.Marshal(claimed)
	b, errB := json.Marshal(derived)
	if errA == nil && errB == nil && bytes.Equal(a, b) {
		return ""
	}
	if claimed == nil || derived == nil {
		return "provenance is missing"
	}
	for _, check := range []func(c, d *evidence.Provenance) string{diffHead, diffOrigins, diffClass, diffClients, diffKeys} {
		if msg := check(claimed, derived); msg != "" {
			return msg
		}
	}
	return "differs from the provenance derived from the records"
}

func diffHead(c, d *evidence.Provenance) string {
	if c.InstanceID != d.InstanceID {
		return fmt.Sprintf("instance %q, the records' source is %q", c.InstanceID, d.InstanceID)
	}
	return ""
}

func diffClass(c, d *evidence.Provenance) string {
	if c.Class != d.Class {
		return fmt.Sprintf("class %s, its origins make it %s", c.Class, d.Class)
	}
	return ""
}

func diffOrigins(c, d *evidence.Provenance) string {
	index := func(p *evidence.Provenance) map[string]evidence.Origin {
		m := map[string]evidence.Origin{}
		for _, o := range p.Origins {
			m[o.Address()] = o
		}
		return m
	}
	ci, di := index(c), index(d)
	for _, o := range d.Origins {
		if _, ok := ci[o.Address()]; !ok {
			return fmt.Sprintf("origin %s is missing, yet %d records reached it", o.Address(), o.Calls)
		}
	}
	for _, o := range c.Origins {
		do, ok := di[o.Address()]
		if !ok {
			return fmt.Sprintf("origin %s is listed, yet no record reached it", o.Address())
		}
		if msg := diffOrigin(o, do); msg != "" {
			return "origin " + o.Address() + ": " + msg
		}
	}
	if len(c.Origins) != len(d.Origins) {
		return fmt.Sprintf("%d origins listed, the records reached %d", len(c.Origins), len(d.Origins))
	}
	return ""
}

func diffOrigin(c, d evidence.Origin) string {
	switch {
	case c.Calls != d.Calls:
		return fmt.Sprintf("%d calls listed, the records hold %d", c.Calls, d.Calls)
	case c.UnobservedCalls != d.UnobservedCalls:
		return fmt.Sprintf("%d calls over unobserved certificates listed, the records hold %d", c.UnobservedCalls, d.UnobservedCalls)
	case !c.FirstTime.Equal(d.FirstTime) || !c.LastTime.Equal(d.LastTime):
		return "first or last call time differs from the records'"
	}
	chains := map[string]evidence.Chain{}
	for _, ch := range d.Chains {
		chains[ch.Leaf.SHA256] = ch
	}
	for _, ch := range c.Chains {
		dc, ok := chains[ch.Leaf.SHA256]
		switch {
		case !ok:
			return fmt.Sprintf("certificate %s… is listed, yet no record presents it", short(ch.Leaf.SHA256))
		case ch.Calls != dc.Calls:
			return fmt.Sprintf("certificate %s…: %d calls listed, the records hold %d", short(ch.Leaf.SHA256), ch.Calls, dc.Calls)
		case ch.Class != dc.Class:
			return fmt.Sprintf("certificate %s…: class %s, its facts make it %s", short(ch.Leaf.SHA256), ch.Class, dc.Class)
		}
	}
	if c.Class != d.Class {
		return fmt.Sprintf("class %s, its chains make it %s", c.Class, d.Class)
	}
	if len(c.Chains) != len(d.Chains) {
		return fmt.Sprintf("%d certificate chains listed, the records use %d", len(c.Chains), len(d.Chains))
	}
	return ""
}

func diffClients(c, d *evidence.Provenance) string {
	if c.UnobservedClientCalls != d.UnobservedClientCalls {
		return fmt.Sprintf("%d calls with unobserved client certificates listed, the records hold %d", c.UnobservedClientCalls, d.UnobservedClientCalls)
	}
	if len(c.ClientCerts) != len(d.ClientCerts) {
		return fmt.Sprintf("%d client certificates listed, the records present %d", len(c.ClientCerts), len(d.ClientCerts))
	}
	for i := range c.ClientCerts {
		if c.ClientCerts[i].SHA256 != d.ClientCerts[i].SHA256 || c.ClientCerts[i].Calls != d.ClientCerts[i].Calls {
			return fmt.Sprintf("client certificate %s…: %d calls listed, the records differ", short(c.ClientCerts[i].SHA256), c.ClientCerts[i].Calls)
		}
	}
	return ""
}

func diffKeys(c, d *evidence.Provenance) string {
	if len(c.APIKeys) != len(d.APIKeys) || c.MoreAPIKeyCalls != d.MoreAPIKeyCalls {
		return fmt.Sprintf("%d API-key fingerprints listed, the records carry %d", len(c.APIKeys), len(d.APIKeys))
	}
	for i := range c.APIKeys {
		if c.APIKeys[i] != d.APIKeys[i] {
			return fmt.Sprintf("API key %s: %d calls listed, the records differ", c.APIKeys[i].Fingerprint, c.APIKeys[i].Calls)
		}
	}
	return ""
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}
