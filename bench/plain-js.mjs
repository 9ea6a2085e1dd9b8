// The plain-JavaScript peer: what a developer writes without the engine. JSON.parse per line,
// ids interned in Maps, events in typed arrays, and a re-score loop over every event for each
// model change (decayed counts per account and event type, caps, weights, saturation, the
// activation steps, fit rules, the weighted score), then the top 50. Only what the sample model
// uses is implemented (flat rows, exponential decay, account entities): it is a yardstick, not
// a second engine. Its top 50 is checked against the engine's.
//
//   plainJsPeer({dir, model, runs, log, engineTop}) -> {ingestMs, halfLife, weight, top, ...}
import { openSync, readSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, p95, modelWith } from './measure.mjs';

const DAY = 86400000;

class Growable {
  constructor(Type) {
    this.Type = Type;
    this.a = new Type(1 << 16);
    this.n = 0;
  }
  push(v) {
    if (this.n === this.a.length) {
      const b = new this.Type(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view() {
    return this.a.subarray(0, this.n);
  }
}

function* lines(path, block = 64 << 20) {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(block);
  let carry = '';
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, block, null);
      if (n === 0) break;
      const text = carry + buf.toString('utf8', 0, n);
      const parts = text.split('\n');
      carry = parts.pop();
      yield* parts;
    }
    if (carry) yield carry;
  } finally {
    closeSync(fd);
  }
}

