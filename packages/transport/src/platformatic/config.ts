/** Loading @platformatic/kafka (when first needed) and the client's settings in its terms. */
import { KbusError, registerSecret } from '@kbus/core';
import type { ProducerOptions as PlatformaticOptions } from '@platformatic/kafka';
import type { ClientOptions, OAuthBearerToken } from '../types.ts';

type Library = typeof import('@platformatic/kafka');

let library: Promise<Library> | undefined;

export function load(): Promise<Library> {
  library ??= import('@platformatic/kafka').catch((error: unknown) => {
    library = undefined;
    throw new KbusError(
      'INVALID_CONFIGURATION',
      "producer client 'platformatic' needs the @platformatic/kafka package (a dependency of @kbus/transport): " +
        "reinstall dependencies, or set producer: { client: 'kafkajs' }",
      { cause: error },
    );
  });
  return library;
}

const SASL = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
  oauthbearer: 'OAUTHBEARER',
} as const;

/** The client's SASL settings in the library's terms (a token provider for OAUTHBEARER). */
export function saslSettings(
  sasl: NonNullable<ClientOptions['sasl']>,
): NonNullable<PlatformaticOptions<Buffer, Buffer, Buffer, Buffer>['sasl']> {
  if (sasl.mechanism === 'oauthbearer') {
    // The library asks for the token and, separately, for the extensions: one provider call serves both.
    let last: Promise<OAuthBearerToken> | undefined;
    return {
      mechanism: SASL.oauthbearer,
      token: async () => {
        last = Promise.resolve(sasl.token());
        const { value } = await last;
        registerSecret(value);
        return value;
      },
      oauthBearerExtensions: async () => ({ ...((await last)?.extensions ?? {}) }),
    };
  }
  return { mechanism: SASL[sasl.mechanism], username: sasl.username, password: sasl.password };
}
