// End-to-end tests of the playground's analysis tabs in Chromium, each against the native CLI
// on the same model: the live backtest (threshold slider → precision/recall and the sweep,
// outcomes file), the signals' one-click model changes, the sales-capacity threshold, the SQL
// export (`pql sql`) and the A/B compare (`pql compare`). Run after `make native sample web`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SHOTS,
  TIMEOUT,
  assertSameRanking,
  cli,
  close,
  domRows,
  modelFile,
  open,
  pql,
  revision,
  sampleData,
  sampleModel,
  settled,
  showTab,
  start,
} from './helpers.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

const backtestCli = (model, extra = []) =>
  JSON.parse(pql(['backtest', ...sampleData(), '--model', modelFile(env, model), '--format', 'json', ...extra]));

// The figures the backtest panel shows, unrounded (data-value attributes).
async function shownBacktest(page) {
  return page.evaluate(() => {
    const num = (s) => (s === undefined || s === '' ? null : Number(s));
    const v = (id) => num(document.querySelector(`[data-testid="${id}"]`)?.dataset.value);
    return {
      precision: v('backtest-precision'),
      recall: v('backtest-recall'),
      auc: v('backtest-auc'),
      base_rate: v('backtest-base-rate'),
      fpr: v('backtest-fpr'),
      precisionText: document.querySelector('[data-testid="backtest-precision"]').textContent,
      recallText: document.querySelector('[data-testid="backtest-recall"]').textContent,
      sweep: [...document.querySelectorAll('[data-testid="sweep-row"]')].map((r) => ({
        min_score: Number(r.dataset.minScore),
        qualified: Number(r.dataset.qualified),
        precision: num(r.dataset.precision),
        recall: num(r.dataset.recall),
      })),
      calibration: [...document.querySelectorAll('[data-testid="calibration-row"]')].map((r) => ({
        count: Number(r.dataset.count),
        conversions: Number(r.dataset.conversions),
      })),
    };
  });
}

function assertSameBacktest(shown, expected, label) {
  for (const k of ['precision', 'recall', 'auc', 'base_rate']) {
    const want = k === 'precision' || k === 'recall' ? expected.pql[k] : expected[k];
    assert.ok(close(shown[k], want), `${label}: ${k} ${shown[k]} vs CLI ${want}`);
  }
  assert.ok(close(shown.fpr, expected.pql.fpr), `${label}: fpr ${shown.fpr} vs CLI ${expected.pql.fpr}`);
  assert.equal(shown.sweep.length, expected.sweep.length, `${label}: sweep length`);
  expected.sweep.forEach((e, i) => {
    const s = shown.sweep[i];
    assert.equal(s.min_score, e.min_score, `${label}: sweep[${i}].min_score`);
    assert.equal(s.qualified, e.qualified, `${label}: sweep[${i}].qualified`);
    assert.ok(close(s.precision, e.precision), `${label}: sweep[${i}].precision ${s.precision} vs ${e.precision}`);
    assert.ok(close(s.recall, e.recall), `${label}: sweep[${i}].recall ${s.recall} vs ${e.recall}`);
  });
  // The calibration deciles partition the backtest population.
  const n = shown.calibration.reduce((a, b) => a + b.count, 0);
  const c = shown.calibration.reduce((a, b) => a + b.conversions, 0);
  assert.equal(n, expected.population, `${label}: calibration covers the population`);
  assert.equal(c, expected.conversions, `${label}: calibration covers every conversion`);
  // And they are the CLI's own deciles (backtest output `calibration`), not a page-side estimate.
  assert.deepEqual(
    shown.calibration,
    expected.calibration.map((d) => ({ count: d.count, conversions: d.conversions })),
    `${label}: the CLI's deciles`,
  );
}

const timing = (page, testid) =>
  page.evaluate((id) => ({ ...document.querySelector(`[data-testid="${id}"]`).dataset }), testid);

// Changes something and waits for both the ranking and the backtest to show it.
async function change(page, fn) {
  const rr = await revision(page);
  const rb = await revision(page, 'backtest');
  await fn();
  await settled(page, rr);
  await settled(page, rb, 'backtest');
}

