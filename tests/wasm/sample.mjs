// Shared by the WASM suites that compare with the CLI on the sample data set (make sample): the
// native pql on the sample's files, and a WASM engine loaded with the same files and model.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createEngine } from '../../build/wasm/pkg/index.js';

const root = new URL('../../', import.meta.url).pathname;
export const PQL = `${root}build/native/pql`;
export const SAMPLE = `${root}build/sample`;
const files = [
  '--events',
  `${SAMPLE}/events.jsonl`,
  '--accounts',
  `${SAMPLE}/accounts.jsonl`,
  '--model',
  `${SAMPLE}/model.json`,
];

/** `pql <extra...>` on the sample's events, accounts and model; its standard output. */
export function sampleCli(...extra) {
  const r = spawnSync(PQL, [...extra, ...files], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** A WASM engine holding the sample's model, events and accounts. */
export async function sampleEngine() {
  const engine = await createEngine();
  engine.setModel(readFileSync(`${SAMPLE}/model.json`, 'utf8'));
  engine.loadEvents(readFileSync(`${SAMPLE}/events.jsonl`));
  engine.loadAccounts(readFileSync(`${SAMPLE}/accounts.jsonl`));
  return engine;
}
