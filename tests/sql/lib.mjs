// Shared by the SQL tests: the contract tables from the engine's own export, a DuckDB and a
// throw-away PostgreSQL to run the compiled query on, and the comparison with `pql score`.
// Run from the repo root after `make native` (and `make sample` for the sample data set).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRuns } from '../lib/compare.mjs';

export const PQL = 'build/native/pql';
export const SAMPLE = 'build/sample';

export function requireBuilt() {
  assert.ok(existsSync(PQL), `${PQL} is missing: run \`make native\` first`);
}

export function pql(args, opts = {}) {
  return execFileSync(PQL, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
}

/** The engine's scoring run: SPEC §4 machine output. */
export function engineRun({ eventsFile, accountsFile, modelFile, asOf }) {
  const args = ['score', '--events', eventsFile];
  if (accountsFile) args.push('--accounts', accountsFile);
  args.push('--model', modelFile, '--format', 'json');
  if (asOf) args.push('--as-of', asOf);
  return JSON.parse(pql(args, { stdio: ['ignore', 'pipe', 'ignore'] }));
}

/** The compiled query for a model file. */
export function compile(modelFile, dialect, extra = []) {
  return pql(['sql', '--model', modelFile, '--dialect', dialect, ...extra]);
}

/**
 * The contract tables as CSV files in `dir`, from `pql export-events` (the engine's own view of
 * the data at the model's as_of): { events, entities, entityTable }.
 */
export function exportTables({ eventsFile, accountsFile, modelFile }, dir, { asOf } = {}) {
  mkdirSync(dir, { recursive: true });
  const model = JSON.parse(readFileSync(modelFile, 'utf8'));
  const entityTable = model.entity === 'user' ? 'users' : 'accounts';
  const base = ['export-events', '--events', eventsFile, '--model', modelFile];
  if (accountsFile) base.push('--accounts', accountsFile);
  if (asOf) base.push('--as-of', asOf);
  const events = join(dir, 'events.csv'),
    entities = join(dir, `${entityTable}.csv`);
  const quiet = { stdio: ['ignore', 'pipe', 'ignore'] };
  writeFileSync(events, pql([...base, '--table', 'events'], quiet));
  writeFileSync(entities, pql([...base, '--table', entityTable], quiet));
  return { events, entities, entityTable };
}

/** RFC 4180 CSV into rows of cells; an unquoted empty cell is null, a quoted one "". */
export function parseCsv(text) {
  const rows = [];
  let row = [],
    cell = '',
    quoted = false,
    wasQuoted = false,
    i = 0;
  const endCell = () => {
    row.push(cell === '' && !wasQuoted ? null : cell);
    cell = '';
    wasQuoted = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        i++;
        continue;
      }
      cell += c;
      i++;
      continue;
    }
    if (c === '"') {
      quoted = true;
      wasQuoted = true;
      i++;
      continue;
    }
    if (c === ',') {
      endCell();
      i++;
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') {
      i++;
      continue;
    }
    if (c === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
      continue;
    }
    cell += c;
    i++;
  }
  if (cell !== '' || wasQuoted || row.length) {
    endCell();
    rows.push(row);
  }
  return rows;
}

export const csvHeader = (file) => parseCsv(readFileSync(file, 'utf8').split('\n')[0] + '\n')[0];

const INTEGER_FIELDS = new Set(['rank', 'steps_completed', 'active_users', 'users', 'events', 'days_since_last_seen']);
const FLOAT_FIELDS = new Set(['score', 'activation', 'engagement', 'fit', 'engagement_points', 'velocity']);
const BOOL_FIELDS = new Set(['activated', 'qualified']);

/** One result row with SPEC §4's JSON types, from whatever the database handed back. */
export function normalizeRow(row) {
  const out = {};
  for (const [k, v] of Object.entries(row)) {
    const key = k.toLowerCase();
    if (v === null || v === undefined) out[key] = null;
    else if (INTEGER_FIELDS.has(key) || FLOAT_FIELDS.has(key)) out[key] = Number(v);
    else if (BOOL_FIELDS.has(key)) out[key] = v === true || v === 't' || v === 'true';
    else out[key] = String(v);
  }
  return out;
}

/** Asserts that SQL rows equal the engine's run (tests/conformance/README.md tolerance and order). */
export function assertSameAsEngine(rows, run, label) {
  const results = rows.map(normalizeRow);
  const asRun = {
    as_of: run.as_of,
    entities: results.length,
    qualified: results.filter((r) => r.qualified).length,
    diagnostics: run.diagnostics,
    results,
  };
  const diffs = compareRuns(asRun, run, { v2: false }); // §7's fields are the engine's alone
  if (diffs.length)
    assert.fail(`${label}: ${diffs.length} difference(s) from the engine\n  ${diffs.slice(0, 20).join('\n  ')}`);
  // Every row in rank order, ranks 1..n.
  results.forEach((r, i) => assert.equal(r.rank, i + 1, `${label}: row ${i} has rank ${r.rank}`));
}

