// Scale figures for docs/sql.md: the engine (`pql score`) against the compiled query on DuckDB,
// on one generated data set, with time and peak memory of each step, and a parity check.
//
//   node examples/sample/generate.mjs --out /tmp/pql10m --events 10000000
//   node tests/sql/scale.mjs /tmp/pql10m        # then delete /tmp/pql10m
//
// Steps: pql score (parse JSON Lines + score); pql export-events (contract tables as CSV);
// DuckDB load of the CSV into a database file; the query alone in a fresh process.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const PQL = process.env.PQL_BIN ?? 'build/native/pql';

// A child step under /usr/bin/time: wall seconds and peak RSS (MB).
function timed(cmd, args, { stdout } = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', stdout ? 'pipe' : 'inherit', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  if (stdout) writeFileSync(stdout, r.stdout);
  const [wall, kb] = r.stderr.trim().split('\n').pop().split(' ');
  return { seconds: Number(wall), mb: Math.round(Number(kb) / 1024) };
}

async function queryStep(dir) {
  // In this process: open the database file, run the query, report time and peak RSS.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(join(dir, 'pql.duckdb'));
  const con = await instance.connect();
  const sql = readFileSync(join(dir, 'pql.duckdb.sql'), 'utf8');
  const t = performance.now();
  const reader = await con.runAndReadAll(sql);
  const seconds = (performance.now() - t) / 1000;
  const rows = reader
    .getRowObjects()
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  writeFileSync(join(dir, 'duckdb.json'), JSON.stringify(rows));
  process.stdout.write(
    JSON.stringify({ seconds, rows: rows.length, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }),
  );
}

async function loadStep(dir) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  rmSync(join(dir, 'pql.duckdb'), { force: true });
  const instance = await DuckDBInstance.create(join(dir, 'pql.duckdb'));
  const con = await instance.connect();
  const t = performance.now();
  await con.run('CREATE TABLE events (timestamp_ms BIGINT, account_id VARCHAR, user_id VARCHAR, event VARCHAR)');
  await con.run(`COPY events FROM '${join(dir, 'events.csv')}' (HEADER, ALLOW_QUOTED_NULLS false)`);
  await con.run(
    `CREATE TABLE accounts AS SELECT * FROM read_csv('${join(dir, 'accounts.csv')}', header = true, all_varchar = true, allow_quoted_nulls = false)`,
  );
  await con.run('CHECKPOINT');
  process.stdout.write(
    JSON.stringify({
      seconds: (performance.now() - t) / 1000,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

async function main() {
  const [mode, dir] = process.argv[2]?.startsWith('--') ? process.argv.slice(2) : ['--all', process.argv[2]];
  if (!dir || !existsSync(join(dir, 'events.jsonl'))) {
    console.error('usage: node tests/sql/scale.mjs DIR   (DIR holds events.jsonl, accounts.jsonl, model.json)');
    process.exit(2);
  }
  if (mode === '--query') return queryStep(dir);
  if (mode === '--load') return loadStep(dir);

  const input = [
    '--events',
    join(dir, 'events.jsonl'),
    '--accounts',
    join(dir, 'accounts.jsonl'),
    '--model',
    join(dir, 'model.json'),
  ];
  const engine = timed(PQL, ['score', ...input, '--format', 'json'], { stdout: join(dir, 'engine.json') });
  const { diagnostics: d, entities } = JSON.parse(readFileSync(join(dir, 'engine.json'), 'utf8'));
  console.log(
    `data: ${d.read} event lines, ${d.loaded} loaded (${(statSync(join(dir, 'events.jsonl')).size / 1e9).toFixed(2)} GB), ` +
      `${entities} accounts; machine: ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
  );
  console.log(`engine: pql score (parse + score): ${engine.seconds} s, peak ${engine.mb} MB`);
  const exp = timed(PQL, ['export-events', ...input], { stdout: join(dir, 'events.csv') });
  writeFileSync(
    join(dir, 'accounts.csv'),
    execFileSync(PQL, ['export-events', ...input, '--table', 'accounts'], { maxBuffer: 1 << 30 }),
  );
  console.log(
    `export: pql export-events: ${exp.seconds} s, peak ${exp.mb} MB, ${(statSync(join(dir, 'events.csv')).size / 1e6).toFixed(0)} MB of CSV`,
  );
  writeFileSync(
    join(dir, 'pql.duckdb.sql'),
    execFileSync(PQL, ['sql', '--model', join(dir, 'model.json'), '--dialect', 'duckdb'], { encoding: 'utf8' }),
  );

  const load = JSON.parse(execFileSync(process.execPath, [process.argv[1], '--load', dir], { encoding: 'utf8' }));
  console.log(
    `duckdb load: CSV into a database file: ${load.seconds.toFixed(1)} s, peak ${load.maxRssMb} MB, file ${(statSync(join(dir, 'pql.duckdb')).size / 1e6).toFixed(0)} MB`,
  );
  const runs = [];
  for (let i = 0; i < 3; i++)
    runs.push(JSON.parse(execFileSync(process.execPath, [process.argv[1], '--query', dir], { encoding: 'utf8' })));
  const best = runs.reduce((a, b) => (a.seconds < b.seconds ? a : b));
  console.log(
    `duckdb query (fresh process, best of 3): ${best.seconds.toFixed(2)} s [${runs.map((r) => r.seconds.toFixed(2)).join(', ')}], peak ${Math.max(...runs.map((r) => r.maxRssMb))} MB, ${best.rows} rows`,
  );

  // Parity: same ids in the same order (ties within 1e-9 aside), every figure within 1e-9.
  const { compareRuns } = await import('../lib/compare.mjs');
  const { normalizeRow } = await import('./lib.mjs');
  const run = JSON.parse(readFileSync(join(dir, 'engine.json'), 'utf8'));
  const results = JSON.parse(readFileSync(join(dir, 'duckdb.json'), 'utf8')).map(normalizeRow);
  const diffs = compareRuns(
    { ...run, entities: results.length, qualified: results.filter((r) => r.qualified).length, results },
    run,
  );
  console.log(
    diffs.length
      ? `parity: ${diffs.length} differences, e.g.\n  ${diffs.slice(0, 5).join('\n  ')}`
      : `parity: all ${results.length} rows equal the engine's within 1e-9, same order`,
  );
  process.exitCode = diffs.length ? 1 : 0;
}

await main();
