import { createPublisher } from '@kbus/publisher';
import { testStack } from '@kbus/testkit';
import {
  busiestLeader,
  killBroker,
  leaders,
  now,
  publishSteps,
  restartBroker,
  scenarioTopic,
  waitFullIsr,
} from './harness.ts';

const stack = testStack();
const topic = scenarioTopic('dbg', 12);
const publisher = createPublisher({
  brokers: stack.brokers,
  registry: { url: stack.registryUrl },
  topics: [topic],
  clientId: 'dbg',
  kafka: undefined as never,
});
await publisher.ensureTopics();
await waitFullIsr([topic.name]);
const keys = Array.from({ length: 200 }, (_, i) => `agg-${i}`);
const w = publishSteps(publisher, keys, 100);
await w.acked(3000);
const first = await busiestLeader(topic.name);
const t0 = now();
killBroker(first.node);
console.log('killed', first);
for (let i = 0; i < 40; i++) {
  await new Promise((r) => setTimeout(r, 2000));
  const codes: Record<string, number> = {};
  for (const f of w.failures)
    codes[`${f.code}:${f.message.slice(0, 80)}`] = (codes[`${f.code}:${f.message.slice(0, 80)}`] ?? 0) + 1;
  console.log(
    `${now() - t0}ms acks=${w.acks.length} failures=${w.failures.length} buffered=${publisher.buffered}`,
    JSON.stringify(codes),
    JSON.stringify([...(await leaders(topic.name))]),
  );
  if (w.acks.length + w.failures.length >= 20000) break;
}
await restartBroker(first.node);
process.exit(0);
