-- kbus transactional outbox, version 2: the trace context of add()'s caller (W3C
-- traceparent/tracestate as a JSON object), so the relay's send continues the caller's
-- trace. NULL for rows written without a tracer, and for rows written before this version.
ALTER TABLE {{schema}}.{{table}} ADD COLUMN IF NOT EXISTS trace_context jsonb;
