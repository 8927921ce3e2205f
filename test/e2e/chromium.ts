import type { BrowserType } from 'playwright-core';

// Debian's Chromium, headless, as root (hence --no-sandbox), with every background
// connection off: the test machines have no network beyond loopback.
export const chromiumPath = process.env.LAB_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(chromium: BrowserType) {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
