package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/evidence-proxy/evidence-proxy/proxy"
)

// envPrefix starts every environment variable the serve command reads.
const envPrefix = "EVIDENCE_PROXY_"

// serveConfig is the sidecar's configuration. YAML keys are the flag names;
// environment variables are EVIDENCE_PROXY_ and the flag name in upper case
// with dashes as underscores. Precedence: flags, then environment, then the
// YAML file, then defaults.
type serveConfig struct {
	Listen          string        `yaml:"listen"`
	AdminListen     string        `yaml:"admin-listen"`
	Upstream        string        `yaml:"upstream"`
	ClientCert      string        `yaml:"client-cert"`
	ClientKey       string        `yaml:"client-key"`
	UpstreamCA      string        `yaml:"upstream-ca"`
	APIKey          string        `yaml:"api-key"`
	DataDir         string        `yaml:"data-dir"`
	Durability      string        `yaml:"durability"`
	QueueSize       int           `yaml:"queue-size"`
	AllowHosts      stringList    `yaml:"allow-host"`
	PassthroughHost stringList    `yaml:"passthrough-host"`
	TLSCert         string        `yaml:"tls-cert"`
	TLSKey          string        `yaml:"tls-key"`
	RequireClientCA string        `yaml:"require-client-ca"`
	BodyCap         int64         `yaml:"body-cap"`
	Matrix          string        `yaml:"matrix"`
	DialTimeout     time.Duration `yaml:"dial-timeout"`
	HeaderTimeout   time.Duration `yaml:"response-header-timeout"`
	IdleTimeout     time.Duration `yaml:"idle-timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown-timeout"`
	LogLevel        string        `yaml:"log-level"`
}

// defaultUpstream is Axys staging.
const defaultUpstream = "https://staging.api.axyscards.com/v2"

func defaultServeConfig() serveConfig {
	return serveConfig{
		Listen:          "127.0.0.1:8080",
		AdminListen:     "127.0.0.1:9090",
		Upstream:        defaultUpstream,
		DataDir:         "./evidence-data",
		Durability:      "sync",
		QueueSize:       4096,
		AllowHosts:      stringList{"staging.api.axyscards.com"},
		BodyCap:         1 << 20,
		DialTimeout:     10 * time.Second,
		HeaderTimeout:   60 * time.Second,
		IdleTimeout:     90 * time.Second,
		ShutdownTimeout: 30 * time.Second,
		LogLevel:        "info",
	}
}

// bind registers one flag per field on fs, with the current values as
// defaults.
func (c *serveConfig) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "proxy listener address (base-URL and HTTPS_PROXY modes)")
	fs.StringVar(&c.AdminListen, "admin-listen", c.AdminListen, "admin listener: /metrics /healthz /readyz /coverage /snapshot")
	fs.StringVar(&c.Upstream, "upstream", c.Upstream, "upstream base URL")
	fs.StringVar(&c.ClientCert, "client-cert", c.ClientCert, "staging client certificate (PEM) presented upstream")
	fs.StringVar(&c.ClientKey, "client-key", c.ClientKey, "key of --client-cert (PEM)")
	fs.StringVar(&c.UpstreamCA, "upstream-ca", c.UpstreamCA, "CA bundle to verify the upstream (default: system roots)")
	fs.StringVar(&c.APIKey, "api-key", c.APIKey, "X-API-Key to send when the app sends none")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the store, the interception CA and the keys")
	fs.StringVar(&c.Durability, "durability", c.Durability, "sync: answer after the record is fsynced; async: bounded queue, gaps recorded")
	fs.IntVar(&c.QueueSize, "queue-size", c.QueueSize, "async durability: records queued before gaps are recorded")
	fs.Var(&c.AllowHosts, "allow-host", "staging host to forward to (repeatable; the upstream's host is always allowed)")
	fs.Var(&c.PassthroughHost, "passthrough-host", "host tunnelled blind on CONNECT, counted, not recorded (repeatable)")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "serve the proxy listener over TLS with this certificate (PEM)")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "key of --tls-cert (PEM)")
	fs.StringVar(&c.RequireClientCA, "require-client-ca", c.RequireClientCA, "require app client certificates signed by this CA (PEM; needs --tls-cert)")
	fs.Int64Var(&c.BodyCap, "body-cap", c.BodyCap, "bytes of each body recorded; longer bodies are forwarded whole and recorded truncated")
	fs.StringVar(&c.Matrix, "matrix", c.Matrix, "coverage matrix YAML replacing or extending the built-in Axys v2 matrix")
	fs.DurationVar(&c.DialTimeout, "dial-timeout", c.DialTimeout, "upstream dial and TLS handshake timeout")
	fs.DurationVar(&c.HeaderTimeout, "response-header-timeout", c.HeaderTimeout, "time to wait for the upstream's response headers")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "idle keep-alive connections are closed after this")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long SIGTERM waits for in-flight calls")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
}

