package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

// serveFlags are serve's command line: the configuration and the flags
// that are not configuration (--config, --check-config, --probe).
type serveFlags struct {
	cfg        serveConfig
	configPath string
	check      bool
	probe      bool
}

// notConfig reports whether a flag has no YAML key and no environment
// variable.
func notConfig(name string) bool {
	switch name {
	case "config", "check-config", "probe", "help":
		return true
	}
	return false
}

// sources says where each configuration value came from: "default",
// "flag", "env NAME" or "file PATH", by flag name.
type sources map[string]string

// bind registers the configuration flags on fs with the defaults, and,
// when checks is set, --check-config and --probe (serve's, not ca's).
func (f *serveFlags) bind(fs *pflag.FlagSet, checks bool) {
	f.cfg = defaultServeConfig()
	c := &f.cfg
	fs.StringVar(&c.Listen, "listen", c.Listen, "proxy listener `ADDR` (base-URL and HTTPS_PROXY modes); beyond loopback it needs --require-client-ca or --allow-unauthenticated-clients")
	fs.StringVar(&c.AdminListen, "admin-listen", c.AdminListen, "admin listener `ADDR`: /metrics /healthz /readyz /coverage /snapshot /ca.pem; beyond loopback it needs --admin-token-file")
	fs.StringVar(&c.AdminTokenFile, "admin-token-file", c.AdminTokenFile, "`FILE` holding the bearer token admin clients must send (every path but /healthz, /readyz, /metrics and /ca.pem)")
	fs.Var(&c.AdminHosts, "admin-host", "extra Host `NAME` the admin listener answers besides loopback names and IP addresses (repeatable)")
	fs.StringVar(&c.Upstream, "upstream", c.Upstream, "upstream base `URL`")
	fs.StringVar(&c.ClientCert, "client-cert", c.ClientCert, "staging client certificate `FILE` (PEM) presented upstream")
	fs.StringVar(&c.ClientKey, "client-key", c.ClientKey, "key `FILE` of --client-cert (PEM, owner-only: chmod 600)")
	fs.StringVar(&c.UpstreamCA, "upstream-ca", c.UpstreamCA, "CA bundle `FILE` to verify the upstream (default: system roots)")
	fs.StringVar(&c.APIKey, "api-key", c.APIKey, "X-API-Key `KEY` to send when the app sends none; visible in the process list: prefer --api-key-file")
	fs.StringVar(&c.APIKeyFile, "api-key-file", c.APIKeyFile, "`FILE` holding the X-API-Key to send when the app sends none (owner-only; trailing newline ignored)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "`DIR` for the store, the interception CA and the keys (created at the first start)")
	fs.StringVar(&c.Durability, "durability", c.Durability, "`MODE`: sync answers after the record is fsynced; async answers at once, with a bounded queue (gaps recorded)")
	fs.IntVar(&c.QueueSize, "queue-size", c.QueueSize, "async durability: `RECORDS` queued before gaps are recorded")
	fs.Var(&c.AllowHosts, "allow-host", "staging `HOST[:PORT]` to forward to, port 443 when none (repeatable; the upstream is always allowed on its own port)")
	fs.Var(&c.PassthroughHost, "passthrough-host", "`HOST[:PORT]` tunnelled blind on CONNECT, counted, not recorded; port 443 when none (repeatable)")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "serve the proxy listener over TLS with this certificate `FILE` (PEM)")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "key `FILE` of --tls-cert (PEM, owner-only)")
	fs.StringVar(&c.RequireClientCA, "require-client-ca", c.RequireClientCA, "require app client certificates signed by this CA `FILE` (PEM; needs --tls-cert)")
	fs.BoolVar(&c.AllowUnauthenticatedClients, "allow-unauthenticated-clients", c.AllowUnauthenticatedClients, "let --listen beyond loopback accept apps without client certificates (only behind a network policy)")
	fs.Int64Var(&c.BodyCap, "body-cap", c.BodyCap, "`BYTES` of each body recorded; longer bodies are forwarded whole and recorded truncated")
	fs.StringVar(&c.Matrix, "matrix", c.Matrix, "coverage matrix `FILE` (YAML) replacing or extending the built-in Axys v2 matrix")
	fs.DurationVar(&c.DialTimeout, "dial-timeout", c.DialTimeout, "upstream dial and TLS handshake timeout")
	fs.DurationVar(&c.HeaderTimeout, "response-header-timeout", c.HeaderTimeout, "time to wait for the upstream's response headers")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "idle keep-alive connections are closed after this")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long SIGTERM waits for in-flight calls")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "`LEVEL`: debug, info, warn or error")
	fs.StringVar(&c.AccessLog, "access-log", c.AccessLog, "append one JSON line per call (seq, method, endpoint template, status, duration, error kind, mode; never bodies or secrets) to `FILE`, or - for stderr")
	fs.DurationVar(&c.UpstreamProbeInterval, "upstream-probe-interval", c.UpstreamProbeInterval, "while the upstream is marked unhealthy, probe it this often (a TLS handshake, no request), so /readyz recovers without app traffic")
	fs.Int64Var(&c.SnapshotReserve, "snapshot-reserve", c.SnapshotReserve, "`BYTES` of free space a /snapshot copy must leave in the data directory; -1: no check")
	c.bindEvents(fs)
	c.bindRedaction(fs)
	c.bindReport(fs)
	fs.StringVar(&f.configPath, "config", "", "YAML configuration `FILE` (keys are the flag names; unknown keys are errors)")
	if checks {
		fs.BoolVar(&f.check, "check-config", false, "check everything a start checks (files, keys, ports, store lock, CA), print the effective configuration and exit")
		fs.BoolVar(&f.probe, "probe", false, "with --check-config: also make a TLS handshake with the upstream using the client certificate")
	}
	fs.VisitAll(func(fl *pflag.Flag) {
		if !notConfig(fl.Name) {
			_ = fs.SetAnnotation(fl.Name, envAnnotation, []string{envName(fl.Name)})
		}
	})
}

