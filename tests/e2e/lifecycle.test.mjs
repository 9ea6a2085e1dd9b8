// The playground's Lifecycle tab in Chromium against `pql funnel` on the same data and model:
// every cohort row's figures by week and by month, and the latest signups' checklist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { close, modelFile, open, pql, revision, sampleData, sampleModel, settled, showTab, start } from './helpers.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

function sameFigures(shown, want, label) {
  assert.deepEqual(Object.keys(shown), Object.keys(want), `${label}: keys`);
  for (const [k, v] of Object.entries(want)) {
    if (typeof v === 'number' && !Number.isInteger(v))
      assert.ok(close(shown[k], v), `${label}.${k}: ${shown[k]} vs CLI ${v}`);
    else assert.equal(shown[k], v, `${label}.${k}`);
  }
}

test('the Lifecycle tab shows the CLI funnel by week and by month, and the latest signups', async () => {
  const { context, page, errors } = await open(env);
  try {
    let rev = await revision(page, 'lifecycle');
    await showTab(page, 'lifecycle');
    await settled(page, rev, 'lifecycle');
    for (const cohort of ['week', 'month']) {
      if (cohort === 'month') {
        rev = await revision(page, 'lifecycle');
        await page.selectOption('[data-testid="lifecycle-cohort"]', 'month');
        await settled(page, rev, 'lifecycle');
      }
      const want = JSON.parse(
        pql([
          'funnel',
          ...sampleData(),
          '--model',
          modelFile(env, sampleModel()),
          '--cohort',
          cohort,
          '--format',
          'json',
        ]),
      );
      const rows = await page.$$eval('[data-testid="lifecycle-table"] tbody tr', (trs) =>
        trs.map((tr) => {
          const { cohort: _, ...figures } = JSON.parse(tr.dataset.figures);
          return { cohort: tr.dataset.cohort, figures };
        }),
      );
      assert.equal(rows.length, want.cohorts.length + 1, `${cohort}: a row per cohort and one for all`);
      want.cohorts.forEach((c, i) => {
        const { cohort: name, ...figures } = c;
        assert.equal(rows[i].cohort, name);
        sameFigures(rows[i].figures, figures, `${cohort} ${name}`);
      });
      sameFigures(rows.at(-1).figures, want.all, `${cohort} all`);
      assert.equal(await page.$$eval('[data-testid="lifecycle-chart"] polyline', (ps) => ps.length), 3);
    }
    // The latest signups, newest first, then oldest first after a click on the header.
    const signups = () =>
      page.$$eval('[data-testid="lifecycle-signup"]', (trs) =>
        trs.map((tr) => ({ id: tr.dataset.id, first: tr.dataset.firstSeen, done: Number(tr.dataset.done) })),
      );
    const newest = await signups();
    assert.equal(newest.length, 10);
    const run = JSON.parse(
      pql(['score', ...sampleData(), '--model', modelFile(env, sampleModel()), '--format', 'json']),
    );
    const latest = [...run.results]
      .sort((a, b) => (a.first_seen < b.first_seen ? 1 : a.first_seen > b.first_seen ? -1 : a.id < b.id ? -1 : 1))
      .slice(0, 10);
    assert.deepEqual(
      newest.map((s) => s.id),
      latest.map((r) => r.id),
    );
    assert.deepEqual(
      newest.map((s) => s.done),
      latest.map((r) => r.steps_completed),
    );
    await page.click('[data-testid="lifecycle-sort"]');
    const oldest = await signups();
    assert.ok(oldest[0].first <= oldest.at(-1).first, 'oldest first after the click');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the Backtest tab: a verdict line, the lost PQLs as in the CLI, each opening its Why card', async () => {
  const { context, page, errors } = await open(env);
  try {
    const rev = await revision(page, 'backtest');
    await showTab(page, 'backtest');
    await settled(page, rev, 'backtest');
    const want = JSON.parse(
      pql(['backtest', ...sampleData(), '--model', modelFile(env, sampleModel()), '--format', 'json']),
    );
    const verdict = await page.textContent('[data-testid="backtest-verdict"]');
    assert.match(verdict, new RegExp(`AUC ${want.auc.toFixed(2)}`));
    assert.match(verdict, /the 15–30% benchmark/);
    const lost = await page.$$eval('[data-testid="lost-pql"]', (bs) => bs.map((b) => b.dataset.id));
    assert.deepEqual(lost, want.lost_pqls);
    const share = Number(await page.getAttribute('[data-testid="false-positive-share"]', 'data-value'));
    assert.ok(close(share, want.pql.false_positive_share));
    await page.click(`[data-testid="lost-pql"][data-id="${lost[0]}"]`);
    await page.waitForSelector('#tabpanel-explain:not([hidden])');
    await page.waitForFunction((id) => document.querySelector('#tabpanel-explain')?.textContent.includes(id), lost[0], {
      timeout: 30_000,
    });
    await showTab(page, 'backtest');
    // The fit suggestions are suggest's rules; one click adds a rule and the ranking follows.
    const sg = JSON.parse(
      pql(['suggest', ...sampleData(), '--model', modelFile(env, sampleModel()), '--format', 'json']),
    );
    await page.waitForSelector('[data-testid="fit-suggestion"]', { timeout: 60_000 });
    const fit = await page.$$eval('[data-testid="fit-suggestion"]', (trs) =>
      trs.map((tr) => ({ trait: tr.dataset.trait, points: Number(tr.dataset.points) })),
    );
    assert.deepEqual(
      fit,
      sg.fit.rules.map((r) => ({ trait: r.trait, points: r.points })),
    );
    const rr = await revision(page);
    await page.click('[data-testid="fit-suggestion"] button');
    await settled(page, rr);
    const model = JSON.parse(await page.inputValue('[data-testid="model-json"]'));
    assert.equal(model.fit.rules.at(-1).trait, sg.fit.rules[0].trait);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
