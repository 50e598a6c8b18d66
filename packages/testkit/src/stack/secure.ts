/**
 * The secured stack's material and settings: a CA and certificates made on the fly with
 * openssl, SASL users (PLAIN, SCRAM-SHA-256/512, unsecured OAUTHBEARER tokens), the standard
 * authorizer with one restricted user, and an nginx TLS + basic-auth front of the registry.
 * Everything here is test material, generated per stack and kept in its folder.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { StackError } from './errors.ts';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** What a client needs to reach the secured stack, and what the tests need to probe it. */
export interface SecureMaterial {
  /** PEM of the CA that signed the brokers' and the registry's certificates. */
  readonly caLocation: string;
  /** The mTLS client's certificate and key (CN=kbus, the allowed-everything user). */
  readonly clientCertLocation: string;
  readonly clientKeyLocation: string;
  /** Broker (and registry front) certificate and its PKCS#8 key; keystore = key + chain. */
  readonly serverCertLocation: string;
  readonly serverKeyLocation: string;
  readonly serverKeystoreLocation: string;
  /** The brokers' own principal (inter-broker and controller traffic, PLAIN). */
  readonly admin: Credentials;
  /** Allowed everything; a SASL user for every mechanism (PLAIN and both SCRAMs). */
  readonly user: Credentials;
  /** SCRAM-SHA-512 and PLAIN; may only read topics and use groups with the prefixes below. */
  readonly restricted: Credentials & { readonly topicPrefix: string; readonly groupPrefix: string };
  /** HTTP basic auth of the registry front, and the bearer token its second front takes. */
  readonly registry: Credentials & { readonly token: string };
}

/** The users' names; passwords are random per stack. */
const SECURE_USERS = {
  admin: 'admin',
  user: 'kbus',
  restricted: 'reader',
  registry: 'kbus-registry',
  restrictedTopicPrefix: 'kbus-readable-',
  restrictedGroupPrefix: 'kbus-readers-',
} as const;

function run(command: string, args: readonly string[], what: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new StackError(
      'prerequisites',
      `the secured stack needs ${command}; install it (Debian: apt-get install ${command})`,
    );
  }
  if (result.status !== 0) {
    throw new StackError('prerequisites', `${what} failed (${command} exited ${result.status})`, {
      logTail: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim(),
    });
  }
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

/** Makes a CA, a server certificate for 127.0.0.1/localhost, an mTLS client certificate, and passwords. */
export function createSecureMaterial(dir: string): SecureMaterial {
  mkdirSync(dir, { recursive: true });
  const at = (file: string) => join(dir, file);
  const days = '30';
  run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at('ca.key'),
      '-out',
      at('ca.pem'),
      '-days',
      days,
      '-subj',
      '/CN=kbus test CA',
    ],
    'making the test CA',
  );
  const sign = (name: string, subject: string, extensions: string) => {
    writeFileSync(at(`${name}.ext`), extensions);
    run(
      'openssl',
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        at(`${name}.rsa.key`),
        '-out',
        at(`${name}.csr`),
        '-subj',
        subject,
      ],
      `making the ${name} key`,
    );
    run(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        at(`${name}.csr`),
        '-CA',
        at('ca.pem'),
        '-CAkey',
        at('ca.key'),
        '-CAcreateserial',
        '-out',
        at(`${name}.pem`),
        '-days',
        days,
        '-extfile',
        at(`${name}.ext`),
      ],
      `signing the ${name} certificate`,
    );
    // Kafka's PEM keystores read PKCS#8 keys only.
    run(
      'openssl',
      ['pkcs8', '-topk8', '-nocrypt', '-in', at(`${name}.rsa.key`), '-out', at(`${name}.key`)],
      `converting the ${name} key`,
    );
  };
  sign(
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  sign('client', `/CN=${SECURE_USERS.user}`, 'extendedKeyUsage=clientAuth\n');
  const keystore = at('server-keystore.pem');
  writeFileSync(keystore, `${readFileSync(at('server.key'), 'utf8')}${readFileSync(at('server.pem'), 'utf8')}`, {
    mode: 0o600,
  });
  return {
    caLocation: at('ca.pem'),
    clientCertLocation: at('client.pem'),
    clientKeyLocation: at('client.key'),
    serverCertLocation: at('server.pem'),
    serverKeyLocation: at('server.key'),
    serverKeystoreLocation: keystore,
    admin: { username: SECURE_USERS.admin, password: secret() },
    user: { username: SECURE_USERS.user, password: secret() },
    restricted: {
      username: SECURE_USERS.restricted,
      password: secret(),
      topicPrefix: SECURE_USERS.restrictedTopicPrefix,
      groupPrefix: SECURE_USERS.restrictedGroupPrefix,
    },
    registry: { username: SECURE_USERS.registry, password: secret(), token: secret() },
  };
}

/** JAAS values are double-quoted; the generated passwords are base64url and need no escaping. */
function plainJaas(login: Credentials, users: readonly Credentials[]): string {
  const accounts = users.map((u) => `user_${u.username}="${u.password}"`).join(' ');
  return `org.apache.kafka.common.security.plain.PlainLoginModule required username="${login.username}" password="${login.password}" ${accounts};`;
}

/**
 * server.properties lines that replace the PLAINTEXT listener: SASL_SSL for clients (PLAIN,
 * SCRAM-SHA-256/512, OAUTHBEARER with Kafka's unsecured-token validator), SSL with required
 * client certificates for mTLS clients, SASL_SSL (PLAIN) between controllers, and the
 * standard authorizer with the brokers' principal and the allowed-everything user as super users.
 */
