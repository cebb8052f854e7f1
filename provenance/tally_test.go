package provenance

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/google/go-cmp/cmp"
)

// call builds a call record that reached url over the server certificate
// leaf, presenting client, with the API-key header values keys.
func call(seq uint64, at time.Time, url, leaf, client string, keys ...string) *evidence.Record {
	rec := &evidence.Record{V: evidence.Version, Seq: seq, Kind: evidence.KindCall, Time: at,
		Request:  evidence.Request{Method: "GET", URL: url, Header: http.Header{}},
		Response: &evidence.Response{Status: 200}}
	if leaf != "" || client != "" {
		rec.TLS = &evidence.TLSFacts{ServerCertSHA256: leaf, ClientCertSHA256: client}
	}
	if len(keys) > 0 {
		rec.Request.Header["X-Api-Key"] = keys
	}
	return rec
}

// observed collects a store's provenance from real handshakes: the
// staging name through the system store, and a local emulator.
func observed(t *testing.T) (prov *evidence.Provenance, staging, emulator, client string) {
	t.Helper()
	ca := testCA(t, "Test Root")
	stagingCert := serverCert(t, ca, StagingHost)
	emuCert := markedCert(t, ca, true, true, "localhost")
	c, err := NewCollector(Options{InstanceID: "inst-1", ToolVersion: "v1", SystemRoots: fixedRoots(poolOf(ca))})
	if err != nil {
		t.Fatal(err)
	}
	cl := clientCert(t, ca, "Acme", "Pilot")
	if err := c.SetClientCertificate(cl); err != nil {
		t.Fatal(err)
	}
	if err := handshake(t, stagingCert, StagingHost, poolOf(ca), func(cs tls.ConnectionState) {
		c.ObserveHandshake(StagingHost, "443", cs, evidence.VerifiedBySystem)
	}); err != nil {
		t.Fatal(err)
	}
	if err := handshake(t, emuCert, "localhost", poolOf(ca), func(cs tls.ConnectionState) {
		c.ObserveHandshake("127.0.0.1", "41234", cs, evidence.VerifiedByUpstreamCA)
	}); err != nil {
		t.Fatal(err)
	}
	return c.Provenance(), stagingCert.Fingerprint(), emuCert.Fingerprint(), fingerprint(cl.Raw)
}

