// Seed corpora for the fuzz targets, from tests/conformance: each events file whole and row by
// row (in the target's format), each accounts file, each model and its parts, each rule and
// its sub-rules, every timestamp, and whole cases for the engine target. Also copies
// fuzz/regressions/<target>/* (inputs that once crashed).
//
//   node fuzz/seeds.mjs --out build/fuzz/corpus [target...]
//
// Files are named seed-<sha1>, so re-running adds nothing twice and never touches the inputs
// that libFuzzer added to the same folders.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
let out = join(root, 'build/fuzz/corpus');
const wanted = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') out = args[++i];
  else wanted.push(args[i]);
}

const seeds = {};
const add = (target, text) => {
  if (text === undefined || text === null) return;
  (seeds[target] ??= new Set()).add(typeof text === 'string' ? text : JSON.stringify(text));
};
const tryParse = (s) => {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
};
const lines = (text) => text.split(/\r?\n/).filter((l) => l.trim() !== '');

// CSV of flat rows: the required columns, then every other key as a property column.
const csvCell = (v) => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const toCsv = (rows, first) => {
  const cols = [...first];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
};

// Every sub-rule of a rule, the rule first.
const subRules = (r, acc = []) => {
  if (!r || typeof r !== 'object') return acc;
  acc.push(r);
  for (const k of ['all', 'any']) if (Array.isArray(r[k])) r[k].forEach((c) => subRules(c, acc));
  if (r.not) subRules(r.not, acc);
  return acc;
};

const casesDir = join(root, 'tests/conformance');
const cases = readdirSync(casesDir)
  .filter((d) => statSync(join(casesDir, d)).isDirectory())
  .sort();
for (const c of cases) {
  const dir = join(casesDir, c);
  const read = (f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : undefined);
  const jsonl = read('events.jsonl');
  const csv = read('events.csv');
  const accounts = read('accounts.jsonl');
  const modelText = read('model.json');
  const model = modelText && tryParse(modelText);

  if (jsonl) {
    const rows = lines(jsonl);
    const objects = rows.map(tryParse).filter((o) => o && typeof o === 'object' && !Array.isArray(o));
    add('events_jsonl', jsonl);
    add('events_segment', jsonl);
    for (const r of rows) {
      add('events_jsonl', r + '\n');
      add('events_segment', r + '\n');
      add('events_json', `[${r}]`);
    }
    add('events_json', `[\n${rows.join(',\n')}\n]`);
    add('events_json', JSON.stringify(objects, null, 1));
    const flat = objects.filter((o) => !['track', 'page', 'screen', 'group', 'identify'].includes(o.type));
    if (flat.length) {
      const props = flat.map((o) => {
        const { properties, ...rest } = o;
        return { ...rest, ...(properties && typeof properties === 'object' ? properties : {}) };
      });
      add('events_csv', toCsv(props, ['timestamp', 'user_id', 'event']));
    }
    for (const o of objects) {
      if (o.timestamp !== undefined && o.timestamp !== null) add('timestamp', String(o.timestamp));
    }
  }
  if (csv) {
    add('events_csv', csv);
    add('events_segment', csv);
    const rows = csv.split(/\r?\n/);
    for (const r of rows.slice(1)) if (r.trim()) add('events_csv', `${rows[0]}\n${r}\n`);
    for (const r of rows.slice(1)) {
      const cell = r.split(',')[0];
      if (cell) add('timestamp', cell.replace(/^"|"$/g, ''));
    }
  }
  if (accounts) {
    add('accounts', accounts);
    const rows = lines(accounts);
    for (const r of rows) add('accounts', r + '\n');
    const objects = rows.map(tryParse).filter((o) => o && typeof o === 'object');
    add('accounts', JSON.stringify(objects));
    const flat = objects.map(({ traits, ...rest }) => ({
      ...rest,
      ...(traits && typeof traits === 'object' ? traits : {}),
    }));
    add('accounts', toCsv(flat, ['account_id', 'name']));
  }
  if (model && typeof model === 'object') {
    add('model', modelText);
    for (const [k, v] of Object.entries(model)) add('model', { [k]: v });
    if (model.as_of) add('timestamp', String(model.as_of));
    for (const r of subRules(model.pql?.rule)) add('rule', r);
  }
  const events = jsonl ?? csv;
  if (events && modelText) add('engine', modelText + '\n===\n' + events + (accounts ? '\n===\n' + accounts : ''));
  // Backtests: the model with a conversion event, the events, outcomes made from the accounts
  // seen in the events (converted a few days after their first event), and the default model.
  if (jsonl && model && typeof model === 'object') {
    const objects = lines(jsonl)
      .map(tryParse)
      .filter((o) => o && typeof o === 'object' && !Array.isArray(o));
    const first = new Map();
    for (const o of objects) {
      const id = o.account_id ?? o.context?.groupId ?? o.groupId;
      if (typeof id === 'string' && typeof o.timestamp === 'string' && !first.has(id)) first.set(id, o.timestamp);
    }
    const outcomes = [...first]
      .filter((_, i) => i % 2 === 0)
      .map(([id, ts]) => {
        const t = Date.parse(ts);
        return JSON.stringify({
          account_id: id,
          converted_at: Number.isNaN(t) ? ts : new Date(t + 5 * 86400000).toISOString(),
        });
      });
    const withConversion = { ...model, conversion_event: model.conversion_event ?? 'report_created' };
    add('backtest', JSON.stringify(withConversion) + '\n===\n' + jsonl + '\n===\n' + outcomes.join('\n') + '\n===\n{}');
    add('backtest', modelText + '\n===\n' + jsonl + '\n===\n' + outcomes.join('\n'));
  }
}