test(
  'moving the threshold slider updates precision and recall, as pql backtest computes them',
  { timeout: TIMEOUT * 4 },
  async (t) => {
    const { context, page, errors } = await open(env);
    await showTab(page, 'backtest');
    await settled(page, '0', 'backtest');
    const model = sampleModel();
    let shown = await shownBacktest(page);
    assertSameBacktest(shown, backtestCli(model), 'sample model');
    // The calibration deciles come with the backtest (its `calibration`): check them again.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="calibration-row"]').length > 0, null, {
      timeout: TIMEOUT,
    });
    assertSameBacktest(await shownBacktest(page), backtestCli(model), 'sample model with calibration');
    const times = [];
    for (const threshold of ['50', '67.5']) {
      const before = shown;
      await change(page, () => page.fill('[data-testid="threshold"]', threshold));
      model.pql.min_score = Number(threshold);
      assert.equal(JSON.parse(await page.inputValue('[data-testid="model-json"]')).pql.min_score, Number(threshold));
      shown = await shownBacktest(page);
      assert.notEqual(
        shown.precisionText + shown.recallText,
        before.precisionText + before.recallText,
        `threshold ${threshold}: the figures change`,
      );
      assertSameBacktest(shown, backtestCli(model), `threshold ${threshold}`);
      assertSameRanking(await domRows(page), cli(env, model), `threshold ${threshold}`);
      const r = await timing(page, 'ranking');
      const b = await timing(page, 'backtest');
      times.push(
        `min_score ${threshold}: ranking ${r.rerankMs} ms (engine ${r.engineMs}), backtest shown ${b.updateMs} ms after the input (backtest ${b.engineMs} ms in the worker)`,
      );
    }
    // The half-life changes every score: the whole backtest follows.
    await change(page, () => page.fill('[data-testid="half-life"]', '9'));
    model.engagement.half_life_days = 9;
    assertSameBacktest(await shownBacktest(page), backtestCli(model), 'half-life 9');
    const r = await timing(page, 'ranking');
    const b = await timing(page, 'backtest');
    times.push(
      `half-life 9: ranking ${r.rerankMs} ms (engine ${r.engineMs}), backtest shown ${b.updateMs} ms (backtest ${b.engineMs} ms + calibration ${b.calibrationMs} ms, suggest ${b.suggestMs} ms)`,
    );
    t.diagnostic(times.join('; '));
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'playground-backtest.png') });
    assert.deepEqual(errors, []);
    await context.close();
  },
);

