// The JavaScript API: shapes, errors, paging, lifecycle and hostile input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conformanceCases } from '../lib/compare.mjs';
import { createEngine, PqlError } from '../../build/wasm/pkg/index.js';

const c = conformanceCases().find((x) => x.name === '04-rules');

async function loaded() {
  const engine = await createEngine();
  engine.setModel(c.model);
  engine.loadAccounts(c.accounts);
  engine.loadEvents(c.events);
  return engine;
}

function throwsPql(fn, code, check = () => {}) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof PqlError, `expected a PqlError ${code}, got ${caught}`);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, 'PqlError');
  assert.equal(caught.code, code, caught.message);
  check(caught);
  return caught;
}

test('an invalid model throws PqlError invalid_model with its path, and the old model stays', async () => {
  const engine = await createEngine();
  engine.setModel({ window_days: 45 });
  const before = engine.model();
  throwsPql(
    () => engine.setModel({ window_days: -3 }),
    'invalid_model',
    (e) => {
      assert.equal(e.path, 'window_days');
      assert.match(e.message, /window_days/);
    },
  );
  throwsPql(
    () => engine.setModel({ engagement: { events: { login: { wieght: 1 } } } }),
    'invalid_model',
    (e) => {
      assert.equal(e.path, 'engagement.events.login.wieght');
      assert.match(e.message, /weight/, 'suggests the closest key');
    },
  );
  throwsPql(() => engine.setModel('{"window_days": '), 'invalid_model');
  throwsPql(() => engine.setModel('[]'), 'invalid_model');
  assert.deepEqual(engine.model(), before);
  engine.delete();
});

test('model() is canonical: every key of CanonicalModel is present, whatever the input omits', async () => {
  const engine = await createEngine();
  for (const input of [
    {},
    { engagement: {} },
    { pql: { min_score: 10 } },
    { activation: { steps: [{ event: 'x' }] } },
  ]) {
    engine.setModel(input);
    const m = engine.model();
    assert.deepEqual(Object.keys(m), [
      'entity',
      'as_of',
      'window_days',
      'active_days',
      'engagement',
      'activation',
      'fit',
      'limits',
      'weights',
      'pql',
      'tiers',
      'grades',
      'conversion_event',
    ]);
    assert.deepEqual(Object.keys(m.engagement), ['decay', 'half_life_days', 'saturation', 'default_weight', 'events']);
    assert.deepEqual(Object.keys(m.weights), ['activation', 'engagement', 'fit']);
    assert.deepEqual(Object.keys(m.pql), ['min_score', 'require_activation', 'rule']);
    assert.deepEqual(Object.keys(m.grades), ['fit', 'engagement']);
    for (const s of m.activation.steps)
      assert.deepEqual(Object.keys(s), ['name', 'event', 'min_count', 'min_users', 'weight']);
  }
  engine.delete();
});

test('setAsOf takes ISO text, a Date, epoch ms or null, and rejects anything else', async () => {
  const engine = await loaded();
  const latest = engine.score({ limit: 0 }).as_of;
  engine.setAsOf('2024-01-02T00:00:00Z');
  assert.equal(engine.score({ limit: 0 }).as_of, '2024-01-02T00:00:00.000Z');
  engine.setAsOf(new Date('2024-01-03T00:00:00Z'));
  assert.equal(engine.score({ limit: 0 }).as_of, '2024-01-03T00:00:00.000Z');
  engine.setAsOf(Date.UTC(2024, 0, 4));
  assert.equal(engine.score({ limit: 0 }).as_of, '2024-01-04T00:00:00.000Z');
  engine.setAsOf(null);
  assert.equal(engine.score({ limit: 0 }).as_of, latest);
  throwsPql(() => engine.setAsOf('not a date'), 'invalid_argument');
  throwsPql(() => engine.setAsOf(new Date(NaN)), 'invalid_argument');
  throwsPql(() => engine.setAsOf(/** @type {any} */ ({})), 'invalid_argument');
  engine.delete();
});

test('model() fills in every default and round-trips', async () => {
  const engine = await createEngine();
  const model = engine.model();
  assert.equal(model.window_days, 90);
  assert.equal(model.active_days, 30);
  assert.equal(model.entity, 'account');
  engine.setModel(model);
  assert.deepEqual(engine.model(), model);
  engine.setModel(JSON.stringify({ window_days: 7 }));
  assert.equal(engine.model().window_days, 7);
  engine.delete();
});

