// Native CLI vs WASM module: byte-identical `score --format json` on every conformance case and
// on the generated sample. A difference is reported with the first diverging line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertSameBytes, conformanceCases } from '../lib/compare.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = process.env.PQL_CLI ?? `${root}build/native/pql`;
const example = `${root}examples/node/score.mjs`;
const sample = `${root}build/sample`;

function run(command, args) {
  return execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
}

function parity(label, { events, accounts, users, model }) {
  const args = [
    'score',
    '--events',
    events,
    ...(accounts ? ['--accounts', accounts] : []),
    ...(users ? ['--users', users] : []),
    ...(model ? ['--model', model] : []),
    '--format',
    'json',
  ];
  const native = run(cli, args);
  const wasm = run(process.execPath, [example, ...args.slice(1)]);
  assertSameBytes(native, wasm, label);
  assert.doesNotThrow(() => JSON.parse(wasm));
}

test('the native CLI is built', () => {
  assert.ok(existsSync(cli), `${cli} is missing: run make native`);
});

for (const c of conformanceCases()) {
  test(`parity ${c.name}: CLI and WASM print the same bytes`, { skip: !existsSync(cli) }, () => {
    parity(c.name, { events: c.eventsFile, accounts: c.accountsFile, users: c.usersFile, model: c.modelFile });
  });
}

test('parity on the generated sample (build/sample), with --top and --as-of', { skip: !existsSync(cli) }, () => {
  assert.ok(existsSync(`${sample}/events.jsonl`), 'build/sample is missing: run make sample');
  const files = {
    events: `${sample}/events.jsonl`,
    accounts: `${sample}/accounts.jsonl`,
    model: `${sample}/model.json`,
  };
  parity('sample', files);
  parity('sample, default model', { events: files.events, accounts: files.accounts });
  const args = [
    '--events',
    files.events,
    '--model',
    files.model,
    '--top',
    '25',
    '--as-of',
    '2025-12-01T00:00:00Z',
    '--format',
    'json',
  ];
  assertSameBytes(run(cli, ['score', ...args]), run(process.execPath, [example, ...args]), 'sample --top --as-of');
});
