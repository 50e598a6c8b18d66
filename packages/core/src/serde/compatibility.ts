import {
  type CompatibilityLevel,
  type CompatibilityResult,
  checkCompatibility,
  explain,
} from '../avro/compatibility.ts';
import { type AvroSchema, stableStringify } from '../avro/schema.ts';
import type { AnyEventDefinition } from '../contracts/event.ts';
import type { AnyTopicDefinition } from '../contracts/topic.ts';
import { KbusError } from '../errors.ts';
import type { Serde } from './serde.ts';

export interface EventCompatibility extends CompatibilityResult {
  readonly topic: string;
  readonly event: string;
  readonly subject: string;
  /** Registered versions checked against (empty: nothing registered yet). */
  readonly registeredVersions: readonly number[];
  /** One sentence per problem, with the rule and the field. */
  readonly messages: readonly string[];
}

export interface CompatibilityOptions {
  /**
   * The level to check at: one for all subjects, or per subject name or event type (others
   * BACKWARD). Default BACKWARD. (Registries differ in their global default: Confluent's
   * is BACKWARD, Apicurio's NONE, so the registry's answer is not used as the default.)
   */
  readonly level?: CompatibilityLevel | Readonly<Record<string, CompatibilityLevel>>;
}

function levelFor(
  subject: string,
  event: AnyEventDefinition,
  option: CompatibilityOptions['level'],
): CompatibilityLevel {
  if (typeof option === 'string') return option;
  return option?.[subject] ?? option?.[event.type] ?? 'BACKWARD';
}

/**
 * Checks every event a topic declares against the versions registered for its subject, at
 * the subject's compatibility level (BACKWARD unless configured).
 */
export async function checkTopicCompatibility(
  serde: Serde,
  topic: AnyTopicDefinition,
  options: CompatibilityOptions = {},
): Promise<EventCompatibility[]> {
  const results: EventCompatibility[] = [];
  for (const event of topic.events as readonly AnyEventDefinition[]) {
    const subject = serde.subject(topic.name, event);
    const registered = (await serde.registry.versions(subject)).map((v) => ({ ...v, schema: normalize(v.schema) }));
    const level = levelFor(subject, event, options.level);
    const previous = registered
      .filter((v) => v.schema !== event.envelopeSchemaText)
      .map((v) => ({ version: v.version, schema: JSON.parse(v.schema) as AvroSchema }));
    // Re-checking a schema that is already registered as is, is not a change.
    const alreadyRegistered = registered.some((v) => v.schema === event.envelopeSchemaText);
    const result = alreadyRegistered
      ? { compatible: true, level, problems: [] }
      : checkCompatibility(event.envelopeSchema, previous, level);
    results.push({
      ...result,
      topic: topic.name,
      event: event.type,
      subject,
      registeredVersions: registered.map((v) => v.version),
      messages: result.problems.map((p) => `${subject}: ${explain(p)}`),
    });
  }
  return results;
}

function normalize(text: string): string {
  try {
    return stableStringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Checks each event's declared `previous` versions in code (no registry needed). */
export function checkDeclaredVersions(
  topic: AnyTopicDefinition,
  level: CompatibilityLevel = 'BACKWARD',
): EventCompatibility[] {
  const results: EventCompatibility[] = [];
  for (const event of topic.events as readonly AnyEventDefinition[]) {
    const history: AnyEventDefinition[] = [];
    for (let p = event.previous; p; p = p.previous) history.unshift(p);
    if (history.length === 0) continue;
    const result = checkCompatibility(
      event.envelopeSchema,
      history.map((h) => ({ version: h.version, schema: h.envelopeSchema })),
      level,
    );
    results.push({
      ...result,
      topic: topic.name,
      event: event.type,
      subject: `${event.fullName} v${event.version}`,
      registeredVersions: history.map((h) => h.version),
      messages: result.problems.map((p) => `${event.type} v${event.version}: ${explain(p)}`),
    });
  }
  return results;
}

/** Throws SCHEMA_INCOMPATIBLE listing every problem, if any result has one. */
export function assertCompatible(results: readonly EventCompatibility[]): void {
  const broken = results.filter((r) => !r.compatible);
  if (broken.length === 0) return;
  const messages = broken.flatMap((r) => r.messages);
  throw new KbusError('SCHEMA_INCOMPATIBLE', `incompatible schema change:\n  ${messages.join('\n  ')}`, {
    details: { problems: broken.flatMap((r) => r.problems.map((p) => ({ ...p, subject: r.subject, level: r.level }))) },
  });
}
