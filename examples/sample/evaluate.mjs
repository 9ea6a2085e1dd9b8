#!/usr/bin/env node
// Backtests a model on the sample with the native CLI: scores at as_of, then asks how well the
// score ranks the accounts that really converted in the next `horizon` days (SPEC §5), and
// compares with a naive model (every event worth 1, no decay).
//
//   node examples/sample/evaluate.mjs [--dir build/sample] [--pql build/native/pql]
//        [--model FILE] [--as-of ISO] [--horizon DAYS]
//
// Also imported by tests/sample/ for the same numbers.
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const DAY = 86_400_000;
export const DEFAULT_END = '2026-10-31T23:59:59Z';
// The evaluation point of the sample: 30 days before its end, so a 30-day horizon fits.
export const DEFAULT_AS_OF = new Date(Date.parse(DEFAULT_END) - 30 * DAY).toISOString();

// What a team writes before it has looked at the data: every event counts 1, nothing decays.
// Activation, fit and the blend stay the same, so only the engagement choices differ.
export function naiveModel(model) {
  const { saturation } = model.engagement ?? {};
  return {
    ...model,
    engagement: { decay: 'none', default_weight: 1, ...(saturation === undefined ? {} : { saturation }) },
  };
}

// Earliest conversion per account: flat rows by account_id; Segment track calls through
// context.groupId or the user's latest group call (SPEC §1.1).
export async function readConversions(eventsPath, conversionEvent) {
  const first = new Map();
  const groupOf = new Map(); // userId -> [groupId, ts] of the latest group call
  const segmentTracks = [];
  const lines = createInterface({ input: createReadStream(eventsPath), crlfDelay: Infinity });
  for await (const line of lines) {
    const isGroup = line.includes('"group"');
    if (!isGroup && !line.includes(conversionEvent)) continue; // cheap pre-filter
    const r = JSON.parse(line);
    if (r.type === 'group') {
      const ts = Date.parse(r.timestamp);
      const prev = groupOf.get(r.userId);
      if (!prev || prev[1] <= ts) groupOf.set(r.userId, [r.groupId, ts]);
      continue;
    }
    if (r.event !== conversionEvent) continue;
    if (r.type === 'track') {
      segmentTracks.push(r);
      continue;
    }
    if (r.account_id) keepEarliest(first, r.account_id, Date.parse(r.timestamp));
  }
  for (const r of segmentTracks) {
    const acct = r.context?.groupId ?? groupOf.get(r.userId)?.[0];
    if (acct) keepEarliest(first, acct, Date.parse(r.timestamp));
  }
  return first;
}

function keepEarliest(map, key, ts) {
  if (!map.has(key) || ts < map.get(key)) map.set(key, ts);
}

// ROC AUC: the chance that a random positive outranks a random negative, ties count one half.
// Computed from average ranks (Mann-Whitney U), so ties get exactly half.
export function auc(items) {
  const sorted = items.map((x) => [x.score, x.positive]).sort((a, b) => a[0] - b[0]);
  let positives = 0,
    rankSum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j][0] === sorted[i][0]) j++;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++)
      if (sorted[k][1]) {
        positives++;
        rankSum += midRank;
      }
    i = j;
  }
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

// SPEC §5's population and positives from a scoring run and the conversions.
export function backtest(results, conversions, asOfMs, horizonDays = 30) {
  const end = asOfMs + horizonDays * DAY;
  const items = [];
  for (const r of results) {
    const at = conversions.get(r.id);
    if (at !== undefined && at <= asOfMs) continue; // already a customer
    items.push({ id: r.id, score: r.score, positive: at !== undefined && at <= end });
  }
  const positives = items.filter((x) => x.positive).length;
  return { population: items.length, positives, auc: auc(items) };
}

// Runs `pql score ... --format json` and returns the parsed output.
export function scoreWithCli(pql, { events, accounts, model, asOf }) {
  const args = ['score', '--events', events];
  if (accounts) args.push('--accounts', accounts);
  args.push('--model', model, '--as-of', asOf, '--format', 'json');
  const out = execFileSync(pql, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  return JSON.parse(out);
}

// Scores the sample with `model` and with its naive twin; returns both backtests.
export async function compare({ dir, pql, model, asOf = DEFAULT_AS_OF, horizonDays = 30 }) {
  const events = join(dir, 'events.jsonl'),
    accounts = join(dir, 'accounts.jsonl');
  const modelPath = model ?? join(dir, 'model.json');
  const m = JSON.parse(readFileSync(modelPath, 'utf8'));
  const conversions = await readConversions(events, m.conversion_event ?? 'subscription_started');
  const asOfMs = Date.parse(asOf);
  const tmp = mkdtempSync(join(tmpdir(), 'pql-eval-'));
  try {
    const naivePath = join(tmp, 'naive-model.json');
    writeFileSync(naivePath, JSON.stringify(naiveModel(m), null, 2));
    const run = (p) => scoreWithCli(pql, { events, accounts, model: p, asOf });
    const dRun = run(modelPath),
      nRun = run(naivePath);
    return {
      diagnostics: dRun.diagnostics,
      model: backtest(dRun.results, conversions, asOfMs, horizonDays),
      naive: backtest(nRun.results, conversions, asOfMs, horizonDays),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const o = { dir: 'build/sample', pql: 'build/native/pql', asOf: DEFAULT_AS_OF, horizonDays: 30 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--dir':
        o.dir = v;
        break;
      case '--pql':
        o.pql = v;
        break;
      case '--model':
        o.model = v;
        break;
      case '--as-of':
        o.asOf = v;
        break;
      case '--horizon':
        o.horizonDays = Number(v);
        break;
      default:
        console.error(`evaluate: unknown argument ${argv[i]}`);
        process.exit(2);
    }
  }
  const r = await compare(o);
  const f = (x) => (x === null ? 'n/a' : x.toFixed(3));
  console.log(
    `as_of ${o.asOf}, horizon ${o.horizonDays} d: population ${r.model.population}, ` +
      `converted ${r.model.positives}`,
  );
  console.log(`ROC AUC  model ${f(r.model.auc)}   naive (weight 1, no decay) ${f(r.naive.auc)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`evaluate: ${e.message}`);
    process.exit(1);
  });
}
