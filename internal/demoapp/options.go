package demoapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Options configure Run. The zero value is not enough: BaseURL and APIKey
// are required; every other field has a safe default.
type Options struct {
	// BaseURL is the API base the app is configured with, e.g.
	// http://127.0.0.1:PORT/v2 (the proxy in base-URL mode). Required.
	BaseURL string
	// APIKey is sent as X-API-Key on every call. Required.
	APIKey string
	// HTTPClient makes the base-URL calls. Nil means a client with keep-
	// alive connections that ignores proxy environment variables (the app
	// reaches the proxy directly).
	HTTPClient *http.Client
	// MITMClient, when set, makes the calls of the HTTPS_PROXY part: a
	// client whose transport uses the proxy as its HTTP proxy and trusts
	// the proxy's local CA. Nil skips that part (and says so in the Result).
	MITMClient *http.Client
	// MITMBaseURL is the upstream base URL reached through MITMClient, e.g.
	// https://127.0.0.1:PORT/v2 or https://staging.api.axyscards.com/v2.
	// Required when MITMClient is set.
	MITMBaseURL string
	// GuardProbeURL, when set, is a production URL of the KYC simulation
	// (https://production.api.axyscards.com/v2/staging/kyc/validate) the
	// app POSTs once through MITMClient, without its API key, to show that
	// the sidecar refuses production. The probe runs only when MITMClient's
	// transport sends through a proxy; empty skips it.
	GuardProbeURL string
	// WebhookListen is where the app listens for the 3-D Secure webhook.
	// Empty means 127.0.0.1:0 (a free loopback port).
	WebhookListen string
	// Logger receives the app's structured log; nil discards.
	Logger *slog.Logger
	// Sleep waits d of wall-clock time or until ctx ends. Nil means a real
	// timer. The app scales emulated waits (polling intervals) by
	// TimeScale before calling it; Retry-After is wall-clock time and is
	// honoured unscaled.
	Sleep func(ctx context.Context, d time.Duration) error
	// TimeScale is the factor the emulator compresses its delays with
	// (axysemu.Options.TimeScale); the app compresses its polling schedule
	// by the same factor. Zero or negative means 1 (real time).
	TimeScale float64
	// MinPollInterval is the app's read etiquette: a resource that shows no
	// change is read at most three times in a row less than this apart,
	// then no sooner than this after the last read. It is wall-clock time,
	// not scaled. Zero means 1 s.
	MinPollInterval time.Duration
	// Progress receives one line per scenario as it finishes; nil discards.
	Progress io.Writer
	// CallTimeout bounds each attempt of each call. Zero means 10 s.
	CallTimeout time.Duration
	// EventsEndpoint, when set, is the OTLP/HTTP logs URL of the
	// sidecar's event receiver (e.g. http://127.0.0.1:4318/v1/logs): the
	// app then emits an event, through the OpenTelemetry log SDK, for
	// each transition it handles (see events.go). Empty emits none; the
	// calls carry a W3C traceparent either way.
	EventsEndpoint string
	// Mishandle adds the deliberately wrong scenarios (polling without
	// backoff, ignoring Retry-After, issuing a card to a declined
	// cardholder, retrying a rejected call unchanged …) so tests can show
	// the coverage report flags them as violated, and leaves out the
	// support-case event after a compliance decline. The demo leaves it
	// off.
	Mishandle bool
}

// defaultCallTimeout bounds each attempt when Options.CallTimeout is zero.
const defaultCallTimeout = 10 * time.Second

func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		}}
	}
	if o.WebhookListen == "" {
		o.WebhookListen = "127.0.0.1:0"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.TimeScale <= 0 {
		o.TimeScale = 1
	}
	if o.MinPollInterval <= 0 {
		o.MinPollInterval = time.Second
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = defaultCallTimeout
	}
	return o
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
