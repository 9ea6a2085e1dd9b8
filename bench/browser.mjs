#!/usr/bin/env node
// The WASM engine in headless Chromium (bench/browser.html runs bench/measure.mjs, the code the
// Node run uses), and the playground's time to interactive.
//
//   node bench/browser.mjs [--sizes 100k,1M,10M] [--parts engine,page] [--out build/bench/browser.json]
//
// A loopback server serves the repository (the engine package, the ceiling module, the bench
// data) and the built playground (build/web at /play/). Chromium: /usr/bin/chromium.
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIME, launchChromium, serveLoopback } from '../tests/lib/chromium.mjs';
import { median } from './measure.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const sizes = opt('--sizes', process.env.BENCH_SIZES || '100k,1M,10M').split(',').filter(Boolean);
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
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'content-length': size,
    'cache-control': 'no-store' });
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
      if (!existsSync(join(ROOT, 'build/bench-data', size, 'events.jsonl'))) { log(`browser: no data for ${size}, skipped`); continue; }
      log(`\n== ${size}: WASM engine in Chromium ${browser.version()}`);
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'log') log(`  ${m.text()}`); });
      page.on('pageerror', (e) => log(`  page error: ${e.message}`));
      await page.goto(`${origin}/bench/browser.html`);
      await page.waitForFunction(() => window.benchReady === true);
      const big = size === '10M';
      try {
        results.sizes[size] = await page.evaluate(([s, o]) => window.runBench(s, o), [size, { runs: big ? 10 : 30, loadRuns: big ? 1 : 5 }]);
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
      log(`\n== playground: navigation to an interactive ranking (${pageRuns} cold loads)`);
      // Time origin = navigation start; "interactive" = the ranking shows its first revision and
      // nothing is pending (what tests/e2e waits for). Recorded in the page, not by polling.
      const init = () => {
        const check = () => {
          const r = document.querySelector('[data-testid="ranking"]');
          if (r && r.dataset.revision !== '0' && r.dataset.busy === 'false' && !window.__pqlInteractive) {
            window.__pqlInteractive = performance.now();
            return true;
          }
          return false;
        };
        new MutationObserver(() => check()).observe(document, { subtree: true, childList: true, attributes: true,
          attributeFilter: ['data-revision', 'data-busy'] });
      };
      const times = [];
      for (let i = 0; i < pageRuns; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        await context.addInitScript(init);
        const page = await context.newPage();
        await page.goto(`${origin}/play/`, { waitUntil: 'commit' });
        await page.waitForFunction(() => window.__pqlInteractive, null, { timeout: 60_000 });
        const t = await page.evaluate(() => window.__pqlInteractive);
        const nav = await page.evaluate(() => {
          const n = performance.getEntriesByType('navigation')[0];
          return n ? { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd } : null;
        });
        times.push(t);
        log(`  run ${i + 1}: interactive at ${t.toFixed(0)} ms (DOMContentLoaded ${nav?.domContentLoaded?.toFixed(0)} ms)`);
        await context.close();
      }
      results.page = { interactiveMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), runs: times.length,
        events: 'build/web/sample (the sample playground data)' };
      log(`  median ${results.page.interactiveMs.toFixed(0)} ms`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(results, null, 2));
log(`\nbrowser: figures in ${outFile}`);
