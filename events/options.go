package events

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure a Receiver. The zero value is safe: loopback Host
// names only, no token, the default limits below, no logs, no metrics.
type Options struct {
	// BearerToken, when set, is required on every request as
	// "Authorization: Bearer <token>" (compared in constant time). cmd
	// sets it, with the admin listener's token, whenever the receiver
	// listens beyond loopback.
	BearerToken string
	// Hosts are the Host header names accepted besides the loopback ones
	// (localhost, 127.0.0.0/8, ::1), with any port. A request naming any
	// other host gets 421: a web page that rebinds its DNS name to the
	// loopback address cannot reach the receiver.
	Hosts []string
	// Mapping adds documented entity attributes for apps that use names
	// of their own (see Mapping). Nil adds none.
	Mapping Mapping

	// MaxRequestBytes caps a request body, both as sent and once gzip is
	// undone (a larger one gets 413). Default 4 MiB.
	MaxRequestBytes int64
	// MaxEventBytes caps one log record or /events entry as sent; a
	// larger one is rejected (partial success), not cut. Default 1 MiB.
	MaxEventBytes int
	// MaxAttributesBytes caps the stored JSON of an event's attributes,
	// and separately of its resource. Past it the attributes after the
	// first ones in key order are dropped (the documented axys.*,
	// event.name and traceparent attributes never are) and the event is
	// marked Truncated. Default 16 KiB.
	MaxAttributesBytes int
	// MaxValueBytes caps the JSON of one attribute value; a longer value
	// is replaced by a string holding its first bytes, and the event is
	// marked Truncated. Default 4 KiB.
	MaxValueBytes int
	// MaxBodyBytes caps the stored body text (cut at a UTF-8 boundary,
	// the event marked Truncated). Default 16 KiB.
	MaxBodyBytes int

	// MaxConcurrentRequests bounds the requests decoded and recorded at
	// once, and with MaxRequestBytes the memory a flood can take; a
	// request that finds no slot within AdmissionWait gets 429 with
	// Retry-After. Default 4.
	MaxConcurrentRequests int
	// AdmissionWait is how long a request waits for a slot. Default 100ms.
	AdmissionWait time.Duration
	// RetryAfter is the Retry-After sent with 429 and 503 answers.
	// Default 1s.
	RetryAfter time.Duration
	// Async says the store only queues (async durability). The events
	// of a request are then handed over in request order, a chunk at a
	// time, and the receiver paces itself on the store's head (see
	// pace.go) so that a burst slows the exporter rather than overflowing
	// the queue. When false (sync durability, the default) a request's
	// events are handed over together, in order, so they share group
	// commits.
	Async bool
	// CommitTimeout bounds the wait for the store to take a request's
	// events. It is not the client's context: a client that hangs up
	// does not stop events it sent from being committed. Default 30s.
	CommitTimeout time.Duration

	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are
	// the HTTP server's (Serve). Defaults 10s, 30s, 60s, 120s.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration

	// Logger receives errors (rate-limited: at most one line per kind
	// every 10 seconds, with the count of those left out). Nil discards.
	Logger *slog.Logger
	// Registerer receives the receiver's metrics. Nil registers none.
	Registerer prometheus.Registerer
	// Now stamps Record.Time (when an event was received). Default
	// time.Now.
	Now func() time.Time
}

const (
	defaultMaxRequestBytes    = 4 << 20
	defaultMaxEventBytes      = 1 << 20
	defaultMaxAttributesBytes = 16 << 10
	defaultMaxValueBytes      = 4 << 10
	defaultMaxBodyBytes       = 16 << 10
	defaultMaxConcurrent      = 4
	defaultAdmissionWait      = 100 * time.Millisecond
	defaultRetryAfter         = time.Second
	defaultCommitTimeout      = 30 * time.Second
	// maxNameBytes caps an event name; a longer name is rejected, since
	// a cut name would be another name.
	maxNameBytes = 256
)

func (o Options) withDefaults() Options {
	setDefault(&o.MaxRequestBytes, defaultMaxRequestBytes)
	setDefault(&o.MaxEventBytes, defaultMaxEventBytes)
	setDefault(&o.MaxAttributesBytes, defaultMaxAttributesBytes)
	setDefault(&o.MaxValueBytes, defaultMaxValueBytes)
	setDefault(&o.MaxBodyBytes, defaultMaxBodyBytes)
	setDefault(&o.MaxConcurrentRequests, defaultMaxConcurrent)
	setDefault(&o.AdmissionWait, defaultAdmissionWait)
	setDefault(&o.RetryAfter, defaultRetryAfter)
	setDefault(&o.CommitTimeout, defaultCommitTimeout)
	setDefault(&o.ReadHeaderTimeout, 10*time.Second)
	setDefault(&o.ReadTimeout, 30*time.Second)
	setDefault(&o.WriteTimeout, 60*time.Second)
	setDefault(&o.IdleTimeout, 120*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// setDefault replaces a zero or negative limit by its default.
func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
