// The DuckDB peer: the same model as one SQL query (`pql sql --dialect duckdb`, the model→SQL
// compiler) over the same events, in an in-memory DuckDB table loaded once. Timed: the query
// alone (top 50 of its ranking, as the engine's page) after a half-life change and after a
// weight change. The tables come from `pql export-events` (the engine's own view of the data:
// duplicates dropped, accounts resolved), so both sides score exactly the same rows.
//
//   duckdbPeer({dir, model, runs, log, engineTop}) -> {loadMs, halfLife: {median, p95}, weight, top}
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { median, p95, modelWith } from './measure.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PQL = join(ROOT, 'build/native/pql');

function fresh(target, ...sources) {
  if (!existsSync(target)) return false;
  const t = statSync(target).mtimeMs;
  return sources.every((s) => !existsSync(s) || statSync(s).mtimeMs <= t);
}

// The contract tables for a data set, cached next to it.
function exportTables(dir, modelFile) {
  const events = join(dir, 'sql-events.csv'),
    accounts = join(dir, 'sql-accounts.csv');
  const inputs = [join(dir, 'events.jsonl'), join(dir, 'accounts.jsonl'), modelFile];
  const args = ['--events', inputs[0], '--accounts', inputs[1], '--model', modelFile];
  const toFile = (file, extra) => {
    // written straight to the file (10M events is ~0.5 GB of CSV)
    const fd = openSync(file + '.tmp', 'w');
    try {
      execFileSync(PQL, ['export-events', ...args, ...extra], { stdio: ['ignore', fd, 'ignore'] });
    } finally {
      closeSync(fd);
    }
    renameSync(file + '.tmp', file);
  };
  if (!fresh(events, ...inputs)) toFile(events, []);
  if (!fresh(accounts, ...inputs)) toFile(accounts, ['--table', 'accounts']);
  return { events, accounts };
}

function sqlFor(model, tmp, name) {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(model));
  const sql = execFileSync(PQL, ['sql', '--dialect', 'duckdb', '--model', file], { encoding: 'utf8' })
    .trim()
    .replace(/;\s*$/, '');
  // The page the engine is asked for: the first 50 of the ranking.
  return `SELECT * FROM (\n${sql}\n) ranked LIMIT 50`;
}

export async function duckdbPeer({ dir, model, runs = 10, log = () => {}, engineTop }) {
  const out = { query: 'pql sql --dialect duckdb (generated), LIMIT 50' };
  const tmp = mkdtempSync(join(tmpdir(), 'pql-duckdb-'));
  try {
    const modelFile = join(dir, 'model.json');
    const t0 = performance.now();
    const tables = exportTables(dir, modelFile);
    out.exportMs = performance.now() - t0;

    const hl = model.engagement?.half_life_days ?? 14;
    const w = model.engagement.events.report_created.weight;
    const base = sqlFor(model, tmp, 'a');
    const halfLife = sqlFor(modelWith(model, ['engagement', 'half_life_days'], hl === 21 ? 14 : 21), tmp, 'b');
    const weight = sqlFor(modelWith(model, ['engagement', 'events', 'report_created', 'weight'], w + 1), tmp, 'c');

    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    out.threads = Number((await con.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0]);
    let t1 = performance.now();
    await con.run('CREATE TABLE events (timestamp_ms BIGINT, account_id VARCHAR, user_id VARCHAR, event VARCHAR)');
    await con.run(`COPY events FROM '${tables.events}' (HEADER, ALLOW_QUOTED_NULLS false)`);
    await con.run(
      `CREATE TABLE accounts AS SELECT * FROM read_csv('${tables.accounts}', header = true, all_varchar = true, allow_quoted_nulls = false)`,
    );
    out.loadMs = performance.now() - t1;
    out.rows = Number((await con.runAndReadAll('SELECT count(*) FROM events')).getRows()[0][0]);
    log(`loaded ${out.rows} rows in ${out.loadMs.toFixed(0)} ms (${out.threads} threads)`);

    const run = async (sql) => (await con.runAndReadAll(sql)).getRowObjects();
    const first = await run(base);
    out.top = first.map((r) => [r.id, Number(r.score)]);
    if (engineTop) {
      const same = engineTop.filter(([id], i) => out.top[i]?.[0] === id).length;
      const maxDiff = Math.max(
        ...engineTop.map(([id, s], i) => (out.top[i]?.[0] === id ? Math.abs(out.top[i][1] - s) : 0)),
      );
      out.agreement = { sameRank: same, of: engineTop.length, maxScoreDiff: maxDiff };
      log(
        `top 50 agrees with the engine at ${same}/${engineTop.length} ranks (max score difference ${maxDiff.toExponential(1)})`,
      );
    }
    const timeAlternating = async (other) => {
      const times = [];
      await run(other); // warm
      for (let i = 0; i < runs; i++) {
        t1 = performance.now();
        await run(i % 2 ? base : other);
        times.push(performance.now() - t1);
      }
      return { median: median(times), p95: p95(times), runs };
    };
    out.halfLife = await timeAlternating(halfLife);
    out.weight = await timeAlternating(weight);
    log(
      `query after a half-life change ${out.halfLife.median.toFixed(1)} ms, after a weight change ${out.weight.median.toFixed(1)} ms`,
    );
    con.closeSync();
    db.closeSync();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}
