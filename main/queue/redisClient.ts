// Connections to the queue's Redis. Two kinds: a one-shot check at start-up that fails fast with
// an error a person can act on (unreachable, wrong password, TLS trouble, too old a server), and
// long-lived connections that reconnect forever — a Redis restart or a network blip pauses the
// lab (commands wait in ioredis's offline queue) instead of failing its runs.
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../userError.ts';
import { queueEnvironment, type QueueAddress } from './queueAddress.ts';

export class QueueConnectionError extends UserError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueueConnectionError';
  }
}

/** ioredis options for `address`: server, database, credentials, TLS (certificates verified). */
export function redisOptions(address: QueueAddress): RedisOptions {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    username: address.username,
    password: address.password,
    // RESP2: the reply shapes the lab parses (XREAD's [[key, entries]]), and what Redis 5 speaks.
    protocol: 2,
    tls: address.tls
      ? {
          ca: address.tls.ca,
          cert: address.tls.cert,
          key: address.tls.key,
          // SNI is for names only; an IP address is checked against the certificate's IP SANs.
          servername: isIP(address.host) ? undefined : address.host,
        }
      : undefined,
  };
}

const credentialsHint =
  `the password comes from ${queueEnvironment.password} or a file named by ${queueEnvironment.passwordFile}, ` +
  `the user from the URL (redis://USER@HOST:PORT) or ${queueEnvironment.username}`;

const tlsCertificateCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What went wrong talking to Redis at `address`, said so that the reader knows what to change. */
export function explainRedisError(error: Error & { code?: string }, address: QueueAddress): string {
  const at = `Redis at ${address.display}`;
  const message = error.message;
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') {
    return (
      `cannot reach ${at}: connection refused. Is redis-server running there, listening on that address and ` +
      `port (its bind and port settings)? From another machine: is the port open, or tunnelled ` +
      `(ssh -N -L ${address.port}:127.0.0.1:${address.port} ${address.host})?`
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `cannot reach ${at}: the host name "${address.host}" does not resolve (a typo, or a name only another network knows)`;
  }
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(message)) {
    return (
      `cannot reach ${at}: no answer in time. A firewall, a wrong host or port, or TLS on one side only ` +
      `(rediss:// needs the server's tls-port, redis:// its plain port)`
    );
  }
  if (tlsCertificateCodes.has(code)) {
    return (
      `TLS with ${at} failed: the server's certificate is not trusted (${code}: ${message}). Give the CA that ` +
      `signed it in ${queueEnvironment.tlsCaFile}, and connect by the name (or IP) the certificate is for`
    );
  }
  if (message.includes('WRONGPASS'))
    return `${at} refused the login: wrong user name or password (${credentialsHint})`;
  if (message.includes('NOAUTH')) return `${at} needs a password and none was given (${credentialsHint})`;
  if (/without any password configured/i.test(message)) {
    return `${at} has no password set, but a password was given: check which server this is, and unset the password variables for it`;
  }
  if (/NOPERM/.test(message)) {
    return `${at}: the user may not run a command the lab needs (${message}). Its ACL needs ~lab:* keys and the commands BullMQ uses (+@all on those keys is simplest)`;
  }
  if (/Unknown RESP type|wrong version number|EPROTO/i.test(message + code)) {
    return `${at} did not answer as Redis does: is it a Redis port, and does TLS match (rediss:// for a TLS port)? (${message})`;
  }
  return `cannot use ${at}: ${message}`;
}

export interface RedisCheck {
  version: string;
  /** Things that work but are risky: no password, a server that may evict queued runs. */
  warnings: string[];
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * Connects once, without retrying, and checks what the lab needs: reachable, logged in, Redis ≥ 5
 * (BullMQ's minimum; it recommends 6.2). Throws a QueueConnectionError that says what to change.
 */
export async function checkRedis(address: QueueAddress, timeoutMs = 5000): Promise<RedisCheck> {
  const client = new Redis({
    ...redisOptions(address),
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
  });
  // ioredis reports the cause as 'error' events and rejects connect() with "Connection is closed".
  const errors: (Error & { code?: string })[] = [];
  client.on('error', (error: Error) => errors.push(error));
  try {
    await client.connect();
    const info = await client.info('server');
    const version = infoField(info, 'redis_version') ?? '0';
    const [major, minor] = version.split('.').map(Number);
    if (major < 5) {
      throw new QueueConnectionError(
        `Redis at ${address.display} is version ${version}; the run queue (BullMQ, Redis streams) needs Redis 5 or newer (6.2 or newer recommended)`,
      );
    }
    const warnings = [...address.warnings];
    if (major === 5 || (major === 6 && minor < 2)) {
      warnings.push(`Redis at ${address.display} is version ${version}; BullMQ recommends 6.2 or newer`);
    }
    if (!address.password) {
      warnings.push(
        `Redis at ${address.display} accepts this lab without a password. Anyone who can reach it can queue ` +
          `runs on every worker and read their results: never expose an unauthenticated Redis beyond ` +
          `loopback (main/queue/README.md, "Security")`,
      );
    }
    const policy = infoField(await client.info('memory'), 'maxmemory_policy');
    if (policy && policy !== 'noeviction') {
      warnings.push(
        `Redis at ${address.display} evicts keys under memory pressure (maxmemory-policy ${policy}): queued runs ` +
          `could vanish. Set maxmemory-policy noeviction`,
      );
    }
    return { version, warnings };
  } catch (error) {
    if (error instanceof QueueConnectionError) throw error;
    const cause = errors.at(-1) ?? (error as Error);
    throw new QueueConnectionError(explainRedisError(cause, address), { cause });
  } finally {
    client.disconnect();
  }
}

/**
 * A connection for the life of the process: reconnects forever (every 0.2 … 2 s) and keeps
 * commands until it is back. `onState` hears about losing and regaining the server, once each.
 */
export function openRedis(address: QueueAddress, name: string, onState?: (line: string) => void): Redis {
  const client = new Redis({
    ...redisOptions(address),
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  let lost = false;
  client.on('error', (error: Error & { code?: string }) => {
    if (lost) return;
    lost = true;
    onState?.(
      `lost the connection to Redis at ${address.display} (${explainRedisError(error, address)}); reconnecting`,
    );
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    onState?.(`reconnected to Redis at ${address.display}`);
  });
  return client;
}

/** Closes a connection politely, or drops it if the server is gone. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
