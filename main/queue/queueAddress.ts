// Where the run queue is and how to log in to it. The URL on the command line names only the
// server (`redis://HOST:PORT[/DB]`, `rediss://` for TLS); secrets come from the environment or
// from files, never from the command line (every user of the machine sees it in `ps`, and it
// ends up in shell history) and never from or into the lab database.
import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../userError.ts';

/** The environment variables this module reads, in one place for the docs and the errors. */
export const queueEnvironment = {
  url: 'LAB_QUEUE',
  username: 'LAB_REDIS_USERNAME',
  password: 'LAB_REDIS_PASSWORD',
  passwordFile: 'LAB_REDIS_PASSWORD_FILE',
  tls: 'LAB_REDIS_TLS',
  tlsCaFile: 'LAB_REDIS_TLS_CA_FILE',
  tlsCertFile: 'LAB_REDIS_TLS_CERT_FILE',
  tlsKeyFile: 'LAB_REDIS_TLS_KEY_FILE',
} as const;

export interface QueueTls {
  /** Certificate authorities to trust besides the system's (a self-signed server). */
  ca?: Buffer;
  /** A client certificate and key, for servers that ask for one (tls-auth-clients yes). */
  cert?: Buffer;
  key?: Buffer;
}

export interface QueueAddress {
  /** The server as people should see it: no credentials, ever. */
  display: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Present when the connection is encrypted. Server certificates are always verified. */
  tls?: QueueTls;
  /** Things that work but should be fixed (a password file other users can read). */
  warnings: string[];
}

const example = 'redis://gpu-box.local:6379 (or rediss://… for TLS)';

function readSecretFile(path: string, variable: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`${variable}=${path}: cannot read the file (${(error as Error).message})`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '') throw new UserError(`${variable}=${path}: the file is empty`);
  return password;
}

function readTlsFile(env: NodeJS.ProcessEnv, variable: string): Buffer | undefined {
  const path = env[variable];
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UserError(`${variable}=${path}: cannot read the file (${(error as Error).message})`);
  }
}

/** Whether a secret file can be read by other users (its mode has group or other bits set). */
export function secretFileIsShared(path: string): boolean {
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/**
 * Parses `--queue` (or $LAB_QUEUE) and gathers the credentials and TLS files from `env`.
 * Throws a UserError that says what to change for anything it cannot use.
 */
export function parseQueueAddress(text: string, env: NodeJS.ProcessEnv = process.env): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`--queue "${text}" is not a URL: give the Redis server as ${example}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UserError(`--queue "${text}": use a redis:// or rediss:// URL, e.g. ${example}`);
  }
  if (url.password !== '') {
    throw new UserError(
      `--queue: the URL contains a password. A password on the command line is visible to every user ` +
        `of this machine and stays in shell history. Give the URL without it (redis://${url.host}) and put ` +
        `the password in ${queueEnvironment.password} or in a file named by ${queueEnvironment.passwordFile}.`,
    );
  }
  if (url.hostname === '') throw new UserError(`--queue "${text}" names no host: ${example}`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new UserError(
      `--queue "${text}": the path must be a database number (redis://host:6379/2), got "${dbText}"`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UserError(
      `--queue "${text}": options in the URL are not read; TLS and credentials come from the environment ` +
        `(main/queue/README.md)`,
    );
  }
  const username = decodeURIComponent(url.username) || env[queueEnvironment.username] || undefined;
  const inline = env[queueEnvironment.password];
  const file = env[queueEnvironment.passwordFile];
  if (inline && file) {
    throw new UserError(
      `both ${queueEnvironment.password} and ${queueEnvironment.passwordFile} are set: keep one, so it is clear which password is used`,
    );
  }
  const password = inline || (file ? readSecretFile(file, queueEnvironment.passwordFile) : undefined);
  const tlsWanted = url.protocol === 'rediss:' || /^(1|true|yes)$/i.test(env[queueEnvironment.tls] ?? '');
  const tls: QueueTls | undefined = tlsWanted
    ? {
        ca: readTlsFile(env, queueEnvironment.tlsCaFile),
        cert: readTlsFile(env, queueEnvironment.tlsCertFile),
        key: readTlsFile(env, queueEnvironment.tlsKeyFile),
      }
    : undefined;
  if (tls && Boolean(tls.cert) !== Boolean(tls.key)) {
    throw new UserError(
      `a TLS client certificate needs both ${queueEnvironment.tlsCertFile} and ${queueEnvironment.tlsKeyFile}`,
    );
  }
  const warnings =
    file && secretFileIsShared(file)
      ? [`${queueEnvironment.passwordFile}=${file} can be read by other users of this machine: chmod 600 it`]
      : [];
  const hostForUrl = url.hostname;
  return {
    display: `${tls ? 'rediss' : 'redis'}://${username ? `${encodeURIComponent(username)}@` : ''}${hostForUrl}:${port}${db ? `/${db}` : ''}`,
    host: hostForUrl.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    username,
    password,
    tls,
    warnings,
  };
}
