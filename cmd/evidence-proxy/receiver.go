package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/events"
)

// bindEvents registers the event receiver's flags.
func (c *serveConfig) bindEvents(fs *pflag.FlagSet) {
	fs.StringVar(&c.OTLPListen, "otlp-listen", c.OTLPListen, "event receiver `ADDR`: OTLP/HTTP logs at /v1/logs, JSON at /events; off (or empty) turns it off; "+
		"beyond loopback it needs --admin-token-file")
	fs.Var(&c.OTLPHosts, "otlp-host", "extra Host `NAME` the event receiver answers besides loopback names and addresses (repeatable)")
	fs.Var(&c.EventAttributes, "event-attribute", "`APP=axys.NAME`: the app's own attribute name for a documented entity attribute, "+
		"e.g. card_ref=axys.card_id (repeatable)")
}

// validateEvents checks the event receiver's flags. Beyond loopback the
// receiver takes the admin listener's bearer token: whoever can post
// events puts words in the app's mouth in the audit evidence.
func (c *serveConfig) validateEvents() []error {
	var errs []error
	if _, err := events.ParseMapping(c.EventAttributes); err != nil {
		errs = append(errs, fmt.Errorf("--event-attribute: %w", err))
	}
	for _, h := range c.OTLPHosts {
		if strings.ContainsAny(h, ":/ ") || h == "" {
			errs = append(errs, fmt.Errorf("--otlp-host %q: a host name, without scheme or port", h))
		}
	}
	if !c.otlpEnabled() {
		return errs
	}
	if _, _, err := net.SplitHostPort(c.OTLPListen); err != nil {
		return append(errs, fmt.Errorf("--otlp-listen %q: %w (or off)", c.OTLPListen, err))
	}
	if !isLoopbackAddr(c.OTLPListen) && c.AdminTokenFile == "" {
		errs = append(errs, fmt.Errorf("--otlp-listen %s is beyond loopback: anyone who can connect could add events to the audit evidence. "+
			"Set --admin-token-file FILE (apps then send its token as \"Authorization: Bearer TOKEN\"), keep it on 127.0.0.1, or turn it off with --otlp-listen off", c.OTLPListen))
	}
	return errs
}

// newReceiver builds the event receiver on the sidecar's store. Beyond
// loopback it requires the admin token; on loopback it requires none, so
// the app in the same pod or host exports without one.
func (sc *sidecar) newReceiver() (*events.Receiver, error) {
	cfg := sc.cfg
	mapping, err := events.ParseMapping(cfg.EventAttributes)
	if err != nil {
		return nil, fmt.Errorf("--event-attribute: %w", err)
	}
	opts := events.Options{
		Hosts:      cfg.OTLPHosts,
		Mapping:    mapping,
		Async:      cfg.Durability == "async",
		Logger:     sc.log,
		Registerer: sc.reg,
	}
	if !isLoopbackAddr(cfg.OTLPListen) {
		opts.BearerToken = sc.pre.adminToken
	}
	r, err := events.New(sc.store, opts)
	if err != nil {
		return nil, fmt.Errorf("event receiver: %w", err)
	}
	return r, nil
}
