package events

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"

	"github.com/evidence-proxy/evidence-proxy/evidence"
	"github.com/evidence-proxy/evidence-proxy/recorder"
)

// sdkApp is a test app logging through the real OpenTelemetry Go log SDK
// and its OTLP/HTTP exporter.
type sdkApp struct {
	provider *sdklog.LoggerProvider
	logger   otellog.Logger
	tracer   *sdktrace.TracerProvider
}

func newSDKApp(t *testing.T, endpoint string, opts ...otlploghttp.Option) *sdkApp {
	t.Helper()
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, append([]otlploghttp.Option{
		otlploghttp.WithEndpointURL(endpoint + PathOTLPLogs), otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false}),
	}, opts...)...)
	if err != nil {
		t.Fatalf("otlploghttp.New: %v", err)
	}
	res := resource.NewSchemaless(semconv.ServiceName("issuing-app"), semconv.ServiceVersion("1.4.2"))
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)))
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() {
		_ = lp.Shutdown(ctx)
		_ = tp.Shutdown(ctx)
	})
	return &sdkApp{provider: lp, logger: lp.Logger("test-app"), tracer: tp}
}

// emit logs one event in ctx (which may carry a span).
func (a *sdkApp) emit(ctx context.Context, name string, at time.Time, kv ...attribute.KeyValue) {
	var r otellog.Record
	r.SetEventName(name)
	r.SetTimestamp(at)
	r.SetSeverity(otellog.SeverityInfo)
	r.SetBody(attribute.StringValue("handled " + name))
	r.AddAttributes(kv...)
	a.logger.Emit(ctx, r)
}

func (a *sdkApp) flush(t *testing.T) {
	t.Helper()
	if err := a.provider.ForceFlush(context.Background()); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
}

// TestSDKExportLandsInStore exports events with the real SDK, in
// protobuf with and without gzip, and finds them as event records in a
// real store: name, app time, trace context of the span they were emitted
// in, attributes of every type, resource, body, severity.
func TestSDKExportLandsInStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []otlploghttp.Option
	}{
		{"protobuf", nil},
		{"protobuf gzip", []otlploghttp.Option{otlploghttp.WithCompression(otlploghttp.GzipCompression)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := openStore(t, recorder.Sync)
			_, url := startReceiver(t, store, Options{})
			app := newSDKApp(t, url, tc.opts...)
			ctx, span := app.tracer.Tracer("t").Start(context.Background(), "GET /cards/8812")
			at := time.Date(2026, 11, 25, 9, 0, 1, 500, time.UTC)
			app.emit(ctx, "card.shown", at,
				attribute.String(AttrCardID, "8812"), attribute.Int64("attempt", 9007199254740993),
				attribute.Bool("first", true), attribute.Float64("ratio", 0.25), attribute.ByteSlice("blob", []byte{0, 1, 0xff}),
				attribute.Slice("tags", attribute.StringValue("a"), attribute.IntValue(2)),
				attribute.Map("screen", attribute.String("name", "wallet"), attribute.Int("pos", 1)))
			span.End()
			app.emit(context.Background(), "deposit.ledger_updated", at.Add(time.Second), attribute.String(AttrDepositID, "31"))
			app.flush(t)

			recs := storedEvents(t, store)
			if len(recs) != 2 {
				t.Fatalf("stored %d events, want 2", len(recs))
			}
			ev := byName(recs)["card.shown"]
			if ev == nil {
				t.Fatalf("no card.shown event among %v", recs)
			}
			e := ev.Event
			sc := span.SpanContext()
			checks := []struct{ what, got, want string }{
				{"source", e.Source, evidence.EventSourceOTLP},
				{"time", e.Time.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano)},
				{"trace id", e.TraceID, sc.TraceID().String()},
				{"span id", e.SpanID, sc.SpanID().String()},
				{"severity", e.Severity, "INFO"},
				{"body", e.Body, "handled card.shown"},
				{"attributes", string(e.Attributes), `{"attempt":9007199254740993,"axys.card_id":"8812","blob":"AAH/","first":true,"ratio":0.25,"screen":{"name":"wallet","pos":1},"tags":["a",2]}`},
				{"resource", string(e.Resource), `{"service.name":"issuing-app","service.version":"1.4.2"}`},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if ev.Kind != evidence.KindEvent || ev.Request.Method != "" || ev.Time.IsZero() || ev.Hash == "" {
				t.Errorf("record envelope: kind %q, request %+v, time %v, hash %q", ev.Kind, ev.Request, ev.Time, ev.Hash)
			}
			if other := byName(recs)["deposit.ledger_updated"]; other.Event.TraceID != "" {
				t.Errorf("event emitted outside a span has trace id %q", other.Event.TraceID)
			}
		})
	}
}
