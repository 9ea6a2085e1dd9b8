// `pql funnel` (SPEC §7.8) against an independent computation on generated data the engine was
// never tuned on: first_qualified_at from one `pql score --as-of` run per day, conversions from
// the events themselves, and the cohorts, rates and medians computed here in plain JS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { close } from '../lib/compare.mjs';

const pql = new URL('../../build/native/pql', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'pql-funnel-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const DAY = 86_400_000;

// Deterministic data: 40 accounts signing up over seven weeks; some activate, some convert.
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generate(seed = 16) {
  const rand = mulberry32(seed);
  const base = Date.UTC(2026, 4, 6, 9); // a Wednesday
  const T = base + 60 * DAY + 3 * 3_600_000;
  const events = [];
  for (let a = 0; a < 40; a++) {
    const id = `acct-${String(a).padStart(2, '0')}`;
    const signup = base + Math.floor(rand() * 50) * DAY + Math.floor(rand() * DAY);
    const keen = rand();
    const users = 1 + Math.floor(rand() * 3);
    for (let t = signup, i = 0; t <= T + 5 * DAY; t += Math.floor(((0.3 + rand() * 2.5) * DAY) / (1 + 3 * keen)), i++) {
      const user = `${id}-u${i % users}`;
      const r = rand();
      const event =
        i === 0 ? 'signed_up' : r < keen * 0.5 ? 'report_created' : r < keen * 0.6 ? 'teammate_invited' : 'login';
      events.push({ timestamp: new Date(t).toISOString(), account_id: id, user_id: user, event });
      if (keen > 0.55 && i > 6 && rand() < 0.08) {
        events.push({ timestamp: new Date(t + 3_600_000).toISOString(), account_id: id, user_id: user, event: 'paid' });
        break;
      }
    }
  }
  const model = {
    window_days: 30,
    engagement: {
      half_life_days: 7,
      saturation: 40,
      events: { report_created: { weight: 5 }, teammate_invited: { weight: 10 }, login: { weight: 1 } },
    },
    activation: {
      steps: [
        { name: 'Reports', event: 'report_created', min_count: 3 },
        { name: 'Invited', event: 'teammate_invited' },
      ],
    },
    weights: { activation: 40, engagement: 60, fit: 0 },
    pql: { min_score: 45, require_activation: true },
    conversion_event: 'paid',
  };
  return { events, model, T };
}

function run(args) {
  return execFileSync(pql, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
}

const iso = (ms) => new Date(ms).toISOString();
const parseMs = (s) => (s === null ? null : Date.parse(s));

function median(xs) {
  if (!xs.length) return null;
  const v = [...xs].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
const rate = (n, d) => (d === 0 ? null : n / d);

function cohortOf(ms, by) {
  if (by === 'month') return iso(ms).slice(0, 7);
  const day = Math.floor(ms / DAY);
  const monday = day - ((((day + 3) % 7) + 7) % 7);
  return iso(monday * DAY).slice(0, 10);
}

function figures(list, T) {
  const act = [],
    pql = [],
    paid = [];
  let converted = 0,
    after = 0;
  for (const e of list) {
    if (e.activated_at !== null && e.activated_at <= T) act.push((e.activated_at - e.first_seen) / DAY);
    const q = e.first_qualified_at !== null && e.first_qualified_at <= T;
    if (q) pql.push((e.first_qualified_at - e.first_seen) / DAY);
    if (e.converted_at !== null && e.converted_at <= T) {
      converted++;
      if (q && e.converted_at > e.first_qualified_at) {
        after++;
        paid.push((e.converted_at - e.first_qualified_at) / DAY);
      }
    }
  }
  return {
    entities: list.length,
    activated: act.length,
    activation_rate: rate(act.length, list.length),
    median_days_to_activate: median(act),
    became_pql: pql.length,
    pql_rate: rate(pql.length, list.length),
    median_days_to_pql: median(pql),
    converted,
    conversion_rate: rate(converted, list.length),
    converted_after_pql: after,
    pql_to_customer_rate: rate(after, pql.length),
    median_days_pql_to_paid: median(paid),
  };
}

// The reference: SPEC §7.7's day-by-day definition and §7.8's arithmetic, written from the spec.
function reference(files, events, T, by) {
  const flags = ['--events', files.events, '--model', files.model];
  const atT = JSON.parse(run(['score', ...flags, '--as-of', iso(T), '--format', 'json']));
  const converted = new Map();
  for (const e of events)
    if (e.event === 'paid') {
      const t = Date.parse(e.timestamp);
      if (!converted.has(e.account_id) || t < converted.get(e.account_id)) converted.set(e.account_id, t);
    }
  const first = Math.min(...events.map((e) => Date.parse(e.timestamp)));
  const firstQualified = new Map();
  for (let d = Math.floor(first / DAY); d <= Math.floor(T / DAY); d++) {
    const at = d === Math.floor(T / DAY) ? T : (d + 1) * DAY - 1;
    const run_ = JSON.parse(run(['score', ...flags, '--as-of', iso(at), '--format', 'json']));
    for (const r of run_.results) {
      const customer = converted.has(r.id) && converted.get(r.id) <= at;
      if (r.qualified && !customer && !firstQualified.has(r.id)) firstQualified.set(r.id, at);
    }
  }
  const entities = atT.results.map((r) => ({
    first_seen: parseMs(r.first_seen),
    activated_at: r.activated ? parseMs(r.activated_at) : null,
    first_qualified_at: firstQualified.get(r.id) ?? null,
    converted_at: converted.get(r.id) ?? null,
  }));
  const groups = new Map();
  for (const e of entities) {
    const k = cohortOf(e.first_seen, by);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(e);
  }
  const cohorts = [...groups.keys()].sort().map((k) => ({ cohort: k, ...figures(groups.get(k), T) }));
  return { as_of: iso(T), cohort: by, cohorts, all: figures(entities, T), firstQualified };
}

function same(actual, expected, where = '') {
  if (typeof expected === 'number' && !Number.isInteger(expected)) {
    assert.ok(close(actual, expected), `${where}: got ${actual}, expected ${expected}`);
  } else if (expected && typeof expected === 'object') {
    assert.deepEqual(Object.keys(actual), Object.keys(expected), `${where}: keys`);
    for (const k of Object.keys(expected)) same(actual[k], expected[k], `${where}.${k}`);
  } else {
    assert.equal(actual, expected, where);
  }
}

test(
  'pql funnel matches an independent computation of SPEC 7.7/7.8 by week and month',
  { skip: !existsSync(pql) },
  () => {
    const { events, model, T } = generate();
    const files = { events: join(dir, 'events.jsonl'), model: join(dir, 'model.json') };
    writeFileSync(files.events, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(files.model, JSON.stringify(model));
    for (const by of ['week', 'month']) {
      const got = JSON.parse(
        run([
          'funnel',
          '--events',
          files.events,
          '--model',
          files.model,
          '--as-of',
          iso(T),
          '--cohort',
          by,
          '--format',
          'json',
        ]),
      );
      const { firstQualified, ...expected } = reference(files, events, T, by);
      // The data must exercise the report: several cohorts, PQLs, conversions after PQL.
      assert.ok(expected.cohorts.length >= (by === 'week' ? 6 : 2), 'cohorts');
      assert.ok(expected.all.became_pql >= 5 && expected.all.converted_after_pql >= 2, JSON.stringify(expected.all));
      assert.ok(firstQualified.size === expected.all.became_pql);
      same(got, expected, by);
    }
  },
);

test(
  'pql funnel --format csv and table carry the same figures; bad flags are usage errors',
  { skip: !existsSync(pql) },
  () => {
    const files = { events: join(dir, 'events.jsonl'), model: join(dir, 'model.json') };
    const { T } = generate();
    const flags = ['funnel', '--events', files.events, '--model', files.model, '--as-of', iso(T), '--cohort', 'month'];
    const json = JSON.parse(run([...flags, '--format', 'json']));
    const csv = run([...flags, '--format', 'csv'])
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    assert.equal(csv[0][0], 'cohort');
    assert.equal(csv.length, json.cohorts.length + 2);
    assert.deepEqual(csv.at(-1).slice(0, 3), ['all', String(json.all.entities), String(json.all.activated)]);
    const table = run([...flags]);
    assert.match(table, new RegExp(`^all +${json.all.entities} `, 'm'));
    const bad = (args) => {
      try {
        run(args);
        return null;
      } catch (e) {
        return e;
      }
    };
    const e1 = bad([...flags.slice(0, -2), '--cohort', 'year']);
    assert.equal(e1.status, 2);
    assert.match(e1.stderr, /--cohort must be week or month/);
    const e2 = bad([...flags, '--format', 'xml']);
    assert.equal(e2.status, 2);
  },
);
