// `pql sql --dialect duckdb` run on DuckDB (embedded): the same ranking, figures and flags as
// `pql score --format json` on every conformance case, the sample (>= 100k events), hostile
// names, every trait comparison, random models, renamed tables and columns, --as-of, and the
// Segment warehouse view of docs/sql.md.
// Run from the repo root after `make native` and `make sample`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conformance, hostile, kitchenSink, randomModels, sample, traitMatrix } from './cases.mjs';
import { assertSameAsEngine, compile, duckdb, engineRun, exportTables, loadDuckDb, requireBuilt } from './lib.mjs';
import { segmentCase, segmentViews } from './segment.mjs';

const root = mkdtempSync(join(tmpdir(), 'pql-sql-duckdb-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** Loads the case's contract tables into a fresh DuckDB, runs the compiled query, compares. */
async function check(c, { asOf } = {}) {
  requireBuilt();
  const tables = exportTables(c.files, join(root, `case-${n++}`), { asOf });
  const db = await duckdb();
  try {
    await loadDuckDb(db, tables);
    const sql = compile(c.files.modelFile, 'duckdb', asOf ? ['--as-of', asOf] : []);
    const rows = await db.rows(sql);
    assertSameAsEngine(rows, engineRun({ ...c.files, asOf }), c.name);
    return { db, rows };
  } finally {
    db.close();
  }
}

test("every conformance case gives the engine's results", async (t) => {
  for (const c of conformance()) await t.test(c.name, () => check(c));
});

test("the sample data set (>= 100k events) gives the engine's results", async () => {
  const { rows } = await check(sample());
  assert.ok(rows.length >= 500, `${rows.length} accounts`);
});

test("--as-of overrides the model's as_of, as in pql score --as-of", async () => {
  await check(
    conformance().find((c) => c.name === '02-activation'),
    { asOf: '2026-04-02T12:00:00Z' },
  );
  await check(sample(), { asOf: '2026-10-15T00:00:00.000Z' });
});

test('hostile event, trait, account, tier and label names make a valid, harmless query', async () => {
  const c = hostile(join(root, 'hostile'));
  const tables = exportTables(c.files, join(root, 'hostile-tables'));
  const db = await duckdb();
  try {
    await loadDuckDb(db, tables);
    const rows = await db.rows(compile(c.files.modelFile, 'duckdb'));
    assertSameAsEngine(rows, engineRun(c.files), c.name);
    assert.ok(
      rows.some((r) => r.qualified),
      'the rule on hostile names matched somewhere',
    );
    // Nothing was dropped.
    const left = await db.rows('SELECT COUNT(*) AS n FROM events');
    assert.ok(Number(left[0].n) > 0);
  } finally {
    db.close();
  }
});

test('every trait comparison of SPEC §3 (strings, JSON-number strings, booleans, absent)', async (t) => {
  for (const c of traitMatrix(join(root, 'traits'))) await t.test(c.name, () => check(c));
});

test("the golden kitchen-sink model (every feature) gives the engine's results", async () => {
  const { rows } = await check(kitchenSink(join(root, 'kitchen')));
  assert.ok(rows.length > 0);
});

test('random models over generated data (flat and Segment, account and user)', async (t) => {
  const seed = Number(process.env.PQL_SQL_SEED ?? 1);
  for (const c of randomModels(join(root, 'random'), { count: Number(process.env.PQL_SQL_MODELS ?? 60), seed })) {
    await t.test(c.name, () => check(c));
  }
});

test('tables and columns under other names (--events-table, --accounts-table, --column)', async () => {
  requireBuilt();
  const c = conformance().find((x) => x.name === '04-rules');
  const tables = exportTables(c.files, join(root, 'renamed'));
  const db = await duckdb();
  try {
    await loadDuckDb(db, tables, 'tmp_');
    await db.run('CREATE SCHEMA "pql test"');
    await db.run(`CREATE TABLE "pql test"."ev""ents" AS SELECT timestamp_ms AS "Time Stamp", account_id AS "Acct", user_id AS who,
      event AS "what's" FROM tmp_events`);
    await db.run(`CREATE TABLE "pql test"."acc'ts" AS SELECT account_id AS "Acct", name AS "Display Name", employees AS "Head Count"
      FROM tmp_accounts`);
    const sql = compile(c.files.modelFile, 'duckdb', [
      '--events-table',
      'pql test.ev"ents',
      '--accounts-table',
      "pql test.acc'ts",
      '--column',
      'timestamp_ms=Time Stamp',
      '--column',
      'account_id=Acct',
      '--column',
      'user_id=who',
      '--column',
      "event=what's",
      '--column',
      'name=Display Name',
      '--column',
      'trait.employees=Head Count',
    ]);
    assert.match(sql, /FROM "pql test"\."ev""ents" e/);
    assertSameAsEngine(await db.rows(sql), engineRun(c.files), 'renamed');
  } finally {
    db.close();
  }
});

test('the Segment warehouse view of docs/sql.md (tracks, pages, groups) scores as the engine does', async () => {
  requireBuilt();
  const c = segmentCase(join(root, 'segment'));
  const db = await duckdb();
  try {
    for (const stmt of c.warehouse('duckdb')) await db.run(stmt);
    for (const stmt of segmentViews('duckdb')) await db.run(stmt);
    const rows = await db.rows(
      compile(c.files.modelFile, 'duckdb', ['--events-table', 'pql.events', '--accounts-table', 'pql.accounts']),
    );
    assertSameAsEngine(rows, engineRun(c.files), 'segment view');
    assert.ok(rows.length >= 10);
  } finally {
    db.close();
  }
});
