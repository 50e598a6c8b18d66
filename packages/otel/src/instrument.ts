import { type MeterProvider, metrics, type TracerProvider, trace } from '@opentelemetry/api';
import { type AttributeNames, attributeNames, RenamedAttributes } from './attributes.ts';
import { measureChannels } from './metrics.ts';
import { Subscriptions } from './subscriptions.ts';
import { traceChannels } from './tracing.ts';

const SCOPE = '@kbus/otel';
const VERSION = '0.1.0';

export interface InstrumentOptions {
  /** Default: the global tracer provider. `false`: no spans. */
  readonly tracerProvider?: TracerProvider | false;
  /** Default: the global meter provider. `false`: no metrics. */
  readonly meterProvider?: MeterProvider | false;
  /**
   * Names of the attributes the conventions renamed. Default: from
   * `OTEL_SEMCONV_STABILITY_OPT_IN` (`messaging` new names, `messaging/dup` both, else the old ones).
   */
  readonly attributeNames?: AttributeNames;
}

export interface Instrumentation {
  /** Stops listening: no further spans or measurements, and the SDK's channels cost nothing again. */
  disable(): void;
}

/**
 * Turns the SDK's diagnostics channels into OpenTelemetry spans and metrics, and carries
 * the trace context through Kafka headers and the outbox. Trace context is written and read
 * with the global propagator (W3C trace context in a standard SDK set-up), and handlers run
 * in their process span's context through the global context manager.
 *
 * @example
 * import { instrument } from '@kbus/otel';
 * const instrumentation = instrument(); // after the OpenTelemetry SDK started
 * // … on shutdown
 * instrumentation.disable();
 */
export function instrument(options: InstrumentOptions = {}): Instrumentation {
  const names = new RenamedAttributes(options.attributeNames ?? attributeNames());
  const subscriptions = new Subscriptions();
  if (options.tracerProvider !== false) {
    const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE, VERSION);
    traceChannels(tracer, names, subscriptions);
  }
  if (options.meterProvider !== false) {
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE, VERSION);
    measureChannels(meter, names, subscriptions);
  }
  let enabled = true;
  return {
    disable() {
      if (!enabled) return;
      enabled = false;
      subscriptions.dispose();
    },
  };
}
