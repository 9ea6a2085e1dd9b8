/// <reference lib="webworker" />
// The scoring worker: owns the engine, the loaded bytes and every engine call, so that the
// page never stutters. Requests run one at a time in arrival order; a score history run and
// an analysis (backtest, suggestions, compare, SQL) give way as soon as a newer scoring
// request arrives.
import { createEngine, type Engine, type LoadReport as EngineReport } from '@pql/engine';
import wasmUrl from '@pql/wasm-file?url';
import type {
  AnalysisPart, AnalysisRequest, Backtest, Calibration, CalibrationBin, Catalog, FromWorker, HistoryPoint, Kind,
  LoadReport, ModelError, ToWorker,
} from './protocol';
import { DAY_MS } from './util';

declare const self: DedicatedWorkerGlobalScope;

const CHUNK_BYTES = 4 << 20;   // JSONL files above this load in chunks, with progress
const MAX_ERRORS = 100;

let engine: Engine | null = null;
// The loaded files, kept to reload one kind when the other is replaced (the engine's clear()
// drops events, accounts and outcomes together).
const sources: Record<Kind, { name: string; bytes: Uint8Array }[]> = { events: [], accounts: [] };
let outcomes: { name: string; bytes: Uint8Array } | null = null;
const totals: Record<Kind, LoadReport> = { events: emptyReport(), accounts: emptyReport() };
let engineModel: string | null = null;   // the model text the engine holds now
let generation = 0;                      // bumped by every scoring request (cancels history and analysis runs)
let dataVersion = 0;                     // bumped by every load (analysis results are keyed by it)

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

function emptyReport(): LoadReport {
  return { read: 0, loaded: 0, skipped: 0, duplicates: 0, errors: [] };
}

function mergeInto(into: LoadReport, r: EngineReport | LoadReport): void {
  into.read += r.read ?? 0;
  into.loaded += r.loaded ?? 0;
  into.skipped += r.skipped ?? 0;
  into.duplicates += r.duplicates ?? 0;
  for (const e of r.errors ?? []) {
    if (into.errors.length >= MAX_ERRORS) break;
    into.errors.push({ line: e.line ?? 0, message: String(e.message) });
  }
}

function asObject(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function describe(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) return String((e as Error).message);
  return String(e);
}

function modelError(e: unknown): ModelError {
  const o = (e && typeof e === 'object' ? e : {}) as Record<string, unknown>;
  return {
    code: typeof o.code === 'string' ? o.code : 'invalid_model',
    path: typeof o.path === 'string' ? o.path : '',
    message: describe(e),
  };
}

const ready = (async () => {
  try {
    engine = await createEngine(wasmUrl ? { wasmUrl: new URL(wasmUrl, self.location.href).href } : {});
    post({ type: 'ready' });
  } catch (e) {
    post({ type: 'fatal', message: `The scoring engine could not start: ${describe(e)}` });
  }
})();

let queue: Promise<void> = ready;
let receivedAt = 0;   // when the scoring request being handled arrived (its wait is reported)
self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'score') generation++;
  const myGeneration = generation;
  const arrived = performance.now();
  queue = queue.then(() => { receivedAt = arrived; return handle(msg, myGeneration); }).catch((e) => {
    post({ type: 'fatal', message: `Worker error: ${describe(e)}` });
  });
};

async function handle(msg: ToWorker, myGeneration: number): Promise<void> {
  if (!engine) return;
  switch (msg.type) {
    case 'load': return load(engine, msg);
    case 'outcomes': return loadOutcomes(engine, msg);
    case 'score': return score(engine, msg);
    case 'explain': return explain(engine, msg);
    case 'history': return history(engine, msg, myGeneration);
    case 'catalog': return catalog(engine);
    case 'analyze': return analyze(engine, msg, myGeneration);
    case 'scoreJson': return scoreJson(engine, msg);
  }
}

function ensureModel(e: Engine, text: string): void {
  if (engineModel === text) return;
  e.setModel(text);
  engineModel = text;
}