func TestTallyDerivesFromRecords(t *testing.T) {
	prov, staging, emu, client := observed(t)
	t0 := testNow
	const key1, key2 = "[redacted:0123456789ab]", "[redacted:ba9876543210]"
	recs := []*evidence.Record{
		call(1, t0.Add(2*time.Second), "https://staging.api.axyscards.com/v2/cards", staging, client, key1),
		call(2, t0, "https://STAGING.api.axyscards.com:443/v2/cards?x=1", staging, client, key1),
		call(3, t0.Add(3*time.Second), "https://127.0.0.1:41234/v2/cards", emu, client, key2),
		// A guard refusal: the key is seen, no origin is reached.
		{V: 1, Seq: 4, Kind: evidence.KindCall, Time: t0, Request: evidence.Request{URL: "https://production.api.axyscards.com/v2", Header: http.Header{"X-Api-Key": {key1}}},
			Response: &evidence.Response{Status: 403, Synthetic: true}},
		// A value not in redacted form is never copied.
		call(5, t0.Add(4*time.Second), "https://staging.api.axyscards.com/v2/x", staging, "", "sk_live_secret"),
		// A call over a certificate the store never saw.
		call(6, t0.Add(5*time.Second), "https://staging.api.axyscards.com/v2/x", strings.Repeat("ee", 32), "ff"),
		{V: 1, Seq: 7, Kind: evidence.KindEvent, Time: t0},
		{V: 1, Seq: 8, Kind: evidence.KindCall, Time: t0, Request: evidence.Request{URL: "https://staging.api.axyscards.com/v2"},
			Error: &evidence.CallError{Kind: evidence.ErrTimeout}},
	}
	tally := NewTally(prov)
	for _, r := range recs {
		tally.Observe(r)
	}
	got := tally.Result()
	if got.Class != evidence.ClassMixed || got.InstanceID != "inst-1" || len(got.Starts) != 1 {
		t.Errorf("class %s instance %s starts %d", got.Class, got.InstanceID, len(got.Starts))
	}
	type originSummary struct {
		Addr             string
		Class            evidence.Class
		Calls, Unobs     int64
		First, Last      time.Time
		ChainCalls       []int64
		ChainClassesSeen []evidence.Class
	}
	var origins []originSummary
	for _, o := range got.Origins {
		s := originSummary{Addr: o.Address(), Class: o.Class, Calls: o.Calls, Unobs: o.UnobservedCalls, First: o.FirstTime, Last: o.LastTime}
		for _, ch := range o.Chains {
			s.ChainCalls = append(s.ChainCalls, ch.Calls)
			s.ChainClassesSeen = append(s.ChainClassesSeen, ch.Class)
		}
		origins = append(origins, s)
	}
	want := []originSummary{
		{Addr: "https://127.0.0.1:41234", Class: evidence.ClassEmulator, Calls: 1, First: t0.Add(3 * time.Second), Last: t0.Add(3 * time.Second),
			ChainCalls: []int64{1}, ChainClassesSeen: []evidence.Class{evidence.ClassEmulator}},
		{Addr: "https://staging.api.axyscards.com:443", Class: evidence.ClassMixed, Calls: 4, Unobs: 1, First: t0, Last: t0.Add(5 * time.Second),
			ChainCalls: []int64{3}, ChainClassesSeen: []evidence.Class{evidence.ClassAxysStaging}},
	}
	if diff := cmp.Diff(origins, want); diff != "" {
		t.Errorf("origins (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(got.APIKeys, []evidence.APIKey{{Fingerprint: key1, Calls: 3}, {Fingerprint: key2, Calls: 1}}); diff != "" {
		t.Errorf("API keys (-got +want):\n%s", diff)
	}
	if len(got.ClientCerts) != 1 || got.ClientCerts[0].Calls != 3 || got.ClientCerts[0].Tenant != "Acme" || got.UnobservedClientCalls != 1 {
		t.Errorf("client certificates %+v, unobserved %d", got.ClientCerts, got.UnobservedClientCalls)
	}
	if u, ok := tally.FirstUnknown(); ok {
		t.Errorf("unknown origin %+v reported, all were known", u)
	}
	if d := Diff(got, NewTallyOver(t, got, recs).Result()); d != "" {
		t.Errorf("the result derived again from itself differs: %s", d)
	}
}

// NewTallyOver derives claimed again over recs, as verify does.
func NewTallyOver(t *testing.T, claimed *evidence.Provenance, recs []*evidence.Record) *Tally {
	t.Helper()
	tally := NewTally(claimed)
	for _, r := range recs {
		tally.Observe(r)
	}
	return tally
}

func TestTallyWithoutProvenance(t *testing.T) {
	tally := NewTally(nil)
	recs := []*evidence.Record{
		call(1, testNow, "https://staging.api.axyscards.com/v2/cards", strings.Repeat("ab", 32), ""),
		call(2, testNow, "http://localhost:8080/v2/cards", "", ""),
	}
	for _, r := range recs {
		tally.Observe(r)
	}
	got := tally.Result()
	if got.Class != evidence.ClassOther || len(got.Origins) != 2 || got.Origins[1].UnobservedCalls != 1 {
		t.Errorf("a store without provenance: %+v", got)
	}
	if u, ok := tally.FirstUnknown(); !ok || u.Seq != 1 || u.Origin != "https://staging.api.axyscards.com:443" {
		t.Errorf("FirstUnknown = %+v %v", u, ok)
	}
	if got := NewTally(nil).Result(); got.Class != evidence.ClassNone {
		t.Errorf("no records: class %s, want none", got.Class)
	}
}

// TestTallyRederivesFacts: a claim whose facts or class do not follow from
// its certificates is derived differently, and Diff says how.
func TestTallyRederivesFacts(t *testing.T) {
	prov, staging, emu, client := observed(t)
	recs := []*evidence.Record{
		call(1, testNow, "https://staging.api.axyscards.com/v2/cards", staging, client),
		call(2, testNow.Add(time.Second), "https://127.0.0.1:41234/v2/cards", emu, client),
	}
	good := NewTallyOver(t, prov, recs).Result()
	tests := []struct {
		name string
		edit func(p *evidence.Provenance)
		want string
	}{
		{"emulator relabelled staging", func(p *evidence.Provenance) {
			p.Origins[0].Chains[0].Class = evidence.ClassAxysStaging
			p.Origins[0].Class, p.Class = evidence.ClassAxysStaging, evidence.ClassAxysStaging
		}, "origin https://127.0.0.1:41234: certificate"},
		{"emulator mark dropped", func(p *evidence.Provenance) { p.Origins[0].Chains[0].Emulator = false }, "differs from the provenance derived"},
		{"leaf swapped for another certificate", func(p *evidence.Provenance) {
			p.Origins[1].Chains[0].Leaf.DER = p.Origins[0].Chains[0].Leaf.DER
		}, "class axys-staging, its facts make it other"},
		{"subject edited", func(p *evidence.Provenance) { p.ClientCerts[0].Tenant = "Someone Else" }, "differs from the provenance derived"},
		{"calls inflated", func(p *evidence.Provenance) { p.Origins[1].Calls = 9 }, "origin https://staging.api.axyscards.com:443: 9 calls listed, the records hold 1"},
		{"origin dropped", func(p *evidence.Provenance) { p.Origins = p.Origins[1:] }, "origin https://127.0.0.1:41234 is missing, yet 1 records reached it"},
		{"origin added", func(p *evidence.Provenance) {
			o := p.Origins[1]
			o.Port = "444"
			p.Origins = append(p.Origins, o)
		}, "origin https://staging.api.axyscards.com:444 is listed, yet no record reached it"},
		{"overall class", func(p *evidence.Provenance) { p.Class = evidence.ClassAxysStaging }, "class axys-staging, its origins make it mixed"},
		{"key added", func(p *evidence.Provenance) {
			p.APIKeys = append(p.APIKeys, evidence.APIKey{Fingerprint: "[redacted:aaaaaaaaaaaa]", Calls: 1})
		}, "1 API-key fingerprints listed, the records carry 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claimed := Clone(good)
			tt.edit(claimed)
			derived := NewTallyOver(t, claimed, recs).Result()
			if d := Diff(claimed, derived); !strings.Contains(d, tt.want) {
				t.Errorf("Diff = %q, want it to contain %q", d, tt.want)
			}
		})
	}
}

