// A publish/consume round trip through the installed packages against KAFKA_BROKERS and
// SCHEMA_REGISTRY_URL: every event handled once, in order per order id, offsets committed to
// the end. Exits 1 with the reason otherwise.
import { randomUUID } from 'node:crypto';
import { isKbusError } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { createSubscriber } from '@kbus/subscriber';
import { deleteTopics, testStack, uniqueName } from '@kbus/testkit';
import { OrderPlaced, OrderShipped, ordersTopic } from './contracts.js';

const ORDERS = 100;
const ROUND_TRIP_BOUND_MS = 60_000;

const { brokers, registryUrl } = testStack();
const topic = ordersTopic(uniqueName('outside-use.orders'));
const publisher = createPublisher({ brokers: [...brokers], registry: { url: registryUrl }, topics: [topic] });

const seen = new Map<string, string[]>();
let handled = 0;
let allHandled: () => void = () => {};
const done = new Promise<void>((resolve) => {
  allHandled = resolve;
});
const record = (orderId: string, type: string) => {
  seen.set(orderId, [...(seen.get(orderId) ?? []), type]);
  if (++handled === ORDERS * 2) allHandled();
};
const subscriber = createSubscriber({
  groupId: uniqueName('outside-use'),
  brokers: [...brokers],
  registry: { url: registryUrl },
  topics: [topic],
  handlers: {
    'order.placed': (event) => record(event.payload.orderId, event.type),
    'order.shipped': (event) => record(event.payload.orderId, event.type),
  },
});

try {
  await publisher.ensureTopics();
  const orderIds = Array.from({ length: ORDERS }, () => randomUUID());
  await Promise.all(
    orderIds.map(async (orderId, i) => {
      await publisher.publish(OrderPlaced, { orderId, amountCents: 100 + i });
      await publisher.publish(OrderShipped, { orderId, carrier: i % 2 === 0 ? 'dhl' : 'ups' });
    }),
  );
  // From untyped code, a wrong payload is a typed error before any I/O.
  const refused = await publisher.publish(OrderPlaced, { orderId: 'not-a-uuid' } as never).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isKbusError(refused, 'VALIDATION_FAILED')) throw new Error(`a wrong payload gave ${String(refused)}`);

  await subscriber.start();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`handled ${handled} of ${ORDERS * 2} events in ${ROUND_TRIP_BOUND_MS} ms`)),
        ROUND_TRIP_BOUND_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  await subscriber.stop();

  for (const orderId of orderIds) {
    const types = seen.get(orderId)?.join(',');
    if (types !== 'order.placed,order.shipped') throw new Error(`order ${orderId} was handled as [${types}]`);
  }
  const lag = await subscriber.lag();
  const behind = lag.filter((p) => p.lag !== 0 || p.committed !== p.end);
  if (lag.length !== 3 || behind.length > 0)
    throw new Error(`offsets not committed to the end: ${JSON.stringify(lag)}`);
  console.log(
    `outside use: ${handled} events published and handled in order, offsets committed on ${lag.length} partitions`,
  );
} catch (error) {
  console.error('outside use FAILED:', error);
  process.exitCode = 1;
} finally {
  await subscriber.stop();
  await publisher.close();
  await deleteTopics([topic.name], { withSubjects: true });
}
