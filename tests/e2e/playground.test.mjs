// End-to-end tests of the browser playground (build/web) in Debian's Chromium: the sample is
// ranked on open, bad rows are reported, model edits and the half-life slider re-rank to
// exactly what the native CLI computes, a link reproduces a model, user strings stay text, no
// request leaves the page's origin. Run after `make native sample web`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertSameBytes } from '../lib/compare.mjs';
import {
  SHOTS,
  TIMEOUT,
  assertSameRanking,
  cli as cliScore,
  domRows,
  modelFile,
  open as openPage,
  pql,
  revision,
  sampleModel,
  settled,
  start,
} from './helpers.mjs';

let env;
let origin;

before(async () => {
  env = await start();
  origin = env.origin;
});

after(async () => {
  await env?.stop();
});

const open = (hash = '') => openPage(env, hash);
const cli = (model) => cliScore(env, model);

test('the page opens with the sample ranked, as the CLI ranks it', { timeout: TIMEOUT * 2 }, async (t) => {
  const { context, page, errors } = await open();
  const rows = await domRows(page);
  assertSameRanking(rows, cli(sampleModel()), 'sample');
  const report = await page.textContent('[data-testid="load-report"]');
  assert.match(report, /read 173,034|read [\d,]+/);
  const json = await page.inputValue('[data-testid="model-json"]');
  assert.deepEqual(JSON.parse(json), sampleModel());
  const timing = await page.evaluate(() => ({ ...document.querySelector('[data-testid="ranking"]').dataset }));
  t.diagnostic(`first ranking on open: ${timing.rerankMs} ms (engine ${timing.engineMs} ms)`);
  assert.deepEqual(errors, []);
  await context.close();
});

test(
  'an events file with bad rows is loaded and its bad rows are reported by line',
  { timeout: TIMEOUT * 2 },
  async () => {
    const { context, page } = await open();
    const lines = [
      '{"timestamp":"2026-10-01T10:00:00Z","user_id":"u1","account_id":"acct-a","event":"login"}',
      '{"timestamp":"not a date","user_id":"u1","account_id":"acct-a","event":"login"}',
      '{"timestamp":"2026-10-02T10:00:00Z","user_id":"u2","account_id":"acct-b","event":"report_created"}',
      '{this is not json',
      '{"timestamp":"2026-10-03T10:00:00Z","account_id":"acct-b","event":"login"}',
      '{"timestamp":"2026-10-03T11:00:00Z","user_id":"u3","account_id":"acct-c","event":"login"}',
    ];
    const before = await revision(page);
    await page.setInputFiles('[data-testid="events-file"]', {
      name: 'bad.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(lines.join('\n') + '\n'),
    });
    await settled(page, before);
    const report = await page.textContent('[data-testid="load-report"]');
    assert.match(report, /bad\.jsonl: read 6 · loaded 3 · skipped 3 · duplicates 0/);
    assert.match(report, /line 2: /);
    assert.match(report, /line 4: /);
    assert.match(report, /line 5: /);
    const ids = (await domRows(page)).map((r) => r.id).sort();
    assert.deepEqual(ids, ['acct-a', 'acct-b', 'acct-c']);
    await context.close();
  },
);

