import type { AnyEventDefinition, AnyTopicDefinition } from '@kbus/core';
import type { InboundMessage } from '../../src/types.ts';

/** A record of `event` on partition 0 of `topic` as the middleware chain sees it, decoded, without Kafka. */
export function inboundMessage(topic: AnyTopicDefinition, event: AnyEventDefinition, payload: object): InboundMessage {
  return {
    groupId: 'g',
    topic,
    partition: 0,
    highWatermark: '1',
    record: { offset: '0', key: null, value: null, headers: {}, timestamp: '0' },
    decoded: {
      event,
      envelope: { id: 'e', type: event.type, payload } as never,
      schemaId: 1,
    },
    attempt: 1,
    outcome: undefined,
    lifecycle: new AbortController().signal,
    attempt$: undefined,
    heartbeat: async () => {},
  };
}