// parseServeConfig reads YAML strictly: unknown keys are errors.
func parseServeConfig(r io.Reader, into *serveConfig) error {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("parse config: %w", err)
	}
	return nil
}

// loadServeConfig parses the serve command line, then layers defaults, the
// YAML file, the environment and explicit flags. It returns the config and
// whether --check-config was given.
func loadServeConfig(args []string, environ []string, stderr io.Writer) (serveConfig, bool, error) {
	return loadConfigFor("serve", "Run the recording proxy.", args, environ, stderr)
}

// loadConfigFor is loadServeConfig for a command that takes serve's flags.
func loadConfigFor(name, summary string, args []string, environ []string, stderr io.Writer) (serveConfig, bool, error) {
	cfg := defaultServeConfig()
	fs := newFlagSet(name, summary, stderr)
	cfg.bind(fs)
	configPath := fs.String("config", "", "YAML configuration file (keys are the flag names)")
	check := fs.Bool("check-config", false, "validate the configuration and exit")
	if err := parseFlags(fs, args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		return cfg, false, usageError(fmt.Sprintf("%s: unexpected argument %q", name, fs.Arg(0)))
	}
	explicit := map[string]string{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = f.Value.String() })
	if *configPath != "" {
		data, err := os.ReadFile(*configPath)
		if err != nil {
			return cfg, false, fmt.Errorf("read config: %w", err)
		}
		if err := parseServeConfig(bytes.NewReader(data), &cfg); err != nil {
			return cfg, false, fmt.Errorf("%s: %w", *configPath, err)
		}
	}
	if err := applyEnv(fs, environ, explicit); err != nil {
		return cfg, false, err
	}
	for name, v := range explicit {
		if sl, ok := fs.Lookup(name).Value.(*stringList); ok {
			*sl = nil // already holds v; Set appends
		}
		if err := fs.Set(name, v); err != nil {
			return cfg, false, usageError(err.Error())
		}
	}
	return cfg, *check, nil
}

// applyEnv sets every flag not given on the command line from its
// EVIDENCE_PROXY_* variable. An EVIDENCE_PROXY_* variable that names no flag
// is an error, like an unknown YAML key.
func applyEnv(fs *flag.FlagSet, environ []string, explicit map[string]string) error {
	var unknown []string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, envPrefix) {
			continue
		}
		name := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k, envPrefix), "_", "-"))
		f := fs.Lookup(name)
		if f == nil || name == "config" || name == "check-config" {
			unknown = append(unknown, k)
			continue
		}
		if _, set := explicit[name]; set {
			continue
		}
		if sl, ok := f.Value.(*stringList); ok {
			*sl = nil // the variable replaces the list, comma-separated
		}
		if err := f.Value.Set(v); err != nil {
			return fmt.Errorf("environment %s: %w", k, err)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown environment variables: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// validate checks the configuration without touching the outside world
// beyond what it names.
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
	for name, d := range map[string]time.Duration{"dial-timeout": c.DialTimeout, "response-header-timeout": c.HeaderTimeout, "idle-timeout": c.IdleTimeout, "shutdown-timeout": c.ShutdownTimeout} {
		if d <= 0 {
			add("--%s %s: must be positive", name, d)
		}
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		add("--log-level: %w", err)
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// stringList is a repeatable flag; Set also accepts a comma-separated list.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}
