// Renaming a signal, persona or plan limit in the model editor (web/src/renames.ts): every key
// that names it follows, and the renamed model ranks the sample exactly as before (the built
// WASM engine scores both). The TypeScript is transpiled by tests/lib/web_module.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadWebModule } from '../lib/web_module.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const R = await loadWebModule('renames');
const { createEngine } = await import(pathToFileURL(join(ROOT, 'build/wasm/pkg/index.js')).href);

// A model that names signal "big.query", persona "analyst" and limit "projects" everywhere they
// can be named, on the sample's event types and traits.
function model() {
  return {
    window_days: 90,
    signals: {
      'big.query': { event: 'query_run', where: [{ property: 'rows', op: 'gte', value: 20000 }] },
      other: { event: 'page_viewed', where: [] },
    },
    active: { events: ['big.query', 'login'] },
    personas: { analyst: [{ trait: 'title', op: 'eq', value: 'Analyst' }] },
    engagement: {
      events: { report_created: { weight: 2 }, 'big.query': { weight: 3, cap: 40 }, other: { weight: 0.1 } },
    },
    activation: {
      steps: [
        { name: 'Big queries', event: 'big.query', min_count: 3 },
        { event: 'report_created', min_count: 2 },
      ],
      required: 1,
    },
    fit: {
      rules: [
        { persona: 'analyst', op: 'gte', value: 1, points: 30 },
        { trait: 'employees', op: 'gte', value: 20, points: 10 },
      ],
    },
    limits: { projects: { event: 'project_created', limit: 3 }, queries: { event: 'big.query', limit: 200 } },
    pql: {
      min_score: 35,
      require_activation: false,
      rule: {
        all: [
          { metric: 'count.big.query', op: '>=', value: 5 },
          {
            any: [
              { metric: 'limit.projects', op: '>=', value: 0.3 },
              { metric: 'persona.analyst', op: '>=', value: 1 },
            ],
          },
          { not: { metric: 'sum.big.query.duration_ms', op: '<', value: 1000 } },
          { metric: 'users.big.query', op: '>=', value: 1, window_days: 30 },
        ],
      },
    },
    segments: {
      heavy: { metric: 'count.big.query', op: '>=', value: 50 },
      capped: {
        all: [
          { metric: 'limit.queries', op: '>=', value: 0.5 },
          { metric: 'count.other', op: '>=', value: 1 },
        ],
      },
    },
  };
}

test('a signal rename reaches its weight, the active set, steps, limits and every rule leaf', () => {
  const m = model();
  assert.equal(R.renameNamed(m, 'signal', 'big.query', 'heavy_query'), true);
  assert.deepEqual(Object.keys(m.signals), ['heavy_query', 'other'], 'the definition keeps its place');
  assert.deepEqual(Object.keys(m.engagement.events), ['report_created', 'heavy_query', 'other']);
  assert.deepEqual(m.active.events, ['heavy_query', 'login']);
  assert.equal(m.activation.steps[0].event, 'heavy_query');
  assert.equal(m.activation.steps[0].name, 'Big queries', 'a step name is text, not a reference');
  assert.equal(m.limits.queries.event, 'heavy_query');
  const leaves = m.pql.rule.all;
  assert.equal(leaves[0].metric, 'count.heavy_query');
  assert.equal(leaves[2].not.metric, 'sum.heavy_query.duration_ms');
  assert.equal(leaves[3].metric, 'users.heavy_query');
  assert.equal(m.segments.heavy.metric, 'count.heavy_query');
  assert.equal(m.segments.capped.all[1].metric, 'count.other', 'another signal is left alone');
  assert.ok(!JSON.stringify(m).includes('big.query'), 'no reference to the old name is left');
});