func TestTallyBoundsAPIKeys(t *testing.T) {
	tally := NewTally(nil)
	for i := range MaxAPIKeys + 10 {
		fp := "[redacted:" + strings.Repeat("0", 10) + string("0123456789abcdef"[i%16]) + string("0123456789abcdef"[i/16]) + "]"
		tally.Observe(call(uint64(i+1), testNow, "https://h.test/", "", "", fp))
	}
	got := tally.Result()
	if len(got.APIKeys) != MaxAPIKeys || got.MoreAPIKeyCalls != 10 {
		t.Errorf("%d keys, %d more, want %d and 10", len(got.APIKeys), got.MoreAPIKeyCalls, MaxAPIKeys)
	}
	for _, v := range []string{"[redacted:]", "[redacted:ABCDEF]", "[redacted:12 34]", "redacted:1234", "[redacted:" + strings.Repeat("a", 65) + "]"} {
		if isFingerprint(v) {
			t.Errorf("isFingerprint(%q) = true", v)
		}
	}
}

func BenchmarkTallyObserve(b *testing.B) {
	leaf := strings.Repeat("ab", 32)
	known := &evidence.Provenance{Origins: []evidence.Origin{{Scheme: "https", Host: StagingHost, Port: "443",
		Chains: []evidence.Chain{{Leaf: evidence.Cert{SHA256: leaf}}}}}, ClientCerts: []evidence.Cert{{SHA256: "cd"}}}
	rec := call(1, testNow, "https://staging.api.axyscards.com/v2/cards/card_123?limit=10", leaf, "cd", "[redacted:0123456789ab]")
	tally := NewTally(known)
	b.ReportAllocs()
	for b.Loop() {
		tally.Observe(rec)
	}
}
