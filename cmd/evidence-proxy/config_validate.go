package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// validate checks the configuration without touching the outside world:
// files, ports and the store are checked by preflight.
func (c *serveConfig) validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for name, addr := range map[string]string{"listen": c.Listen, "admin-listen": c.AdminListen} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			add("--%s %q: %w", name, addr, err)
		}
	}
	if u, err := url.Parse(c.Upstream); err != nil || u.Scheme != "https" || u.Host == "" {
		add("--upstream %q: must be an https:// URL", c.Upstream)
	} else if proxy.IsProductionHost(u.Host) {
		add("--upstream %q: evidence-proxy records staging only and never forwards to production", c.Upstream)
	}
	for _, h := range c.AllowHosts {
		if proxy.IsProductionHost(h) {
			add("--allow-host %q: production is never allowlisted", h)
		}
	}
	if c.ClientCert == "" || c.ClientKey == "" {
		add("--client-cert and --client-key: required (the staging mTLS certificate and key Axys issued)")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		add("--tls-cert and --tls-key go together")
	}
	if c.RequireClientCA != "" && c.TLSCert == "" {
		add("--require-client-ca needs --tls-cert: client certificates are a TLS feature")
	}
	if c.Durability != "sync" && c.Durability != "async" {
		add("--durability %q: must be sync or async", c.Durability)
	}
	if c.QueueSize < 1 {
		add("--queue-size %d: must be at least 1", c.QueueSize)
	}
	if c.BodyCap < 0 {
		add("--body-cap %d: must not be negative", c.BodyCap)
	}
	if c.DataDir == "" {
		add("--data-dir: required")
	}
	for name, d := range map[string]time.Duration{"dial-timeout": c.DialTimeout, "response-header-timeout": c.HeaderTimeout, "idle-timeout": c.IdleTimeout,
		"shutdown-timeout": c.ShutdownTimeout, "upstream-probe-interval": c.UpstreamProbeInterval} {
		if d <= 0 {
			add("--%s %s: must be positive", name, d)
		}
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		add("--log-level: %w", err)
	}
	errs = append(errs, c.validateExposure()...)
	errs = append(errs, c.validateEvents()...)
	errs = append(errs, c.validateRedaction()...)
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// validateExposure refuses listeners beyond loopback that would be open
// doors. The proxy listener adds the Program's client certificate and API
// key to every call it forwards: reachable by anyone, it is an open proxy
// into the Program's staging account, so it needs app client certificates
// or the operator's explicit word. The admin listener's /snapshot hands
// out the whole evidence store, so beyond loopback it needs a token.
func (c *serveConfig) validateExposure() []error {
	var errs []error
	if !isLoopbackAddr(c.Listen) && c.RequireClientCA == "" && !c.AllowUnauthenticatedClients {
		errs = append(errs, fmt.Errorf("--listen %s is beyond loopback: anyone who can connect would get calls sent with the Program's client certificate and API key (an open proxy). "+
			"Require app client certificates with --require-client-ca FILE (with --tls-cert and --tls-key), or, when a network policy already limits who can connect, say so with --allow-unauthenticated-clients", c.Listen))
	}
	if !isLoopbackAddr(c.AdminListen) && c.AdminTokenFile == "" {
		errs = append(errs, fmt.Errorf("--admin-listen %s is beyond loopback: its /snapshot hands out the whole evidence store. "+
			"Set --admin-token-file FILE (a bearer token clients send as \"Authorization: Bearer TOKEN\"), or keep it on 127.0.0.1", c.AdminListen))
	}
	for _, h := range c.AdminHosts {
		if strings.ContainsAny(h, ":/ ") || h == "" {
			errs = append(errs, fmt.Errorf("--admin-host %q: a host name, without scheme or port", h))
		}
	}
	return errs
}

// isLoopbackAddr reports whether a listen address binds loopback only:
// "localhost" or a loopback IP. An empty host binds every interface; any
// other name could resolve anywhere.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true // reported by validate as a bad address
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
