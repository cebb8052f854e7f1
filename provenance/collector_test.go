package provenance

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/internal/pki"
)

// TestCollectorClassifiesHandshakes runs real TLS handshakes with a server
// presenting a certificate for the staging host name, and checks the class
// the collector derives from how the chain was trusted.
func TestCollectorClassifiesHandshakes(t *testing.T) {
	ca := testCA(t, "Look-alike Root CA")
	other := testCA(t, "Some Other Root")
	server := serverCert(t, ca, StagingHost)
	tests := []struct {
		name       string
		port       string
		roots      *x509.CertPool // the transport's RootCAs
		claim      string
		system     *x509.CertPool // what the collector finds in the system store
		wantBy     string
		wantClass  evidence.Class
		wantRootCN string
	}{
		{name: "system store trusts it", port: "443", claim: evidence.VerifiedBySystem, system: poolOf(ca),
			wantBy: evidence.VerifiedBySystem, wantClass: evidence.ClassAxysStaging, wantRootCN: "Look-alike Root CA"},
		{name: "trusted through --upstream-ca", port: "443", roots: poolOf(ca), claim: evidence.VerifiedByUpstreamCA, system: poolOf(ca),
			wantBy: evidence.VerifiedByUpstreamCA, wantClass: evidence.ClassOther, wantRootCN: "Look-alike Root CA"},
		{name: "system claim the system store does not confirm", port: "443", roots: poolOf(ca), claim: evidence.VerifiedBySystem, system: poolOf(other),
			wantBy: evidence.VerifiedByNone, wantClass: evidence.ClassOther},
		{name: "staging name on another port", port: "8443", claim: evidence.VerifiedBySystem, system: poolOf(ca),
			wantBy: evidence.VerifiedBySystem, wantClass: evidence.ClassOther, wantRootCN: "Look-alike Root CA"},
		{name: "unknown claim", port: "443", roots: poolOf(ca), claim: "trust-me", system: poolOf(ca),
			wantBy: evidence.VerifiedByNone, wantClass: evidence.ClassOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCollector(Options{SystemRoots: fixedRoots(tt.system)})
			if err != nil {
				t.Fatal(err)
			}
			roots := tt.roots
			if roots == nil {
				roots = tt.system // the transport's "system" roots
			}
			err = handshake(t, server, StagingHost, roots, func(cs tls.ConnectionState) {
				c.ObserveHandshake(StagingHost, tt.port, cs, tt.claim)
			})
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			p := c.Provenance()
			if len(p.Origins) != 1 || len(p.Origins[0].Chains) != 1 {
				t.Fatalf("provenance = %+v, want one origin with one chain", p.Origins)
			}
			o := p.Origins[0]
			ch := o.Chains[0]
			if o.Address() != "https://"+StagingHost+":"+tt.port || ch.VerifiedBy != tt.wantBy || ch.Class != tt.wantClass {
				t.Errorf("origin %s chain verified by %s class %s, want verified by %s class %s", o.Address(), ch.VerifiedBy, ch.Class, tt.wantBy, tt.wantClass)
			}
			if ch.Leaf.SHA256 != server.Fingerprint() || !bytes.Equal(ch.Leaf.DER, server.Cert.Raw) || ch.Leaf.Subject != "CN=staging.api.axyscards.com,O=evidence-proxy" {
				t.Errorf("leaf facts = %+v", ch.Leaf)
			}
			if tt.wantRootCN != "" && (ch.Root.SHA256 != ca.Fingerprint() || !strings.Contains(ch.Root.Subject, tt.wantRootCN)) {
				t.Errorf("root = %s %s, want the CA %s", ch.Root.Subject, ch.Root.SHA256, ca.Fingerprint())
			}
		})
	}
}

// TestCollectorEmulatorMarks: the emulator's marked certificate is
// emulator however it was trusted; an unmarked one on the same address is
// other.
func TestCollectorEmulatorMarks(t *testing.T) {
	ca := testCA(t, "Axys emulator CA")
	for _, tt := range []struct {
		name   string
		marked bool
		claim  string
		want   evidence.Class
	}{
		{"marked, --upstream-ca", true, evidence.VerifiedByUpstreamCA, evidence.ClassEmulator},
		{"marked, its CA in the system store", true, evidence.VerifiedBySystem, evidence.ClassEmulator},
		{"unmarked", false, evidence.VerifiedByUpstreamCA, evidence.ClassOther},
	} {
		t.Run(tt.name, func(t *testing.T) {
			server := markedCert(t, ca, tt.marked, tt.marked, StagingHost, "localhost")
			c, err := NewCollector(Options{SystemRoots: fixedRoots(poolOf(ca))})
			if err != nil {
				t.Fatal(err)
			}
			if err := handshake(t, server, StagingHost, poolOf(ca), func(cs tls.ConnectionState) {
				c.ObserveHandshake(StagingHost, "443", cs, tt.claim)
			}); err != nil {
				t.Fatal(err)
			}
			ch := c.Provenance().Origins[0].Chains[0]
			if ch.Class != tt.want || ch.Emulator != tt.marked {
				t.Errorf("chain class %s emulator %v, want %s %v", ch.Class, ch.Emulator, tt.want, tt.marked)
			}
		})
	}
}