function firstByte(bytes: Uint8Array): number {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return i < bytes.length ? bytes[i] : -1;
}

function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

// Loads one file's bytes. JSON Lines files larger than a chunk go in line-aligned chunks so
// that progress can be shown; each chunk tells the engine its first line, so errors (here and
// in the engine's diagnostics) name lines of the whole file.
function loadBytes(e: Engine, kind: Kind, bytes: Uint8Array, id: number): LoadReport {
  const call = (data: Uint8Array, format: 'auto' | 'jsonl', firstLine = 1) =>
    kind === 'events' ? e.loadEvents(data, { format, strict: false, firstLine }) : e.loadAccounts(data, { format, strict: false, firstLine });
  const report = emptyReport();
  if (bytes.length <= CHUNK_BYTES || firstByte(bytes) !== 0x7b /* { */) {
    post({ type: 'progress', id, phase: 'parsing', done: 0, total: bytes.length });
    mergeInto(report, call(bytes, 'auto'));
    post({ type: 'progress', id, phase: 'parsing', done: bytes.length, total: bytes.length });
    return report;
  }
  let start = 0;
  let lineOffset = 0;
  while (start < bytes.length) {
    let end = Math.min(start + CHUNK_BYTES, bytes.length);
    if (end < bytes.length) {
      const nl = bytes.indexOf(0x0a, end);
      end = nl < 0 ? bytes.length : nl + 1;
    }
    const chunk = bytes.subarray(start, end);
    mergeInto(report, call(chunk, 'jsonl', lineOffset + 1));
    lineOffset += countLines(chunk);
    start = end;
    post({ type: 'progress', id, phase: 'parsing', done: start, total: bytes.length });
  }
  return report;
}

async function load(e: Engine, msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  let bytes: Uint8Array;
  try {
    if (msg.bytes) bytes = new Uint8Array(msg.bytes);
    else {
      post({ type: 'progress', id: msg.id, phase: 'reading', done: 0, total: 0 });
      const res = await fetch(msg.url ?? '', { credentials: 'same-origin' });
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    }
  } catch (err) {
    post({ type: 'loaded', id: msg.id, kind: msg.kind, name: msg.name, ok: false, error: `could not read ${msg.name}: ${describe(err)}`,
      report: emptyReport(), totals: snapshotTotals() });
    return;
  }
  dataVersion++;
  try {
    if (!msg.append) {
      // Replace this kind: start over and reload the other kind's files (and the outcomes) as they were.
      sources[msg.kind] = [];
      totals[msg.kind] = emptyReport();
      reloadAll(e);
    }
    const report = loadBytes(e, msg.kind, bytes, msg.id);
    sources[msg.kind].push({ name: msg.name, bytes });
    mergeInto(totals[msg.kind], report);
    post({ type: 'loaded', id: msg.id, kind: msg.kind, name: msg.name, ok: true, report, totals: snapshotTotals() });
  } catch (err) {
    post({ type: 'loaded', id: msg.id, kind: msg.kind, name: msg.name, ok: false, error: describe(err),
      report: emptyReport(), totals: snapshotTotals() });
  }
}

function snapshotTotals() {
  return {
    events: structuredClone(totals.events),
    accounts: structuredClone(totals.accounts),
    files: [...sources.events.map((s) => s.name), ...sources.accounts.map((s) => s.name)],
  };
}

// Starts over: the engine's clear() drops everything, so every kept file is loaded again.
function reloadAll(e: Engine): void {
  e.clear();
  for (const src of sources.events) e.loadEvents(src.bytes, { format: 'auto', strict: false });
  for (const src of sources.accounts) e.loadAccounts(src.bytes, { format: 'auto', strict: false });
  if (outcomes) e.loadOutcomes(outcomes.bytes, { format: 'auto', strict: false });
}

