// `pql sql --dialect postgres` run on PostgreSQL 15: a throw-away cluster (initdb as the postgres
// user, a Unix socket in a fresh temp dir, no TCP), stopped and removed afterwards even when a
// test fails; queried with psql --csv. Same cases as the DuckDB suite, fewer random models.
// Run from the repo root after `make native` and `make sample`. PQL_SKIP_POSTGRES=1 skips it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conformance, hostile, kitchenSink, randomModels, sample, traitMatrix } from './cases.mjs';
import {
  assertSameAsEngine,
  compile,
  engineRun,
  exportTables,
  loadPostgres,
  postgresAvailable,
  requireBuilt,
  startPostgres,
} from './lib.mjs';
import { segmentCase, segmentViews } from './segment.mjs';

const skip = process.env.PQL_SKIP_POSTGRES === '1' ? 'PQL_SKIP_POSTGRES=1' : false;
const root = mkdtempSync(join(tmpdir(), 'pql-sql-pg-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let pg;
let n = 0;

before(() => {
  if (skip) return;
  assert.ok(
    postgresAvailable(),
    'PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin); PQL_SKIP_POSTGRES=1 skips this suite',
  );
  pg = startPostgres();
});
after(() => pg?.stop());

/** Loads the case into its own schema, runs the compiled query, compares with the engine. */
function check(c, { asOf } = {}) {
  requireBuilt();
  const schema = `case_${n++}`;
  const tables = exportTables(c.files, join(root, schema), { asOf });
  loadPostgres(pg, tables, schema);
  const sql = compile(c.files.modelFile, 'postgres', [
    '--events-table',
    `${schema}.events`,
    '--accounts-table',
    `${schema}.accounts`,
    '--users-table',
    `${schema}.users`,
    ...(asOf ? ['--as-of', asOf] : []),
  ]);
  const rows = pg.query(sql);
  assertSameAsEngine(rows, engineRun({ ...c.files, asOf }), c.name);
  pg.query(`DROP SCHEMA ${schema} CASCADE`);
  return rows;
}

test("every conformance case gives the engine's results", { skip }, async (t) => {
  for (const c of conformance()) await t.test(c.name, () => check(c));
});

test("the sample data set (>= 100k events) gives the engine's results", { skip }, () => {
  const rows = check(sample());
  assert.ok(rows.length >= 500, `${rows.length} accounts`);
});

test("--as-of overrides the model's as_of, as in pql score --as-of", { skip }, () => {
  check(
    conformance().find((c) => c.name === '02-activation'),
    { asOf: '2026-04-02T12:00:00Z' },
  );
});

test('hostile names make a valid, harmless query', { skip }, () => {
  const rows = check(hostile(join(root, 'hostile')));
  assert.ok(rows.length > 0);
  assert.ok(Number(pg.query('SELECT 1 AS one')[0].one) === 1);
});

test('every trait comparison of SPEC §3, incl. overflow and underflow of JSON-number strings', { skip }, async (t) => {
  for (const c of traitMatrix(join(root, 'traits'))) await t.test(c.name, () => check(c));
});

test("the golden kitchen-sink model (every feature) gives the engine's results", { skip }, () => {
  assert.ok(check(kitchenSink(join(root, 'kitchen'))).length > 0);
});

test('random models over generated data', { skip }, async (t) => {
  const seed = Number(process.env.PQL_SQL_SEED ?? 1) + 1000;
  for (const c of randomModels(join(root, 'random'), { count: Number(process.env.PQL_SQL_PG_MODELS ?? 25), seed })) {
    await t.test(c.name, () => check(c));
  }
});

test('the Segment warehouse view of docs/sql.md scores as the engine does', { skip }, () => {
  requireBuilt();
  const c = segmentCase(join(root, 'segment'));
  pg.query([...c.warehouse('postgres'), ...segmentViews('postgres')].join(';\n') + ';\n');
  const rows = pg.query(
    compile(c.files.modelFile, 'postgres', ['--events-table', 'pql.events', '--accounts-table', 'pql.accounts']),
  );
  assertSameAsEngine(rows, engineRun(c.files), 'segment view');
  assert.ok(rows.length >= 10);
});
