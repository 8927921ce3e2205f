// A private Redis for one test file: Debian's redis-server on a free loopback port, in its own
// directory (append-only file on, so a restart keeps the queue, as a real deployment's would),
// with an ACL user and optionally TLS. Started and stopped by the test; never another address.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const redisServerBinary = process.env.LAB_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisServerOptions {
  /** An ACL user the lab logs in as; the default user has a random password. */
  user?: { name: string; password: string };
  /** Serve TLS only, with these files (the client must trust `ca`). */
  tls?: { cert: string; key: string; ca: string };
}

export interface RedisServer {
  port: number;
  url: string;
  directory: string;
  /** Stops it (SIGTERM: it writes its append-only file) and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function waitUntilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not get ready in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (!existsSync(redisServerBinary)) {
    throw new Error(
      `${redisServerBinary} not found: the queue tests need Debian's redis-server (apt-get install redis-server; .ci/run installs it)`,
    );
  }
  const port = await freeLoopbackPort();
  const directory = mkdtempSync(join(tmpdir(), 'lab-redis-'));
  const args = ['--bind', '127.0.0.1', '--dir', directory, '--save', '', '--appendonly', 'yes'];
  args.push('--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'notice');
  if (options.tls) {
    args.push('--port', '0', '--tls-port', String(port));
    args.push('--tls-cert-file', options.tls.cert, '--tls-key-file', options.tls.key);
    args.push('--tls-ca-cert-file', options.tls.ca, '--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(port));
  }
  if (options.user) {
    // The default user gets a password nobody knows rather than `off`: Redis 7.0 (Debian 12's)
    // drops every MULTI/EXEC from its append-only file on restart when the default user is off.
    args.push('--requirepass', randomBytes(16).toString('hex'));
    args.push('--user', options.user.name, 'on', `>${options.user.password}`, '~*', '&*', '+@all');
  }
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(redisServerBinary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitUntilReady(child, 10_000);
  };
  await launch();
  return {
    port,
    url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    directory,
    async restart(downMs = 0) {
      await stopProcess(child);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
    async stop() {
      await stopProcess(child);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
