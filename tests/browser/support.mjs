// What the browser tests share: the binary under test, where screenshots go, the axe
// tags (WCAG 2.2 AA), a free port, and Debian's Chromium launched headless.
import net from 'node:net';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const BIN = process.env.SENDSCOPE_BIN || 'target/debug/sendscope';
export const OUT = 'test-output/screenshots';
export const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export async function launch() {
  mkdirSync(OUT, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
