import { isKbusError } from '@kbus/core';
import { MultipleErrors, NetworkError, ProtocolError, TimeoutError, UserError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { toKbusError } from '../src/errors.ts';
import { platformaticFailure } from '../src/platformatic/errors.ts';

const map = (error: Error) => toKbusError(platformaticFailure(error), error, 'sending records', 'PUBLISH_FAILED');

// The errors are the library's own classes, built as its producer builds them on failure.
describe('@platformatic/kafka failures become typed KbusErrors', () => {
  it('a missing topic, however deeply aggregated, is TOPIC_NOT_FOUND and not retriable', () => {
    const error = new MultipleErrors('Producing messages failed.', [
      new MultipleErrors('Received response with error while executing API Produce(v11)', [
        new ProtocolError('UNKNOWN_TOPIC_OR_PARTITION'),
      ]),
    ]);
    const mapped = map(error);
    expect(isKbusError(mapped, 'TOPIC_NOT_FOUND')).toBe(true);
    expect(mapped.retriable).toBe(false);
    expect(mapped.details).toMatchObject({ kafkaType: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(mapped.cause).toBe(error);
    // How the library reports a topic its metadata request did not find.
    const unknown = map(new UserError('Unknown topic orders.'));
    expect(isKbusError(unknown, 'TOPIC_NOT_FOUND')).toBe(true);
    expect(unknown.message).toContain('orders');
  });

  it("keeps the broker's judgement of a protocol error and names it", () => {
    const notEnough = map(new MultipleErrors('Producing messages failed.', [new ProtocolError('NOT_ENOUGH_REPLICAS')]));
    expect(notEnough).toMatchObject({ code: 'PUBLISH_FAILED', retriable: true });
    expect(notEnough.details).toMatchObject({ kafkaType: 'NOT_ENOUGH_REPLICAS', kafkaError: 'PLT_KFK_MULTIPLE' });
    expect(notEnough.message).toContain('NOT_ENOUGH_REPLICAS');

    const tooLarge = map(new ProtocolError('MESSAGE_TOO_LARGE'));
    expect(tooLarge).toMatchObject({ code: 'PUBLISH_FAILED', retriable: false });
  });

  it('network failures and timeouts are retriable, usage errors are not', () => {
    const refused = map(
      new MultipleErrors('Cannot connect to any broker.', [
        new NetworkError('Connection to 127.0.0.1:1 failed.', { cause: new Error('ECONNREFUSED') }),
      ]),
    );
    expect(refused).toMatchObject({ code: 'PUBLISH_FAILED', retriable: true });
    expect(map(new TimeoutError('Request timed out'))).toMatchObject({ retriable: true });
    expect(map(new UserError('Failed to serialize a message.'))).toMatchObject({ retriable: false });
  });

  it('lost group ownership maps as it does for kafkajs', () => {
    expect(isKbusError(map(new ProtocolError('REBALANCE_IN_PROGRESS')), 'PARTITION_REVOKED')).toBe(true);
  });
});
