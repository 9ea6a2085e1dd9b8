// The data sets and models the SQL tests run on every engine: the conformance cases, the sample,
// hostile names, a matrix of trait comparisons (SPEC §3), and random models over generated data.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { conformanceCases } from '../lib/compare.mjs';
import { SAMPLE } from './lib.mjs';

const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

// Cases whose model uses a SPEC §7 key the compiler rejects (signals, personas, ...) are left out:
// tests/unit/sql_test.cpp checks that they are rejected, naming the key.
const V2_ONLY = /"(signals|personas|active|segments)"\s*:|"metric"\s*:\s*"(active_days|sum\.|persona\.)/;

export function conformance() {
  return conformanceCases()
    .filter((c) => !V2_ONLY.test(c.model))
    .map((c) => ({
      name: c.name,
      files: { eventsFile: c.eventsFile, accountsFile: c.accountsFile, modelFile: c.modelFile },
    }));
}

export function sample() {
  return {
    name: 'sample',
    files: {
      eventsFile: join(SAMPLE, 'events.jsonl'),
      accountsFile: join(SAMPLE, 'accounts.jsonl'),
      modelFile: join(SAMPLE, 'model.json'),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Hostile names: every string from the model reaches the SQL text, quoted or escaped.

export const HOSTILE_EVENT = "x'); DROP TABLE events; --";
export const HOSTILE_TRAIT = 'it\'s "quoted"';

export function hostile(dir) {
  mkdirSync(dir, { recursive: true });
  const events = [
    HOSTILE_EVENT,
    'we"ird',
    'back\\slash',
    'new\nline',
    'tab\tand\u0001ctl',
    '$1 $2',
    'ünïcode',
    '`tick`',
    "''",
  ];
  const accounts = ["o'hara", 'q"uote', 'plain', 'back\\slash', 'ünï'];
  const day = Date.parse('2026-03-01T00:00:00Z');
  const rows = [];
  accounts.forEach((a, ai) => {
    events.forEach((e, ei) => {
      for (let k = 0; k <= (ai + ei) % 4; k++) {
        rows.push({
          timestamp: new Date(day - (ai * 3 + ei * 2 + k) * 86_400_000 - k * 1000).toISOString(),
          account_id: a,
          user_id: `${a}/u${(ei + k) % 3}`,
          event: e,
        });
      }
    });
  });
  const traitValues = [
    { [HOSTILE_TRAIT]: "o'brien", name: 'trait name', 'back\\slash': 'a\\b', 'sp ace': 10 },
    { [HOSTILE_TRAIT]: "O'BRIEN", 'back\\slash': "'; DROP TABLE accounts; --", 'sp ace': '12' },
    { [HOSTILE_TRAIT]: 'x', name: 'Named by trait' },
    { 'sp ace': true },
    {},
  ];
  const accountRows = accounts.map((a, i) => ({
    account_id: a,
    ...(i === 0 ? { name: 'Acme \'Inc\' "Ltd"' } : {}),
    traits: traitValues[i],
  }));
  const model = {
    as_of: '2026-03-01T12:00:00Z',
    window_days: 20,
    engagement: {
      half_life_days: 5,
      saturation: 10,
      default_weight: 0.5,
      events: Object.fromEntries(
        events.map((e, i) => [
          e,
          { weight: i - 2, ...(i % 2 ? { cap: 3 } : {}), ...(i % 3 ? {} : { half_life_days: 2 }) },
        ]),
      ),
    },
    activation: {
      steps: [
        { name: "step 'one'", event: HOSTILE_EVENT, min_count: 2 },
        { name: 'step "two"', event: 'back\\slash', min_users: 2 },
        { event: '*', min_count: 5, min_users: 2 },
        { event: '$1 $2' },
      ],
      required: 2,
    },
    fit: {
      rules: [
        { trait: HOSTILE_TRAIT, op: 'eq', value: "O'Brien", points: 30 },
        { trait: 'back\\slash', op: 'contains', value: "'; drop", points: 20 },
        { trait: 'back\\slash', op: 'in', value: ['A\\B', 'x'], points: 15 },
        { trait: 'sp ace', op: 'gte', value: 11, points: 10 },
        { trait: 'name', op: 'exists', points: 5 },
      ],
    },
    limits: { "lim'it": { event: 'we"ird', limit: 3 } },
    pql: {
      min_score: 10,
      require_activation: false,
      rule: {
        any: [
          { metric: `count.${HOSTILE_EVENT}`, op: '>=', value: 2 },
          { metric: 'users.we"ird', op: '>', value: 1 },
          { metric: "limit.lim'it", op: '>=', value: 0.5 },
          { metric: `trait.${HOSTILE_TRAIT}`, op: 'contains', value: "'" },
        ],
      },
    },
    tiers: [
      { name: "A'1", min_score: 30 },
      { name: 'B"2', min_score: 0 },
    ],
    grades: {
      fit: [
        ["'", 50],
        ['\\', 0],
      ],
      engagement: [
        ['--', 40],
        ['*/', 0],
      ],
    },
  };
  writeFileSync(join(dir, 'events.jsonl'), jsonl(rows));
  writeFileSync(join(dir, 'accounts.jsonl'), jsonl(accountRows));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model, null, 1));
  return {
    name: 'hostile names',
    files: {
      eventsFile: join(dir, 'events.jsonl'),
      accountsFile: join(dir, 'accounts.jsonl'),
      modelFile: join(dir, 'model.json'),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Trait comparisons: one account per trait value, models whose rules score 2^i points each, so
// that `fit` tells exactly which rules matched.

const TRAIT_VALUES = [
  'US',
  'us',
  'Us ',
  ' 120',
  '120',
  '120.0',
  '1e2',
  '1E2',
  '100',
  '-0',
  '0',
  '1e400',
  '-1e400',
  '1e-400',
  '0x1A',
  'nan',
  'Infinity',
  'true',
  'TRUE',
  'false',
  'yes',
  '',
  'ÄBC',
  'äbc',
  'abc',
  '12,5',
  '01',
  '1.',
  '.5',
  '5e',
  "it's",
  'back\\slash',
  'Tech Lead',
  'VP of Sales',
  '120\n',
  '1e-320',
  120,
  100,
  0,
  -0.5,
  1e300,
  99.5,
  1e-300,
  5e-324,
  -120,
  0.1,
  true,
  false,
  null, // absent
];

const TRAIT_TESTS = [
  ...[
    'us',
    'US',
    '120',
    120,
    '1e2',
    100,
    '100',
    0,
    '0',
    -0,
    true,
    'true',
    'TRUE',
    false,
    'false',
    '',
    'äbc',
    'ÄBC',
    'nan',
    '1e400',
    1e300,
    0.1,
  ].flatMap((v) => [
    { op: 'eq', value: v },
    { op: 'ne', value: v },
  ]),
  { op: 'in', value: ['us', 120, true] },
  { op: 'in', value: ['abc', 'yes', 0] },
  { op: 'in', value: [] },
  { op: 'not_in', value: ['us', 120, true] },
  { op: 'not_in', value: ['', false] },
  ...[100, 120, 0, -1, 1e300, 5e-324, -0.5].flatMap((v) => ['lt', 'lte', 'gt', 'gte'].map((op) => ({ op, value: v }))),
  { op: 'between', value: [100, 120] },
  { op: 'between', value: [-1, 0] },
  { op: 'between', value: [0, 1e-300] },
  ...['', 'tech', 'S', "'", '\\', 'Ä', 'e2', '120\n'].map((v) => ({ op: 'contains', value: v })),
  { op: 'exists' },
  { op: 'missing' },
];

export function traitMatrix(dir) {
  mkdirSync(dir, { recursive: true });
  const events = [],
    accounts = [];
  TRAIT_VALUES.forEach((v, i) => {
    const id = `acct-${String(i).padStart(2, '0')}`;
    events.push({ timestamp: '2026-01-01T00:00:00Z', account_id: id, user_id: `u${i}`, event: 'seen' });
    accounts.push({ account_id: id, traits: v === null ? {} : { t: v } });
  });
  writeFileSync(join(dir, 'events.jsonl'), jsonl(events));
  writeFileSync(join(dir, 'accounts.jsonl'), jsonl(accounts));
  const cases = [];
  for (let start = 0, n = 0; start < TRAIT_TESTS.length; start += 16, n++) {
    const tests = TRAIT_TESTS.slice(start, start + 16);
    const model = {
      fit: { rules: tests.map((t, i) => ({ trait: 't', ...t, points: 2 ** i })) },
      weights: { activation: 0, engagement: 0, fit: 1 },
      // The same tests as rule leaves: `qualified` is their conjunction with score >= 0.
      pql: {
        min_score: 0,
        require_activation: false,
        rule: {
          any: tests
            .slice(0, 4)
            .map((t) => ({ metric: 'trait.t', op: t.op, ...(t.value !== undefined ? { value: t.value } : {}) })),
        },
      },
    };
    const modelFile = join(dir, `model-${n}.json`);
    writeFileSync(modelFile, JSON.stringify(model));
    cases.push({
      name: `trait comparisons ${n + 1}`,
      files: { eventsFile: join(dir, 'events.jsonl'), accountsFile: join(dir, 'accounts.jsonl'), modelFile },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Random models over small generated data sets (flat rows, and Segment calls with identify
// traits), from a seeded PRNG so that a failure reproduces.

function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generated(dir, args) {
  if (!existsSync(join(dir, 'events.jsonl'))) {
    execFileSync(process.execPath, ['examples/sample/generate.mjs', '--out', dir, ...args], { encoding: 'utf8' });
  }
  return dir;
}

export function randomModels(dir, { count, seed }) {
  const flat = generated(join(dir, 'flat'), ['--accounts', '40', '--days', '45', '--seed', '11']);
  const seg = generated(join(dir, 'segment'), ['--accounts', '25', '--days', '30', '--seed', '12', '--segment']);
  const rnd = mulberry32(seed);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const real = (lo, hi) => Math.round((lo + rnd() * (hi - lo)) * 100) / 100;
  const chance = (p) => rnd() < p;
  const names = (file) =>
    [
      ...new Set(
        readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
          .map((e) => e.event ?? (e.type === 'page' ? 'Page Viewed' : undefined))
          .filter(Boolean),
      ),
    ].sort();
  const data = [
    {
      dir: flat,
      events: names(join(flat, 'events.jsonl')),
      traits: ['employees', 'industry', 'country', 'plan', 'nope'],
      user: false,
    },
    {
      dir: seg,
      events: names(join(seg, 'events.jsonl')),
      traits: ['employees', 'industry', 'country', 'plan', 'title', 'email', 'name'],
      user: true,
    },
  ];
  const traitValue = () =>
    pick([
      int(0, 2000),
      real(-5, 500),
      pick(['saas', 'SaaS', 'US', 'usa', 'free', 'Pro', '120', '1e3', 'vp']),
      chance(0.5),
    ]);
  const metrics = [
    'score',
    'activation',
    'engagement',
    'fit',
    'engagement_points',
    'steps_completed',
    'events',
    'users',
    'active_users',
    'days_since_last_seen',
    'velocity',
  ];

  const cases = [];
  for (let n = 0; n < count; n++) {
    const d = pick(data);
    const entity = d.user && chance(0.4) ? 'user' : 'account';
    const ev = () => (chance(0.1) ? 'never_happens' : pick(d.events));
    const events = {};
    for (const e of d.events) {
      if (!chance(0.5)) continue;
      events[e] = {};
      if (chance(0.8)) events[e].weight = real(-4, 12);
      if (chance(0.4)) events[e].cap = real(0, 15);
      if (chance(0.3)) events[e].half_life_days = real(0.5, 20);
    }
    const steps = Array.from({ length: int(0, 5) }, () => {
      const s = { event: chance(0.25) ? '*' : ev() };
      if (chance(0.6)) s.min_count = int(0, 6);
      if (chance(0.5)) s.min_users = int(0, 4);
      if (chance(0.4)) s.weight = real(0, 3);
      return s;
    });
    const limits = {};
    for (let i = int(0, 2); i > 0; i--) limits[`l${i}`] = { event: ev(), limit: real(0.5, 20) };
    const traitTest = () => {
      const op = pick([
        'eq',
        'ne',
        'in',
        'not_in',
        'lt',
        'lte',
        'gt',
        'gte',
        'between',
        'contains',
        'exists',
        'missing',
      ]);
      if (op === 'in' || op === 'not_in') return { op, value: Array.from({ length: int(0, 3) }, traitValue) };
      if (op === 'between') {
        const a = real(-10, 1000);
        return { op, value: [a, a + real(0, 1000)] };
      }
      if (['lt', 'lte', 'gt', 'gte'].includes(op)) return { op, value: real(-10, 1500) };
      if (op === 'contains') return { op, value: pick(['', 'a', 'S', 'tech', 'US']) };
      if (op === 'exists' || op === 'missing') return { op };
      return { op, value: traitValue() };
    };
    const leaf = () => {
      const kind = int(0, 4);
      if (kind === 0)
        return { metric: `count.${ev()}`, op: pick(['>=', '>', '<=', '<', '==', '!=']), value: int(0, 10) };
      if (kind === 1) return { metric: `users.${ev()}`, op: pick(['>=', '>', '==']), value: int(0, 3) };
      if (kind === 2 && Object.keys(limits).length)
        return { metric: `limit.${pick(Object.keys(limits))}`, op: pick(['>=', '<']), value: real(0, 2) };
      if (kind === 3) return { metric: `trait.${pick(d.traits)}`, ...traitTest() };
      return { metric: pick(metrics), op: pick(['>=', '>', '<=', '<', '==', '!=']), value: real(-1, 60) };
    };
    const rule = (depth) => {
      if (depth > 2 || chance(0.4)) return leaf();
      const k = pick(['all', 'any', 'not']);
      if (k === 'not') return { not: rule(depth + 1) };
      return { [k]: Array.from({ length: int(0, 3) }, () => rule(depth + 1)) };
    };
    const w = [int(0, 3) * 10, int(0, 3) * 10, int(0, 3) * 10];
    if (w[0] + w[1] + w[2] === 0) w[1] = 1;
    const model = {
      entity,
      ...(chance(0.5)
        ? {
            as_of: new Date(
              Date.parse('2026-10-31T23:59:59Z') - int(0, 20 * 24) * 3_600_000 - int(0, 3_600_000),
            ).toISOString(),
          }
        : {}),
      window_days: int(1, 60),
      active_days: int(1, 40),
      engagement: {
        decay: pick(['exponential', 'exponential', 'linear', 'none']),
        half_life_days: real(0.5, 30),
        saturation: real(1, 200),
        default_weight: chance(0.5) ? 0 : real(-2, 3),
        events,
      },
      activation: { steps, ...(chance(0.6) ? { required: int(0, steps.length) } : {}) },
      fit: {
        rules: Array.from({ length: int(0, 6) }, () => ({
          trait: pick(d.traits),
          ...traitTest(),
          points: int(-30, 50),
        })),
      },
      limits,
      weights: { activation: w[0], engagement: w[1], fit: w[2] },
      pql: { min_score: real(0, 80), require_activation: chance(0.5), ...(chance(0.7) ? { rule: rule(0) } : {}) },
      tiers: Array.from({ length: int(0, 4) }, (_, i) => ({ name: `T${i}`, min_score: real(0, 90) })),
      grades: {
        fit: [['A', 70], ['B', real(1, 69)], ...(chance(0.7) ? [['C', 0]] : [])],
        engagement: [['1', 60], ['2', real(1, 59)], ...(chance(0.7) ? [['3', 0]] : [])],
      },
    };
    const modelFile = join(dir, `random-${n}.json`);
    writeFileSync(modelFile, JSON.stringify(model, null, 1));
    const accountsFile = join(d.dir, 'accounts.jsonl');
    cases.push({
      name: `random model ${n} (${d.dir === flat ? 'flat' : 'segment'}, ${entity})`,
      files: {
        eventsFile: join(d.dir, 'events.jsonl'),
        accountsFile: existsSync(accountsFile) ? accountsFile : undefined,
        modelFile,
      },
    });
  }
  return cases;
}

/** The golden kitchen-sink model (every feature, hostile names) over generated flat data. */
export function kitchenSink(dir) {
  const flat = generated(join(dir, 'flat'), ['--accounts', '40', '--days', '45', '--seed', '11']);
  return {
    name: 'kitchen-sink model',
    files: {
      eventsFile: join(flat, 'events.jsonl'),
      accountsFile: join(flat, 'accounts.jsonl'),
      modelFile: 'tests/sql/golden/kitchen-sink.model.json',
    },
  };
}
