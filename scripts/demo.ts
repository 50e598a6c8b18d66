/**
 * `npm run demo`: brings the local stack up (or reuses it), then publishes and consumes one
 * sample event with the SDK. (The user-account story in examples/ replaces this.)
 */
import { defineEvent, defineTopic } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { createSubscriber } from '@kbus/subscriber';
import { up } from '@kbus/testkit/stack';
import * as z from 'zod';

const stack = await up({}, (line) => console.log(`[stack] ${line}`));
const connection = { brokers: stack.kafkaBrokers.split(','), registry: { url: stack.schemaRegistryUrl } };

const Greeted = defineEvent({
  type: 'demo.greeted',
  version: 1,
  namespace: 'com.example.demo',
  schema: z.object({ name: z.string(), at: z.date() }),
  aggregateId: (p) => p.name,
});
const DemoTopic = defineTopic({ name: 'demo.greetings', events: [Greeted], partitions: 3 });

const publisher = createPublisher({ ...connection, topics: [DemoTopic], clientId: 'demo' });
await publisher.ensureTopics();
const result = await publisher.publish(Greeted, { name: 'Ada', at: new Date() });
console.log(`published demo.greeted to partition ${result.partition} at offset ${result.offset}`);

let resolve: () => void = () => {};
const received = new Promise<void>((r) => {
  resolve = r;
});
const subscriber = createSubscriber({
  ...connection,
  groupId: `demo-${Date.now()}`,
  topics: [DemoTopic],
  handlers: {
    'demo.greeted': (event, context) => {
      if (event.id !== result.eventId) return;
      console.log(
        `handled ${event.type} for ${event.payload.name} from partition ${context.partition} offset ${context.offset}`,
      );
      resolve();
    },
  },
});
await subscriber.start();
await received;
await subscriber.stop();
await publisher.close();
console.log('demo done; the stack keeps running (stop it with `npm run stack -- down`)');
