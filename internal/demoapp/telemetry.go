package demoapp

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// telemetry is the app's OpenTelemetry: a tracer whose spans give every
// call a W3C traceparent (one trace per scenario, one span per attempt),
// and, when Options.EventsEndpoint is set, a logger whose event records
// go to the sidecar over OTLP/HTTP through the real log SDK. Events are
// emitted in the context of the call that observed what they handle, so
// they carry its trace and span ids.
type telemetry struct {
	tracer     trace.Tracer
	traces     *sdktrace.TracerProvider
	propagator propagation.TextMapPropagator
	logs       *sdklog.LoggerProvider // nil without an endpoint
	logger     otellog.Logger

	mu sync.Mutex
	// last is the span context of the latest call, guarded by mu.
	last trace.SpanContext
}

// serviceName is the demo app's service.name resource attribute.
const serviceName = "evidence-proxy-demo-app"

func newTelemetry(ctx context.Context, o Options) (*telemetry, error) {
	res := resource.NewSchemaless(semconv.ServiceName(serviceName), semconv.ServiceVersion("1"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	t := &telemetry{tracer: tp.Tracer("demoapp"), traces: tp, propagator: propagation.TraceContext{}}
	if o.EventsEndpoint == "" {
		return t, nil
	}
	// Retries (429/503 from a busy receiver) are short: the demo must
	// not hang on a sidecar that went away.
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(o.EventsEndpoint),
		otlploghttp.WithHTTPClient(&http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}),
		otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: true, InitialInterval: 100 * time.Millisecond,
			MaxInterval: time.Second, MaxElapsedTime: 5 * time.Second}))
	if err != nil {
		return nil, fmt.Errorf("start event exporter: %w", err)
	}
	t.logs = sdklog.NewLoggerProvider(sdklog.WithResource(res),
		sdklog.WithProcessor(sdklog.NewBatchProcessor(exp, sdklog.WithExportInterval(200*time.Millisecond))))
	t.logger = t.logs.Logger("demoapp")
	return t, nil
}

// useTelemetry gives the script and its clients their telemetry.
func (s *script) useTelemetry(t *telemetry) {
	s.tel, s.api.tel = t, t
	if s.mitm != nil {
		s.mitm.tel = t
	}
}

// startScenario starts the trace of one scenario; the calls made in the
// returned context are its spans. A nil telemetry does nothing.
func (t *telemetry) startScenario(ctx context.Context, name string) (context.Context, func()) {
	if t == nil {
		return ctx, func() {}
	}
	ctx, span := t.tracer.Start(ctx, "scenario "+name)
	return ctx, func() { span.End() }
}

// startCall starts the span of one attempt and writes its traceparent
// into h. A nil telemetry does nothing.
func (t *telemetry) startCall(ctx context.Context, method, path string, h http.Header) (context.Context, trace.Span) {
	if t == nil {
		return ctx, trace.SpanFromContext(ctx)
	}
	ctx, span := t.tracer.Start(ctx, method+" "+pathOnly(path), trace.WithSpanKind(trace.SpanKindClient))
	t.propagator.Inject(ctx, propagation.HeaderCarrier(h))
	t.mu.Lock()
	t.last = span.SpanContext()
	t.mu.Unlock()
	return ctx, span
}

// observed returns ctx carrying the span of the latest call: the one that
// observed the transition an event is about to handle.
func (t *telemetry) observed(ctx context.Context) context.Context {
	t.mu.Lock()
	defer t.mu.Unlock()
	return trace.ContextWithSpanContext(ctx, t.last)
}

// emit sends one event record in the context of the latest call.
func (t *telemetry) emit(ctx context.Context, name string, attrs ...attribute.KeyValue) {
	if t == nil || t.logger == nil {
		return
	}
	var r otellog.Record
	r.SetEventName(name)
	now := time.Now()
	r.SetTimestamp(now)
	r.SetObservedTimestamp(now)
	r.SetSeverity(otellog.SeverityInfo)
	r.SetSeverityText("INFO")
	r.AddAttributes(attrs...)
	t.logger.Emit(t.observed(ctx), r)
}

// shutdown flushes the events not yet exported and stops the providers.
func (t *telemetry) shutdown(ctx context.Context) error {
	var err error
	if t.logs != nil {
		if e := t.logs.Shutdown(ctx); e != nil {
			err = fmt.Errorf("flush events: %w", e)
		}
	}
	_ = t.traces.Shutdown(ctx)
	return err
}
