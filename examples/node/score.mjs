#!/usr/bin/env node
// `pql score` through the WebAssembly module: the same flags, and with --format json the same
// bytes on standard output as the native CLI. Run from anywhere after `make wasm`:
//   node examples/node/score.mjs --events events.jsonl --accounts accounts.jsonl --model model.json --format json
// Exit codes as the CLI: 0 success, 1 bad input or model, 2 bad usage.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createEngine, PqlError } from '../../build/wasm/pkg/index.js';

const usage = `usage: node score.mjs --events F [--accounts F] [--users F] [--model F] [--as-of ISO] [--top N]
                      [--input-format auto|jsonl|json|csv] [--strict] [--format json|table|csv]
                      [--csv spec|crm] [--trait NAME]...
                      [--account-key NAME] [--map FIELD=NAME]... [--accounts-map FIELD=NAME]...
                      [--users-map FIELD=NAME]... [--time-unit ms|s]
Files may be gzip or zip (read as they stream).`;

function exit(code, message) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      events: { type: 'string', multiple: true },
      accounts: { type: 'string' },
      users: { type: 'string' },
      'account-key': { type: 'string' },
      map: { type: 'string', multiple: true },
      'accounts-map': { type: 'string', multiple: true },
      'users-map': { type: 'string', multiple: true },
      'time-unit': { type: 'string' },
      model: { type: 'string' },
      'as-of': { type: 'string' },
      top: { type: 'string' },
      'input-format': { type: 'string', default: 'auto' },
      strict: { type: 'boolean', default: false },
      format: { type: 'string', default: 'table' },
      csv: { type: 'string' },
      trait: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  exit(2, `score.mjs: ${e.message}\n${usage}`);
}
if (values.help) exit(0, usage);
if (!values.events) exit(2, `score.mjs: --events is required\n${usage}`);
if (!['json', 'table', 'csv'].includes(values.format))
  exit(2, `score.mjs: --format must be table, json or csv (got '${values.format}')\n${usage}`);
if ((values.csv !== undefined || values.trait) && values.format !== 'csv')
  exit(2, 'score.mjs: --csv and --trait apply to --format csv');
if (values.csv !== undefined && !['spec', 'crm'].includes(values.csv))
  exit(2, `score.mjs: --csv must be spec or crm (got '${values.csv}')`);
if (values.top !== undefined && !/^\d+$/.test(values.top))
  exit(2, `score.mjs: --top must be a whole number (got '${values.top}')`);

// --map FIELD=NAME (repeatable) as a `columns` option.
function columns(flag, list) {
  if (!list) return undefined;
  const out = {};
  for (const m of list) {
    const eq = m.indexOf('=');
    if (eq <= 0 || eq === m.length - 1) exit(2, `score.mjs: ${flag} takes FIELD=NAME (got '${m}')`);
    out[m.slice(0, eq)] = m.slice(eq + 1);
  }
  return out;
}
if (values['time-unit'] !== undefined && !['ms', 's'].includes(values['time-unit']))
  exit(2, `score.mjs: --time-unit must be ms or s (got '${values['time-unit']}')`);

// A file as a stream (stdin for '-'): the engine reads it piece by piece, inflating gzip and zip.
const source = (file) => (file === '-' ? process.stdin : createReadStream(file));

// Files are read as bytes (stdin for '-') and copied into the engine without decoding.
const read = async (file) => {
  if (file !== '-') return readFile(file);
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks);
};

const engine = await createEngine();
try {
  // The CLI's order: model, as-of, events, then accounts.
  if (values.model) engine.setModel(await read(values.model).then(String));
  if (values['as-of']) engine.setAsOf(values['as-of']);
  const common = {
    format: values['input-format'],
    strict: values.strict,
    account_key: values['account-key'],
    time_unit: values['time-unit'],
  };
  const say = (file, report) => {
    if (report.skipped) process.stderr.write(`score.mjs: ${file}: skipped ${report.skipped} of ${report.read} rows\n`);
    for (const n of report.notes ?? []) process.stderr.write(`score.mjs: ${file}: ${n}\n`);
  };
  let loaded = 0,
    read_ = 0;
  for (const file of values.events) {
    const report = await engine.loadEventsFrom(source(file), { ...common, columns: columns('--map', values.map) });
    say(file, report);
    loaded += report.loaded;
    read_ += report.read;
  }
  if (engine.catalog().events_loaded === 0)
    exit(
      1,
      `score.mjs: no events could be read from ${values.events.join(', ')} (${read_} rows read, ${loaded} loaded)`,
    );
  if (values.accounts)
    say(
      values.accounts,
      await engine.loadAccountsFrom(source(values.accounts), {
        ...common,
        columns: columns('--accounts-map', values['accounts-map']),
      }),
    );
  if (values.users)
    say(
      values.users,
      await engine.loadUsersFrom(source(values.users), {
        ...common,
        columns: columns('--users-map', values['users-map']),
      }),
    );

  const limit = values.top === undefined ? Infinity : Number(values.top);
  if (values.format === 'json') {
    process.stdout.write(engine.scoreJson({ limit }) + '\n');
  } else if (values.format === 'csv') {
    // The core's CSV writer: SPEC §4 columns, or the CRM preset (docs/model.md), as the CLI.
    const traits = (values.trait ?? []).flatMap((t) => t.split(',')).filter((t) => t !== '');
    process.stdout.write(engine.scoreCsv({ limit, preset: values.csv ?? 'spec', traits }));
  } else {
    const run = engine.score({ limit: Math.min(limit, 50) });
    console.table(
      run.results.map((r) => ({
        rank: r.rank,
        id: r.id,
        name: r.name ?? '',
        score: +r.score.toFixed(1),
        tier: r.tier ?? '-',
        grade: r.grade ?? '-',
        PQL: r.qualified ? 'yes' : '',
      })),
    );
    console.log(`${run.entities} entities, ${run.qualified} qualified (PQL), as of ${run.as_of}`);
  }
} catch (e) {
  if (e instanceof PqlError) exit(e.code === 'invalid_argument' ? 2 : 1, `score.mjs: ${e.message}`);
  if (e.syscall) exit(1, `score.mjs: ${e.message}`); // a file that cannot be read
  throw e;
} finally {
  engine.delete();
}
