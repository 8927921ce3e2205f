// Who may talk to the lab server (main/server/requestGuard.ts): Host, Origin and token, for a
// loopback bind and for one on every interface.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { authority, bearerToken, createRequestGuard } from '../../../main/server/requestGuard.ts';

const token = 'f'.repeat(64);

describe('requestGuard', () => {
  it('on loopback, answers to the bound address and localhost only', () => {
    const guard = createRequestGuard({ host: '127.0.0.1', port: 7420, token });
    for (const host of ['127.0.0.1:7420', 'localhost:7420', 'LOCALHOST:7420'])
      expect(guard.checkHost(host), host).toBeNull();
    for (const host of [
      '127.0.0.1:7421',
      'evil.example:7420',
      '127.0.0.1',
      '0.0.0.0:7420',
      `${hostname()}:7420`,
    ]) {
      expect(guard.checkHost(host), host).toMatch(/DNS rebinding/);
    }
    expect(guard.checkHost(undefined)).toMatch(/no Host header/);
    expect(guard.checkOrigin(undefined)).toBeNull();
    expect(guard.checkOrigin('http://127.0.0.1:7420')).toBeNull();
    expect(guard.checkOrigin('http://localhost:7420')).toBeNull();
    for (const origin of [
      'https://127.0.0.1:7420',
      'http://127.0.0.1:7421',
      'http://evil.example',
      'null',
      'file://',
    ]) {
      expect(guard.checkOrigin(origin), origin).toMatch(/refused/);
    }
  });

  it('on an IPv6 loopback, writes the address in brackets', () => {
    expect(authority('::1', 7420)).toBe('[::1]:7420');
    const guard = createRequestGuard({ host: '::1', port: 7420, token });
    expect(guard.checkHost('[::1]:7420')).toBeNull();
    expect(guard.checkOrigin('http://[::1]:7420')).toBeNull();
  });

  it('on every interface, answers to this machine’s names and addresses, not to others', () => {
    const guard = createRequestGuard({ host: '0.0.0.0', port: 7420, token });
    expect(guard.checkHost('127.0.0.1:7420')).toBeNull();
    expect(guard.checkHost(`${hostname()}:7420`)).toBeNull();
    expect(guard.allowedAuthorities()).toContain('localhost:7420');
    expect(guard.checkHost('evil.example:7420')).toMatch(/DNS rebinding/);
    expect(guard.checkOrigin('http://evil.example:7420')).toMatch(/refused/);
  });

  it('takes the token from a Bearer header and compares it whole', () => {
    const guard = createRequestGuard({ host: '127.0.0.1', port: 7420, token });
    expect(bearerToken(`Bearer ${token}`)).toBe(token);
    expect(bearerToken(`bearer  ${token} `)).toBe(token);
    expect(bearerToken(token)).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(guard.checkToken(token)).toBeNull();
    expect(guard.checkToken(null)).toMatch(/needs its token/);
    expect(guard.checkToken(token.slice(1))).toMatch(/does not match/);
    expect(guard.checkToken(`${token}0`)).toMatch(/does not match/);
  });
});
