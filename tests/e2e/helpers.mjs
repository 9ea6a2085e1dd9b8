// Shared by the end-to-end tests of the playground: a static server for build/web on
// loopback, Debian's Chromium through playwright-core, page helpers and the native CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIME, launchChromium, serveLoopback } from '../lib/chromium.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SITE = join(ROOT, 'build/web');
export const SAMPLE = join(ROOT, 'build/sample');
export const PQL = join(ROOT, 'build/native/pql');
export const SHOTS = join(ROOT, 'build/screenshots');
export const TIMEOUT = 90_000;

export const sampleModel = () => JSON.parse(readFileSync(join(SAMPLE, 'model.json'), 'utf8'));

/**
 * Starts the static server and Chromium. Returns { origin, browser, tmp, stop }. `routes` maps
 * extra URL paths to [content-type, body] (fixture pages, test data).
 */
export async function start(routes = {}) {
  for (const f of [join(SITE, 'index.html'), join(SAMPLE, 'events.jsonl'), PQL]) {
    assert.ok(existsSync(f), `${f} is missing: run make native sample web first`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'pql-e2e-'));
  const server = await serveLoopback(async (req, res, path) => {
    if (routes[path]) {
      const [type, body] = routes[path];
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    let file = resolve(SITE, `.${path}`);
    if (file !== SITE && !file.startsWith(SITE + sep)) throw new Error('outside the site');
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(body);
  });
  const origin = server.origin;
  const browser = await launchChromium();
  const stop = async () => {
    await browser?.close();
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  };
  return { origin, browser, tmp, stop };
}

/** A page at 1280×800 that records every request and page error, opened on the site and settled. */
export async function open(env, hash = '', { settle = true } = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const requests = [];
  const errors = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${env.origin}/${hash}`);
  if (settle) await settled(page, '0');
  return { context, page, requests, errors };
}

/**
 * Waits until the ranking shows a revision other than `before` and nothing is pending.
 * Fails at once, with the page's own message, when the engine cannot start.
 */
export async function settled(page, before, testid = 'ranking') {
  const handle = await page.waitForFunction(
    ([b, id]) => {
      const status = document.querySelector('.engine-status');
      if (status && /could not start|worker failed|Worker error/.test(status.textContent))
        return `fatal: ${status.textContent}`;
      const r = document.querySelector(`[data-testid="${id}"]`);
      return r && r.dataset.revision !== b && r.dataset.busy === 'false' ? 'ok' : false;
    },
    [before, testid],
    { timeout: TIMEOUT },
  );
  const outcome = await handle.jsonValue();
  assert.equal(outcome, 'ok', outcome);
}

export async function revision(page, testid = 'ranking') {
  return page.getAttribute(`[data-testid="${testid}"]`, 'data-revision');
}

export async function domRows(page) {
  return page.$$eval('[data-testid="ranking-row"]', (rows) =>
    rows.map((r) => ({ id: r.dataset.id, score: Number(r.dataset.score) })),
  );
}

/** Writes `model` to a temporary file and returns its path. */
export function modelFile(env, model) {
  const file = join(env.tmp, `model-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof model === 'string' ? model : JSON.stringify(model));
  return file;
}

/** Runs the native CLI and returns its standard output as text. */
export function pql(args) {
  return execFileSync(PQL, args, { maxBuffer: 512 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

export const sampleData = () => [
  '--events',
  join(SAMPLE, 'events.jsonl'),
  '--accounts',
  join(SAMPLE, 'accounts.jsonl'),
];

/** `pql score --format json` on the sample with `model`, parsed. */
export function cli(env, model) {
  return JSON.parse(pql(['score', ...sampleData(), '--model', modelFile(env, model), '--format', 'json']));
}

export function close(a, b, tolerance = 1e-9) {
  if (a === null || b === null) return a === b;
  return a === b || Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * The DOM rows (rank order) must be the CLI's first rows: same ids (up to ties), same scores.
 * The page lists leads: customers (SPEC §7.5 `converted`) are hidden unless `customers`.
 */
export function assertSameRanking(rows, expected, label, { customers = false } = {}) {
  assert.ok(rows.length >= 25, `${label}: at least 25 rows in the DOM (got ${rows.length})`);
  const want = customers ? expected.results : expected.results.filter((r) => !r.converted);
  for (let i = 0; i < rows.length; i++) {
    const got = rows[i];
    const exp = want[i];
    assert.ok(exp, `${label}: row ${i + 1} exists in the CLI output`);
    assert.ok(close(got.score, exp.score), `${label}: row ${i + 1} score ${got.score} vs CLI ${exp.score}`);
    if (got.id !== exp.id) {
      const tie = want.find((r) => r.id === got.id);
      assert.ok(tie && close(tie.score, exp.score), `${label}: row ${i + 1} is ${got.id}, the CLI has ${exp.id}`);
    }
  }
}

/** The built site's worker script (Vite names it assets/worker-<hash>.js). */
export function workerAsset() {
  const name = readdirSync(join(SITE, 'assets')).find((n) => /^worker-.*\.js$/.test(n));
  assert.ok(name, 'build/web/assets has a worker-*.js');
  return `/assets/${name}`;
}

/** Opens the page's tab (`backtest`, `compare`, `sql`, `explain`). */
export async function showTab(page, tab) {
  await page.click(`[data-testid="tab-${tab}"]`);
  await page.waitForSelector(`#tabpanel-${tab}:not([hidden])`);
}
