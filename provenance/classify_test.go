package provenance

import (
	"testing"

	"github.com/evidence-proxy/evidence-proxy/evidence"
)

func TestClassify(t *testing.T) {
	const sys, ca, none = evidence.VerifiedBySystem, evidence.VerifiedByUpstreamCA, evidence.VerifiedByNone
	tests := []struct {
		name, host, port, by string
		emulator             bool
		want                 evidence.Class
	}{
		{"staging through the system store", StagingHost, "443", sys, false, evidence.ClassAxysStaging},
		{"staging through --upstream-ca", StagingHost, "443", ca, false, evidence.ClassOther},
		{"staging unverified", StagingHost, "443", none, false, evidence.ClassOther},
		{"staging on another port", StagingHost, "8443", sys, false, evidence.ClassOther},
		{"production host", "production.api.axyscards.com", "443", sys, false, evidence.ClassOther},
		{"a look-alike host", "staging.api.axyscards.com.evil.test", "443", sys, false, evidence.ClassOther},
		{"emulator on loopback", "127.0.0.1", "41234", ca, true, evidence.ClassEmulator},
		{"emulator answering for the staging name, trusted by the system", StagingHost, "443", sys, true, evidence.ClassEmulator},
		{"unmarked local server", "127.0.0.1", "41234", ca, false, evidence.ClassOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.host, tt.port, tt.by, tt.emulator); got != tt.want {
				t.Errorf("Classify(%s, %s, %s, %v) = %s, want %s", tt.host, tt.port, tt.by, tt.emulator, got, tt.want)
			}
		})
	}
}

func TestCombine(t *testing.T) {
	const s, e, o, m, n = evidence.ClassAxysStaging, evidence.ClassEmulator, evidence.ClassOther, evidence.ClassMixed, evidence.ClassNone
	tests := []struct {
		in   []evidence.Class
		want evidence.Class
	}{
		{nil, n},
		{[]evidence.Class{n, n}, n},
		{[]evidence.Class{s}, s},
		{[]evidence.Class{s, s, n}, s},
		{[]evidence.Class{n, e}, e},
		{[]evidence.Class{s, e}, m},
		{[]evidence.Class{s, o}, m},
		{[]evidence.Class{m}, m},
		{[]evidence.Class{m, m}, m},
	}
	for _, tt := range tests {
		if got := Combine(tt.in...); got != tt.want {
			t.Errorf("Combine(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestIsEmulatorCert: both marks are needed; either alone is not the
// emulator (old emulator credentials had neither).
func TestIsEmulatorCert(t *testing.T) {
	ca := testCA(t, "Test CA")
	tests := []struct {
		name     string
		org, ext bool
		want     bool
	}{
		{"both marks", true, true, true},
		{"organisation only", true, false, false},
		{"extension only", false, true, false},
		{"neither (old emulator credentials)", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := markedCert(t, ca, tt.org, tt.ext, "localhost")
			if got := IsEmulatorCert(c.Cert); got != tt.want {
				t.Errorf("IsEmulatorCert = %v, want %v", got, tt.want)
			}
		})
	}
	if IsEmulatorCert(nil) {
		t.Error("IsEmulatorCert(nil) = true")
	}
}

func TestParseOrigin(t *testing.T) {
	tests := []struct {
		url  string
		want string
		ok   bool
	}{
		{"https://staging.api.axyscards.com/v2/cards", "https://staging.api.axyscards.com:443", true},
		{"https://STAGING.api.axyscards.com.:443/v2", "https://staging.api.axyscards.com:443", true},
		{"https://127.0.0.1:41234/v2/cards?x=1", "https://127.0.0.1:41234", true},
		{"http://localhost/v2", "http://localhost:80", true},
		{"https://[::1]:8443/v2", "https://[::1]:8443", true},
		{"https://[::1]/v2", "https://[::1]:443", true},
		{"https://user@host.test:9/x", "https://host.test:9", true},
		{"https://host.test?x=1", "https://host.test:443", true},
		{"/v2/cards", "", false},
		{"https:///v2", "", false},
		{"https://host:abc/", "", false},
		{"ftp://host/", "", false},
	}
	for _, tt := range tests {
		prefix, ok := urlOrigin(tt.url)
		var k originKey
		if ok {
			k, ok = parseOrigin(prefix)
		}
		if ok != tt.ok || (ok && k.String() != tt.want) {
			t.Errorf("origin of %q = %v %v, want %q %v", tt.url, k, ok, tt.want, tt.ok)
		}
	}
}