test('editing the model JSON re-ranks exactly as the CLI does', { timeout: TIMEOUT * 2 }, async (t) => {
  const { context, page } = await open();
  const model = sampleModel();
  model.weights = { activation: 10, engagement: 40, fit: 50 };
  model.engagement.saturation = 120;
  model.engagement.events.login = { weight: 1, cap: 30 };
  model.fit.rules.push({ trait: 'plan', op: 'eq', value: 'pro', points: 15 });
  model.pql.min_score = 55;
  // An invalid edit first: the error names its path and the ranking stays.
  const rev0 = await revision(page);
  await page.fill(
    '[data-testid="model-json"]',
    JSON.stringify({ ...model, engagement: { ...model.engagement, half_lfe_days: 3 } }),
  );
  await page.waitForSelector('.model-error:not([hidden])', { timeout: TIMEOUT });
  assert.match(await page.textContent('.model-error'), /engagement\.half_lfe_days/);
  assert.equal(await revision(page), rev0);

  await page.fill('[data-testid="model-json"]', JSON.stringify(model, null, 2));
  await settled(page, rev0);
  assert.equal(await page.isHidden('.model-error'), true);
  assertSameRanking(await domRows(page), cli(model), 'model JSON');
  const d = await page.evaluate(() => ({ ...document.querySelector('[data-testid="ranking"]').dataset }));
  t.diagnostic(
    `re-rank after a model JSON edit: ${d.rerankMs} ms (round trip ${d.roundtripMs} ms, engine ${d.engineMs} ms, page ${d.renderMs} ms, queued ${d.workerWaitMs} ms)`,
  );
  await context.close();
});

