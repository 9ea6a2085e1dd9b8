// Lifecycle analytics through the WASM module (issue #16): the funnel by week and month, the
// backtest's lost PQLs and calibration, compare's quality: the same JSON as the CLI (both print
// through the core's serializer; compared after parsing, as JS prints 1.0 as 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PqlError } from '../../build/wasm/pkg/index.js';
import { SAMPLE, sampleCli, sampleEngine } from './sample.mjs';

test('funnel by week and month: the CLI bytes, and figures that add up', async () => {
  const engine = await sampleEngine();
  try {
    for (const cohort of ['week', 'month']) {
      const t0 = performance.now();
      const f = engine.funnel({ cohort });
      const ms = performance.now() - t0;
      console.log(`# funnel by ${cohort} on the sample: ${ms.toFixed(0)} ms in WASM (shared machine: noisy)`);
      assert.equal(
        JSON.stringify(f),
        JSON.stringify(JSON.parse(sampleCli('funnel', '--cohort', cohort, '--format', 'json'))),
      );
      assert.equal(f.cohort, cohort);
      assert.ok(f.cohorts.length >= (cohort === 'week' ? 10 : 3));
      const sum = (k) => f.cohorts.reduce((n, c) => n + c[k], 0);
      for (const k of ['entities', 'activated', 'became_pql', 'converted', 'converted_after_pql'])
        assert.equal(sum(k), f.all[k], k);
      assert.ok(f.all.became_pql > 0 && f.all.converted_after_pql > 0);
      assert.ok(
        f.cohorts.every((c, i) => i === 0 || f.cohorts[i - 1].cohort < c.cohort),
        'oldest first',
      );
    }
    assert.throws(() => engine.funnel({ cohort: 'year' }), PqlError);
  } finally {
    engine.delete();
  }
});

test('backtest lost PQLs and calibration, compare quality: the CLI bytes', async () => {
  const engine = await sampleEngine();
  try {
    const bt = engine.backtest({ horizon_days: 30 });
    assert.equal(JSON.stringify(bt), JSON.stringify(JSON.parse(sampleCli('backtest', '--format', 'json'))));
    const lost = bt.pql.qualified.count - bt.pql.qualified.conversions;
    assert.equal(bt.lost_pqls.length, Math.min(100, lost));
    assert.ok(Math.abs(bt.pql.false_positive_share - lost / bt.pql.qualified.count) < 1e-12);
    assert.equal(
      bt.calibration.reduce((n, d) => n + d.count, 0),
      bt.population,
    );
    const model = JSON.parse(readFileSync(`${SAMPLE}/model.json`, 'utf8'));
    model.engagement.half_life_days = 3;
    const cmp = engine.compare(model, { movers: 3 });
    assert.ok(cmp.quality, 'quality');
    assert.deepEqual(
      cmp.quality.metrics.map((m) => m.metric),
      [
        'auc',
        'precision_at_10',
        'precision_at_25',
        'precision_at_50',
        'pql_precision',
        'pql_recall',
        'pql_lift',
        'false_positive_share',
        'funnel_pql_rate',
      ],
    );
    const auc = cmp.quality.metrics[0];
    assert.ok(Math.abs(auc.a - bt.auc) < 1e-12, 'A is backtested as the backtest does');
    assert.equal(auc.better, auc.a > auc.b ? 'a' : auc.a < auc.b ? 'b' : 'same');
  } finally {
    engine.delete();
  }
});
