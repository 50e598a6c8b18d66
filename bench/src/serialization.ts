/**
 * Serialization cost of one small event (uuid, email, display name, int revision, date):
 * plain avsc of the payload record vs the SDK's envelope path, with and without zod.
 * Needs only the schema registry (for the schema id the encoder writes).
 *
 *   node --conditions=source --no-warnings --expose-gc bench/src/serialization.ts
 *
 * Env: BENCH_SERDE_ROUNDS (31), BENCH_SERDE_RUN_MS (30: length of one timed run).
 */
import { createEnvelope, createSerde, type PayloadOf } from '@kbus/core';
import { avroType, RegistryClient, WIRE_HEADER_SIZE } from '@kbus/core/internal';
import { deleteSubjects } from '@kbus/testkit';
import {
  alternate,
  type BenchResult,
  intEnv,
  log,
  machine,
  median,
  pairedRow,
  type ResultRow,
  RssSampler,
  report,
  round,
  rssNow,
  runsOf,
  type VariantRun,
} from './common.ts';
import { BenchAccountCreated, benchTopic, connection, payloads } from './contracts.ts';

const ROUNDS = intEnv('BENCH_SERDE_ROUNDS', 31);
const RUN_MS = intEnv('BENCH_SERDE_RUN_MS', 30);
const POOL = 1024;

type Op = (iterations: number) => number | Promise<number>;
interface Timing {
  /** Process CPU time per operation (user + system): what the ratios use. */
  readonly nsPerOp: number;
  readonly opsPerS: number;
  /** Wall-clock time per operation, for reference (includes time the thread was not scheduled). */
  readonly wallNsPerOp: number;
}

/**
 * Times `iterations` operations (calibrated so one run lasts about RUN_MS). CPU time, not
 * wall time, is the measure: on a shared machine a preempted thread would otherwise be
 * charged for other processes' work.
 */
async function timed(op: Op, iterations: number): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const sink = await op(iterations);
  const wallNs = Number(process.hrtime.bigint() - started);
  const used = process.cpuUsage(cpu);
  if (sink === -1) console.log('unreachable'); // keeps the work observable
  const cpuNs = (used.user + used.system) * 1000;
  return {
    nsPerOp: round(cpuNs / iterations, 1),
    opsPerS: Math.round((iterations * 1e9) / cpuNs),
    wallNsPerOp: round(wallNs / iterations, 1),
  };
}

async function calibrate(op: Op): Promise<number> {
  let iterations = 1_000;
  for (;;) {
    const started = performance.now();
    await op(iterations);
    const ms = performance.now() - started;
    if (ms >= 20) return Math.max(1_000, Math.round((iterations * RUN_MS) / ms));
    iterations *= 4;
  }
}

