package proxy

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseHostPort(t *testing.T) {
	tests := []struct {
		in   string
		want hostPort
		ok   bool
	}{
		{"staging.api.axyscards.com", hostPort{StagingHost, 443}, true},
		{"STAGING.api.axyscards.com.:443", hostPort{StagingHost, 443}, true},
		{"staging.api.axyscards.com:", hostPort{StagingHost, 443}, true},
		{"127.0.0.1:9443", hostPort{"127.0.0.1", 9443}, true},
		{"[::1]:8443", hostPort{"::1", 8443}, true},
		{"[::1]", hostPort{"::1", 443}, true},
		{"::1", hostPort{"::1", 443}, true},
		{"host:0", hostPort{}, false},
		{"host:65536", hostPort{}, false},
		{"host:+80", hostPort{}, false},
		{"host:80:80", hostPort{}, false},
		{"a:b:c", hostPort{}, false},
		{"[::1", hostPort{}, false},
		{"[::1]x", hostPort{}, false},
		{"[staging.api.axyscards.com]:443", hostPort{}, false},
		{"", hostPort{}, false},
		{":443", hostPort{}, false},
		{"staging.api.axyscards.com@evil.com", hostPort{}, false},
		{"fe80::1%eth0", hostPort{}, false},
		{"*.example.com", hostPort{}, false},
		{"a..b", hostPort{}, false},
		{".example.com", hostPort{}, false},
		{"example.com..", hostPort{}, false},
		{"ex\x8cample.com", hostPort{}, false},
		{"under_score.example.com", hostPort{"under_score.example.com", 443}, true},
		{strings.Repeat("a", 300), hostPort{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseHostPort(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseHostPort(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestGuardCheck(t *testing.T) {
	g, err := newGuard(hostPort{"127.0.0.1", 9443}, []string{StagingHost, "Sandbox.Example.com.:8443"}, []string{"telemetry.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	g.self.add(netip.MustParseAddrPort("127.0.0.1:9090"), netip.MustParseAddrPort("[::]:8080"))
	tests := []struct {
		target, appHost string
		want            refusal
	}{
		{StagingHost, "127.0.0.1:8080", refuseNone},
		{"STAGING.api.axyscards.com.:443", "", refuseNone},
		{StagingHost + ":80", "", refuseNotAllowed},
		{StagingHost + ":8443", "", refuseNotAllowed},
		{"sandbox.example.com:8443", "", refuseNone},
		{"sandbox.example.com", "", refuseNotAllowed},
		{"127.0.0.1:9443", "", refuseNone},
		{"127.0.0.1", "", refuseNotAllowed},
		{"127.0.0.1:9090", "", refuseNotAllowed},
		{ProductionHost, "", refuseProduction},
		{ProductionHost + ":8443", "", refuseProduction},
		{"eu." + ProductionHost + ":443", "", refuseProduction},
		{StagingHost, ProductionHost, refuseProduction},
		{StagingHost, "PRODUCTION.API.AXYSCARDS.COM.:80", refuseProduction},
		{"telemetry.example.com", "", refuseNotAllowed},
		{"staging.api.axyscards.com.evil.com", "", refuseNotAllowed},
		{"", "", refuseBadHost},
		{"staging.api.axyscards.com@evil.com", "", refuseBadHost},
		{strings.Repeat("a", 300), "", refuseBadHost},
	}
	for _, tt := range tests {
		t.Run(tt.target+"|"+tt.appHost, func(t *testing.T) {
			target, _ := parseHostPort(tt.target)
			if got := g.checkCall(target, normalizeHost(tt.appHost)); got != tt.want {
				t.Errorf("checkCall(%q, %q) = %q, want %q", tt.target, tt.appHost, got, tt.want)
			}
		})
	}
	if !g.isPassthrough(hostPort{"telemetry.example.com", 443}) || g.isPassthrough(hostPort{"telemetry.example.com", 80}) ||
		g.isPassthrough(hostPort{StagingHost, 443}) {
		t.Error("passthrough set wrong")
	}
	if _, err := newGuard(hostPort{StagingHost, 443}, nil, []string{StagingHost + ":443"}); err == nil {
		t.Error("a target both allowlisted and passthrough was accepted")
	}
}

// TestGuardOwnListeners: an allowlisted target that is one of the
// sidecar's listeners is refused, by address, by loopback alias and by
// localhost, and an all-addresses listener covers loopback.
func TestGuardOwnListeners(t *testing.T) {
	g, err := newGuard(hostPort{"127.0.0.1", 9090}, []string{"localhost:8080", "127.0.0.2:9090", "[::1]:7070", "127.0.0.1:7071"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"127.0.0.1:9090", "localhost:8080", ":7070"} {
		addrs, err := parseListenAddr(a)
		if err != nil {
			t.Fatal(err)
		}
		g.self.add(addrs...)
	}
	tests := []struct {
		target string
		want   refusal
	}{
		{"127.0.0.1:9090", refuseOwnListener},
		{"127.0.0.2:9090", refuseOwnListener}, // any loopback address reaches a loopback listener
		{"localhost:8080", refuseOwnListener},
		{"[::1]:7070", refuseOwnListener},
		{"127.0.0.1:7071", refuseNone},
	}
	for _, tt := range tests {
		target, _ := parseHostPort(tt.target)
		if got := g.check(target); got != tt.want {
			t.Errorf("check(%q) = %q, want %q", tt.target, got, tt.want)
		}
	}
	for _, bad := range []string{"example.com:80", "127.0.0.1", "127.0.0.1:99999"} {
		if _, err := parseListenAddr(bad); err == nil {
			t.Errorf("parseListenAddr(%q) accepted", bad)
		}
	}
}

// FuzzParseAllowEntry: the allowlist and host:port parser never panics;
// what it accepts is a normalized, non-production host on a real port that
// reads back the same from its own host:port form.
func FuzzParseAllowEntry(f *testing.F) {
	for _, s := range []string{StagingHost, "Staging.API.axyscards.com.:443", "127.0.0.1:9443", "[::1]:8443", "::1",
		ProductionHost, "eu." + ProductionHost + ":80", "a@b", "host:0", "[x]:1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseAllowEntry(s)
		if err != nil {
			return
		}
		switch {
		case got.host == "" || got.port == 0 || isProduction(got.host):
			t.Fatalf("%q accepted as %+v", s, got)
		case got.host != strings.ToLower(got.host) || strings.HasSuffix(got.host, "."):
			t.Fatalf("%q: host %q not normalized", s, got.host)
		}
		again, ok := parseHostPort(got.String())
		if !ok || again != got {
			t.Fatalf("%q: %v reads back as %v, %v", s, got, again, ok)
		}
	})
}

// FuzzGuardTarget: whatever a CONNECT or a request names, the guard lets
// through only an allowlisted host:port, never production, never one of
// its own listeners.
func FuzzGuardTarget(f *testing.F) {
	g, err := newGuard(hostPort{"127.0.0.1", 9443}, []string{StagingHost, "localhost:9090"}, nil)
	if err != nil {
		f.Fatal(err)
	}
	g.self.add(netip.MustParseAddrPort("127.0.0.1:9090"))
	for _, s := range []string{StagingHost + ":443", StagingHost + ":80", "127.0.0.1:9443", "localhost:9090",
		"127.0.0.1:9090", ProductionHost + ":443", "PRODUCTION.api.axyscards.com.", "[::1]:9090", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		target, _ := parseHostPort(s)
		if g.check(target) != refuseNone {
			return
		}
		if !g.allowlisted(target) || isProduction(target.host) || g.self.target(target) ||
			IsProductionHost(s) || target.host == "localhost" {
			t.Fatalf("%q (%+v) let through", s, target)
		}
	})
}
