// backtest, suggest, compare, catalog and toSql through the WASM module: the same bytes as the
// CLI, and clean PqlErrors for bad options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { PqlError } from '../../build/wasm/pkg/index.js';
import { PQL, SAMPLE, sampleCli, sampleEngine } from './sample.mjs';

test('backtest, suggest and compare give the CLI bytes on the sample', async () => {
  const engine = await sampleEngine();
  try {
    const bt = engine.backtest({ horizon_days: 30 });
    assert.equal(JSON.stringify(bt), JSON.stringify(JSON.parse(sampleCli('backtest', '--format', 'json'))));
    assert.ok(bt.auc > 0.75, `AUC ${bt.auc}`);
    const sg = engine.suggest({ horizon_days: 30, capacity_per_week: 20 });
    assert.equal(
      JSON.stringify(sg),
      JSON.stringify(JSON.parse(sampleCli('suggest', '--format', 'json', '--capacity', '20'))),
    );
    const model = JSON.parse(readFileSync(`${SAMPLE}/model.json`, 'utf8'));
    model.engagement.half_life_days = 3;
    const cmp = engine.compare(model, { movers: 5 });
    assert.ok(cmp.movers.up.length + cmp.movers.down.length > 0);
    assert.ok(cmp.migration.reduce((n, m) => n + m.count, 0) >= cmp.a.entities);
  } finally {
    engine.delete();
  }
});

test('toSql compiles the current model as pql sql does', async () => {
  const engine = await sampleEngine();
  try {
    const sql = engine.toSql('postgres', { events_table: 'analytics.events' });
    const r = spawnSync(
      PQL,
      ['sql', '--model', `${SAMPLE}/model.json`, '--dialect', 'postgres', '--events-table', 'analytics.events'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(sql.trimEnd(), r.stdout.trimEnd());
    assert.throws(
      () => engine.toSql('oracle'),
      (e) => e instanceof PqlError && e.code === 'invalid_argument',
    );
  } finally {
    engine.delete();
  }
});

test('catalog lists what was loaded; bad options are PqlErrors', async () => {
  const engine = await sampleEngine();
  try {
    const c = engine.catalog();
    assert.ok(c.events.length >= 15);
    assert.ok(c.events.some((e) => e.event === 'subscription_started'));
    assert.ok(c.traits.some((t) => t.trait === 'industry'));
    assert.throws(
      () => engine.backtest({ horizon_days: 0 }),
      (e) => e instanceof PqlError && e.code === 'invalid_argument',
    );
    assert.throws(
      () => engine.backtest({ horizon_days: 'x' }),
      (e) => e instanceof PqlError && e.code === 'invalid_argument',
    );
    assert.throws(
      () => engine.backtest({ horizon_days: 1e300 }),
      (e) => e instanceof PqlError && e.code === 'invalid_argument',
    );
    assert.throws(
      () => engine.suggest({ capacity_per_week: 2.5 }),
      (e) => e instanceof PqlError && e.path === 'capacity_per_week',
    );
    assert.throws(
      () => engine.backtest({ as_of: 'soon' }),
      (e) => e instanceof PqlError && e.path === 'as_of',
    );
    engine.setModel({});
    assert.throws(
      () => engine.backtest(),
      (e) => e instanceof PqlError && e.code === 'invalid_argument',
    );
    const report = engine.loadOutcomes('account_id,converted_at\nacct-00001,2026-10-20\nx,never\n');
    assert.equal(report.loaded, 1);
    assert.equal(report.errors[0].line, 3);
    assert.equal(engine.backtest({ horizon_days: 30 }).conversions >= 0, true);
  } finally {
    engine.delete();
  }
});
