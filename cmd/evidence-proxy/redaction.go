package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// bindRedaction registers the flags that add redaction rules to the
// built-in ones (which always apply: rules only add, nothing can make a
// default secret readable).
func (c *serveConfig) bindRedaction(fs *pflag.FlagSet) {
	fs.Var(&c.RedactFields, "redact-field", "also redact `SPEC`: a name (a JSON key at any depth, a query or form parameter), "+
		"header:NAME, query:NAME, json:PATH or regex:PATTERN (repeatable; not split at commas)")
	fs.StringVar(&c.RedactRules, "redact-rules", c.RedactRules, "YAML `FILE` of extra redaction rules (the keys of recorder/redact_defaults.yaml)")
	fs.Var(&c.RedactPresets, "redact-preset", "turn on a redaction `PRESET`: "+strings.Join(recorder.RedactPresets(), ", ")+
		" (names, dates of birth, addresses, phones, e-mails, national ids, bank accounts; repeatable)")
}

// validateRedaction checks the --redact-field values and preset names,
// without reading any file.
func (c *serveConfig) validateRedaction() []error {
	var errs []error
	for _, spec := range c.RedactFields {
		if _, err := recorder.ParseRedactField(spec); err != nil {
			errs = append(errs, fmt.Errorf("--redact-field: %w", err))
		}
	}
	for _, name := range c.RedactPresets {
		if !slices.Contains(recorder.RedactPresets(), name) {
			errs = append(errs, fmt.Errorf("--redact-preset %q: unknown (known: %s)", name, strings.Join(recorder.RedactPresets(), ", ")))
		}
	}
	return errs
}

// redactOptions turns the redaction flags into the recorder's options:
// each --redact-field, each preset, then the --redact-rules file.
func (c *serveConfig) redactOptions() (recorder.RedactOptions, error) {
	var opts recorder.RedactOptions
	for _, spec := range c.RedactFields {
		r, err := recorder.ParseRedactField(spec)
		if err != nil {
			return opts, fmt.Errorf("--redact-field: %w", err)
		}
		opts.Rules = append(opts.Rules, r)
	}
	for _, name := range c.RedactPresets {
		r, err := recorder.RedactPreset(name)
		if err != nil {
			return opts, fmt.Errorf("--redact-preset: %w", err)
		}
		opts.Rules = append(opts.Rules, r)
	}
	if c.RedactRules != "" {
		r, err := recorder.LoadRedactRules(c.RedactRules)
		if err != nil {
			return opts, fmt.Errorf("--redact-rules: %w", err)
		}
		opts.Rules = append(opts.Rules, r)
	}
	return opts, nil
}

// loadRedaction is the preflight check of the redaction flags: the rules
// load, and a redactor can be built with them.
func (p *preflight) loadRedaction() (string, error) {
	opts, err := p.cfg.redactOptions()
	if err != nil {
		return "", err
	}
	if _, err := recorder.NewRedactor(make([]byte, recorder.KeySize), opts); err != nil {
		return "", err
	}
	p.redact = opts
	if len(opts.Rules) == 0 {
		return "built-in rules only", nil
	}
	var parts []string
	if n := len(p.cfg.RedactFields); n > 0 {
		parts = append(parts, fmt.Sprintf("%d --redact-field", n))
	}
	if len(p.cfg.RedactPresets) > 0 {
		parts = append(parts, "preset "+strings.Join(p.cfg.RedactPresets, ", "))
	}
	if p.cfg.RedactRules != "" {
		parts = append(parts, "rules from "+p.cfg.RedactRules)
	}
	return "built-in rules plus " + strings.Join(parts, ", "), nil
}