// An outcomes file (account_id or user_id, converted_at) replaces the previous one; an empty
// message (no bytes) removes it.
async function loadOutcomes(e: Engine, msg: Extract<ToWorker, { type: 'outcomes' }>): Promise<void> {
  dataVersion++;
  const bytes = new Uint8Array(msg.bytes);
  try {
    if (outcomes) {
      outcomes = null;
      reloadAll(e);
    }
    const report = emptyReport();
    if (bytes.length) {
      mergeInto(report, e.loadOutcomes(bytes, { format: 'auto', strict: false }));
      outcomes = { name: msg.name, bytes };
    }
    post({ type: 'outcomesLoaded', id: msg.id, name: msg.name, ok: true, report, files: outcomes ? [msg.name] : [] });
  } catch (err) {
    post({ type: 'outcomesLoaded', id: msg.id, name: msg.name, ok: false, error: describe(err), report: emptyReport(), files: outcomes ? [outcomes.name] : [] });
  }
}

// Yields to pending messages (a MessageChannel task: not clamped like a nested setTimeout).
const tick = new MessageChannel();
const waiting: (() => void)[] = [];
tick.port1.onmessage = () => waiting.shift()?.();
const yieldTask = () => new Promise<void>((r) => { waiting.push(r); tick.port2.postMessage(0); });

// The pickers' view of the data, straight from the engine (what it parsed, exactly).
function catalog(e: Engine): void {
  const c = e.catalog();
  const kindOf = (xs: unknown[]) => {
    const kinds = new Set(xs.map((x) => typeof x));
    return kinds.size === 1 ? [...kinds][0] : kinds.size ? 'mixed' : 'string';
  };
  const time = (iso: string | null) => {
    const t = iso ? Date.parse(iso) : NaN;
    return Number.isNaN(t) ? null : t;
  };
  const out: Catalog = {
    events: c.events.map((x) => ({ name: x.event, count: x.count }))
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    traits: c.traits.map((t) => ({ name: t.trait, kind: kindOf(t.examples), values: t.examples.map(String).sort() })),
    first: time(c.first_event),
    last: time(c.last_event),
  };
  post({ type: 'catalog', catalog: out });
}

function score(e: Engine, msg: Extract<ToWorker, { type: 'score' }>): void {
  const t0 = performance.now();
  const waitMs = t0 - receivedAt;
  try {
    ensureModel(e, msg.model);
  } catch (err) {
    post({ type: 'scored', seq: msg.seq, ok: false, error: modelError(err) });
    return;
  }
  let run;
  try {
    run = asObject(e.score({ offset: 0 })) as import('./protocol').ScoreRun;
  } catch (err) {
    post({ type: 'scored', seq: msg.seq, ok: false, error: modelError(err) });
    return;
  }
  const engineMs = performance.now() - t0;
  const normalized = asObject(e.model());
  let explainOut: unknown = null;
  let explainError: string | null = null;
  if (msg.select !== null) {
    try { explainOut = asObject(e.explain(msg.select)); } catch (err) { explainError = describe(err); }
  }
  post({ type: 'scored', seq: msg.seq, ok: true, run, normalized, explain: explainOut, explainId: msg.select, explainError, engineMs, waitMs });
}

function explain(e: Engine, msg: Extract<ToWorker, { type: 'explain' }>): void {
  try {
    ensureModel(e, msg.model);
    post({ type: 'explained', seq: msg.seq, id: msg.id, explain: asObject(e.explain(msg.id)), error: null });
  } catch (err) {
    post({ type: 'explained', seq: msg.seq, id: msg.id, explain: null, error: describe(err) });
  }
}

function scoreOf(ex: unknown, id: string, e: Engine): { score: number | null; qualified: boolean | null } {
  const o = ex as Record<string, unknown> | null;
  const pick = (x: unknown) => (x && typeof x === 'object' ? (x as Record<string, unknown>) : null);
  for (const cand of [o, pick(o?.result), pick(o?.entity), pick(o?.metrics), pick(o?.scores)]) {
    if (cand && typeof cand.score === 'number') {
      return { score: cand.score, qualified: typeof cand.qualified === 'boolean' ? cand.qualified : (typeof o?.qualified === 'boolean' ? o.qualified : null) };
    }
  }
  // The explanation does not say: find the entity in a full run.
  const run = asObject(e.score({ offset: 0 })) as import('./protocol').ScoreRun;
  const row = run.results.find((r) => r.id === id);
  return row ? { score: row.score, qualified: row.qualified } : { score: null, qualified: null };
}

