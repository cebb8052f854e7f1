package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// checkConfig is serve --check-config: every check a start makes, short of
// creating anything and serving, plus binding each listen address (then
// closing it) and, with probe, a TLS handshake with the upstream. It
// prints the effective configuration with each value's source, secrets
// masked, then each check's result, and fails when any check failed.
func checkConfig(ctx context.Context, w io.Writer, cfg serveConfig, src sources, probe bool) error {
	pre := runPreflight(cfg)
	pre.do("listen "+cfg.Listen, func() (string, error) { return canBind(cfg.Listen) })
	pre.do("admin-listen "+cfg.AdminListen, func() (string, error) { return canBind(cfg.AdminListen) })
	if probe {
		pre.do("upstream probe", func() (string, error) { return probeUpstream(ctx, pre) })
	}
	lw := &lineWriter{w: w}
	writeEffectiveConfig(lw, cfg, src)
	lw.printf("\nchecks:")
	failed := 0
	for _, r := range pre.results {
		if r.err != nil {
			failed++
			lw.printf("  FAIL  %s: %s", r.name, indentLines(r.err.Error()))
			continue
		}
		lw.printf("  ok    %s: %s", r.name, r.detail)
	}
	if lw.err != nil {
		return lw.err
	}
	if err := pre.err(true); err != nil {
		return fmt.Errorf("configuration check failed (%d of %d checks):\n%w", failed, len(pre.results), err)
	}
	lw.printf("\nconfiguration ok")
	return lw.err
}

func indentLines(s string) string { return strings.ReplaceAll(s, "\n", "\n        ") }

// canBind binds addr and closes it at once.
func canBind(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("cannot bind: %w", err)
	}
	bound := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("close test listener: %w", err)
	}
	return "can be bound (" + bound + ")", nil
}

// probeUpstream makes a TLS handshake with the upstream using the client
// certificate and the transport's trust roots, and describes the server's
// certificate.
func probeUpstream(ctx context.Context, pre *preflight) (string, error) {
	if pre.transport == nil || pre.upstream == nil {
		return "", errors.New("not probed: the client certificate or the upstream did not load")
	}
	host := pre.upstream.Host
	if pre.upstream.Port() == "" {
		host = net.JoinHostPort(pre.upstream.Hostname(), "443")
	}
	conf := pre.transport.TLSClientConfig.Clone()
	conf.ServerName = pre.upstream.Hostname()
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: pre.cfg.DialTimeout}, Config: conf}
	ctx, cancel := context.WithTimeout(ctx, pre.cfg.DialTimeout)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return "", fmt.Errorf("TLS handshake with %s: %w", host, err)
	}
	defer conn.Close()
	st := conn.(*tls.Conn).ConnectionState()
	leaf := st.PeerCertificates[0]
	return fmt.Sprintf("%s %s: server certificate %s, issued by %s, expires %s",
		host, tls.VersionName(st.Version), leaf.Subject, leaf.Issuer, leaf.NotAfter.UTC().Format(time.DateOnly)), nil
}

// writeEffectiveConfig prints every configuration value, its source, with
// the API key masked (its length only) and secret files shown by path.
func writeEffectiveConfig(lw *lineWriter, cfg serveConfig, src sources) {
	fs := pflag.NewFlagSet("effective", pflag.ContinueOnError)
	f := serveFlags{}
	f.bind(fs, false)
	f.cfg = cfg // the flags point into f.cfg: they now show cfg
	names := make([]string, 0, len(src))
	width := 0
	for name := range src {
		names = append(names, name)
		width = max(width, len(name))
	}
	sort.Strings(names)
	lw.printf("effective configuration:")
	for _, name := range names {
		v := fs.Lookup(name).Value.String()
		if name == "api-key" && v != "" {
			v = fmt.Sprintf("**** (%d characters)", len(v))
		}
		if v == "" {
			v = "-"
		}
		lw.printf("  %-*s  %-40s  %s", width, name, v, src[name])
	}
}