test('moving the half-life slider re-ranks exactly as the CLI does', { timeout: TIMEOUT * 3 }, async (t) => {
  const { context, page } = await open();
  const timings = [];
  for (const hl of ['7', '21.5']) {
    const rev = await revision(page);
    await page.fill('[data-testid="half-life"]', hl);
    await settled(page, rev);
    const model = sampleModel();
    model.engagement.half_life_days = Number(hl);
    assertSameRanking(await domRows(page), cli(model), `half-life ${hl}`);
    assert.equal(JSON.parse(await page.inputValue('[data-testid="model-json"]')).engagement.half_life_days, Number(hl));
    const d = await page.evaluate(() => ({ ...document.querySelector('[data-testid="ranking"]').dataset }));
    timings.push(
      `${hl} d: ${d.rerankMs} ms (engine ${d.engineMs} ms, page ${d.renderMs} ms, queued ${d.workerWaitMs} ms)`,
    );
  }
  // A fast sweep: intermediate values are dropped, the last one is what is shown.
  const rev = await revision(page);
  const t0 = Date.now();
  await page.evaluate(() => {
    const input = document.querySelector('[data-testid="half-life"]');
    for (let v = 30; v >= 3; v -= 1) {
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await settled(page, rev);
  const sweepMs = Date.now() - t0;
  const shown = Number(await revision(page)) - Number(rev);
  const model = sampleModel();
  model.engagement.half_life_days = 3;
  assertSameRanking(await domRows(page), cli(model), 'half-life sweep');
  assert.ok(shown <= 3, `a 28-step sweep is coalesced (${shown} rankings shown)`);
  t.diagnostic(
    `half-life re-rank: ${timings.join('; ')}; 28-step sweep settled in ${sweepMs} ms with ${shown} rankings shown`,
  );
  await context.close();
});

test(
  '12 000 entities: a chunked load with progress, a virtualised list, a live re-rank',
  { timeout: TIMEOUT * 3 },
  async (t) => {
    const { context, page } = await open();
    const events = ['report_created', 'login', 'dashboard_shared', 'pricing_page_viewed'];
    const lines = [];
    const day = Date.parse('2026-10-01T00:00:00Z');
    for (let a = 0; a < 12000; a++) {
      for (let k = 0; k < 3; k++) {
        lines.push(
          JSON.stringify({
            id: `e${a}-${k}`,
            timestamp: new Date(day + ((a * 7 + k * 13) % 60) * 86400000 + a).toISOString(),
            user_id: `u${a}-${k % 2}`,
            account_id: `big-${String(a).padStart(5, '0')}`,
            event: events[(a + k) % events.length],
            properties: { plan: 'pro', padding: 'x'.repeat(40) },
          }),
        );
      }
    }
    lines.push('{"timestamp": 1, "user_id": "u", "event": '); // the last line is bad
    const buffer = Buffer.from(lines.join('\n') + '\n');
    assert.ok(buffer.length > 4 << 20, 'large enough to load in chunks');
    const before = await revision(page);
    const sawProgress = page.waitForSelector('.progress:not([hidden])', { timeout: TIMEOUT });
    await page.setInputFiles('[data-testid="events-file"]', {
      name: 'big.jsonl',
      mimeType: 'application/x-ndjson',
      buffer,
    });
    await sawProgress;
    await settled(page, before);
    const report = await page.textContent('[data-testid="load-report"]');
    assert.match(report, /big\.jsonl: read 36,001 · loaded 36,000 · skipped 1/);
    assert.match(report, /line 36001: /, 'error lines count from the start of the file, across chunks');
    assert.match(await page.textContent('.footer'), /12,000 entities/);
    const inDom = await page.locator('[data-testid="ranking-row"]').count();
    assert.ok(inDom >= 25 && inDom <= 100, `virtualised: ${inDom} rows in the DOM`);
    await page.evaluate(() => {
      const v = document.querySelector('.viewport');
      v.scrollTop = v.scrollHeight;
    });
    await page.waitForFunction(
      () => {
        const rows = document.querySelectorAll('[data-testid="ranking-row"]');
        return rows.length && rows[rows.length - 1].dataset.rank === '12000';
      },
      null,
      { timeout: TIMEOUT },
    );
    const rev = await revision(page);
    await page.fill('[data-testid="half-life"]', '5');
    await settled(page, rev);
    const d = await page.evaluate(() => ({ ...document.querySelector('[data-testid="ranking"]').dataset }));
    t.diagnostic(
      `12 000 entities, half-life re-rank: ${d.rerankMs} ms (engine ${d.engineMs} ms, page ${d.renderMs} ms, queued ${d.workerWaitMs} ms)`,
    );
    await context.close();
  },
);

test('a URL with a model reproduces the ranking', { timeout: TIMEOUT * 2 }, async () => {
  const model = sampleModel();
  model.engagement.decay = 'linear';
  model.window_days = 60;
  model.activation.required = 2;
  model.tiers = [
    { name: 'A', min_score: 70 },
    { name: 'B', min_score: 40 },
  ];
  const hash = `#model=${Buffer.from(JSON.stringify(model)).toString('base64url')}`;
  const { context, page } = await open(hash);
  assertSameRanking(await domRows(page), cli(model), 'URL model');
  assert.deepEqual(JSON.parse(await page.inputValue('[data-testid="model-json"]')), model);
  // And the page writes its own model into the URL as it changes.
  const rev = await revision(page);
  await page.fill('[data-testid="half-life"]', '9');
  await settled(page, rev);
  const decode = (enc) => JSON.parse(Buffer.from(enc, 'base64url').toString('utf8'));
  const hashModel = () => page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('model'));
  const deadline = Date.now() + 10_000;
  while (decode(await hashModel()).engagement.half_life_days !== 9 && Date.now() < deadline)
    await page.waitForTimeout(100);
  const inUrl = decode(await hashModel());
  assert.deepEqual(inUrl, { ...model, engagement: { ...model.engagement, half_life_days: 9 } });
  await context.close();
});

test('an account name with HTML shows as text and runs nothing', { timeout: TIMEOUT * 2 }, async () => {
  const { context, page } = await open();
  const top = (await domRows(page))[0].id;
  const evil = '<img src=x onerror=window.__pwned=1>';
  const before = await revision(page);
  await page.setInputFiles('[data-testid="accounts-file"]', {
    name: 'evil.jsonl',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(
      JSON.stringify({ account_id: top, name: evil, traits: { note: '<script>window.__pwned=2</script>' } }) + '\n',
    ),
  });
  await settled(page, before);
  const row = page.locator(`[data-testid="ranking-row"][data-id="${top}"]`);
  assert.ok((await row.textContent()).includes(evil));
  await row.click();
  await page.waitForFunction((n) => document.querySelector('#explain-title')?.textContent.includes(n), evil, {
    timeout: TIMEOUT,
  });
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  await context.close();
});

test('no request leaves the page origin; a screenshot is written', { timeout: TIMEOUT * 3 }, async (t) => {
  const { context, page, requests, errors } = await open();
  // Use the page: select an entity (explanation and history), move sliders, filter, export.
  await page.locator('[data-testid="ranking-row"]').nth(2).click();
  // The points chart is behind the Why card's Details toggle: drawn, not shown.
  await page.waitForSelector('.explain .points-chart canvas', { state: 'attached', timeout: TIMEOUT });
  const rev = await revision(page);
  await page.fill('[data-testid="half-life"]', '10');
  await settled(page, rev);
  await page.waitForFunction(
    () => /→/.test(document.querySelector('.explain .history-chart + .hint')?.textContent ?? ''),
    null,
    { timeout: TIMEOUT },
  );
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'CSV' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv.split('\r\n')[0], /^rank,id,name,score,/);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'playground.png') });
  assert.ok(
    requests.some((u) => u.endsWith('.wasm')),
    'the recorder sees the worker fetching the .wasm',
  );
  const foreign = requests.filter(
    (u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'),
  );
  assert.deepEqual(foreign, [], 'every request stays on the page origin');
  // The page forbids other origins itself.
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.deepEqual(errors, []);
  t.diagnostic(`${requests.length} requests, all to ${origin}; screenshot: build/screenshots/playground.png`);
  await context.close();
});