export async function main(): Promise<BenchResult> {
  const startedAt = new Date();
  const { registryUrl } = connection();
  const topic = benchTopic('serde', 1);
  const registry = new RegistryClient({ url: registryUrl });
  const validating = createSerde({ registry });
  const lenient = createSerde({ registry, validateOnDecode: false });
  const sampler = new RssSampler();
  try {
    const encoder = await validating.encoder(topic, BenchAccountCreated);
    const input = payloads(POOL, POOL);
    const envelopes = input.map((p) => createEnvelope(BenchAccountCreated, p, { source: 'bench' }));
    const payloadObjects: Array<PayloadOf<typeof BenchAccountCreated>> = envelopes.map((e) => e.payload);
    const payloadType = avroType(BenchAccountCreated.payloadSchema);
    const envelopeType = BenchAccountCreated.codec.envelopeType;
    const avroPayloadBytes = payloadObjects.map((p) => payloadType.toBuffer(p));
    const jsonPayloads = payloadObjects.map((p) => JSON.stringify(p));
    const wireBytes = envelopes.map((e) => encoder.encode(e));
    const envelopeBodies = wireBytes.map((b) => b.subarray(WIRE_HEADER_SIZE));
    // Both serdes learn the writer schema before timing (one registry GET each).
    await validating.decode(topic, wireBytes[0]);
    await lenient.decode(topic, wireBytes[0]);
    const sizes = {
      avroPayloadBytes: avroPayloadBytes[0]?.length,
      jsonPayloadBytes: Buffer.byteLength(jsonPayloads[0] as string),
      wireEnvelopeBytes: wireBytes[0]?.length,
    };
    log(`serialization: sizes ${JSON.stringify(sizes)}`);

    let scratch = Buffer.allocUnsafe(64 * 1024);
    const at = <T>(list: readonly T[], i: number) => list[i & (POOL - 1)] as T;
    const ops: Record<string, Op> = {
      // ---- encode
      'avsc payload toBuffer': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += payloadType.toBuffer(at(payloadObjects, i)).length;
        return s;
      },
      'avsc payload encode (scratch + allocUnsafe)': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          let end = payloadType.encode(at(payloadObjects, i), scratch, 0);
          if (end < 0) {
            scratch = Buffer.allocUnsafe(scratch.length * 2 - end);
            end = payloadType.encode(at(payloadObjects, i), scratch, 0);
          }
          const out = Buffer.allocUnsafe(end);
          scratch.copy(out, 0, 0, end);
          s += out.length;
        }
        return s;
      },
      'JSON.stringify payload': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += JSON.stringify(at(payloadObjects, i)).length;
        return s;
      },
      'avsc envelope toBuffer': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += envelopeType.toBuffer(at(envelopes, i)).length;
        return s;
      },
      'SDK encoder.encode (no zod)': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += encoder.encode(at(envelopes, i)).length;
        return s;
      },
      'zod parse payload': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += BenchAccountCreated.schema.parse(at(input, i)).revision;
        return s;
      },
      'SDK createEnvelope (zod) + encode': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const envelope = createEnvelope(BenchAccountCreated, at(input, i), { source: 'bench' });
          s += encoder.encode(envelope).length;
        }
        return s;
      },
      // ---- decode
      'avsc payload fromBuffer': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++)
          s += (payloadType.fromBuffer(at(avroPayloadBytes, i)) as { revision: number }).revision;
        return s;
      },
      'JSON.parse payload': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += (JSON.parse(at(jsonPayloads, i)) as { revision: number }).revision;
        return s;
      },
      'avsc envelope fromBuffer': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++)
          s += (envelopeType.fromBuffer(at(envelopeBodies, i)) as { version: number }).version;
        return s;
      },
      'SDK serde.decode (no zod)': async (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += (await lenient.decode(topic, at(wireBytes, i))).schemaId;
        return s;
      },
      'SDK serde.decodeCached (no zod)': (n) => {
        let s = 0;
        for (let i = 0; i < n; i++)
          s += (lenient.decodeCached(topic, at(wireBytes, i)) as { schemaId: number }).schemaId;
        return s;
      },
      'SDK serde.decode (validateOnDecode)': async (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += (await validating.decode(topic, at(wireBytes, i))).schemaId;
        return s;
      },
    };

    // Warm up (JIT) and size every run to about RUN_MS.
    const iterations: Record<string, number> = {};
    for (const [name, op] of Object.entries(ops)) {
      await op(50_000);
      iterations[name] = await calibrate(op);
    }
    log(`serialization: ${ROUNDS} rounds, ~${RUN_MS} ms per run, iterations ${JSON.stringify(iterations)}`);
    // Each row alternates its two variants directly (A B, B A, …) so that both sides of a
    // ratio are measured within a few tens of milliseconds of each other.
    const allRuns: Array<VariantRun<Timing>> = [];
    const costRow = async (
      benchmark: string,
      baseline: string,
      sdk: string,
      target: number | undefined,
      note: string,
    ): Promise<ResultRow> => {
      const list = await alternate(
        ROUNDS,
        [baseline, sdk].map((name) => [name, () => timed(ops[name] as Op, iterations[name] as number)] as const),
        sampler,
      );
      allRuns.push(...list);
      const result = pairedRow(list, 'ns/op', (t) => t.nsPerOp, 1, {
        benchmark,
        baseline,
        sdk,
        better: 'lower',
        ...(target === undefined ? {} : { target }),
        note,
      });
      log(`  ${benchmark}: ${result.baselineValue} vs ${result.sdkValue} ns/op, ratio ${result.ratio}`);
      return result;
    };
    const rows: ResultRow[] = [
      await costRow(
        'serialization: encode, envelope path vs avsc, same record',
        'avsc envelope toBuffer',
        'SDK encoder.encode (no zod)',
        1.3,
        'the SDK path (envelope record + 5-byte wire header, encoded into a reused buffer and copied out) against plain avsc toBuffer of the same envelope record',
      ),
      await costRow(
        'serialization: decode, envelope path vs avsc, same record',
        'avsc envelope fromBuffer',
        'SDK serde.decodeCached (no zod)',
        1.3,
        'the path the subscriber takes once the writer schema is cached (header check, reader lookup, decode, type check) against plain avsc fromBuffer of the same envelope record',
      ),
      await costRow(
        'serialization: encode, envelope vs payload-only avsc',
        'avsc payload toBuffer',
        'SDK encoder.encode (no zod)',
        undefined,
        'what carrying the envelope costs: 8 metadata fields on top of the payload; the baseline encodes the payload record alone',
      ),
      await costRow(
        'serialization: decode, envelope vs payload-only avsc',
        'avsc payload fromBuffer',
        'SDK serde.decodeCached (no zod)',
        undefined,
        'what carrying the envelope costs on the way in; the baseline decodes the payload record alone',
      ),
      await costRow(
        'serialization: encode, envelope vs tuned avsc',
        'avsc payload encode (scratch + allocUnsafe)',
        'SDK encoder.encode (no zod)',
        undefined,
        'baseline = payload-only avsc written the way the SDK writes (type.encode into a reused buffer + Buffer.allocUnsafe copy); avsc toBuffer pays a zero-filled Buffer.alloc per call',
      ),
      await costRow(
        'serialization: encode, publish path (zod)',
        'avsc payload toBuffer',
        'SDK createEnvelope (zod) + encode',
        undefined,
        'createEnvelope = zod parse + randomUUID + new Date, then encode',
      ),
      await costRow(
        'serialization: decode, validateOnDecode (zod)',
        'avsc payload fromBuffer',
        'SDK serde.decode (validateOnDecode)',
        undefined,
        'the subscriber default',
      ),
      await costRow(
        'serialization: decode, awaited serde.decode vs avsc, same record',
        'avsc envelope fromBuffer',
        'SDK serde.decode (no zod)',
        undefined,
        'the awaited API (one await per decode), for callers outside the subscriber',
      ),
      await costRow(
        'serialization: JSON encode (reference)',
        'avsc payload toBuffer',
        'JSON.stringify payload',
        undefined,
        'not the SDK: JSON of the payload, for scale',
      ),
      await costRow(
        'serialization: JSON decode (reference)',
        'avsc payload fromBuffer',
        'JSON.parse payload',
        undefined,
        'not the SDK: JSON of the payload (dates stay strings), for scale',
      ),
      await costRow(
        'serialization: zod parse alone (reference)',
        'avsc payload fromBuffer',
        'zod parse payload',
        undefined,
        'the validation that createEnvelope (publish) and validateOnDecode (consume) each run once per event',
      ),
    ];
    const variants = Object.fromEntries(
      allRuns
        .map((r) => r.variant)
        .filter((v, i, all) => all.indexOf(v) === i)
        .map((variant) => {
          const list = runsOf(allRuns, variant);
          return [
            variant,
            {
              nsPerOpMedian: round(median(list.map((r) => r.result.nsPerOp)), 1),
              opsPerSMedian: Math.round(median(list.map((r) => r.result.opsPerS))),
              wallNsPerOpMedian: round(median(list.map((r) => r.result.wallNsPerOp)), 1),
              rssPeakMb: Math.max(...list.map((r) => r.rssPeakMb)),
            },
          ];
        }),
    );
    return {
      name: 'serialization',
      startedAt: startedAt.toISOString(),
      durationS: round((Date.now() - startedAt.getTime()) / 1000, 1),
      machine: machine(),
      config: { rounds: ROUNDS, runMs: RUN_MS, pool: POOL, iterations },
      rows,
      details: { sizes, variants, rssEndMb: rssNow() },
    };
  } finally {
    await sampler.close();
    await deleteSubjects((subject) => subject.startsWith(topic.name)).catch(() => {});
  }
}

if (import.meta.main) report(await main());