test('an outcomes file is used by the backtest as by pql backtest --outcomes', { timeout: TIMEOUT * 3 }, async () => {
  const { context, page } = await open(env);
  await showTab(page, 'backtest');
  await settled(page, '0', 'backtest');
  const bt = backtestCli(sampleModel());
  // 25 of the ranked accounts convert 3 days after the backtest's as_of; a bad row is reported.
  const ids = cli(env, sampleModel())
    .results.filter((_, i) => i % 7 === 3)
    .slice(0, 25)
    .map((x) => x.id);
  const when = new Date(Date.parse(bt.as_of) + 3 * 86400000).toISOString();
  const lines = ids.map((id) => JSON.stringify({ account_id: id, converted_at: when }));
  lines.push('{"account_id": "acct-x", "converted_at": "not a date"}');
  const text = lines.join('\n') + '\n';
  const file = join(env.tmp, 'outcomes.jsonl');
  writeFileSync(file, text);
  const rb = await revision(page, 'backtest');
  await page.setInputFiles('[data-testid="outcomes-file"]', {
    name: 'outcomes.jsonl',
    mimeType: 'application/x-ndjson',
    buffer: Buffer.from(text),
  });
  await settled(page, rb, 'backtest');
  const expected = backtestCli(sampleModel(), ['--outcomes', file]);
  assert.ok(expected.conversions > bt.conversions, 'the outcomes add conversions');
  assertSameBacktest(await shownBacktest(page), expected, 'with outcomes');
  assert.match(
    await page.textContent('[data-testid="outcomes-status"]'),
    /outcomes\.jsonl: 25 conversions loaded, 1 skipped \(line 26: /,
  );
  await context.close();
});

test(
  'a signal becomes an activation step, or its suggested weight, in one click',
  { timeout: TIMEOUT * 3 },
  async () => {
    const { context, page } = await open(env);
    await showTab(page, 'backtest');
    await settled(page, '0', 'backtest');
    const suggestion = JSON.parse(
      pql([
        'suggest',
        ...sampleData(),
        '--model',
        modelFile(env, sampleModel()),
        '--format',
        'json',
        '--capacity',
        '20',
      ]),
    );
    // Wait for the suggestions (they follow the backtest).
    await page.waitForFunction(() => document.querySelector('[data-testid="use-weight"]:not([disabled])'), null, {
      timeout: TIMEOUT,
    });

    const event = 'alert_configured'; // not a step of the sample model
    const minCount = suggestion.activation_steps.find((s) => s.event === event)?.min_count ?? 1;
    const row = page.locator(`[data-testid="signal-row"][data-event="${event}"]`);
    await change(page, () => row.locator('[data-testid="make-step"]').click());
    const model = JSON.parse(await page.inputValue('[data-testid="model-json"]'));
    const steps = model.activation.steps;
    assert.equal(steps.length, sampleModel().activation.steps.length + 1);
    assert.deepEqual(
      { event: steps.at(-1).event, min_count: steps.at(-1).min_count ?? 1 },
      { event, min_count: minCount },
    );
    assert.deepEqual(steps.slice(0, -1), sampleModel().activation.steps, 'the other steps stay');
    assertSameRanking(await domRows(page), cli(env, model), 'with the new step');
    assert.equal(
      await row.locator('[data-testid="make-step"]').isDisabled(),
      true,
      'the button knows it is a step now',
    );

    // "use w": the regression's weight for that event type.
    const weightEvent = 'comment_added';
    const w = suggestion.weights.weights[weightEvent];
    assert.equal(typeof w, 'number');
    await page.waitForFunction(
      (e) =>
        document.querySelector(
          `[data-testid="signal-row"][data-event="${e}"] [data-testid="use-weight"]:not([disabled])`,
        ),
      weightEvent,
      { timeout: TIMEOUT },
    );
    await change(page, () =>
      page.locator(`[data-testid="signal-row"][data-event="${weightEvent}"] [data-testid="use-weight"]`).click(),
    );
    const model2 = JSON.parse(await page.inputValue('[data-testid="model-json"]'));
    assert.equal(model2.engagement.events[weightEvent].weight, w);
    assert.equal(
      model2.engagement.events[weightEvent].cap,
      sampleModel().engagement.events[weightEvent].cap,
      'the cap stays',
    );
    assertSameBacktest(await shownBacktest(page), backtestCli(model2), 'with the suggested weight');
    await context.close();
  },
);

test('the capacity box sets the threshold pql suggest finds for that capacity', { timeout: TIMEOUT * 3 }, async () => {
  const { context, page } = await open(env);
  await showTab(page, 'backtest');
  await settled(page, '0', 'backtest');
  const want = JSON.parse(
    pql(['suggest', ...sampleData(), '--model', modelFile(env, sampleModel()), '--format', 'json', '--capacity', '5']),
  ).capacity;
  await page.fill('[data-testid="capacity-input"]', '5');
  await page.dispatchEvent('[data-testid="capacity-input"]', 'change');
  await page.waitForFunction(
    (v) => document.querySelector('[data-testid="capacity-apply"]')?.dataset.value === String(v),
    want.min_score,
    { timeout: TIMEOUT },
  );
  assert.match(
    await page.textContent('[data-testid="capacity-output"]'),
    new RegExp(`precision ${(want.precision * 100).toFixed(1)}%`),
  );
  await change(page, () => page.click('[data-testid="capacity-apply"]'));
  const model = JSON.parse(await page.inputValue('[data-testid="model-json"]'));
  assert.equal(model.pql.min_score, want.min_score);
  const shown = await shownBacktest(page);
  assert.ok(
    close(shown.precision, want.precision),
    `precision at the capacity threshold ${shown.precision} vs ${want.precision}`,
  );
  await context.close();
});

test('the SQL panel shows exactly what pql sql prints, and follows the model', { timeout: TIMEOUT * 3 }, async () => {
  const { context, page } = await open(env);
  await showTab(page, 'sql');
  await settled(page, '0', 'sql');
  const model = sampleModel();
  const sqlOf = (m, ...extra) => pql(['sql', '--dialect', 'duckdb', '--model', modelFile(env, m), ...extra]);
  assert.equal((await page.inputValue('[data-testid="sql-output"]')).trimEnd(), sqlOf(model).trimEnd());
  // A model change recompiles.
  let rev = await revision(page, 'sql');
  await page.fill('[data-testid="half-life"]', '5');
  await settled(page, rev, 'sql');
  model.engagement.half_life_days = 5;
  assert.equal((await page.inputValue('[data-testid="sql-output"]')).trimEnd(), sqlOf(model).trimEnd());
  // Another dialect and table names.
  rev = await revision(page, 'sql');
  await page.selectOption('[data-testid="sql-dialect"]', 'snowflake');
  await page.fill('[data-testid="sql-events-table"]', 'analytics.pql_events');
  await settled(page, rev, 'sql');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="sql-output"]').value.includes('analytics.pql_events'),
    null,
    { timeout: TIMEOUT },
  );
  const want = pql([
    'sql',
    '--dialect',
    'snowflake',
    '--model',
    modelFile(env, model),
    '--events-table',
    'analytics.pql_events',
  ]);
  assert.equal((await page.inputValue('[data-testid="sql-output"]')).trimEnd(), want.trimEnd());
  // Copy: the clipboard (granted here) gets the text.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.origin });
  await page.click('[data-testid="sql-copy"]');
  assert.equal((await page.evaluate(() => navigator.clipboard.readText())).trimEnd(), want.trimEnd());
  await context.close();
});