test('bad rows are skipped and reported with their lines; strict loads fail with bad_row', async () => {
  const engine = await createEngine();
  const rows = [
    '{"timestamp":"2026-01-01T00:00:00Z","user_id":"u1","account_id":"a","event":"login"}',
    '{"timestamp":"yesterday","user_id":"u1","account_id":"a","event":"login"}',
    '{"timestamp":"2026-01-02T00:00:00Z","user_id":"u2","account_id":"b","event":"login"}',
    '{not json',
  ].join('\n');
  const report = engine.loadEvents(rows);
  assert.equal(report.read, 4);
  assert.equal(report.loaded, 2);
  assert.equal(report.skipped, 2);
  assert.deepEqual(
    report.errors.map((e) => e.line),
    [2, 4],
  );
  for (const e of report.errors) assert.equal(typeof e.message, 'string');
  assert.match(report.errors[0].message, /timestamp/);

  throwsPql(
    () => engine.loadEvents(rows, { strict: true }),
    'bad_row',
    (e) => {
      assert.equal(e.line, 2);
      assert.match(e.message, /2/);
    },
  );
  const run = engine.score();
  assert.equal(run.entities, 2, 'a failed strict load keeps nothing');
  assert.equal(run.diagnostics.loaded, 2);
  engine.delete();
});

test('formats: forced csv, and an unknown format is invalid_argument', async () => {
  const engine = await createEngine();
  const csv = 'timestamp,user_id,event,account_id\n2026-01-01T00:00:00Z,u1,login,a\n';
  assert.equal(engine.loadEvents(csv, { format: 'csv' }).loaded, 1);
  throwsPql(() => engine.loadEvents(csv, { format: 'xml' }), 'invalid_argument');
  throwsPql(() => engine.loadEvents(42), 'invalid_argument');
  throwsPql(() => engine.loadEvents(null), 'invalid_argument');
  assert.equal(engine.loadEvents('').read, 0);
  assert.equal(engine.loadEvents(new Uint8Array(0)).read, 0);
  assert.equal(engine.loadEvents(new TextEncoder().encode(csv).buffer, { format: 'csv' }).loaded, 1);
  engine.delete();
});

test('score() pages results; entities and qualified count the whole ranking', async () => {
  const engine = await loaded();
  const all = engine.score();
  assert.ok(all.results.length >= 3);
  const page = engine.score({ offset: 1, limit: 2 });
  assert.deepEqual(page.results, all.results.slice(1, 3));
  assert.equal(page.entities, all.entities);
  assert.equal(page.qualified, all.qualified);
  assert.deepEqual(engine.score({ limit: 0 }).results, []);
  assert.deepEqual(engine.score({ offset: all.entities + 5 }).results, []);
  assert.equal(engine.scoreJson({ offset: 0, limit: Infinity }), engine.scoreJson());
  throwsPql(() => engine.score({ offset: -1 }), 'invalid_argument');
  throwsPql(() => engine.score({ limit: 1.5 }), 'invalid_argument');
  const scores = engine.scores();
  assert.ok(scores instanceof Float64Array);
  assert.deepEqual(
    [...scores],
    all.results.map((r) => r.score),
  );
  engine.delete();
});

test('explain() describes a ranked entity and throws not_found otherwise', async () => {
  const engine = await loaded();
  const top = engine.score({ limit: 1 }).results[0];
  const why = engine.explain(top.id);
  assert.equal(typeof why, 'object');
  assert.equal(why.id, top.id);
  throwsPql(() => engine.explain('no-such-account'), 'not_found');
  throwsPql(() => engine.explain({}), 'invalid_argument');
  engine.delete();
});

test("setAsOf() overrides the model's as_of; null restores the latest event", async () => {
  const engine = await loaded();
  const latest = engine.score().as_of;
  engine.setAsOf(new Date('2026-01-01T00:00:00Z'));
  assert.equal(engine.score().as_of, '2026-01-01T00:00:00.000Z');
  engine.setAsOf(Date.UTC(2025, 11, 31, 12) + 0.7);
  assert.equal(engine.score().as_of, '2025-12-31T12:00:00.000Z');
  engine.setAsOf('2025-12-30T01:00:00+01:00');
  assert.equal(engine.score().as_of, '2025-12-30T00:00:00.000Z');
  engine.setAsOf('2025-12-29');
  assert.equal(engine.score().as_of, '2025-12-29T00:00:00.000Z');
  engine.setAsOf(null);
  assert.equal(engine.score().as_of, latest);
  for (const bad of ['yesterday', '', '2026-02-30', new Date(NaN), {}])
    throwsPql(() => engine.setAsOf(bad), 'invalid_argument');
  engine.delete();
});