export function brokerSecurityProperties(
  material: SecureMaterial,
  ports: { client: number; mtls: number; controller: number },
): Record<string, string> {
  const { admin, user, restricted } = material;
  return {
    listeners: `SASL_SSL://127.0.0.1:${ports.client},CONTROLLER://127.0.0.1:${ports.controller},MTLS://127.0.0.1:${ports.mtls}`,
    'advertised.listeners': `SASL_SSL://127.0.0.1:${ports.client},MTLS://127.0.0.1:${ports.mtls}`,
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL,MTLS:SSL',
    'inter.broker.listener.name': 'SASL_SSL',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': plainJaas(admin, [admin, user, restricted]),
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config': `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${admin.username}";`,
    'listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class':
      'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler',
    // OAUTHBEARER sessions end with their token, at most after 15 s: clients must re-authenticate
    // with a fresh token from their provider (KIP-368), which the tests observe.
    'listener.name.sasl_ssl.oauthbearer.connections.max.reauth.ms': '15000',
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': plainJaas(admin, [admin]),
    'listener.name.mtls.ssl.client.auth': 'required',
    // The mTLS principal is the certificate's CN (User:kbus), not the whole distinguished name.
    'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+).*$/$1/,DEFAULT',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': material.serverKeystoreLocation,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': material.caLocation,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': `User:${admin.username};User:${user.username}`,
    'allow.everyone.if.no.acl.found': 'false',
  };
}

/** `kafka-storage format` arguments that create the SCRAM users with the cluster's metadata. */
export function scramFormatArgs(material: SecureMaterial): string[] {
  const scram = (mechanism: string, c: Credentials) => [
    '--add-scram',
    `${mechanism}=[name="${c.username}",password="${c.password}"]`,
  ];
  return [
    ...scram('SCRAM-SHA-512', material.user),
    ...scram('SCRAM-SHA-256', material.user),
    ...scram('SCRAM-SHA-512', material.restricted),
  ];
}

export function findNginx(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return found;
  throw new StackError(
    'prerequisites',
    'the secured stack puts the schema registry behind nginx (TLS and basic auth); install it (Debian: apt-get install nginx)',
  );
}

/** An htpasswd line with an apr1 (MD5) hash, which nginx's auth_basic reads. */
function htpasswdLine(c: Credentials): string {
  const result = spawnSync('openssl', ['passwd', '-apr1', '-stdin'], { input: c.password, encoding: 'utf8' });
  if (result.status !== 0) throw new StackError('prerequisites', 'hashing the registry password with openssl failed');
  return `${c.username}:${result.stdout.trim()}\n`;
}

/** Writes the nginx configuration of the registry front; returns the files nginx is started with. */
export function writeRegistryFront(
  dir: string,
  material: SecureMaterial,
  ports: { tls: number; bearer: number; upstream: number },
  log: string,
): { prefix: string; config: string } {
  const prefix = join(dir, 'nginx');
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  // Workers (nobody, when started as root) read the password file and use the temp folder.
  chmodSync(join(prefix, 'tmp'), 0o777);
  const htpasswd = join(prefix, 'htpasswd');
  writeFileSync(htpasswd, htpasswdLine(material.registry), { mode: 0o644 });
  const config = join(prefix, 'nginx.conf');
  const isRoot = process.getuid?.() === 0;
  writeFileSync(
    config,
    [
      isRoot ? `user ${userInfo().username};` : '',
      'worker_processes 1;',
      'daemon off;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${log} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      // HTTP/1.1 with kept-alive connections to the registry; a connection it closes before
      // answering (seen under load) is tried once more on a fresh one: every request the SDK
      // makes is idempotent (registering a registered schema returns its id).
      '  upstream registry {',
      `    server 127.0.0.1:${ports.upstream} max_fails=0;`,
      `    server 127.0.0.1:${ports.upstream} max_fails=0;`,
      '    keepalive 8;',
      '  }',
      '  proxy_http_version 1.1;',
      '  proxy_next_upstream error timeout http_502 non_idempotent;',
      '  proxy_next_upstream_tries 2;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(prefix, 'tmp', t)};`),
      '  server {',
      `    listen 127.0.0.1:${ports.tls} ssl;`,
      `    ssl_certificate ${material.serverCertLocation};`,
      `    ssl_certificate_key ${material.serverKeyLocation};`,
      '    auth_basic "kbus schema registry";',
      `    auth_basic_user_file ${htpasswd};`,
      '    client_max_body_size 16m;',
      '    location / {',
      '      proxy_pass http://registry;',
      '      proxy_set_header Connection "";',
      '      proxy_set_header Authorization "";',
      '    }',
      '  }',
      // A second front that takes a bearer token instead (the token is random, base64url: no quoting needed).
      '  server {',
      `    listen 127.0.0.1:${ports.bearer} ssl;`,
      `    ssl_certificate ${material.serverCertLocation};`,
      `    ssl_certificate_key ${material.serverKeyLocation};`,
      '    client_max_body_size 16m;',
      '    location / {',
      `      if ($http_authorization != "Bearer ${material.registry.token}") { return 401; }`,
      '      proxy_pass http://registry;',
      '      proxy_set_header Connection "";',
      '      proxy_set_header Authorization "";',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return { prefix, config };
}
