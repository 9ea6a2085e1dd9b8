// The module in Debian's Chromium: the plain-HTML embed example (default loader, main thread)
// and a module worker given an explicit wasmUrl, both under a CSP without 'unsafe-eval'.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertRunMatches, conformanceCases } from '../lib/compare.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.PQL_CHROMIUM ?? '/usr/bin/chromium';
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
};
const skip = !existsSync(CHROMIUM) && `${CHROMIUM} is not installed`;
const c = conformanceCases().find((x) => x.name === '04-rules');

let server, origin, browser;

before(async () => {
  if (skip) return;
  // Static files of the repository, loopback only.
  server = http.createServer(async (req, res) => {
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    try {
      let file = resolve(ROOT, `.${decodeURIComponent(new URL(req.url, 'http://x').pathname)}`);
      if (!file.startsWith(ROOT.replace(/\/$/, '') + sep)) throw new Error('outside the repository');
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${server.address().port}`;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(path) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('requestfailed', (r) => problems.push(`${r.url()}: ${r.failure()?.errorText}`));
  await page.goto(`${origin}${path}`);
  return { page, problems };
}

test('examples/embed ranks a chosen file in the page and reports model errors', { skip, timeout: 60_000 }, async () => {
  const { page, problems } = await open('/examples/embed/');
  await page.fill('#model', c.model);
  await page.setInputFiles('#accounts', c.accountsFile);
  await page.setInputFiles('#events', c.eventsFile);
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length > 0, null, { timeout: 30_000 });
  const ids = await page.$$eval('#rows tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(
    ids,
    c.expected.results.map((r) => r.id),
  );
  assert.match(
    await page.textContent('#status'),
    new RegExp(`^${c.expected.entities} accounts, ${c.expected.qualified} PQLs`),
  );
  await page.fill('#model', '{"window_days": "x"}');
  await page.waitForFunction(() => document.getElementById('status').className === 'error');
  assert.match(await page.textContent('#status'), /window_days/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a module worker loads the module from wasmUrl and scores a case', { skip, timeout: 60_000 }, async () => {
  const { page, problems } = await open('/tests/wasm/fixtures/worker.html');
  await page.waitForFunction(() => document.getElementById('out').textContent !== '', null, { timeout: 30_000 });
  const out = JSON.parse(await page.textContent('#out'));
  assert.equal(out.error, undefined, out.error);
  assertRunMatches(out.run, c.expected, 'worker');
  assert.deepEqual(
    out.scores,
    out.run.results.map((r) => r.score),
  );
  assert.equal(out.code, 'not_found');
  assert.deepEqual(problems, []);
  await page.close();
});
