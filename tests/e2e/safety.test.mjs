// Determinism and hostile content, in Chromium on the built site (issue 9):
// - the site's own worker bundle (the engine as the page ships it), driven by a worker of the
//   test's own, prints byte for byte what `pql score --format json` prints, on every
//   conformance case and on the generated sample (loaded in chunks, as the page loads it);
// - a data set whose ids, names, event names, trait names and values, outcomes and bad rows
//   are HTML/JS payloads goes through every panel: nothing runs, no dialog opens, no request
//   leaves the origin, and the page's Content-Security-Policy is strict.
// Run after `make native sample web`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { assertSameBytes, conformanceCases } from '../lib/compare.mjs';
import { SAMPLE, TIMEOUT, open, pql, revision, settled, showTab, start, workerAsset } from './helpers.mjs';

const cases = conformanceCases();
const routes = {};
for (const c of cases) {
  for (const f of [c.eventsFile, c.accountsFile]) {
    if (f) routes[`/conformance/${c.name}/${basename(f)}`] = ['text/plain; charset=utf-8', readFileSync(f)];
  }
}

let env;
before(async () => {
  env = await start(routes);
});
after(async () => {
  await env?.stop();
});

// In the page: a fresh worker from the site's bundle loads the files by URL (as the page loads
// the sample) and returns the engine's JSON text of the whole ranking.
async function scoreInWorker(page, workerUrl, files, model) {
  return page.evaluate(
    async ({ workerUrl, files, model }) => {
      const w = new Worker(workerUrl, { type: 'module' });
      const next = (type) =>
        new Promise((resolve, reject) => {
          const on = (ev) => {
            if (ev.data.type === 'fatal') {
              w.removeEventListener('message', on);
              reject(new Error(ev.data.message));
            }
            if (ev.data.type === type) {
              w.removeEventListener('message', on);
              resolve(ev.data);
            }
          };
          w.addEventListener('message', on);
        });
      try {
        await next('ready');
        let id = 0;
        for (const f of files) {
          const done = next('loaded');
          w.postMessage({
            type: 'load',
            id: ++id,
            kind: f.kind,
            name: f.url,
            url: f.url,
            append: f.kind === 'accounts',
          });
          const r = await done;
          if (!r.ok) throw new Error(`${f.url}: ${r.error}`);
        }
        const out = next('scoreJson');
        w.postMessage({ type: 'scoreJson', seq: 1, model });
        const r = await out;
        if (!r.ok) throw new Error(r.error);
        return r.text;
      } finally {
        w.terminate();
      }
    },
    { workerUrl, files, model },
  );
}

test(
  "the page's engine prints the CLI's bytes on every conformance case and on the sample",
  { timeout: TIMEOUT * 6 },
  async (t) => {
    const { context, page, errors } = await open(env, '', { settle: false });
    const workerUrl = workerAsset();
    for (const c of cases) {
      const files = [{ kind: 'events', url: `/conformance/${c.name}/${basename(c.eventsFile)}` }];
      if (c.accountsFile) files.push({ kind: 'accounts', url: `/conformance/${c.name}/${basename(c.accountsFile)}` });
      const text = await scoreInWorker(page, workerUrl, files, c.model);
      const native = pql([
        'score',
        '--events',
        c.eventsFile,
        ...(c.accountsFile ? ['--accounts', c.accountsFile] : []),
        '--model',
        c.modelFile,
        '--format',
        'json',
      ]);
      assertSameBytes(native, `${text}\n`, c.name, { actualName: 'page' });
    }
    const t0 = Date.now();
    const text = await scoreInWorker(
      page,
      workerUrl,
      [
        { kind: 'events', url: '/sample/events.jsonl' },
        { kind: 'accounts', url: '/sample/accounts.jsonl' },
      ],
      readFileSync(`${SAMPLE}/model.json`, 'utf8'),
    );
    const native = pql([
      'score',
      '--events',
      `${SAMPLE}/events.jsonl`,
      '--accounts',
      `${SAMPLE}/accounts.jsonl`,
      '--model',
      `${SAMPLE}/model.json`,
      '--format',
      'json',
    ]);
    assertSameBytes(native, `${text}\n`, 'sample', { actualName: 'page' });
    t.diagnostic(
      `${cases.length} conformance cases and the sample (${(native.length / 1e6).toFixed(1)} MB of JSON, sample in ${Date.now() - t0} ms) byte-identical`,
    );
    assert.deepEqual(errors, []);
    await context.close();
  },
);

// ---- hostile content ----

const P = {
  img: '<img src=x onerror="window.__pwned=1;alert(1)">',
  script: '<script>window.__pwned=2;alert(2)</script>',
  js: 'javascript:window.__pwned=3;alert(3)',
  svg: '"><svg onload="window.__pwned=4;alert(4)">',
  tag: '</textarea><img src=x onerror=alert(5)>',
  style: '<style>*{display:none}</style><iframe src="https://evil.example/"></iframe>',
};
const PAYLOADS = Object.values(P);

