package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// checkCA checks the interception CA a start would load, with the proxy's
// own rules. No CA yet is fine (the start creates one once its checks
// passed). A CA that cannot be loaded at all (half missing, not a CA, not
// name-constrained) fails: the start would fail on it too. A CA that has
// expired or does not permit every allowlisted host is an advisory
// failure: --check-config fails on it, a start only warns and serves
// (base-URL mode needs no CA; the proxy refuses the CONNECTs the CA cannot
// sign for, saying to run "evidence-proxy ca rotate").
func (p *preflight) checkCA() {
	const name = "interception CA"
	if p.hosts == nil {
		p.results = append(p.results, checkResult{name: name, err: errors.New("unknown hosts (see the upstream check)")})
		return
	}
	dir := filepath.Join(p.cfg.DataDir, caDir)
	certPath := filepath.Join(dir, proxy.CACertFile)
	ca, err := proxy.LoadCA(dir)
	switch {
	case errors.Is(err, proxy.ErrNoCA):
		p.results = append(p.results, checkResult{name: name, detail: "none yet: created at the first start for " + strings.Join(p.hosts, ", ")})
		return
	case err != nil:
		p.results = append(p.results, checkResult{name: name, err: err})
		return
	}
	if err := proxy.CheckCA(ca, p.hosts, time.Now()); err != nil {
		p.results = append(p.results, checkResult{name: name, err: fmt.Errorf("%s: %w", certPath, err), advisory: true})
		return
	}
	p.results = append(p.results, checkResult{name: name, detail: fmt.Sprintf("%s: permits %s, expires %s",
		certPath, strings.Join(p.hosts, ", "), ca.Cert.NotAfter.UTC().Format(time.DateOnly))})
}