// envName is the environment variable of a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// load layers, over the defaults, the YAML file, the environment and the
// flags given on the command line (already parsed into fs), and says where
// each value came from.
func (f *serveFlags) load(fs *pflag.FlagSet, environ []string) (serveConfig, sources, error) {
	src := sources{}
	explicit := map[string][]string{}
	fs.VisitAll(func(fl *pflag.Flag) {
		if !notConfig(fl.Name) {
			src[fl.Name] = "default"
		}
	})
	fs.Visit(func(fl *pflag.Flag) { explicit[fl.Name] = flagValues(fl) })
	if f.configPath != "" {
		if err := f.loadFile(src); err != nil {
			return f.cfg, nil, err
		}
	}
	if err := applyEnv(fs, environ, explicit, src); err != nil {
		return f.cfg, nil, err
	}
	for name, v := range explicit {
		if err := restoreFlag(fs.Lookup(name), v); err != nil {
			return f.cfg, nil, newUsageError("--%s: %v", name, err)
		}
		if _, ok := src[name]; ok {
			src[name] = "flag"
		}
	}
	if f.cfg.APIKey != "" && f.cfg.APIKeyFile != "" {
		return f.cfg, nil, newUsageError("--api-key (%s) and --api-key-file (%s): give one of them", src["api-key"], src["api-key-file"])
	}
	return f.cfg, src, nil
}

func (f *serveFlags) loadFile(src sources) error {
	data, err := os.ReadFile(f.configPath)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	keys, err := parseServeConfig(data, &f.cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", f.configPath, err)
	}
	for _, k := range keys {
		src[k] = "file " + f.configPath
	}
	return nil
}

// setFlag sets a flag to v; a list is replaced, not appended to.
func setFlag(fl *pflag.Flag, v string) error {
	if l, ok := fl.Value.(pflag.SliceValue); ok {
		if err := l.Replace(nil); err != nil {
			return err
		}
	}
	return fl.Value.Set(v)
}

// flagValues are a flag's values as given: a list's items, or the one
// value.
func flagValues(fl *pflag.Flag) []string {
	if l, ok := fl.Value.(pflag.SliceValue); ok {
		return append([]string(nil), l.GetSlice()...)
	}
	return []string{fl.Value.String()}
}

// restoreFlag gives a flag the values flagValues returned.
func restoreFlag(fl *pflag.Flag, values []string) error {
	if l, ok := fl.Value.(pflag.SliceValue); ok {
		return l.Replace(values)
	}
	return fl.Value.Set(values[0])
}

// applyEnv sets every flag not given on the command line from its
// EVIDENCE_PROXY_* variable. An EVIDENCE_PROXY_* variable that names no flag
// is an error, like an unknown YAML key.
func applyEnv(fs *pflag.FlagSet, environ []string, explicit map[string][]string, src sources) error {
	var unknown []string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, envPrefix) {
			continue
		}
		name := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k, envPrefix), "_", "-"))
		fl := fs.Lookup(name)
		if fl == nil || notConfig(name) {
			unknown = append(unknown, k)
			continue
		}
		if _, set := explicit[name]; set {
			continue
		}
		if err := setFlag(fl, v); err != nil {
			return fmt.Errorf("environment %s: %w", k, err)
		}
		src[name] = "env " + k
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown environment variables: %s (serve --help lists them)", strings.Join(unknown, ", "))
	}
	return nil
}

// loadServeConfig parses a serve command line (without "serve") and layers
// it as serve does; it returns the configuration and whether
// --check-config was given.
func loadServeConfig(args []string, environ []string, stderr io.Writer) (serveConfig, bool, error) {
	var f serveFlags
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	f.bind(fs, true)
	if err := fs.Parse(args); err != nil {
		return f.cfg, false, newUsageError("%v", err)
	}
	if fs.NArg() > 0 {
		return f.cfg, false, newUsageError("serve: unexpected argument %q", fs.Arg(0))
	}
	cfg, _, err := f.load(fs, environ)
	return cfg, f.check, err
}
