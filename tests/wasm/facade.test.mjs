// The engine's own answers through the JS package: scoreCsv() is the CLI's `--format csv`
// byte for byte (formula-like names written as text), schema() lists exactly what the model
// parser accepts, and clearEvents/clearAccounts/clearOutcomes replace one kind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertSameBytes, conformanceCases } from '../lib/compare.mjs';
import { createEngine, PqlError } from '../../build/wasm/pkg/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = process.env.PQL_CLI ?? `${root}build/native/pql`;
const hasCli = existsSync(cli);
const run = (args) =>
  execFileSync(cli, args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });

function rejects(fn, code) {
  assert.throws(fn, (e) => e instanceof PqlError && e.code === code, `expected PqlError ${code}`);
}

for (const c of conformanceCases()) {
  test(`scoreCsv ${c.name}: the bytes of pql score --format csv`, { skip: !hasCli }, async () => {
    const engine = await createEngine();
    engine.setModel(c.model);
    if (c.accounts) engine.loadAccounts(c.accounts);
    if (c.users) engine.loadUsers(c.users);
    engine.loadEvents(c.events);
    const native = run([
      'score',
      '--events',
      c.eventsFile,
      ...(c.accountsFile ? ['--accounts', c.accountsFile] : []),
      ...(c.usersFile ? ['--users', c.usersFile] : []),
      '--model',
      c.modelFile,
      '--format',
      'csv',
    ]);
    assertSameBytes(native, engine.scoreCsv(), c.name);
    engine.delete();
  });
}

test('scoreCsv writes formula-like ids and names as text, like the CLI', { skip: !hasCli }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pql-csv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const accounts = [
    { account_id: 'a1', name: '=HYPERLINK("http://example.test","x")' },
    { account_id: '+1+1', name: '@SUM(A1)' },
    { account_id: 'a3', name: '-2+3' },
    { account_id: 'a4', name: '\tTAB, "quoted"\nline' },
  ];
  const events = accounts.flatMap((a, i) =>
    Array.from({ length: i + 1 }, (_, k) => ({
      timestamp: Date.UTC(2026, 0, 1 + k),
      user_id: `u${k}`,
      account_id: a.account_id,
      event: 'login',
    })),
  );
  const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  writeFileSync(join(dir, 'e.jsonl'), jsonl(events));
  writeFileSync(join(dir, 'a.jsonl'), jsonl(accounts));
  const engine = await createEngine();
  engine.loadAccounts(jsonl(accounts));
  engine.loadEvents(jsonl(events));
  const csv = engine.scoreCsv();
  assertSameBytes(
    run(['score', '--events', join(dir, 'e.jsonl'), '--accounts', join(dir, 'a.jsonl'), '--format', 'csv']),
    csv,
    'hostile',
  );
  for (const text of [
    `"'=HYPERLINK(""http://example.test"",""x"")"`,
    `'+1+1`,
    `'@SUM(A1)`,
    `'-2+3`,
    `"'\tTAB, ""quoted""\nline"`,
  ]) {
    assert.ok(csv.includes(text), `${JSON.stringify(text)} in the CSV`);
  }
  engine.delete();
});

test('scoreCsv pages, drops the header, adds trait columns; bad options are PqlErrors', async () => {
  const c = conformanceCases().find((x) => x.name === '03-fit');
  const engine = await createEngine();
  engine.setModel(c.model);
  engine.loadAccounts(c.accounts);
  engine.loadEvents(c.events);
  const all = engine.scoreCsv().split('\r\n');
  assert.equal(all.at(-1), '', 'CRLF after the last row');
  const fields = engine.schema().result_fields;
  assert.equal(all[0], fields.join(','), "the header is the schema's result fields, in order");
  const rows = all.slice(1, -1);
  assert.equal(rows.length, engine.score().entities);
  assert.deepEqual(
    engine.scoreCsv({ offset: 1, limit: 2, header: false }).split('\r\n').slice(0, -1),
    rows.slice(1, 3),
  );
  const withTraits = engine.scoreCsv({ traits: ['industry'], limit: 1 }).split('\r\n');
  assert.equal(withTraits[0], `${fields.join(',')},trait.industry`);
  rejects(() => engine.scoreCsv({ offset: -1 }), 'invalid_argument');
  rejects(() => engine.scoreCsv({ limit: 1.5 }), 'invalid_argument');
  rejects(() => engine.scoreCsv({ header: /** @type {any} */ ('yes') }), 'invalid_argument');
  rejects(() => engine.scoreCsv({ traits: /** @type {any} */ ('industry') }), 'invalid_argument');
  engine.delete();
});