// systemStoreHelperEnv names the directory of the subprocess run by
// TestSystemTrustStoreFromSSLCertFile.
const systemStoreHelperEnv = "EVIDENCE_PROXY_TEST_SYSTEM_STORE_DIR"

// TestSystemTrustStoreFromSSLCertFile runs the handshake in a subprocess
// whose system trust store is a test CA (SSL_CERT_FILE), with the
// transport and the collector both using the real system store: the
// staging host name is axys-staging. The same upstream verified through
// --upstream-ca is other.
func TestSystemTrustStoreFromSSLCertFile(t *testing.T) {
	if dir := os.Getenv(systemStoreHelperEnv); dir != "" {
		systemStoreHelper(t, dir)
		return
	}
	dir := t.TempDir()
	ca := testCA(t, "Test System Root")
	server := serverCert(t, ca, StagingHost)
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := server.WriteFiles(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSystemTrustStoreFromSSLCertFile$", "-test.v")
	cmd.Env = append(os.Environ(), systemStoreHelperEnv+"="+dir, "SSL_CERT_FILE="+filepath.Join(dir, "ca.pem"), "SSL_CERT_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("subprocess: %v\n%s", err, out)
	}
	for _, want := range []string{"class system=axys-staging", "class upstream-ca=other", "root=" + ca.Fingerprint()} {
		if !strings.Contains(string(out), want) {
			t.Errorf("subprocess output lacks %q:\n%s", want, out)
		}
	}
}

// systemStoreHelper is the subprocess: RootCAs nil means the system store.
func systemStoreHelper(t *testing.T, dir string) {
	pair, err := pki.Load(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	upstreamCA := x509.NewCertPool()
	upstreamCA.AppendCertsFromPEM(caPEM)
	for _, run := range []struct {
		claim string
		roots *x509.CertPool
	}{{evidence.VerifiedBySystem, nil}, {evidence.VerifiedByUpstreamCA, upstreamCA}} {
		c, err := NewCollector(Options{}) // the real system store
		if err != nil {
			t.Fatal(err)
		}
		if err := handshake(t, pair, StagingHost, run.roots, func(cs tls.ConnectionState) {
			c.ObserveHandshake(StagingHost, "443", cs, run.claim)
		}); err != nil {
			t.Fatalf("handshake (%s): %v", run.claim, err)
		}
		ch := c.Provenance().Origins[0].Chains[0]
		fmt.Printf("class %s=%s root=%s\n", run.claim, ch.Class, ch.Root.SHA256)
	}
}

// TestCollectorSavesOnlyChanges: the saver sees the start, the client
// certificate and each new chain, never a repeated handshake; a failed save
// is logged once and retried by Flush.
func TestCollectorSavesOnlyChanges(t *testing.T) {
	ca := testCA(t, "CA")
	saver := &memSaver{}
	var logs bytes.Buffer
	c, err := NewCollector(Options{InstanceID: "inst-1", ToolVersion: "v1.2.3", Saver: saver, SystemRoots: fixedRoots(poolOf(ca)),
		Now: func() time.Time { return testNow }, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if saver.count() != 1 || saver.last.InstanceID != "inst-1" || len(saver.last.Starts) != 1 || saver.last.Starts[0].ToolVersion != "v1.2.3" {
		t.Fatalf("after start: %d saves, %+v", saver.count(), saver.last)
	}
	client := clientCert(t, ca, "Acme Cards Ltd", "Pilot", "Travel")
	for range 3 {
		if err := c.SetClientCertificate(client); err != nil {
			t.Fatal(err)
		}
	}
	a, b := serverCert(t, ca, StagingHost), serverCert(t, ca, StagingHost)
	for i := range 50 {
		srv := a
		if i == 49 {
			srv = b // a rotated server certificate
		}
		if err := handshake(t, srv, StagingHost, poolOf(ca), func(cs tls.ConnectionState) {
			c.ObserveHandshake(StagingHost, "443", cs, evidence.VerifiedBySystem)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if got := saver.count(); got != 4 {
		t.Errorf("%d saves, want 4 (start, client certificate, two chains)", got)
	}
	cc := saver.last.ClientCerts
	if len(cc) != 1 || cc[0].Tenant != "Acme Cards Ltd" || strings.Join(cc[0].Programs, ",") != "Pilot,Travel" {
		t.Errorf("client certificates = %+v", cc)
	}
	saver.fail = true
	for _, srv := range []*pki.Cert{serverCert(t, ca, StagingHost), serverCert(t, ca, StagingHost)} {
		if err := handshake(t, srv, StagingHost, poolOf(ca), func(cs tls.ConnectionState) {
			c.ObserveHandshake(StagingHost, "443", cs, evidence.VerifiedBySystem)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "save provenance"); n != 1 {
		t.Errorf("%d log lines about the failing save, want 1 (rate-limited):\n%s", n, logs.String())
	}
	if err := c.Flush(); err == nil {
		t.Error("Flush with a failing saver succeeded")
	}
	saver.fail = false
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if chains := saver.last.Origins[0].Chains; len(chains) != 4 {
		t.Errorf("after Flush the store has %d chains, want 4", len(chains))
	}
	if err := c.Flush(); err != nil || saver.count() != 5 {
		t.Errorf("a Flush with nothing new saved again: %d saves, err %v", saver.count(), err)
	}
}

// TestCollectorKeepsWeakerVerification: the same leaf seen through the
// system store and then through --upstream-ca is kept as the weaker.
func TestCollectorKeepsWeakerVerification(t *testing.T) {
	ca := testCA(t, "CA")
	srv := serverCert(t, ca, StagingHost)
	c, err := NewCollector(Options{SystemRoots: fixedRoots(poolOf(ca))})
	if err != nil {
		t.Fatal(err)
	}
	for _, claim := range []string{evidence.VerifiedBySystem, evidence.VerifiedByUpstreamCA, evidence.VerifiedBySystem} {
		if err := handshake(t, srv, StagingHost, poolOf(ca), func(cs tls.ConnectionState) {
			c.ObserveHandshake(StagingHost, "443", cs, claim)
		}); err != nil {
			t.Fatal(err)
		}
	}
	chains := c.Provenance().Origins[0].Chains
	if len(chains) != 1 || chains[0].VerifiedBy != evidence.VerifiedByUpstreamCA || chains[0].Class != evidence.ClassOther {
		t.Errorf("chains = %+v, want one, verified by upstream-ca, other", chains)
	}
}

func TestCollectorStartsAndLimits(t *testing.T) {
	prev := &evidence.Provenance{InstanceID: "inst-1"}
	for i := range MaxStarts + 5 {
		prev.Starts = append(prev.Starts, evidence.Start{Time: testNow.Add(time.Duration(i) * time.Minute), ToolVersion: "old"})
	}
	c, err := NewCollector(Options{InstanceID: "inst-1", ToolVersion: "new", Previous: prev, Now: func() time.Time { return testNow.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	starts := c.Provenance().Starts
	if len(starts) != MaxStarts || starts[len(starts)-1].ToolVersion != "new" || !starts[0].Time.Equal(prev.Starts[6].Time) {
		t.Errorf("starts = %d, last %+v, first %v", len(starts), starts[len(starts)-1], starts[0].Time)
	}
	if len(prev.Starts) != MaxStarts+5 {
		t.Error("NewCollector changed Options.Previous")
	}
	if _, err := NewCollector(Options{InstanceID: "inst-2", Previous: prev}); err == nil || !strings.Contains(err.Error(), "inst-1") {
		t.Errorf("a store's provenance of another instance: err = %v", err)
	}
	if _, err := NewCollector(Options{Saver: &memSaver{fail: true}}); err == nil {
		t.Error("NewCollector with a failing saver succeeded")
	}

	ca := testCA(t, "CA")
	srv := serverCert(t, ca, "localhost")
	var logs bytes.Buffer
	c, err = NewCollector(Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for i := range MaxOrigins + 3 {
		if err := handshake(t, srv, "localhost", poolOf(ca), func(cs tls.ConnectionState) {
			c.ObserveHandshake("localhost", fmt.Sprint(10000+i), cs, evidence.VerifiedByUpstreamCA)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.Provenance().Origins); n != MaxOrigins {
		t.Errorf("%d origins kept, want %d", n, MaxOrigins)
	}
	if n := strings.Count(logs.String(), "provenance limit reached"); n != 1 {
		t.Errorf("%d limit log lines, want 1", n)
	}
}
