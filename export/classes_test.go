package export

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
	"github.com/evidence-proxy/evidence-proxy/provenance"
)

// classedChain builds n sealed records of instance reaching one origin of
// the given class, and the store provenance that observed it: the staging
// host verified by the system store (axys-staging), the emulator's marked
// certificate (emulator), or the staging host through --upstream-ca
// (other).
func classedChain(t testing.TB, class evidence.Class, instance string, n int, start time.Time) ([]*evidence.Record, *evidence.Provenance) {
	t.Helper()
	ca, err := pki.NewCA(pki.CAOptions{CommonName: "Root " + string(class)})
	if err != nil {
		t.Fatal(err)
	}
	host, port, by := provenance.StagingHost, "443", evidence.VerifiedBySystem
	var leaf *x509.Certificate
	switch class {
	case evidence.ClassEmulator:
		host, port, by = "127.0.0.1", "41234", evidence.VerifiedByUpstreamCA
		leaf = markedLeaf(t, ca)
	case evidence.ClassOther:
		by = evidence.VerifiedByUpstreamCA
		fallthrough
	default:
		c, err := ca.Issue(pki.LeafOptions{CommonName: host, DNSNames: []string{host}})
		if err != nil {
			t.Fatal(err)
		}
		leaf = c.Cert
	}
	client, err := ca.Issue(pki.LeafOptions{CommonName: "app", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	chain := evidence.Chain{Leaf: provenance.CertOf(leaf), Root: provenance.CertOf(ca.Cert), VerifiedBy: by,
		Class: provenance.Classify(host, port, by, class == evidence.ClassEmulator), ObservedAt: start}
	prov := &evidence.Provenance{InstanceID: instance, Starts: []evidence.Start{{Time: start, ToolVersion: "v0.0.0-test"}},
		Origins:     []evidence.Origin{{Scheme: "https", Host: host, Port: port, Chains: []evidence.Chain{chain}}},
		ClientCerts: []evidence.Cert{provenance.CertOf(client.Cert)}}
	recs := makeChain(t, 1, n, evidence.GenesisHash, start, time.Second)
	prev := evidence.GenesisHash
	for _, r := range recs {
		if r.Kind == evidence.KindCall && r.TLS != nil {
			r.Request.URL = "https://" + host + ":" + port + "/v2/cards"
			r.TLS.ServerCertSHA256, r.TLS.ClientCertSHA256 = chain.Leaf.SHA256, client.Fingerprint()
		}
		if err := r.Seal(prev); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}
	return recs, prov
}

// markedLeaf issues a server certificate with the emulator's marks.
func markedLeaf(t testing.TB, ca *pki.Cert) *x509.Certificate {
	t.Helper()
	em, err := ca.Issue(pki.LeafOptions{CommonName: "localhost"}) // for its key
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "localhost", Organization: []string{provenance.EmulatorOrganization}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, ExtraExtensions: []pkix.Extension{provenance.EmulatorMarker()},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &em.Key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// classedBundle exports a classed chain into dir/name signed by keySeed.
func classedBundle(t testing.TB, dir, name string, class evidence.Class, instance, keySeed string, start time.Time) string {
	t.Helper()
	recs, prov := classedChain(t, class, instance, 6, start)
	opts := testOptions(instance, keySeed)
	opts.Provenance = prov
	return mustWrite(t, dir, name, recs, opts)
}