// ---------------------------------------------------------------------------------------------
// DuckDB (embedded)

export async function duckdb() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  return {
    con,
    async run(sql) {
      return con.run(sql);
    },
    async rows(sql) {
      const reader = await con.runAndReadAll(sql);
      return reader.getRowObjects();
    },
    close() {
      con.closeSync?.();
      instance.closeSync?.();
    },
  };
}

export const quoteIdent = (s) => `"${s.replaceAll('"', '""')}"`;
const quoteStr = (s) => `'${s.replaceAll("'", "''")}'`;

/** Creates events and accounts/users in DuckDB from the exported CSV files. */
export async function loadDuckDb(db, tables, prefix = '') {
  await db.run(
    `CREATE OR REPLACE TABLE ${prefix}events (timestamp_ms BIGINT, account_id VARCHAR, user_id VARCHAR, event VARCHAR)`,
  );
  await db.run(`COPY ${prefix}events FROM ${quoteStr(tables.events)} (HEADER, ALLOW_QUOTED_NULLS false)`);
  const cols = csvHeader(tables.entities);
  await db.run(
    `CREATE OR REPLACE TABLE ${prefix}${tables.entityTable} (${cols.map((c) => `${quoteIdent(c)} VARCHAR`).join(', ')})`,
  );
  await db.run(
    `COPY ${prefix}${tables.entityTable} FROM ${quoteStr(tables.entities)} (HEADER, ALLOW_QUOTED_NULLS false)`,
  );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL 15: a throw-away cluster on a Unix socket only, run as the postgres user.

const PG_BIN = '/usr/lib/postgresql/15/bin';

function asPostgres(args) {
  const r = spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args[0]} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export function postgresAvailable() {
  return existsSync(join(PG_BIN, 'initdb')) && spawnSync('id', ['postgres']).status === 0;
}

export function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'pql-pg-'));
  const pgUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const pgGid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, pgUid, pgGid);
  const data = join(dir, 'data'),
    log = join(dir, 'log');
  let started = false;
  const pg = {
    dir,
    stop() {
      if (started) {
        try {
          asPostgres([join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
        } catch {
          // already gone
        }
        started = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
    /** Runs SQL text (file) and returns the result rows as objects (psql CSV output). */
    query(sql, { file } = {}) {
      const path = file ?? join(dir, `q${Math.random().toString(36).slice(2)}.sql`);
      if (!file) writeFileSync(path, sql);
      const r = spawnSync(
        join(PG_BIN, 'psql'),
        ['-h', dir, '-U', 'postgres', '-d', 'postgres', '-X', '-q', '--csv', '-v', 'ON_ERROR_STOP=1', '-f', path],
        { encoding: 'utf8', maxBuffer: 1 << 30 },
      );
      if (!file) rmSync(path, { force: true });
      if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${r.stderr}`);
      const rows = parseCsv(r.stdout);
      if (!rows.length) return [];
      const [head, ...body] = rows;
      return body.map((cells) => Object.fromEntries(head.map((h, i) => [h, cells[i]])));
    },
  };
  try {
    asPostgres([
      join(PG_BIN, 'initdb'),
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale',
      'C.UTF-8',
    ]);
    // No TCP at all: a Unix socket in the temp dir. fsync off: a throw-away cluster.
    asPostgres([
      join(PG_BIN, 'pg_ctl'),
      '-D',
      data,
      '-l',
      log,
      '-w',
      '-t',
      '60',
      '-o',
      `-k ${dir} -c listen_addresses= -F`,
      'start',
    ]);
    started = true;
  } catch (e) {
    pg.stop();
    throw e;
  }
  // Stopped on every way out: normal exit, an uncaught error, or the test runner's signals.
  process.once('exit', () => pg.stop());
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      pg.stop();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
  return pg;
}

/** Creates events and accounts/users in PostgreSQL from the exported CSV files (schema `schema`). */
export function loadPostgres(pg, tables, schema) {
  const cols = csvHeader(tables.entities);
  const t = `${schema}.${tables.entityTable}`;
  pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};
CREATE TABLE ${schema}.events (timestamp_ms BIGINT, account_id TEXT, user_id TEXT, event TEXT);
CREATE TABLE ${t} (${cols.map((c) => `${quoteIdent(c)} TEXT`).join(', ')});
\\copy ${schema}.events FROM ${quoteStr(tables.events)} CSV HEADER
\\copy ${t} FROM ${quoteStr(tables.entities)} CSV HEADER
ANALYZE ${schema}.events;
`);
}
