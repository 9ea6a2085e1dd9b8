#!/usr/bin/env node
// The WASM engine in headless Chromium (bench/browser.html runs bench/measure.mjs, the code the
// Node run uses), and the playground (bench/page-live.mjs: every edit's input → redraw, a drag,
// the first usable ranking).
//
//   node bench/browser.mjs [--sizes 100k,1M,10M] [--parts engine,page] [--out build/bench/browser.json]
//
// A loopback server serves the repository (the engine package, the ceiling module, the bench
// data) and the built playground (build/web at /play/). Chromium: /usr/bin/chromium.
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIME, launchChromium, serveLoopback } from '../tests/lib/chromium.mjs';
import { measureLive, VIEWPORT } from './page-live.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizes = opt('--sizes', process.env.BENCH_SIZES || '100k,1M,10M')
  .split(',')
  .filter(Boolean);
const parts = opt('--parts', 'engine,page').split(',');
const outFile = resolve(ROOT, opt('--out', 'build/bench/browser.json'));
const pageRuns = Number(opt('--page-runs', 7));

const ALLOWED = ['build/wasm/pkg', 'build/bench', 'build/bench-data', 'bench', 'build/web'].map((p) => join(ROOT, p));

const server = await serveLoopback((req, res, urlPath) => {
  let path = urlPath;
  if (path === '/play' || path.startsWith('/play/')) path = '/build/web' + path.slice(5);
  let file = resolve(ROOT, '.' + path);
  if (!ALLOWED.some((a) => file === a || file.startsWith(a + sep))) throw new Error('not served');
  if (statSync(file).isDirectory()) file = join(file, 'index.html');
  const size = statSync(file).size;
  res.writeHead(200, {
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file, { highWaterMark: 4 << 20 }).pipe(res);
});
const origin = server.origin;
const browser = await launchChromium(process.env.BENCH_JS_FLAGS ? [`--js-flags=${process.env.BENCH_JS_FLAGS}`] : []);
const results = { env: { chromium: browser.version(), date: new Date().toISOString() }, sizes: {}, page: null };
const log = (...a) => console.log(...a);

try {
  if (parts.includes('engine')) {
    for (const size of sizes) {
      if (!existsSync(join(ROOT, 'build/bench-data', size, 'events.jsonl'))) {
        log(`browser: no data for ${size}, skipped`);
        continue;
      }
      log(`\n== ${size}: WASM engine in Chromium ${browser.version()}`);
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'log') log(`  ${m.text()}`);
      });
      page.on('pageerror', (e) => log(`  page error: ${e.message}`));
      await page.goto(`${origin}/bench/browser.html`);
      await page.waitForFunction(() => window.benchReady === true);
      const big = size === '10M';
      try {
        results.sizes[size] = await page.evaluate(
          ([s, o]) => window.runBench(s, o),
          [size, { runs: big ? 10 : 30, loadRuns: big ? 1 : 5 }],
        );
      } catch (e) {
        log(`  failed: ${e.message}`);
        results.sizes[size] = { error: e.message };
      }
      await context.close();
    }
  }

  if (parts.includes('page')) {
    if (!existsSync(join(ROOT, 'build/web/index.html'))) {
      log('browser: build/web is missing (make web): no playground timing');
    } else {
      // bench/page-live.mjs: every kind of edit, a drag and the first usable ranking, each
      // beside the engine-only time of the same change (issue #17).
      log(
        `\n== playground on the sample (${VIEWPORT.width}×${VIEWPORT.height}): input → ranking redrawn, drag, first load`,
      );
      const live = await measureLive(browser, origin, { runs: pageRuns * 2 + 1, loads: pageRuns, log });
      results.live = live;
      const fl = live.firstLoad;
      results.page = {
        interactiveMs: fl.medianMs,
        minMs: fl.minMs,
        maxMs: fl.maxMs,
        runs: fl.runs,
        engineMs: fl.engineMs,
        events: 'build/web/sample (the sample playground data)',
      };
    }
  }
} finally {
  await browser.close();
  await server.close();
}
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(results, null, 2));
log(`\nbrowser: figures in ${outFile}`);