// The selected entity's score at past as_of dates: the "why did it change" view.
async function history(e: Engine, msg: Extract<ToWorker, { type: 'history' }>, myGeneration: number): Promise<void> {
  const base = Date.parse(msg.asOf);
  if (Number.isNaN(base)) return;
  let model: Record<string, unknown>;
  try { model = JSON.parse(msg.model); } catch { return; }
  const points: HistoryPoint[] = [];
  for (let k = msg.points - 1; k >= 0; k--) {
    if (generation !== myGeneration) return;   // a newer ranking is wanted: give way
    const t = base - k * msg.stepDays * DAY_MS;
    const asOf = new Date(t).toISOString();
    let point: HistoryPoint = { as_of: asOf, t, score: null, qualified: null };
    try {
      engineModel = null;
      const withAsOf = e as Engine & { setAsOf?: (ms: number | null) => void };
      if (k === msg.points - 1 || !withAsOf.setAsOf) e.setModel(JSON.stringify({ ...model, as_of: asOf }));
      else withAsOf.setAsOf(t);
      const ex = asObject(e.explain(msg.id));
      point = { as_of: asOf, t, ...scoreOf(ex, msg.id, e) };
    } catch {
      // not ranked at that date (no events yet): no point
    }
    points.push(point);
    post({ type: 'history', seq: msg.seq, id: msg.id, points: points.slice(), done: k === 0 });
    await yieldTask();
  }
  try { ensureModel(e, msg.model); } catch { /* the page's model is valid: it was scored */ }
}

// The engine's JSON text for the whole ranking (the end-to-end determinism test).
function scoreJson(e: Engine, msg: Extract<ToWorker, { type: 'scoreJson' }>): void {
  try {
    ensureModel(e, msg.model);
    post({ type: 'scoreJson', seq: msg.seq, ok: true, text: e.scoreJson(), error: null });
  } catch (err) {
    post({ type: 'scoreJson', seq: msg.seq, ok: false, text: '', error: describe(err) });
  }
}

// ---- analysis: backtest (with calibration), compare, SQL, suggestions ----

// Calibration uses the engine's own backtest on a copy of the model whose tiers are a fine
// score grid: each grid tier's count and conversions are the population's per-score-band
// figures (tiers change nothing else), from which the page's deciles are cut.
const GRID_STEP = 0.25;
const GRID = Array.from({ length: Math.round(100 / GRID_STEP) + 1 }, (_, i) => ({ name: `g${i}`, min_score: 100 - i * GRID_STEP }));

function calibrate(bins: { lo: number; hi: number | null; count: number; conversions: number }[], population: number): Calibration {
  const out: CalibrationBin[] = [];
  let cum = 0;
  let inside = 0;
  for (const b of bins) {
    if (b.count === 0) continue;
    // The decile of the band's middle entity, counting from the top.
    const mid = cum + b.count / 2;
    const decile = Math.min(10, Math.floor((10 * mid) / population) + 1);
    cum += b.count;
    inside += b.count;
    const last = out[out.length - 1];
    if (last && last.decile === decile) {
      last.lo = b.lo;
      last.count += b.count;
      last.conversions += b.conversions;
    } else {
      out.push({ decile, lo: b.lo, hi: b.hi, count: b.count, conversions: b.conversions, rate: null });
    }
  }
  for (const d of out) d.rate = d.count ? d.conversions / d.count : null;
  return { bins: out, step: GRID_STEP, outside: population - inside };
}

