/// <reference lib="webworker" />
// The scoring worker: owns the engine, the loaded bytes and every scoring run, so that the
// page never stutters. Requests run one at a time in arrival order; a score history run
// gives way as soon as a newer scoring request arrives.
import { createEngine, type Engine, type LoadReport as EngineReport } from '@pql/engine';
import wasmUrl from '@pql/wasm-file?url';
import { CatalogBuilder } from './catalog';
import type { FromWorker, HistoryPoint, Kind, LoadReport, ModelError, ToWorker } from './protocol';
import { DAY_MS } from './util';

declare const self: DedicatedWorkerGlobalScope;

const CHUNK_BYTES = 4 << 20;   // JSONL files above this load in chunks, with progress
const MAX_ERRORS = 100;

let engine: Engine | null = null;
const sources: Record<Kind, { name: string; bytes: Uint8Array }[]> = { events: [], accounts: [] };
const totals: Record<Kind, LoadReport> = { events: emptyReport(), accounts: emptyReport() };
let engineModel: string | null = null;   // the model text the engine holds now
let generation = 0;                      // bumped by every scoring request (cancels history runs)

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

function emptyReport(): LoadReport {
  return { read: 0, loaded: 0, skipped: 0, duplicates: 0, errors: [] };
}

function mergeInto(into: LoadReport, r: EngineReport | LoadReport, lineOffset = 0): void {
  into.read += r.read ?? 0;
  into.loaded += r.loaded ?? 0;
  into.skipped += r.skipped ?? 0;
  into.duplicates += r.duplicates ?? 0;
  for (const e of r.errors ?? []) {
    if (into.errors.length >= MAX_ERRORS) break;
    into.errors.push({ line: (e.line ?? 0) + lineOffset, message: String(e.message) });
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
    case 'score': return score(engine, msg);
    case 'explain': return explain(engine, msg);
    case 'history': return history(engine, msg, myGeneration);
    case 'catalog': return catalog();
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
// that progress can be shown; error line numbers are shifted back to the whole file's.
function loadBytes(e: Engine, kind: Kind, bytes: Uint8Array, id: number): LoadReport {
  const call = (data: Uint8Array, format: 'auto' | 'jsonl') =>
    kind === 'events' ? e.loadEvents(data, { format, strict: false }) : e.loadAccounts(data, { format, strict: false });
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
    mergeInto(report, call(chunk, 'jsonl'), lineOffset);
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
  catalogGeneration++;   // the sources change: a catalog being built is stale
  try {
    if (!msg.append) {
      // Replace this kind: start over and reload the other kind's files as they were.
      e.clear();
      sources[msg.kind] = [];
      totals[msg.kind] = emptyReport();
      const other: Kind = msg.kind === 'events' ? 'accounts' : 'events';
      const order: Kind[] = other === 'events' ? ['events'] : ['accounts'];
      for (const k of order) {
        for (const src of sources[k]) {
          if (k === 'events') e.loadEvents(src.bytes, { format: 'auto', strict: false });
          else e.loadAccounts(src.bytes, { format: 'auto', strict: false });
        }
      }
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

// The catalog scans every loaded byte (about a second for 30 MB): it runs beside the request
// queue in line-aligned slices, so that a scoring request waits for one slice at most.
let catalogGeneration = 0;
const CATALOG_SLICE = 256 << 10;

// Yields to pending messages (a MessageChannel task: not clamped like a nested setTimeout).
const tick = new MessageChannel();
const waiting: (() => void)[] = [];
tick.port1.onmessage = () => waiting.shift()?.();
const yieldTask = () => new Promise<void>((r) => { waiting.push(r); tick.port2.postMessage(0); });

function catalog(): void {
  const mine = ++catalogGeneration;
  void (async () => {
    const b = new CatalogBuilder();
    for (const k of ['events', 'accounts'] as Kind[]) {
      for (const src of sources[k]) {
        for (const slice of slices(src.bytes)) {
          if (mine !== catalogGeneration) return;
          b.add(k, slice);
          await yieldTask();
        }
      }
    }
    if (mine === catalogGeneration) post({ type: 'catalog', catalog: b.build() });
  })();
}

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  if (bytes.length <= CATALOG_SLICE || firstByte(bytes) !== 0x7b) { yield bytes; return; }
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + CATALOG_SLICE, bytes.length);
    if (end < bytes.length) {
      const nl = bytes.indexOf(0x0a, end);
      end = nl < 0 ? bytes.length : nl + 1;
    }
    yield bytes.subarray(start, end);
    start = end;
  }
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
