package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/proxy"
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
	if cfg.otlpEnabled() {
		pre.do("otlp-listen "+cfg.OTLPListen, func() (string, error) { return canBind(cfg.OTLPListen) })
	}
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
// certificate and the transport's trust roots (proxy.ProbeUpstream: no
// request is sent), and describes the server's certificate, or says why
// the upstream refused.
func probeUpstream(ctx context.Context, pre *preflight) (string, error) {
	if pre.transport == nil || pre.upstream == nil {
		return "", errors.New("not probed: the client certificate or the upstream did not load")
	}
	r, err := proxy.ProbeUpstream(ctx, proxy.ProbeOptions{
		URL: pre.upstream, TLSConfig: pre.transport.TLSClientConfig, Timeout: pre.cfg.DialTimeout,
	})
	if err != nil {
		if r.Diagnosis == "" {
			return "", err
		}
		return "", fmt.Errorf("%s: %s", r.Addr, r.Diagnosis)
	}
	return describeProbe(r), nil
}

// describeProbe is one line about a probe that succeeded.
func describeProbe(r proxy.ProbeResult) string {
	s := r.Addr + " " + r.TLSVersion
	if len(r.Chain) > 0 {
		leaf := r.Chain[0]
		s += fmt.Sprintf(": server certificate %s, issued by %s, expires %s", leaf.Subject, leaf.Issuer, leaf.NotAfter.Format(time.DateOnly))
	}
	if r.ClientCertRequested {
		s += "; our client certificate was requested and accepted"
	}
	return s
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
		v := strings.Join(flagValues(fs.Lookup(name)), ", ")
		if name == "api-key" && v != "" {
			v = fmt.Sprintf("**** (%d characters)", len(v))
		}
		if v == "" {
			v = "-"
		}
		lw.printf("  %-*s  %-40s  %s", width, name, v, src[name])
	}
}
