export { ChildMembers, type ChildMembersOptions } from './child-members.ts';
export { type KafkaClients, kafkaClients, withAdmin } from './clients.ts';
export { type TestStack, testStack, uniqueName } from './environment.ts';
export { quietKafkajsTimerWarning } from './quiet-kafkajs-warning.ts';
export { committedOffsets, endOffsets, type LogRecord, readTopic, waitForGroupAtEnd } from './read-topic.ts';
export { type CannedAnswer, type RecordedRequest, type RegistryProxy, startRegistryProxy } from './registry-proxy.ts';
export { createTestTopic, deleteSubjects, deleteTopics, type TestTopic, type TestTopicOptions } from './topics.ts';
export { startUnresponsiveServer, type UnresponsiveServer } from './unresponsive-server.ts';
export { type WaitForOptions, WaitTimeoutError, waitFor, waitForEvent } from './wait-for.ts';