function hostileData() {
  const day = Date.parse('2026-06-01T00:00:00Z');
  const ids = [P.img, P.svg, P.js, P.script, 'acct-ok-1', 'acct-ok-2', P.tag, 'acct-ok-3', P.style, 'acct-ok-4'];
  const events = [P.img, P.svg, 'login', P.js, P.tag, 'report_created'];
  const lines = [];
  ids.forEach((id, a) => {
    for (let k = 0; k < 40; k++) {
      lines.push(
        JSON.stringify({
          id: `e-${a}-${k}`,
          timestamp: new Date(day + ((a * 3 + k * 2) % 55) * 86400000 + k * 1000).toISOString(),
          user_id: `${PAYLOADS[k % PAYLOADS.length]}-${k % 3}`,
          account_id: id,
          event: events[(a + k) % events.length],
          properties: { note: P.script },
        }),
      );
    }
    // Half of them convert 35–45 days in (after the backtest's as_of = latest − 30 days).
    if (a % 2 === 0)
      lines.push(
        JSON.stringify({
          timestamp: new Date(day + (62 + a) * 86400000).toISOString(),
          user_id: 'u',
          account_id: id,
          event: 'subscription_started',
        }),
      );
  });
  // Bad rows that carry payloads (their messages are shown in the load report).
  lines.push(`{"timestamp": "${P.img.replace(/"/g, '\\"')}", "user_id": "u", "event": "login"}`);
  lines.push(P.script);
  lines.push(
    `{"timestamp": "2026-06-02T00:00:00Z", "user_id": "u", "account_id": "acct-ok-1", "event": ${JSON.stringify(P.svg)}, "extra": ${JSON.stringify(P.js)}, `,
  );
  const accounts = ids.map((id, i) =>
    JSON.stringify({
      account_id: id,
      name: PAYLOADS[i % PAYLOADS.length],
      traits: { [P.img]: P.svg, plan: PAYLOADS[(i + 1) % PAYLOADS.length], employees: 10 + i, website: P.js },
    }),
  );
  accounts.push(P.tag); // a bad row
  const outcomes = [
    JSON.stringify({ account_id: P.svg, converted_at: new Date(day + 64 * 86400000).toISOString() }),
    `{"account_id": ${JSON.stringify(P.img)}, "converted_at": ${JSON.stringify(P.script)}}`,
  ];
  const model = {
    engagement: {
      half_life_days: 10,
      events: { [P.img]: { weight: 5 }, [P.svg]: { weight: 3 }, login: { weight: 1 }, [P.js]: { weight: 2 } },
    },
    activation: {
      steps: [
        { name: P.script, event: P.img },
        { name: P.svg, event: 'login', min_count: 3 },
      ],
    },
    fit: {
      rules: [
        { trait: P.img, op: 'eq', value: P.svg, points: 10 },
        { trait: 'plan', op: 'in', value: [P.js, P.tag], points: 5 },
      ],
    },
    tiers: [
      { name: P.img, min_score: 50 },
      { name: P.svg, min_score: 20 },
      { name: P.script, min_score: 0 },
    ],
    pql: {
      min_score: 30,
      require_activation: false,
      rule: {
        any: [
          { metric: `count.${P.img}`, op: '>=', value: 1 },
          { metric: `trait.${P.img}`, op: '==', value: P.svg },
        ],
      },
    },
    limits: { [P.tag]: { event: P.svg, limit: 5 } },
    conversion_event: 'subscription_started',
  };
  return {
    events: lines.join('\n') + '\n',
    accounts: accounts.join('\n') + '\n',
    outcomes: outcomes.join('\n') + '\n',
    model,
  };
}

