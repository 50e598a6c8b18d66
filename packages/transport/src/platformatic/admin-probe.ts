import type { KbusError } from '@kbus/core';
import { toKbusError } from '../errors.ts';
import { tlsSettings } from '../security.ts';
import type { ClientOptions } from '../types.ts';
import { load, saslSettings } from './config.ts';
import { platformaticFailure } from './errors.ts';

/**
 * Asks the cluster for a group's coordinator and returns the broker's refusal as a KbusError,
 * or undefined if it answers. kafkajs swallows FindCoordinator's answer (an authorization
 * failure becomes "failed to find group coordinator"); this asks again on this library.
 */
export async function groupCoordinatorRefusal(client: ClientOptions, groupId: string): Promise<KbusError | undefined> {
  const { Admin } = await load();
  const admin = new Admin({
    clientId: (client.clientId ?? 'kbus').replace(/\s/g, '-'),
    bootstrapBrokers: [...client.brokers],
    connectTimeout: client.connectionTimeoutMs ?? 3_000,
    retries: false,
    ...(client.ssl ? { tls: client.ssl === true ? {} : tlsSettings(client.ssl) } : {}),
    ...(client.sasl ? { sasl: saslSettings(client.sasl) } : {}),
  });
  try {
    await admin.findCoordinator({ keyType: 0, keys: [groupId] });
    return undefined;
  } catch (error) {
    return toKbusError(
      platformaticFailure(error),
      error,
      `finding the coordinator of group ${groupId}`,
      'KAFKA_ERROR',
      {
        group: groupId,
      },
    );
  } finally {
    await admin.close().catch(() => {});
  }
}