test('persona and limit renames reach fit rules and rule leaves; a taken or empty name changes nothing', () => {
  const m = model();
  assert.equal(R.renameNamed(m, 'persona', 'analyst', 'data_people'), true);
  assert.deepEqual(Object.keys(m.personas), ['data_people']);
  assert.equal(m.fit.rules[0].persona, 'data_people');
  assert.equal(m.pql.rule.all[1].any[1].metric, 'persona.data_people');
  assert.equal(R.renameNamed(m, 'limit', 'projects', 'project_cap'), true);
  assert.deepEqual(Object.keys(m.limits), ['project_cap', 'queries']);
  assert.equal(m.pql.rule.all[1].any[0].metric, 'limit.project_cap');
  assert.equal(m.segments.capped.all[0].metric, 'limit.queries');

  const before = JSON.stringify(m);
  assert.equal(R.renameNamed(m, 'limit', 'project_cap', 'queries'), false, 'a name in use is refused');
  assert.equal(R.renameNamed(m, 'signal', 'other', ''), false);
  assert.equal(R.renameNamed(m, 'persona', 'nobody', 'x'), false, 'an unknown name');
  assert.equal(JSON.stringify(m), before, 'a refused rename changes nothing');
  // Only whole names: a signal "big" does not own "count.big.query" or "sum.bigger.x".
  const n = {
    signals: { big: { event: 'x', where: [] } },
    pql: {
      rule: {
        any: [
          { metric: 'count.big.query', op: '>=', value: 1 },
          { metric: 'sum.bigger.x', op: '>=', value: 1 },
          { metric: 'sum.big.x', op: '>=', value: 1 },
        ],
      },
    },
  };
  R.renameNamed(n, 'signal', 'big', 'small');
  assert.deepEqual(
    n.pql.rule.any.map((l) => l.metric),
    ['count.big.query', 'sum.bigger.x', 'sum.small.x'],
  );
});

test('the renamed model ranks the sample exactly as the original', async () => {
  const engine = await createEngine();
  engine.loadEvents(readFileSync(join(ROOT, 'build/sample/events.jsonl')));
  engine.loadAccounts(readFileSync(join(ROOT, 'build/sample/accounts.jsonl')));
  engine.loadUsers(readFileSync(join(ROOT, 'build/sample/users.jsonl')));
  const run = (m) => {
    engine.setModel(m);
    const r = engine.score();
    return { qualified: r.qualified, rows: r.results.map((x) => [x.id, x.score, x.qualified, x.segments.join(',')]) };
  };
  const original = run(model());
  assert.ok(original.qualified > 0, `the rule qualifies someone (${original.qualified})`);
  assert.ok(
    original.rows.some((r) => r[3] !== ''),
    'some PQL is in a segment',
  );
  const m = model();
  assert.ok(R.renameNamed(m, 'signal', 'big.query', 'heavy_query'));
  assert.ok(R.renameNamed(m, 'persona', 'analyst', 'data_people'));
  assert.ok(R.renameNamed(m, 'limit', 'projects', 'project_cap'));
  assert.deepEqual(run(m), original);
  // Without the references following, the same renames change the answer (or break the model).
  const bare = model();
  for (const [kind, from, to] of [
    ['signal', 'big.query', 'heavy_query'],
    ['persona', 'analyst', 'data_people'],
    ['limit', 'projects', 'project_cap'],
  ])
    assert.ok(R.renameDefinition(bare, kind, from, to));
  assert.throws(() => run(bare), /persona|limit/, 'the old persona and limit names are unknown now');
  delete bare.personas;
  bare.personas = { analyst: model().personas.analyst };
  bare.limits.projects = bare.limits.project_cap;
  assert.notDeepEqual(run(bare), original, 'a signal rename alone, not followed, changes the ranking');
});

test('referencesTo: what a removal would leave naming it (a signal takes its weight and active entry along)', () => {
  const m = model();
  assert.deepEqual(R.referencesTo(m, 'signal', 'big.query'), [
    'pql.rule.all[0].metric',
    'pql.rule.all[2].not.metric',
    'pql.rule.all[3].metric',
    'segments.heavy.metric',
    'activation.steps[0].event',
    'limits.queries.event',
  ]);
  assert.deepEqual(R.referencesTo(m, 'signal', 'other'), ['segments.capped.all[1].metric']);
  assert.deepEqual(R.referencesTo(m, 'persona', 'analyst'), ['pql.rule.all[1].any[1].metric', 'fit.rules[0].persona']);
  assert.deepEqual(R.referencesTo(m, 'limit', 'projects'), ['pql.rule.all[1].any[0].metric']);
  assert.deepEqual(
    R.referencesTo(
      {
        signals: { x: { event: 'e', where: [] } },
        engagement: { events: { x: { weight: 1 } } },
        active: { events: ['x'] },
      },
      'signal',
      'x',
    ),
    [],
  );
  assert.deepEqual(JSON.stringify(m), JSON.stringify(model()), 'the model is left as it was');
  assert.match(
    R.inUseLabel('Limit projects', ['a', 'b', 'c', 'd', 'e']),
    /^Limit projects is used by a, b, c, and 2 more: change those first$/,
  );
});