function calibration(e: Engine, model: string, bt: Backtest, horizon: number): Calibration | null {
  if (!bt.population) return { bins: [], step: GRID_STEP, outside: 0 };
  let m: Record<string, unknown>;
  try { m = JSON.parse(model); } catch { return null; }
  const text = JSON.stringify({ ...m, tiers: GRID });
  e.setModel(text);
  engineModel = text;
  const fine = asObject(e.backtest({ horizon_days: horizon, as_of: bt.as_of })) as Backtest;
  const bands = fine.tiers.map((t, i) => ({ lo: GRID[i].min_score, hi: i === 0 ? null : GRID[i - 1].min_score, count: t.count, conversions: t.conversions }));
  return calibrate(bands, bt.population);
}

const lastKey: Partial<Record<AnalysisPart['part'], string>> = {};
let lastBacktest: { key: string; bt: Backtest } | null = null;

async function analyze(e: Engine, msg: Extract<ToWorker, { type: 'analyze' }>, myGeneration: number): Promise<void> {
  const r: AnalysisRequest = msg.req;
  const steps: { part: AnalysisPart['part']; key: string; run: () => AnalysisPart }[] = [];
  if (r.sql) {
    const o = r.sql;
    steps.push({ part: 'sql', key: JSON.stringify([r.model, o]), run: () => {
      const t0 = performance.now();
      ensureModel(e, r.model);
      const sql = e.toSql(o.dialect, { events_table: o.events_table, accounts_table: o.accounts_table, users_table: o.users_table });
      return { part: 'sql', ok: true, sql, ms: performance.now() - t0 };
    } });
  }
  if (r.backtest) {
    const key = JSON.stringify([r.model, r.horizon, dataVersion]);
    steps.push({ part: 'backtest', key, run: () => {
      const t0 = performance.now();
      ensureModel(e, r.model);
      const bt = asObject(e.backtest({ horizon_days: r.horizon })) as Backtest;
      lastBacktest = { key, bt };
      return { part: 'backtest', ok: true, backtest: bt, ms: performance.now() - t0 };
    } });
    // The calibration of that backtest (none when it failed).
    steps.push({ part: 'calibration', key, run: () => {
      if (lastBacktest?.key !== key) throw Object.assign(new Error('no backtest'), { code: 'skipped' });
      const t0 = performance.now();
      const cal = calibration(e, r.model, lastBacktest.bt, r.horizon);
      if (!cal) throw new Error('the model cannot be read');
      return { part: 'calibration', ok: true, calibration: cal, ms: performance.now() - t0 };
    } });
  }
  if (r.compareA !== null) {
    const a = r.compareA;
    steps.push({ part: 'compare', key: JSON.stringify([a, r.model, dataVersion]), run: () => {
      const t0 = performance.now();
      ensureModel(e, a);
      const cmp = asObject(e.compare(r.model, { movers: 10 })) as import('./protocol').Comparison;
      return { part: 'compare', ok: true, compare: cmp, ms: performance.now() - t0 };
    } });
  }
  if (r.suggest) {
    steps.push({ part: 'suggest', key: JSON.stringify([r.model, r.horizon, r.capacity, dataVersion]), run: () => {
      const t0 = performance.now();
      ensureModel(e, r.model);
      const sg = asObject(e.suggest({ horizon_days: r.horizon, capacity_per_week: r.capacity })) as import('./protocol').Suggestions;
      return { part: 'suggest', ok: true, suggest: sg, ms: performance.now() - t0 };
    } });
  }
  for (const step of steps) {
    if (generation !== myGeneration) { post({ type: 'analyzed', seq: msg.seq, aborted: true }); return; }
    if (lastKey[step.part] === step.key) continue;
    let out: AnalysisPart;
    try {
      out = step.run();
    } catch (err) {
      out = { part: step.part, ok: false, error: modelError(err) };
    }
    if (!out.ok && out.error.code === 'skipped') continue;
    lastKey[step.part] = step.key;
    post({ type: 'analysis', seq: msg.seq, ...out });
    await yieldTask();
  }
  post({ type: 'analyzed', seq: msg.seq, aborted: false });
}
