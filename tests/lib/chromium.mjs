// Debian's Chromium through playwright-core, and a static file server on loopback: shared by
// the end-to-end tests (tests/e2e/helpers.mjs) and the browser benchmark (bench/browser.mjs).
import http from 'node:http';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Content types by file extension, for what the site and the bench serve. */
export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.csv': 'text/csv',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Headless Chromium with what a test machine needs: no sandbox (root in a container), no GPU,
 * and none of the browser's own traffic (updates, sync, QUIC probes). `extraArgs` are added.
 */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs,
    ],
  });
}

/**
 * An HTTP server on 127.0.0.1 (a free port) that hands every request to `handler(req, res,
 * path)` (path: the decoded URL path); a throwing handler answers 404. Returns its origin and
 * a close() that resolves once it has stopped.
 */
export async function serveLoopback(handler) {
  const server = http.createServer(async (req, res) => {
    try {
      await handler(req, res, decodeURIComponent(new URL(req.url, 'http://localhost').pathname));
    } catch {
      if (!res.headersSent) res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
  };
}
