import { EVENT_HEADERS } from '@kbus/core';
import { createPublisher } from '@kbus/publisher';
import { readDeadLetter, redrive } from '@kbus/subscriber';
import { endOffsets, readTopic, testStack, waitForGroupAtEnd } from '@kbus/testkit';
import { createKafkaClient, partitionForKey } from '@kbus/transport';
import { type AuditEntry, AuditLog, auditSubscriber } from '@kbus-examples/audit-service';
import { AuthService } from '@kbus-examples/auth-service';
import { userAccountTopic, userAccountTopicV1 } from '@kbus-examples/contracts';
import { GroupManagement, groupManagementSubscriber, type HandledEvent } from '@kbus-examples/group-management-service';

export interface StoryOptions {
  /** Suffix of the topic and group names, so runs do not see each other's events. */
  readonly runId: string;
  readonly accounts?: number;
  readonly print?: (line: string) => void;
}

export interface StoryResult {
  readonly topic: string;
  readonly groups: readonly string[];
  readonly published: number;
  readonly failures: readonly string[];
}

const short = (id: string) => id.slice(0, 8);

/**
 * The user-account story: auth publishes account events keyed by account id; group
 * management keeps its view and dead-letters what it cannot handle; an audit service joins
 * later and replays the history. Returns what it checked; `failures` is empty when every
 * promise of the story held. Runs on the cluster of KAFKA_BROKERS / SCHEMA_REGISTRY_URL.
 */
