package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestLoadServeConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     []string
		check   func(t *testing.T, c serveConfig)
		wantErr string
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c serveConfig) {
				if c.Listen != "127.0.0.1:8080" || c.AdminListen != "127.0.0.1:9090" || c.Durability != "sync" || c.Upstream != defaultUpstream {
					t.Errorf("defaults = %+v", c)
				}
			},
		},
		{
			name: "yaml file",
			args: []string{"--config", "testdata/config/full.yaml"},
			check: func(t *testing.T, c serveConfig) {
				if c.Listen != "127.0.0.1:18080" || c.Durability != "async" || c.BodyCap != 2048 || c.DialTimeout != 3*time.Second {
					t.Errorf("yaml not applied: %+v", c)
				}
				if got := c.AllowHosts.String(); got != "staging.api.axyscards.com,other.staging.example" {
					t.Errorf("allow hosts = %q", got)
				}
			},
		},
		{
			name: "environment beats yaml",
			args: []string{"--config", "testdata/config/full.yaml"},
			env:  []string{"EVIDENCE_PROXY_LISTEN=127.0.0.1:28080", "EVIDENCE_PROXY_ALLOW_HOST=a.example,b.example", "PATH=/bin"},
			check: func(t *testing.T, c serveConfig) {
				if c.Listen != "127.0.0.1:28080" {
					t.Errorf("listen = %q, want the environment's", c.Listen)
				}
				if got := c.AllowHosts.String(); got != "a.example,b.example" {
					t.Errorf("allow hosts = %q, want the environment's list", got)
				}
			},
		},
		{
			name: "flags beat environment and yaml",
			args: []string{"--config", "testdata/config/full.yaml", "--listen", "127.0.0.1:38080", "--durability", "sync"},
			env:  []string{"EVIDENCE_PROXY_LISTEN=127.0.0.1:28080"},
			check: func(t *testing.T, c serveConfig) {
				if c.Listen != "127.0.0.1:38080" || c.Durability != "sync" {
					t.Errorf("flags not winning: listen %q durability %q", c.Listen, c.Durability)
				}
			},
		},
		{
			name: "redact-field values are kept whole, and flags replace the environment's",
			args: []string{"--redact-field", "regex:A{1,3}", "--redact-field", "json:$['a,b']", "--allow-host", "x.example,y.example"},
			env:  []string{"EVIDENCE_PROXY_REDACT_FIELD=env-field", "EVIDENCE_PROXY_REDACT_PRESET=pii"},
			check: func(t *testing.T, c serveConfig) {
				if got := strings.Join(c.RedactFields, "|"); got != "regex:A{1,3}|json:$['a,b']" {
					t.Errorf("redact fields = %q", got)
				}
				if got := c.RedactPresets.String(); got != "pii" {
					t.Errorf("redact presets = %q, want the environment's", got)
				}
				if got := c.AllowHosts.String(); got != "staging.api.axyscards.com,x.example,y.example" { // flags add to the default
					t.Errorf("allow hosts = %q", got)
				}
			},
		},
		{name: "unknown yaml key", args: []string{"--config", "testdata/config/unknown-key.yaml"}, wantErr: "field listn not found"},
		{name: "bad yaml type", args: []string{"--config", "testdata/config/bad-type.yaml"}, wantErr: "cannot unmarshal"},
		{name: "missing config file", args: []string{"--config", "testdata/config/nope.yaml"}, wantErr: "no such file"},
		{name: "unknown environment variable", env: []string{"EVIDENCE_PROXY_LISTN=x"}, wantErr: "unknown environment variables: EVIDENCE_PROXY_LISTN"},
		{name: "bad environment value", env: []string{"EVIDENCE_PROXY_BODY_CAP=many"}, wantErr: "EVIDENCE_PROXY_BODY_CAP"},
		{name: "unknown flag", args: []string{"--listn", "x"}, wantErr: "unknown flag: --listn"},
		{name: "stray argument", args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := loadServeConfig(tt.args, tt.env, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestServeConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(c *serveConfig)
		wantErr string
	}{
		{name: "defaults are valid", mutate: func(*serveConfig) {}},
		{name: "production upstream", mutate: func(c *serveConfig) { c.Upstream = "https://production.api.axyscards.com/v2" }, wantErr: "never forwards to production"},
		{name: "production upstream spelled otherwise", mutate: func(c *serveConfig) { c.Upstream = "https://PRODUCTION.api.axyscards.com.:443/v2" }, wantErr: "never forwards to production"},
		{name: "production allowlisted", mutate: func(c *serveConfig) { c.AllowHosts = append(c.AllowHosts, "Production.API.axyscards.com.") }, wantErr: "production is never allowlisted"},
		{name: "plain http upstream", mutate: func(c *serveConfig) { c.Upstream = "http://staging.api.axyscards.com/v2" }, wantErr: "must be an https:// URL"},
		{name: "durability", mutate: func(c *serveConfig) { c.Durability = "maybe" }, wantErr: `--durability "maybe"`},
		{name: "cert without key", mutate: func(c *serveConfig) { c.ClientKey = "" }, wantErr: "--client-cert and --client-key: required"},
		{name: "no client certificate", mutate: func(c *serveConfig) { c.ClientCert, c.ClientKey = "", "" }, wantErr: "--client-cert and --client-key: required"},
		{name: "client CA without TLS", mutate: func(c *serveConfig) { c.RequireClientCA = "ca.pem" }, wantErr: "needs --tls-cert"},
		{name: "bad listen address", mutate: func(c *serveConfig) { c.Listen = "8080" }, wantErr: "--listen"},
		{name: "zero timeout", mutate: func(c *serveConfig) { c.IdleTimeout = 0 }, wantErr: "--idle-timeout"},
		{name: "log level", mutate: func(c *serveConfig) { c.LogLevel = "loud" }, wantErr: "unknown level"},
		{name: "several errors at once", mutate: func(c *serveConfig) { c.Durability = "x"; c.QueueSize = 0 }, wantErr: "--queue-size 0"},
		{name: "open proxy on every interface", mutate: func(c *serveConfig) { c.Listen = "0.0.0.0:8080" }, wantErr: "--listen 0.0.0.0:8080 is beyond loopback"},
		{name: "open proxy, empty host", mutate: func(c *serveConfig) { c.Listen = ":8080" }, wantErr: "--require-client-ca FILE"},
		{name: "open proxy on a name", mutate: func(c *serveConfig) { c.Listen = "sidecar.internal:8080" }, wantErr: "--allow-unauthenticated-clients"},
		{name: "proxy beyond loopback, said so", mutate: func(c *serveConfig) { c.Listen = "0.0.0.0:8080"; c.AllowUnauthenticatedClients = true }},
		{name: "proxy beyond loopback with client certificates", mutate: func(c *serveConfig) {
			c.Listen, c.TLSCert, c.TLSKey, c.RequireClientCA = "10.0.0.5:8443", "l.pem", "l.key", "apps-ca.pem"
		}},
		{name: "proxy on localhost", mutate: func(c *serveConfig) { c.Listen = "localhost:8080" }},
		{name: "proxy on IPv6 loopback", mutate: func(c *serveConfig) { c.Listen = "[::1]:8080" }},
		{name: "admin beyond loopback", mutate: func(c *serveConfig) { c.AdminListen = "0.0.0.0:9090" }, wantErr: "--admin-listen 0.0.0.0:9090 is beyond loopback: its /snapshot"},
		{name: "admin beyond loopback with a token", mutate: func(c *serveConfig) { c.AdminListen = "0.0.0.0:9090"; c.AdminTokenFile = "token" }},
		{name: "admin host with a port", mutate: func(c *serveConfig) { c.AdminHosts = stringList{"admin.svc:9090"} }, wantErr: `--admin-host "admin.svc:9090"`},
		{name: "event receiver beyond loopback", mutate: func(c *serveConfig) { c.OTLPListen = "0.0.0.0:4318" }, wantErr: "--otlp-listen 0.0.0.0:4318 is beyond loopback"},
		{name: "event receiver beyond loopback with a token", mutate: func(c *serveConfig) { c.OTLPListen = "0.0.0.0:4318"; c.AdminTokenFile = "token" }},
		{name: "event receiver off", mutate: func(c *serveConfig) { c.OTLPListen = "off" }},
		{name: "event receiver off by an empty address", mutate: func(c *serveConfig) { c.OTLPListen = "" }},
		{name: "bad event receiver address", mutate: func(c *serveConfig) { c.OTLPListen = "4318" }, wantErr: `--otlp-listen "4318"`},
		{name: "event host with a scheme", mutate: func(c *serveConfig) { c.OTLPHosts = stringList{"http://app"} }, wantErr: `--otlp-host "http://app"`},
		{name: "event attribute mapping", mutate: func(c *serveConfig) { c.EventAttributes = stringList{"card_ref=axys.card_id", "acct=axys.wallet_id"} }},
		{name: "event attribute to an undocumented name", mutate: func(c *serveConfig) { c.EventAttributes = stringList{"card_ref=axys.card"} }, wantErr: "--event-attribute"},
		{name: "event attribute without a target", mutate: func(c *serveConfig) { c.EventAttributes = stringList{"card_ref"} }, wantErr: "want APP_NAME=axys.NAME"},
		{name: "redaction fields", mutate: func(c *serveConfig) {
			c.RedactFields = specList{"ssn", "header:X-Program-Ref", "regex:ACCT-[0-9]{4,8}", "$.a.b"}
		}},
		{name: "bad redaction regex", mutate: func(c *serveConfig) { c.RedactFields = specList{"regex:("} }, wantErr: "--redact-field"},
		{name: "unknown redaction preset", mutate: func(c *serveConfig) { c.RedactPresets = stringList{"gdpr"} }, wantErr: `--redact-preset "gdpr": unknown (known: pii)`},
		{name: "zero probe interval", mutate: func(c *serveConfig) { c.UpstreamProbeInterval = 0 }, wantErr: "--upstream-probe-interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultServeConfig()
			c.ClientCert, c.ClientKey = "client.pem", "client.key"
			tt.mutate(&c)
			err := c.validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