export function ingest(dir) {
  const ids = new Map(),
    users = new Map(),
    types = new Map(),
    accounts = new Map();
  const intern = (m, k) => {
    let v = m.get(k);
    if (v === undefined) {
      v = m.size;
      m.set(k, v);
    }
    return v;
  };
  const seen = new Set();
  const ts = new Growable(Float64Array),
    user = new Growable(Int32Array),
    type = new Growable(Int32Array),
    acct = new Growable(Int32Array);
  let skipped = 0,
    duplicates = 0;
  for (const line of lines(join(dir, 'events.jsonl'))) {
    if (!line.trim()) continue;
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const t = typeof e.timestamp === 'number' ? e.timestamp : Date.parse(e.timestamp);
    if (!Number.isFinite(t) || !e.user_id || !e.event) {
      skipped++;
      continue;
    }
    if (e.id != null) {
      if (seen.has(e.id)) {
        duplicates++;
        continue;
      }
      seen.add(e.id);
    }
    ts.push(t);
    user.push(intern(users, String(e.user_id)));
    type.push(intern(types, e.event));
    acct.push(e.account_id ? intern(accounts, String(e.account_id)) : -1);
  }
  const traits = new Map(),
    names = new Map();
  for (const line of readFileSync(join(dir, 'accounts.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const a = JSON.parse(line);
    traits.set(String(a.account_id), { ...(traits.get(String(a.account_id)) ?? {}), ...(a.traits ?? {}) });
    if (a.name) names.set(String(a.account_id), a.name);
  }
  void ids;
  return {
    ts: ts.view(),
    user: user.view(),
    type: type.view(),
    acct: acct.view(),
    users,
    types,
    accounts,
    traits,
    names,
    skipped,
    duplicates,
  };
}

// Model-independent facts a developer would compute once: as_of, ages, distinct users.
export function prepare(d) {
  let T = -Infinity;
  for (let i = 0; i < d.ts.length; i++) if (d.ts[i] > T) T = d.ts[i];
  const dayT = Math.floor(T / DAY);
  const n = d.ts.length,
    na = d.accounts.size,
    nt = d.types.size;
  const age = new Int32Array(n);
  for (let i = 0; i < n; i++) age[i] = dayT - Math.floor(d.ts[i] / DAY);
  // Per account: each user's youngest age (users in window, active users), all-time distinct
  // users, and per (account, type) distinct users.
  const userAge = new Map(),
    acctUsers = Array.from({ length: na }, () => new Set());
  const typeUsers = new Map();
  for (let i = 0; i < n; i++) {
    const a = d.acct[i];
    if (a < 0) continue;
    const key = a * 1e7 + d.user[i];
    const prev = userAge.get(key);
    if (prev === undefined || age[i] < prev) userAge.set(key, age[i]);
    acctUsers[a].add(d.user[i]);
    const tk = a * nt + d.type[i];
    let s = typeUsers.get(tk);
    if (!s) typeUsers.set(tk, (s = new Set()));
    s.add(d.user[i]);
  }
  const ids = [...d.accounts.keys()];
  return { T, dayT, age, na, nt, userAge, acctUsers, typeUsers, ids };
}

function matches(rule, v) {
  const num = (x) =>
    typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' && !isNaN(Number(x)) ? Number(x) : null;
  const eq = (a, b) =>
    typeof a === 'string' && typeof b === 'string'
      ? a.toLowerCase() === b.toLowerCase()
      : num(a) !== null && num(b) !== null
        ? num(a) === num(b)
        : a === b;
  if (rule.op === 'missing') return v === undefined;
  if (v === undefined) return false;
  switch (rule.op) {
    case 'exists':
      return true;
    case 'eq':
      return eq(v, rule.value);
    case 'ne':
      return !eq(v, rule.value);
    case 'in':
      return rule.value.some((x) => eq(v, x));
    case 'not_in':
      return !rule.value.some((x) => eq(v, x));
    case 'contains':
      return typeof v === 'string' && v.toLowerCase().includes(String(rule.value).toLowerCase());
  }
  const x = num(v);
  if (x === null) return false;
  switch (rule.op) {
    case 'lt':
      return x < rule.value;
    case 'lte':
      return x <= rule.value;
    case 'gt':
      return x > rule.value;
    case 'gte':
      return x >= rule.value;
    case 'between':
      return x >= rule.value[0] && x <= rule.value[1];
  }
  return false;
}

// One re-score: a loop over every event, then per account the score; returns the top 50.
export function rescore(d, p, model) {
  const { na, nt, age } = p;
  const window = model.window_days ?? 90,
    active = model.active_days ?? 30;
  const eng = model.engagement ?? {};
  const hl = eng.half_life_days ?? 14,
    sat = eng.saturation ?? 100,
    defW = eng.default_weight ?? 0;
  const typeName = [...d.types.keys()];
  const w = new Float64Array(nt),
    cap = new Float64Array(nt).fill(Infinity),
    h = new Float64Array(nt).fill(hl);
  typeName.forEach((name, k) => {
    const s = eng.events?.[name];
    w[k] = s?.weight ?? defW;
    if (s?.cap !== undefined) cap[k] = s.cap;
    if (s?.half_life_days !== undefined) h[k] = s.half_life_days;
  });
  const decayed = new Float64Array(na * nt),
    total = new Int32Array(na * nt);
  for (let i = 0; i < age.length; i++) {
    const a = d.acct[i];
    if (a < 0 || age[i] < 0) continue;
    const cell = a * nt + d.type[i];
    total[cell]++;
    if (age[i] < window) decayed[cell] += Math.pow(2, -age[i] / h[d.type[i]]);
  }
  const steps = model.activation?.steps ?? [];
  const required = model.activation?.required ?? steps.length;
  const stepType = steps.map((s) => (s.event === '*' ? -1 : (d.types.get(s.event) ?? -2)));
  const rules = model.fit?.rules ?? [];
  const positive = rules.reduce((s, r) => s + Math.max(r.points, 0), 0);
  const wts = model.weights ?? {};
  const wa = wts.activation ?? 30,
    we = wts.engagement ?? 50,
    wf = wts.fit ?? 20;
  const out = [];
  for (let a = 0; a < na; a++) {
    let E = 0,
      any = 0;
    for (let k = 0; k < nt; k++) {
      const c = a * nt + k;
      any += total[c];
      if (w[k] !== 0) E += w[k] * Math.min(decayed[c], cap[k]);
    }
    if (any === 0) continue;
    const engagement = E <= 0 ? 0 : (100 * E) / (E + sat);
    let met = 0,
      metWeight = 0,
      allWeight = 0;
    steps.forEach((s, si) => {
      const weight = s.weight ?? 1;
      allWeight += weight;
      const k = stepType[si];
      const count = k === -1 ? any : k < 0 ? 0 : total[a * nt + k];
      const nusers = k === -1 ? p.acctUsers[a].size : k < 0 ? 0 : (p.typeUsers.get(a * nt + k)?.size ?? 0);
      if (count >= (s.min_count ?? 1) && nusers >= (s.min_users ?? 0)) {
        met++;
        metWeight += weight;
      }
    });
    void required;
    const activation = steps.length === 0 || allWeight <= 0 ? 100 : (100 * metWeight) / allWeight;
    const tr = d.traits.get(p.ids[a]) ?? {};
    let matched = 0;
    for (const r of rules) if (matches(r, tr[r.trait])) matched += r.points;
    const fit = positive <= 0 ? 100 : Math.min(100, Math.max(0, (100 * matched) / positive));
    out.push([p.ids[a], (wa * activation + we * engagement + wf * fit) / (wa + we + wf)]);
  }
  void active;
  out.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return out.slice(0, 50);
}

export async function plainJsPeer({ dir, model, runs = 10, log = () => {}, engineTop }) {
  const out = {};
  let t0 = performance.now();
  const d = ingest(dir);
  out.ingestMs = performance.now() - t0;
  out.events = d.ts.length;
  t0 = performance.now();
  const p = prepare(d);
  out.prepareMs = performance.now() - t0;
  log(`ingest ${out.ingestMs.toFixed(0)} ms (${out.events} events), prepare ${out.prepareMs.toFixed(0)} ms`);
  out.top = rescore(d, p, model);
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
  const alt = (b) => {
    const times = [];
    for (let i = 0; i < 3; i++) rescore(d, p, i % 2 ? model : b);
    for (let i = 0; i < runs; i++) {
      t0 = performance.now();
      rescore(d, p, i % 2 ? model : b);
      times.push(performance.now() - t0);
    }
    return { median: median(times), p95: p95(times), runs };
  };
  const hl = model.engagement?.half_life_days ?? 14;
  out.halfLife = alt(modelWith(model, ['engagement', 'half_life_days'], hl === 21 ? 14 : 21));
  const w = model.engagement.events.report_created.weight;
  out.weight = alt(modelWith(model, ['engagement', 'events', 'report_created', 'weight'], w + 1));
  log(`re-score + top 50: half-life ${out.halfLife.median.toFixed(1)} ms, weight ${out.weight.median.toFixed(1)} ms`);
  return out;
}