test(
  'compare mode: pin A, change the half-life, see the tier migration pql compare reports',
  { timeout: TIMEOUT * 3 },
  async (t) => {
    const { context, page } = await open(env);
    await showTab(page, 'compare');
    let rev = await revision(page, 'compare');
    await page.click('[data-testid="pin"]');
    await settled(page, rev, 'compare');
    assert.match(await page.textContent('[data-testid="compare"]'), /No entity changes tier or PQL status/);
    rev = await revision(page, 'compare');
    const rr = await revision(page);
    await page.fill('[data-testid="half-life"]', '5');
    await settled(page, rr);
    await settled(page, rev, 'compare');
    const a = sampleModel();
    const b = sampleModel();
    b.engagement.half_life_days = 5;
    const want = JSON.parse(
      pql([
        'compare',
        ...sampleData(),
        '--model',
        modelFile(env, a),
        '--model-b',
        modelFile(env, b),
        '--format',
        'json',
      ]),
    );
    const lines = await page.$$eval('[data-testid="migration-line"]', (els) =>
      els.map((e) => ({ from: e.dataset.from, to: e.dataset.to, count: Number(e.dataset.count), text: e.textContent })),
    );
    const moved = want.migration.filter((m) => m.from !== m.to && m.count > 0);
    assert.ok(moved.length > 0, 'a half-life change moves leads between tiers');
    assert.deepEqual(
      lines
        .map(({ from, to, count }) => ({ from, to, count }))
        .sort((x, y) => `${x.from}${x.to}`.localeCompare(`${y.from}${y.to}`)),
      moved
        .map(({ from, to, count }) => ({ from, to, count }))
        .sort((x, y) => `${x.from}${x.to}`.localeCompare(`${y.from}${y.to}`)),
    );
    assert.match(lines[0].text, /^\d+ leads? \S.* → \S/);
    // The matrix has every cell, diagonal included.
    const cells = await page.$$eval('[data-testid="migration"] td', (tds) =>
      tds
        .map((td) => ({ from: td.dataset.from, to: td.dataset.to, count: Number(td.dataset.count) }))
        .filter((c) => c.count > 0),
    );
    assert.deepEqual(
      cells.sort((x, y) => `${x.from}${x.to}`.localeCompare(`${y.from}${y.to}`)),
      want.migration
        .filter((m) => m.count > 0)
        .map(({ from, to, count }) => ({ from, to, count }))
        .sort((x, y) => `${x.from}${x.to}`.localeCompare(`${y.from}${y.to}`)),
    );
    // The biggest movers, with their split by component.
    const movers = await page.$$eval('[data-testid="mover"]', (els) =>
      els.map((e) => ({ id: e.dataset.id, delta: Number(e.dataset.delta), text: e.textContent })),
    );
    const wantMovers = [...want.movers.up, ...want.movers.down];
    assert.deepEqual(
      movers.map((m) => m.id),
      wantMovers.map((m) => m.id),
    );
    movers.forEach((m, i) => assert.ok(close(m.delta, wantMovers[i].delta), `mover ${m.id} delta`));
    assert.match(movers[0].text, /engagement [−+]\d/);
    const d = await timing(page, 'compare');
    t.diagnostic(
      `compare after a half-life change: ${d.updateMs} ms after the input (compare ${d.engineMs} ms in the worker); ${lines.map((l) => l.text).join('; ')}`,
    );
    // Back to A: the model is A again and B = A.
    rev = await revision(page, 'compare');
    await page.click('[data-testid="restore-a"]');
    await settled(page, rev, 'compare');
    assert.deepEqual(JSON.parse(await page.inputValue('[data-testid="model-json"]')), a);
    assert.match(await page.textContent('[data-testid="compare"]'), /No entity changes tier or PQL status/);
    await context.close();
  },
);