test('schema(): the default model is model() of a new engine; every op and metric it lists parses, others do not', async () => {
  const engine = await createEngine();
  const schema = engine.schema();
  assert.deepEqual(schema.default_model, engine.model());
  assert.ok(schema.trait_ops.length >= 12 && schema.comparison_ops.length >= 6);
  const valueFor = { none: undefined, scalar: 'x', scalars: ['x', 'y'], number: 5, range: [1, 9], text: 'x' };
  for (const { op, value } of schema.trait_ops) {
    const rule = { trait: 'plan', op, points: 10, ...(value === 'none' ? {} : { value: valueFor[value] }) };
    engine.setModel({ fit: { rules: [rule] } });
    assert.equal(engine.model().fit.rules[0].op, op);
  }
  rejects(
    () => engine.setModel({ fit: { rules: [{ trait: 'plan', op: 'like', value: 'x', points: 1 }] } }),
    'invalid_model',
  );
  for (const { op } of schema.comparison_ops) engine.setModel({ pql: { rule: { metric: 'score', op, value: 1 } } });
  rejects(() => engine.setModel({ pql: { rule: { metric: 'score', op: '=>', value: 1 } } }), 'invalid_model');
  for (const m of schema.metrics) {
    if ('prefix' in m && !['event', 'trait', 'limit'].includes(m.argument)) continue;
    const metric = 'prefix' in m ? `${m.prefix}x` : m.metric;
    const limits = m.argument === 'limit' ? { x: { event: 'e', limit: 1 } } : undefined;
    engine.setModel({ limits, pql: { rule: { metric, op: '>=', value: 1 } } });
  }
  rejects(() => engine.setModel({ pql: { rule: { metric: 'no_such_metric', op: '>=', value: 1 } } }), 'invalid_model');
  for (const decay of schema.decay) engine.setModel({ engagement: { decay } });
  for (const entity of schema.entities) engine.setModel({ entity });
  for (const format of schema.input_formats) engine.loadEvents('', { format });
  engine.delete();
});

test("clearEvents / clearAccounts / clearOutcomes replace one kind: the ranking equals a fresh engine's", async () => {
  const c = conformanceCases().find((x) => x.name === '04-rules');
  const other = conformanceCases().find((x) => x.name === '03-fit');
  const fresh = async (events, accounts) => {
    const e = await createEngine();
    e.setModel(c.model);
    if (accounts) e.loadAccounts(accounts);
    e.loadEvents(events);
    const out = e.scoreJson();
    e.delete();
    return out;
  };
  const engine = await createEngine();
  engine.setModel(c.model);
  engine.loadAccounts(other.accounts);
  engine.loadEvents(other.events);
  engine.clearAccounts();
  engine.loadAccounts(c.accounts);
  engine.clearEvents();
  assert.equal(engine.score().entities, 0, 'no events, nothing ranked');
  assert.equal(engine.score().diagnostics.read, 0, 'the diagnostics go with the events');
  engine.loadEvents(c.events);
  assert.equal(engine.scoreJson(), await fresh(c.events, c.accounts));
  // Outcomes: a backtest with an outcomes file, then without it.
  const outcomes = 'account_id,converted_at\nacme,2026-03-01\n';
  engine.loadOutcomes(outcomes);
  engine.clearOutcomes();
  const plain = await createEngine();
  plain.setModel(c.model);
  plain.loadAccounts(c.accounts);
  plain.loadEvents(c.events);
  const bt = (e) => {
    try {
      return e.backtest({ horizon_days: 30 });
    } catch (err) {
      return err.code;
    }
  };
  assert.deepEqual(bt(engine), bt(plain));
  // replace: true on a load does the same in one call.
  await engine.loadEventsFrom(other.events, { replace: true });
  assert.equal(engine.scoreJson(), await fresh(other.events, c.accounts));
  plain.delete();
  engine.delete();
});

test("clearUsers drops the users file's traits: the ranking equals an engine that never had them", async () => {
  const c = conformanceCases().find((x) => x.users !== undefined);
  assert.ok(c, 'a conformance case has a users file');
  const make = async (users) => {
    const e = await createEngine();
    e.setModel(c.model);
    if (c.accounts) e.loadAccounts(c.accounts);
    if (users) e.loadUsers(c.users);
    e.loadEvents(c.events);
    return e;
  };
  const withUsers = await make(true);
  const without = await make(false);
  assert.notEqual(withUsers.scoreJson(), without.scoreJson(), 'the users file changes the ranking');
  withUsers.clearUsers();
  assert.equal(withUsers.scoreJson(), without.scoreJson());
  await withUsers.loadUsersFrom(new Blob([c.users]), { replace: true });
  const again = await make(true);
  assert.equal(withUsers.scoreJson(), again.scoreJson());
  for (const e of [withUsers, without, again]) e.delete();
});
