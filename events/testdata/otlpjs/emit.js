// emit.js exports two event log records with the real OpenTelemetry JS
// SDK and its OTLP/HTTP exporter, which sends OTLP/JSON (hex trace ids,
// lowerCamelCase names, 64-bit integers as strings).
// Usage: node emit.js URL gzip|none TRACEID SPANID
'use strict';
const { context, trace, TraceFlags } = require('@opentelemetry/api');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');

async function main() {
  const [url, compression, traceId, spanId] = process.argv.slice(2);
  const exporter = new OTLPLogExporter({ url, compression });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'node-app', 'service.version': '2.0.0' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('node-app');
  const ctx = trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
  logger.emit({
    eventName: 'card.shown',
    context: ctx,
    timestamp: new Date('2026-11-25T09:00:01.250Z'),
    severityNumber: SeverityNumber.INFO,
    body: 'card shown',
    attributes: { 'axys.card_id': '8812', attempt: 3, ratio: 0.5, first: true, tags: ['a', 'b'] },
  });
  logger.emit({
    context: ctx,
    severityNumber: SeverityNumber.WARN,
    body: { step: 'opened', n: 2 },
    attributes: { 'event.name': 'cardholder.support_case_opened', 'axys.cardholder_id': '77' },
  });
  await provider.forceFlush();
  await provider.shutdown();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
