package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// envPrefix starts every environment variable the serve command reads.
const envPrefix = "EVIDENCE_PROXY_"

// serveConfig is the sidecar's configuration. YAML keys are the flag names;
// environment variables are EVIDENCE_PROXY_ and the flag name in upper case
// with dashes as underscores. Precedence: flags, then environment, then the
// YAML file, then defaults.
type serveConfig struct {
	Listen                      string        `yaml:"listen"`
	AdminListen                 string        `yaml:"admin-listen"`
	AdminTokenFile              string        `yaml:"admin-token-file"`
	AdminHosts                  stringList    `yaml:"admin-host"`
	Upstream                    string        `yaml:"upstream"`
	ClientCert                  string        `yaml:"client-cert"`
	ClientKey                   string        `yaml:"client-key"`
	UpstreamCA                  string        `yaml:"upstream-ca"`
	APIKey                      string        `yaml:"api-key"`
	APIKeyFile                  string        `yaml:"api-key-file"`
	DataDir                     string        `yaml:"data-dir"`
	Durability                  string        `yaml:"durability"`
	QueueSize                   int           `yaml:"queue-size"`
	AllowHosts                  stringList    `yaml:"allow-host"`
	PassthroughHost             stringList    `yaml:"passthrough-host"`
	TLSCert                     string        `yaml:"tls-cert"`
	TLSKey                      string        `yaml:"tls-key"`
	RequireClientCA             string        `yaml:"require-client-ca"`
	AllowUnauthenticatedClients bool          `yaml:"allow-unauthenticated-clients"`
	BodyCap                     int64         `yaml:"body-cap"`
	Matrix                      string        `yaml:"matrix"`
	Spec                        string        `yaml:"spec"`
	GoliveChecklist             string        `yaml:"golive-checklist"`
	DialTimeout                 time.Duration `yaml:"dial-timeout"`
	HeaderTimeout               time.Duration `yaml:"response-header-timeout"`
	IdleTimeout                 time.Duration `yaml:"idle-timeout"`
	ShutdownTimeout             time.Duration `yaml:"shutdown-timeout"`
	LogLevel                    string        `yaml:"log-level"`
	AccessLog                   string        `yaml:"access-log"`
	UpstreamProbeInterval       time.Duration `yaml:"upstream-probe-interval"`
	SnapshotReserve             int64         `yaml:"snapshot-reserve"`
	OTLPListen                  string        `yaml:"otlp-listen"`
	OTLPHosts                   stringList    `yaml:"otlp-host"`
	EventAttributes             stringList    `yaml:"event-attribute"`
	RedactFields                specList      `yaml:"redact-field"`
	RedactRules                 string        `yaml:"redact-rules"`
	RedactPresets               stringList    `yaml:"redact-preset"`
}

// defaultUpstream is Axys staging.
const defaultUpstream = "https://staging.api.axyscards.com/v2"

// otlpOff is the --otlp-listen value that turns the event receiver off
// (an empty value does too).
const otlpOff = "off"

// otlpEnabled reports whether serve runs the event receiver.
func (c *serveConfig) otlpEnabled() bool {
	return c.OTLPListen != "" && c.OTLPListen != otlpOff
}

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

		UpstreamProbeInterval: 30 * time.Second,
		SnapshotReserve:       64 << 20,
		OTLPListen:            "127.0.0.1:4318",
	}
}

// parseServeConfig reads YAML strictly into into: unknown keys are errors.
// It returns the keys the document sets.
func parseServeConfig(data []byte, into *serveConfig) ([]string, error) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	var keys map[string]yaml.Node
	if err := yaml.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	return names, nil
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

// Type is the value's name in help.
func (s *stringList) Type() string { return "list" }

// Append, Replace and GetSlice make it a pflag.SliceValue.
func (s *stringList) Append(v string) error { return s.Set(v) }

func (s *stringList) Replace(vs []string) error {
	*s = append(stringList(nil), vs...)
	return nil
}

func (s *stringList) GetSlice() []string { return *s }

// specList is a repeatable flag whose values are taken whole: a
// --redact-field pattern or JSON path may hold a comma.
type specList []string

func (s *specList) String() string { return strings.Join(*s, " ") }

func (s *specList) Set(v string) error {
	if v = strings.TrimSpace(v); v != "" {
		*s = append(*s, v)
	}
	return nil
}

// Type is the value's name in help.
func (s *specList) Type() string { return "list" }

// Append, Replace and GetSlice make it a pflag.SliceValue.
func (s *specList) Append(v string) error { return s.Set(v) }

func (s *specList) Replace(vs []string) error {
	*s = append(specList(nil), vs...)
	return nil
}

func (s *specList) GetSlice() []string { return *s }