// Hand-written seeds for what the cases do not show.
add('model', '{}');
add('model', {
  entity: 'user',
  as_of: '2026-01-20T00:00:00Z',
  engagement: { decay: 'linear' },
  activation: {
    steps: [
      { event: '*', min_users: 2 },
      { event: 'x', min_count: 3, weight: 0 },
    ],
    required: 1,
  },
  fit: {
    rules: [
      { trait: 't', op: 'contains', value: 'a', points: -5 },
      { trait: 'u', op: 'missing', points: 1 },
    ],
  },
  weights: { activation: 0, engagement: 1, fit: 0 },
  tiers: [],
  grades: { fit: [], engagement: [['1', 0]] },
  conversion_event: 'paid',
  name: 'n',
  description: 'd',
});
// Every setting that scoring multiplies, sums or sizes a table by, at the end of its range.
for (const m of [
  { window_days: 1000000000000, active_days: 1000000000000 },
  { window_days: 1000000000000, engagement: { decay: 'linear' } },
  { engagement: { default_weight: 1e12, saturation: 5e-324, half_life_days: 5e-324 } },
  { engagement: { default_weight: -1e12, events: { login: { weight: 1e12, cap: 1.7e308, half_life_days: 1.7e308 } } } },
  { weights: { activation: 1e12, engagement: 1e12, fit: 1e12 } },
  { weights: { activation: 5e-324, engagement: 0, fit: 5e-324 } },
  {
    activation: {
      steps: [
        { event: '*', weight: 1e12, min_count: 1000000000000 },
        { event: 'login', weight: 1e12, min_users: 3 },
      ],
    },
  },
  {
    fit: {
      rules: [
        { trait: 'employees', op: 'exists', points: 1e12 },
        { trait: 'industry', op: 'exists', points: 1e12 },
        { trait: 'x', op: 'missing', points: -1e12 },
      ],
    },
  },
  { limits: { x: { event: 'login', limit: 1e-12 } }, pql: { rule: { metric: 'limit.x', op: '>', value: 1 } } },
  {
    pql: { min_score: -1.7e308 },
    tiers: [
      { name: 'a', min_score: 1.7e308 },
      { name: 'b', min_score: -1.7e308 },
    ],
  },
]) {
  add('model', m);
  add('engine', JSON.stringify(m) + '\n===\n' + readFileSync(join(casesDir, '04-rules/events.jsonl'), 'utf8'));
}
for (const r of [
  { metric: 'score', op: '>=', value: 10 },
  { metric: 'activation', op: '>', value: 0 },
  { metric: 'engagement', op: '<', value: 50 },
  { metric: 'fit', op: '<=', value: 100 },
  { metric: 'engagement_points', op: '!=', value: 0 },
  { metric: 'steps_completed', op: '==', value: 2 },
  { metric: 'events', op: '>=', value: 1 },
  { metric: 'users', op: '>=', value: 2 },
  { metric: 'active_users', op: '>=', value: 1 },
  { metric: 'days_since_last_seen', op: '<', value: 7 },
  { metric: 'velocity', op: '>', value: -1 },
  { metric: 'count.report_created', op: '>=', value: 2 },
  { metric: 'users.login', op: '>=', value: 1 },
  { metric: 'limit.projects', op: '>=', value: 0.8 },
  { metric: 'limit.seats', op: '<', value: 1 },
  { metric: 'trait.employees', op: 'between', value: [50, 500] },
  { metric: 'trait.industry', op: 'in', value: ['software', 'fintech'] },
  { metric: 'trait.plan', op: 'contains', value: 'tri' },
  { metric: 'trait.verified', op: '==', value: true },
  { metric: 'trait.title', op: 'exists' },
  { metric: 'trait.country', op: 'missing' },
  { all: [{ metric: 'score', op: '>=', value: 0 }, { not: { metric: 'count.login', op: '>', value: 0 } }] },
  { any: [] },
  { all: [] },
  { not: { any: [{ metric: 'fit', op: '>', value: 1 }] } },
])
  add('rule', r);
