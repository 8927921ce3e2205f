// Response headers that keep the page to itself: what it may load and connect to (CSP), no
// MIME sniffing, no referrer (the page URL carries the token on first load), no framing.
import type { OutgoingHttpHeaders } from 'node:http';

/**
 * The page's Content-Security-Policy. `authority` is the host:port the browser reached us by
 * (already checked against the bound address): the progress WebSocket is the only connection
 * the page makes besides same-origin fetches.
 */
export function browserContentSecurityPolicy(authority: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `connect-src 'self' ws://${authority}`,
    // Vue and Chart.js set inline styles.
    "style-src 'self' 'unsafe-inline'",
    // Chart PNG export and downloads use data: and blob: URLs.
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers for every response of the lab server, static file or API answer. */
export function securityHeaders(authority: string): OutgoingHttpHeaders {
  return {
    'Content-Security-Policy': browserContentSecurityPolicy(authority),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