export async function runStory(options: StoryOptions): Promise<StoryResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const started = Date.now();
  const say = (service: string, text: string) =>
    print(`${String(Date.now() - started).padStart(6)}ms  ${service.padEnd(7)} ${text}`);
  const stack = testStack();
  const connection = { brokers: stack.brokers, registry: { url: stack.registryUrl } };
  const topic = userAccountTopic(`demo.auth.user-account.${options.runId}`);
  const groupsGroup = `demo.group-management.${options.runId}`;
  const auditGroup = `demo.audit.${options.runId}`;
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
    say('check', `${ok ? 'ok  ' : 'FAIL'} ${what}`);
  };

  // 1. Topics: the auth service declares its topic; ensureTopics creates it (6 partitions).
  const publisher = createPublisher({ ...connection, topics: [topic], clientId: 'auth-service' });
  const report = await publisher.ensureTopics();
  say(
    'setup',
    `topic ${topic.name}: ${report.map((r) => r.status).join(', ')} (${topic.partitions} partitions, key = account id)`,
  );

  // 2. Group management runs from the start in its own consumer group.
  const groups = new GroupManagement();
  groups.forbiddenNames.add('root');
  groups.onHandled = (e: HandledEvent) =>
    say(
      'groups',
      `${e.type.padEnd(34)} acc=${short(e.accountId)} rev=${e.revision} p=${e.partition} off=${e.offset}${e.applied ? '' : ' (redelivery, no change)'}`,
    );
  const groupsSubscriber = groupManagementSubscriber(groups, {
    ...connection,
    groupId: groupsGroup,
    topics: [topic],
    retry: { attempts: 3, initialDelayMs: 50 },
  });
  await groupsSubscriber.start();
  say('groups', `joined group ${groupsGroup}; dead letters go to ${topic.name}.dlt`);

  // 3. The auth service registers accounts and changes them, many accounts interleaved.
  const auth = new AuthService(publisher);
  auth.onPublished = (type, r) =>
    say('auth', `${type.padEnd(34)} acc=${short(r.aggregateId)} p=${r.partition} off=${r.offset}`);
  const names = [
    'ada',
    'grace',
    'alan',
    'edsger',
    'barbara',
    'ken',
    'dennis',
    'margaret',
    'donald',
    'frances',
    'john',
    'radia',
  ];
  const count = options.accounts ?? names.length;
  const ids = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const name = names[i % names.length] as string;
      return auth.register(`${name}${i}@${i % 3 === 0 ? 'example.com' : 'mail.test'}`, i % 2 === 0 ? name : undefined);
    }),
  );
  await Promise.all(
    ids.map(async (id, i) => {
      if (i % 4 !== 3) await auth.changeEmail(id, `renamed${i}@mail.test`);
      if (i % 2 === 1) await auth.changeDisplayName(id, i === 5 ? 'root' : `user-${i}`);
      if (i % 5 === 2) await auth.deactivate(id, 'INACTIVITY');
      if (i % 4 === 0) await auth.delete(id);
    }),
  );

  // 4. Poison: a producer that does not use the SDK writes bytes that are not an envelope.
  const victim = ids[1] as string;
  const raw = createKafkaClient({ brokers: stack.brokers, clientId: 'legacy-importer' });
  const rawProducer = raw.producer({ idempotent: true });
  await rawProducer.connect();
  await rawProducer.send([
    {
      topic: topic.name,
      records: [
        {
          key: victim,
          value: Buffer.from('{"accountId":"legacy","email":"?"}'),
          partition: partitionForKey(victim, topic.partitions ?? 6),
        },
      ],
    },
  ]);
  await rawProducer.disconnect();
  say('legacy', `wrote a JSON record (not an Avro envelope) for acc=${short(victim)}`);

  const published = [...(await endOffsets(topic.name)).values()].reduce((n, end) => n + Number(end), 0);
  await waitForGroupAtEnd(groupsGroup, topic.name);
  say('groups', `caught up: committed offsets reached the end of all ${topic.partitions} partitions`);

  // 5. The dead-letter topic: the poison record and the name the service refused.
  const dlt = `${topic.name}.dlt`;
  for (const entry of await readTopic(dlt)) {
    const info = readDeadLetter(entry);
    say(
      'dlt',
      `${info.errorCode} from ${info.originalTopic}/${info.originalPartition}@${info.originalOffset}: ${info.message}`,
    );
  }

  // 6. The rule is fixed; redrive sends the refused event back and it is handled.
  groups.forbiddenNames.clear();
  const redriven = await redrive({
    brokers: stack.brokers,
    deadLetterTopic: dlt,
    filter: (_r, info) => info.errorCode === 'HANDLER_FAILED',
  });
  say(
    'redrive',
    `sent ${redriven.redriven} dead letter(s) back to ${topic.name}, passed over ${redriven.passedOver} (the poison bytes stay)`,
  );
  await waitForGroupAtEnd(groupsGroup, topic.name);

  // 7. The audit service joins later, with a new group from the earliest event, reading
  //    with version 1 of "user-account.created" (Avro resolves the version-2 records).
  const audit = new AuditLog();
  let replayed = 0;
  audit.onEntry = (e: AuditEntry) => {
    replayed++;
    if (replayed <= 5 || replayed % 10 === 0) {
      say(
        'audit',
        `replayed #${replayed} ${e.type} acc=${short(e.accountId)} rev=${e.revision} p=${e.partition} off=${e.offset}`,
      );
    }
  };
  const auditTopic = userAccountTopicV1(topic.name);
  const auditMember = auditSubscriber(audit, {
    ...connection,
    groupId: auditGroup,
    topics: [auditTopic],
    deadLetter: { topic: `${topic.name}.audit.dlt` },
  });
  await auditMember.start();
  await waitForGroupAtEnd(auditGroup, topic.name);
  say('audit', `caught up: ${audit.size} events of ${audit.byAccount.size} accounts replayed from the beginning`);

  // 8. The promises of the story.
  const applied = groups.handled.filter((h) => h.applied);
  check(
    applied.every((h) => h.inOrder),
    'group management applied every account’s events in revision order',
  );
  check(
    [...audit.byAccount.values()].every((entries) => entries.every((e, i) => e.revision === i + 1)),
    'the audit log holds every account’s events in revision order, none missing',
  );
  // The poison record is no event (audit dead-letters it too); the redriven copy carries the
  // id of the event it copies, so the audit log keeps that event once.
  check(
    audit.size === published - 1,
    `the audit replay saw all ${published - 1} events once (the poison record went to its DLT)`,
  );
  const gone = ids.filter((_, i) => i % 4 === 0);
  check(
    gone.every((id) => groups.groupsOf(id).length === 0 && !groups.members.has(id)),
    'deleted accounts left every group',
  );
  check(groups.members.get(ids[5] as string)?.displayName === 'root', 'the redriven display-name change was applied');
  for (const group of [groupsGroup, auditGroup]) {
    const atEnd = await waitForGroupAtEnd(group, topic.name, { timeoutMs: 5_000 }).then(
      () => true,
      () => false,
    );
    check(atEnd, `group ${group} committed exactly to the end of every partition`);
  }
  const misplaced = (await readTopic(topic.name)).filter(
    (r) => r.key && r.partition !== partitionForKey(r.key, topic.partitions ?? 6),
  );
  check(misplaced.length === 0, 'every keyed event sits on the partition its key maps to (Java murmur2)');
  check(
    (await readTopic(dlt)).some(
      (r) => readDeadLetter(r).errorCode === 'BAD_MAGIC_BYTE' && r.headers[EVENT_HEADERS.type] === undefined,
    ),
    'the poison record is in the dead-letter topic with its reason',
  );

  await Promise.all([groupsSubscriber.stop(), auditMember.stop(), publisher.close()]);
  return { topic: topic.name, groups: [groupsGroup, auditGroup], published, failures };
}
