// engine.view() through the WASM module on the sample: the page's list. Its rows are the CLI's
// rows (customers left out by default), its population figures add up to the CLI's ranking,
// and bad options are PqlErrors that name the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createEngine, PqlError } from '../../build/wasm/pkg/index.js';

const root = new URL('../../', import.meta.url).pathname;
const S = `${root}build/sample`;

function cliRun() {
  const r = spawnSync(
    `${root}build/native/pql`,
    [
      'score',
      '--events',
      `${S}/events.jsonl`,
      '--accounts',
      `${S}/accounts.jsonl`,
      '--model',
      `${S}/model.json`,
      '--format',
      'json',
    ],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function sampleEngine() {
  const engine = await createEngine();
  engine.setModel(readFileSync(`${S}/model.json`, 'utf8'));
  engine.loadEvents(readFileSync(`${S}/events.jsonl`));
  engine.loadAccounts(readFileSync(`${S}/accounts.jsonl`));
  return engine;
}

test('view: the CLI ranking without its customers, a window at a time', async () => {
  const run = cliRun();
  const leads = run.results.filter((r) => !r.converted);
  assert.ok(run.customers > 0 && leads.length === run.entities - run.customers, 'the sample has customers');
  const engine = await sampleEngine();
  const v = engine.view({ offset: 40, limit: 30 });
  assert.equal(v.shown, leads.length);
  assert.equal(v.population.customers_hidden, run.customers);
  assert.deepEqual(
    v.results.map((r) => r.id),
    leads.slice(40, 70).map((r) => r.id),
  );
  for (const r of v.results) {
    const { previous_rank: _, ...row } = r;
    assert.deepEqual(row, run.results[r.rank - 1]);
  }
  // Population figures: the histogram, grades and tiers each add up to the population.
  const p = v.population;
  const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
  assert.equal(
    p.histogram.reduce((a, b) => a + b.entities, 0),
    leads.length,
  );
  assert.equal(
    p.histogram.reduce((a, b) => a + b.qualified, 0),
    run.qualified,
  );
  assert.equal(sum(p.grades) + p.no_grade, leads.length);
  assert.equal(sum(p.tiers) + p.no_tier, leads.length);
  const withCustomers = engine.view({ customers: true, limit: 5 });
  assert.equal(withCustomers.shown, run.entities);
  assert.deepEqual(
    withCustomers.results.map((r) => r.id),
    run.results.slice(0, 5).map((r) => r.id),
  );
});

test('view: PQL since sorts the qualified rows; the selection is found', async () => {
  const engine = await sampleEngine();
  const v = engine.view({ sort: 'qualified_at', limit: 1000, qualified_only: true });
  assert.ok(v.shown > 10);
  const at = v.results.map((r) => r.qualified_at);
  assert.ok(at.every((x) => x !== null));
  assert.deepEqual(at, [...at].sort(), 'longest qualified first');
  const newest = engine.view({ sort: 'qualified_at', descending: true, limit: 1, qualified_only: true });
  assert.equal(newest.results[0].qualified_at, at[at.length - 1]);
  const id = v.results[7].id;
  assert.equal(engine.view({ sort: 'qualified_at', qualified_only: true, select: id, limit: 1 }).selected, 7);
});

test('view: rank movement after a weight change is the rank before it', async () => {
  const engine = await sampleEngine();
  const before = new Map(engine.view({ customers: true, limit: 1000 }).results.map((r) => [r.id, r.rank]));
  engine.setModelValue('weights.fit', 70);
  const after = engine.view({ customers: true, limit: 1000 }).results;
  assert.ok(
    after.some((r) => r.previous_rank !== r.rank),
    'something moved',
  );
  for (const r of after) assert.equal(r.previous_rank, before.get(r.id));
});

test('view: bad options are PqlErrors naming the option', async () => {
  const engine = await sampleEngine();
  const bad = [
    [{ sort: 'nope' }, /unknown sort "nope"/, 'sort'],
    [{ limit: -1 }, /limit/, null],
    [{ offset: 1.5 }, /offset/, null],
    [{ customers: 'yes' }, /customers must be true or false/, 'customers'],
    [{ tier: 3 }, /tier must be a string/, 'tier'],
  ];
  for (const [options, message, path] of bad) {
    assert.throws(
      () => engine.view(options),
      (e) =>
        e instanceof PqlError &&
        e.code === 'invalid_argument' &&
        message.test(e.message) &&
        (path === null || e.path === path),
      JSON.stringify(options),
    );
  }
  // An unknown tier, grade or segment shows nothing (not everything).
  assert.equal(engine.view({ tier: 'no such tier' }).shown, 0);
  assert.equal(engine.view({ segment: 'no such segment' }).shown, 0);
});
