// Who may talk to the lab server. Three checks, each answering null (fine) or the reason for a 403:
// - Host: the request must name this server as bound (a page on a DNS-rebound name such as
//   evil.example resolving to 127.0.0.1 is refused before it reaches anything);
// - Origin: a browser request from any page but our own is refused (browsers always send Origin
//   on cross-origin fetches and on WebSockets; tools such as curl send none);
// - token: every API call and the progress WebSocket carry the per-launch token, compared in
//   constant time. The token is the real protection; the other two are defence in depth.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/** host:port as a Host header or URL writes it (IPv6 literals in brackets), lower case. */
export function authority(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`.toLowerCase();
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A bind address that listens on every interface. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

export interface RequestGuardOptions {
  /** The host the server was asked to bind (as given: 127.0.0.1, localhost, 0.0.0.0, …). */
  host: string;
  /** The port it listens on (after binding, so never 0). */
  port: number;
  token: string;
}

export interface RequestGuard {
  /** The authorities (host:port) this server answers to, for messages and the CSP. */
  allowedAuthorities(): string[];
  checkHost(hostHeader: string | undefined): string | null;
  checkOrigin(origin: string | undefined): string | null;
  /** `presented`: the token from the Authorization header or the WebSocket's query string. */
  checkToken(presented: string | null | undefined): string | null;
}

/** The token from `Authorization: Bearer <token>`, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}

/** Equal-length digests, so the comparison takes the same time whatever is presented. */
function sameToken(presented: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * The names a server bound to every interface may be reached by: loopback, this machine's
 * addresses (looked up per request: interfaces come and go) and its host name.
 */
function wildcardNames(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .map((info) => info?.address)
    .filter((address): address is string => address !== undefined);
  return ['localhost', '127.0.0.1', '::1', hostname(), ...addresses];
}

export function createRequestGuard({ host, port, token }: RequestGuardOptions): RequestGuard {
  const names = () => {
    if (isWildcardHost(host)) return wildcardNames();
    return isLoopbackHost(host) ? [host, 'localhost', '127.0.0.1'] : [host];
  };
  const allowedAuthorities = () => [...new Set(names().map((name) => authority(name, port)))];
  const allowed = (candidate: string) => allowedAuthorities().includes(candidate.toLowerCase());

  return {
    allowedAuthorities,
    checkHost(hostHeader) {
      if (!hostHeader) return 'the request has no Host header (HTTP/1.1 requires one)';
      if (allowed(hostHeader)) return null;
      return (
        `Host "${hostHeader}" is not this lab server's address (${allowedAuthorities().join(', ')}): ` +
        'requests by another name are refused to stop DNS rebinding. Open the URL `lab serve` printed.'
      );
    },
    checkOrigin(origin) {
      if (origin === undefined) return null;
      let url: URL | null = null;
      try {
        url = new URL(origin);
      } catch {
        // Refused below, with the origin as sent.
      }
      if (url?.protocol === 'http:' && url.pathname === '/' && allowed(url.host)) return null;
      return (
        `requests from the page at ${origin} are refused: only pages this lab server serves ` +
        `(http://${authority(names()[0], port)}) may call it`
      );
    },
    checkToken(presented) {
      if (!presented) {
        return (
          'this lab server needs its token: send "Authorization: Bearer <token>" (WebSocket: ?token=<token>); ' +
          'the token is in the URL `lab serve` printed (…/?token=…)'
        );
      }
      if (sameToken(presented, token)) return null;
      return 'the token does not match: it changes every time `lab serve` starts, open the URL it printed this time';
    },
  };
}