test(
  'Export CSV is byte for byte `pql score --format csv`, and formula-like names come out as text',
  { timeout: TIMEOUT * 2 },
  async () => {
    const { context, page } = await open();
    // Ids and names a spreadsheet would run as formulas, and cells that need quoting.
    const accounts = [
      { account_id: 'acct-1', name: '=HYPERLINK("http://example.test","click")' },
      { account_id: '+1+1', name: '@SUM(A1)' },
      { account_id: 'acct-3', name: '-2+3' },
      { account_id: '@acct-4', name: 'Quote "and", comma\nand a line break' },
      { account_id: 'acct-5', name: '\tTAB first' },
    ];
    const events = [];
    accounts.forEach((a, i) => {
      for (let k = 0; k <= i * 3; k++) {
        events.push({
          timestamp: Date.UTC(2026, 9, 1 + k),
          user_id: `u${i}-${k % 2}`,
          account_id: a.account_id,
          event: k % 2 ? 'report_created' : 'login',
        });
      }
    });
    const eventsText = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    const accountsText = accounts.map((a) => JSON.stringify(a)).join('\n') + '\n';
    let rev = await revision(page);
    await page.setInputFiles('[data-testid="events-file"]', {
      name: 'hostile-events.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(eventsText),
    });
    await settled(page, rev);
    rev = await revision(page);
    await page.setInputFiles('[data-testid="accounts-file"]', {
      name: 'hostile-accounts.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(accountsText),
    });
    await settled(page, rev);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');

    const eventsFile = join(env.tmp, 'hostile-events.jsonl');
    const accountsFile = join(env.tmp, 'hostile-accounts.jsonl');
    writeFileSync(eventsFile, eventsText);
    writeFileSync(accountsFile, accountsText);
    const native = pql([
      'score',
      '--events',
      eventsFile,
      '--accounts',
      accountsFile,
      '--model',
      modelFile(env, sampleModel()),
      '--format',
      'csv',
    ]);
    assertSameBytes(native, csv, 'Export CSV', { actualName: 'page' });
    for (const text of [`'=HYPERLINK(`, `'+1+1`, `'@SUM(A1)`, `'-2+3`, `'@acct-4`])
      assert.ok(csv.includes(text), `${text} is written as text`);
    assert.ok(!/(^|,)[=+@]/m.test(csv.replace(/"[^"]*"/g, '""')), 'no unquoted cell starts with = + @');
    await context.close();
  },
);