for (const t of [
  '2026-11-01T12:34:56Z',
  '2026-11-01',
  '2026-11-01T12:34:56.123456789+05:30',
  '2026-11-01 12:34:56,5-0800',
  '2026-11-01t12:34z',
  '1772323200000',
  '+1772323200000',
  '-1',
  '0',
  '253402300799999',
  '253402300800000',
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '1969-12-31T23:59:59Z',
  '2024-02-29T00:00:00Z',
  '2025-02-29',
  '2026-01-01T24:00:00Z',
  '2026-01-01T00:00:00+23:59',
  '2026-01-01T00:00:00-2359',
  '0000-03-01',
  '1970-01-01T00:00:00+00:01',
])
  add('timestamp', t);
add(
  'events_segment',
  '{"type":"track","userId":"u","event":"e","timestamp":"2026-01-01T00:00:00Z","context":{"groupId":"g"},"messageId":"m","properties":{"a":1}}\n{"type":"screen","anonymousId":"a","timestamp":1772323200000}\n',
);
add(
  'events_csv',
  '\uFEFFtimestamp,user_id,event,account_id,id,type\r\n2026-01-01,u1,"a,""b""",acme,1,track\r\n2026-01-02,u2,"multi\nline",,,\r\n',
);

// fuzz/regressions/<target>/*: inputs that once crashed, byte for byte.
const regressions = join(root, 'fuzz/regressions');
const raw = {};
if (existsSync(regressions))
  for (const t of readdirSync(regressions))
    for (const f of readdirSync(join(regressions, t))) (raw[t] ??= []).push(readFileSync(join(regressions, t, f)));

const targets = wanted.length
  ? wanted
  : readdirSync(join(root, 'fuzz'))
      .filter((f) => f.endsWith('.cpp'))
      .map((f) => f.slice(0, -4));
let written = 0;
for (const t of targets) {
  const dir = join(out, t);
  mkdirSync(dir, { recursive: true });
  const items = [...(seeds[t] ?? [])].map((s) => Buffer.from(s, 'utf8')).concat(raw[t] ?? []);
  for (const buf of items) {
    const file = join(dir, 'seed-' + createHash('sha1').update(buf).digest('hex'));
    if (!existsSync(file)) {
      writeFileSync(file, buf);
      written++;
    }
  }
}
console.log(`fuzz: seed corpora in ${out} (${written} new seed files)`);