test('clear() drops events and accounts but keeps the model; loads append', async () => {
  const engine = await loaded();
  const model = engine.model();
  const once = engine.score();
  engine.clear();
  assert.equal(engine.score().entities, 0);
  assert.deepEqual(engine.model(), model);
  engine.loadAccounts(c.accounts);
  engine.loadEvents(c.events);
  assert.deepEqual(engine.score(), once);
  engine.delete();
});

test('delete() is idempotent and later calls throw deleted; Symbol.dispose deletes', async () => {
  const engine = await loaded();
  assert.equal(engine.deleted, false);
  engine.delete();
  engine.delete();
  assert.equal(engine.deleted, true);
  for (const call of [
    () => engine.score(),
    () => engine.loadEvents(''),
    () => engine.model(),
    () => engine.scores(),
    () => engine.clear(),
  ]) {
    throwsPql(call, 'deleted');
  }
  if (typeof Symbol.dispose === 'symbol') {
    const other = await createEngine();
    other[Symbol.dispose]();
    assert.equal(other.deleted, true);
  }
});

test('engines are independent and share one module', async () => {
  const a = await loaded();
  const b = await createEngine();
  assert.equal(b.score().entities, 0);
  assert.ok(a.score().entities > 0);
  a.delete();
  assert.equal(b.score().entities, 0);
  b.delete();
});

test('hostile input never aborts the module', async () => {
  const engine = await createEngine();
  const deep = '['.repeat(200000);
  const inputs = [
    deep,
    `{"a":${deep}`,
    '{"timestamp":1e999,"user_id":"u","event":"e"}',
    'NaN\nInfinity\n-Infinity',
    '{"timestamp":"2026-01-01","user_id":"u","event":"e","properties":' +
      '{"a":'.repeat(50000) +
      '1' +
      '}'.repeat(50000) +
      '}',
    new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28, 0x0a, 0xed, 0xa0, 0x80]),
    '\uFEFF',
    '\0\0\0',
    '"',
    '{',
    ',,,\n,,',
    'a,b\n"unterminated',
    '{"timestamp":"2026-01-01","user_id":' + '9'.repeat(400) + ',"event":"e"}',
    '\ud800\udc00\ud800',
  ];
  // Each load returns a report or throws a PqlError (e.g. a CSV whose header is unusable).
  const load = (fn) => {
    try {
      const r = fn();
      assert.equal(r.read, r.loaded + r.skipped + r.duplicates, 'counts add up');
    } catch (e) {
      assert.ok(e instanceof PqlError && e.code !== 'internal', `${e}`);
    }
  };
  for (const text of inputs) {
    for (const format of ['auto', 'jsonl', 'json', 'csv']) {
      load(() => engine.loadEvents(text, { format }));
      load(() => engine.loadAccounts(text, { format }));
    }
  }
  for (const model of [deep, '{"tiers":' + deep, '{"window_days":1e400}', '\uFFFF', '{"\ud800":1}', 'null']) {
    throwsPql(() => engine.setModel(model), 'invalid_model');
  }
  assert.equal(typeof engine.score().entities, 'number');
  engine.delete();
});

test('a large string (over 1 Mi UTF-16 units) loads exactly like its UTF-8 bytes', async () => {
  const lines = [];
  for (let i = 0; i < 20000; i++) {
    lines.push(
      JSON.stringify({
        timestamp: 1767225600000 + i * 60000,
        user_id: `u${i % 97}`,
        account_id: `société-${i % 41}-😀`,
        event: i % 3 ? 'report_created' : 'login',
      }),
    );
  }
  const text = lines.join('\n');
  assert.ok(text.length > 1 << 20);
  const a = await createEngine();
  const b = await createEngine();
  assert.deepEqual(a.loadEvents(text), b.loadEvents(new TextEncoder().encode(text)));
  assert.equal(a.scoreJson(), b.scoreJson());
  assert.equal(a.score().entities, 41);
  assert.ok(a.score().results.every((r) => r.id.endsWith('-😀')));
  a.delete();
  b.delete();
});
