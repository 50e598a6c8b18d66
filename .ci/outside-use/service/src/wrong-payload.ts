// Must NOT compile: amountCents is a number in the contract (run.sh asserts tsc fails here).
import { createPublisher } from '@kbus/publisher';
import { OrderPlaced, ordersTopic } from './contracts.js';

const publisher = createPublisher({
  brokers: ['127.0.0.1:9092'],
  registry: { url: 'http://127.0.0.1:8081' },
  topics: [ordersTopic('orders')],
});
await publisher.publish(OrderPlaced, { orderId: '6c1f7a4e-4c1b-4a53-9d0e-2f0a5e2b9c11', amountCents: 'ten' });