test(
  'hostile ids, names, events, traits and bad rows: nothing runs, nothing leaves the origin',
  { timeout: TIMEOUT * 4 },
  async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const foreign = [];
    const dialogs = [];
    const errors = [];
    const sameOrigin = (u) => u.startsWith(`${env.origin}/`) || u.startsWith('data:') || u.startsWith('blob:');
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (sameOrigin(u)) return route.continue();
      foreign.push(u);
      return route.abort();
    });
    const requests = [];
    context.on('request', (r) => requests.push(r.url()));
    const page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${env.origin}/`);
    await settled(page, '0');

    // The Content-Security-Policy: same origin only, no eval, no inline script, no remote host.
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map(([k, ...v]) => [k, v]),
    );
    assert.deepEqual(directives['default-src'], ["'self'"]);
    for (const [k, values] of Object.entries(directives)) {
      for (const v of values) {
        assert.ok(!/^'unsafe-(eval|inline|hashes)'$/.test(v), `${k} allows ${v}`);
        assert.ok(!/[:*]|\/\//.test(v) || v === 'data:' || v === 'blob:', `${k} allows the source ${v}`);
      }
    }
    assert.ok(
      directives['script-src'].every((v) => ["'self'", "'wasm-unsafe-eval'"].includes(v)),
      `script-src: ${directives['script-src']}`,
    );
    assert.deepEqual(directives['connect-src'], ["'self'"]);
    assert.deepEqual(directives['object-src'], ["'none'"]);

    const data = hostileData();
    let rev = await revision(page);
    await page.setInputFiles('[data-testid="events-file"]', {
      name: `${P.img}.jsonl`,
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(data.events),
    });
    await settled(page, rev);
    rev = await revision(page);
    await page.setInputFiles('[data-testid="accounts-file"]', {
      name: `${P.svg}accounts.jsonl`,
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(data.accounts),
    });
    await settled(page, rev);
    const report = await page.textContent('[data-testid="load-report"]');
    assert.match(report, /skipped 1/);
    rev = await revision(page);
    await page.fill('[data-testid="model-json"]', JSON.stringify(data.model, null, 2));
    await settled(page, rev);
    // Half of them are customers (subscription_started): listed, badged, with the toggle on.
    const views = await page.getAttribute('[data-testid="ranking"]', 'data-view-revision');
    await page.check('[data-testid="show-customers"]');
    await page.waitForFunction(
      (v) => document.querySelector('[data-testid="ranking"]').dataset.viewRevision !== v,
      views,
      { timeout: TIMEOUT },
    );
    assert.ok((await page.locator('[data-testid="customer-badge"]').count()) > 0, 'customers carry a badge');
    const ids = await page.$$eval('[data-testid="ranking-row"]', (rows) => rows.map((r) => r.dataset.id));
    for (const p of [P.img, P.svg, P.js, P.script, P.tag, P.style])
      assert.ok(ids.includes(p), `${p} is ranked (and shown as text)`);
    const rowText = await page.textContent('[data-testid="ranking"]');
    assert.ok(rowText.includes(P.img) && rowText.includes(P.script), 'payloads show as text');

    // Every panel renders the payloads: the explanation of each hostile entity,
    for (const id of [P.img, P.svg, P.style]) {
      await page.locator('[data-testid="ranking-row"]').filter({ hasText: id }).first().click();
      await page.waitForFunction(() => document.querySelector('#explain-title')?.textContent.startsWith('Why '), null, {
        timeout: TIMEOUT,
      });
      await page.waitForTimeout(150);
    }
    // the backtest (signals with payload event names, tiers with payload names) and an outcomes file,
    await showTab(page, 'backtest');
    await settled(page, '0', 'backtest');
    let brev = await revision(page, 'backtest');
    await page.setInputFiles('[data-testid="outcomes-file"]', {
      name: `${P.js}.jsonl`,
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(data.outcomes),
    });
    await settled(page, brev, 'backtest');
    assert.match(await page.textContent('[data-testid="outcomes-status"]'), /1 conversions loaded, 1 skipped/);
    const signals = await page.$$eval('[data-testid="signal-row"]', (rows) => rows.map((r) => r.dataset.event));
    assert.ok(signals.includes(P.img) && signals.includes(P.svg), 'payload event names are signals');
    brev = await revision(page, 'backtest');
    await page
      .locator(`[data-testid="signal-row"][data-event=${JSON.stringify(P.svg)}] [data-testid="make-step"]`)
      .click();
    await settled(page, brev, 'backtest');
    // the compare view (tier names and movers),
    await showTab(page, 'compare');
    let crev = await revision(page, 'compare');
    await page.click('[data-testid="pin"]');
    await settled(page, crev, 'compare');
    crev = await revision(page, 'compare');
    await page.fill('[data-testid="half-life"]', '2');
    await settled(page, crev, 'compare');
    // and the SQL (payload names end up inside SQL string literals).
    await showTab(page, 'sql');
    await settled(page, '0', 'sql');
    const sql = await page.inputValue('[data-testid="sql-output"]');
    assert.ok(sql.includes('SELECT'), 'the model compiles to SQL');
    await page.waitForTimeout(500);

    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no payload ran');
    assert.deepEqual(dialogs, [], 'no dialog opened');
    assert.deepEqual(foreign, [], 'no request left the origin');
    assert.ok(!requests.some((u) => new URL(u).pathname === '/x'), 'no <img src=x> was loaded');
    const injected = await page.evaluate(() => {
      const bad = [];
      for (const el of document.querySelectorAll('*')) {
        for (const a of el.attributes) {
          if (/^on/i.test(a.name)) bad.push(`${el.tagName} ${a.name}`);
          if (/^(href|src|action|formaction)$/i.test(a.name) && /^\s*javascript:/i.test(a.value))
            bad.push(`${el.tagName} ${a.name}=${a.value}`);
        }
      }
      for (const sel of ['img', 'svg', 'iframe', 'object', 'embed', 'body style', 'main script', 'header script']) {
        for (const el of document.querySelectorAll(sel)) bad.push(`<${el.tagName.toLowerCase()}>`);
      }
      return bad;
    });
    assert.deepEqual(injected, [], 'no element or handler was injected');
    assert.deepEqual(errors, []);
    await context.close();
  },
);
