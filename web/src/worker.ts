/// <reference lib="webworker" />
// The scoring worker: owns the engine and every engine call, so that the page never stutters.
// Requests run one at a time in arrival order; a score history run and an analysis (backtest,
// suggestions, compare, SQL) give way as soon as a newer scoring request arrives. It keeps no
// file bytes: a file streams into the engine (loadEventsFrom and co., which cut it in pieces,
// report progress and sum the reports), and replacing a kind is the engine's clearEvents() etc.
import { createEngine, type Engine, type Source } from '@pql/engine';
import wasmUrl from '@pql/wasm-file?url';
import type {
  AnalysisPart,
  AnalysisRequest,
  CanonicalModel,
  Catalog,
  Explanation,
  FromWorker,
  HistoryPoint,
  Kind,
  LoadReport,
  ModelError,
  ModelUpdate,
  ToWorker,
  LatestSignup,
  ImportOptions,
} from './protocol';
import { numericPatch } from './modelpatch';
import { dryRun, readHead } from './workerimport';
import { DAY_MS, type Json } from './util';

declare const self: DedicatedWorkerGlobalScope;

let engine: Engine | null = null;
// The names of the files loaded (the data panel lists them); the engine holds their rows.
const files: Record<Kind, string[]> = { events: [], accounts: [], users: [] };
// What each kind's data was loaded from (a File handle, the sample's URL: never a copy of the
// bytes) and how, so that a failed load can put the data before it back (issue #14).
interface Held {
  name: string;
  source: { file?: Blob; bytes?: ArrayBuffer; url?: string };
  options?: ImportOptions;
  sample: boolean;
}
const held: Record<Kind, Held[]> = { events: [], accounts: [], users: [] };
let outcomesFile: string | null = null;
let engineModel: string | null = null; // the model text the engine holds now
let generation = 0; // bumped by every scoring request (cancels history and analysis runs)
let dataVersion = 0; // bumped by every load (analysis results are keyed by it)

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

const EMPTY_REPORT: LoadReport = { read: 0, loaded: 0, skipped: 0, duplicates: 0, errors: [] };

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// A PqlError has a code (and a path for a model error); anything else is a bug's message.
function modelError(e: unknown): ModelError {
  const o = e instanceof Error ? (e as Error & { code?: unknown; path?: unknown }) : null;
  return {
    code: typeof o?.code === 'string' ? o.code : 'internal',
    path: typeof o?.path === 'string' ? o.path : '',
    message: describe(e),
  };
}

const engineOptions = wasmUrl ? { wasmUrl: new URL(wasmUrl, self.location.href).href } : {};
const ready = (async () => {
  try {
    engine = await createEngine(engineOptions);
    post({ type: 'ready', schema: engine.schema() });
  } catch (e) {
    post({ type: 'fatal', message: `The scoring engine could not start: ${describe(e)}` });
  }
})();

let queue: Promise<void> = ready;
let receivedAt = 0; // when the scoring request being handled arrived (its wait is reported)
self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'score') generation++;
  const myGeneration = generation;
  const arrived = performance.now();
  queue = queue
    .then(() => {
      receivedAt = arrived;
      return handle(msg, myGeneration);
    })
    .catch((e) => {
      post({ type: 'fatal', message: `Worker error: ${describe(e)}` });
    });
};

async function handle(msg: ToWorker, myGeneration: number): Promise<void> {
  if (!engine) return;
  switch (msg.type) {
    case 'load':
      return load(engine, msg);
    case 'outcomes':
      return loadOutcomes(engine, msg);
    case 'score':
      return score(engine, msg);
    case 'explain':
      return explain(engine, msg);
    case 'history':
      return history(engine, msg, myGeneration);
    case 'catalog':
      return catalog(engine);
    case 'analyze':
      return analyze(engine, msg, myGeneration);
    case 'scoreJson':
      return scoreJson(engine, msg);
    case 'view':
      return viewOnce(engine, msg);
    case 'scoreCsv':
      return scoreCsv(engine, msg);
    case 'preview':
      return preview(msg);
    case 'dryRun':
      post({ type: 'dryRun', id: msg.id, result: await dryRun(engineOptions, msg.kind, msg.text, msg.options) });
      return;
    case 'suggestFor':
      return suggestFor(engine, msg);
  }
}

// Gives the engine the model `text`. When it differs from the engine's model in one numeric
// setting only (a slider), that setting is patched (setModelValue: no re-read of the whole
// model, the same validation); anything else, or a patch the engine refuses, sets it whole.
let parsed: { text: string; value: Json } | null = null; // engineModel, parsed (for the diff)
let lastUpdate: ModelUpdate = 'model';
function ensureModel(e: Engine, text: string): void {
  if (engineModel === text) {
    lastUpdate = 'same';
    return;
  }
  let next: Json | null = null;
  try {
    next = JSON.parse(text) as Json;
  } catch {
    /* setModel reports it */
  }
  if (engineModel !== null && next !== null) {
    if (parsed?.text !== engineModel) {
      try {
        parsed = { text: engineModel, value: JSON.parse(engineModel) as Json };
      } catch {
        parsed = null;
      }
    }
    const p = parsed ? numericPatch(parsed.value, next) : null;
    if (p) {
      try {
        e.setModelValue(p.path, p.value);
        engineModel = text;
        parsed = { text, value: next };
        lastUpdate = 'patch';
        return;
      } catch {
        /* set whole below: it gives the error (same rules) or the model */
      }
    }
  }
  e.setModel(text);
  engineModel = text;
  parsed = next === null ? null : { text, value: next };
  lastUpdate = 'model';
}

// Where a load's bytes come from: a File, bytes the page already has, or a URL (streamed as it
// downloads, its size from Content-Length).
async function sourceOf(msg: {
  file?: Blob;
  bytes?: ArrayBuffer;
  url?: string;
}): Promise<{ source: Source; size: number | null }> {
  if (msg.file) return { source: msg.file, size: msg.file.size };
  if (msg.bytes) return { source: new Uint8Array(msg.bytes), size: msg.bytes.byteLength };
  const res = await fetch(msg.url ?? '', { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  const length = Number(res.headers.get('content-length'));
  const size = Number.isFinite(length) && length > 0 ? length : null;
  return { source: res.body ?? new Uint8Array(await res.arrayBuffer()), size };
}

async function load(e: Engine, msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  let input: { source: Source; size: number | null };
  try {
    post({ type: 'progress', id: msg.id, phase: 'reading', done: 0, total: 0 });
    input = await sourceOf(msg);
  } catch (err) {
    post({
      type: 'loaded',
      id: msg.id,
      kind: msg.kind,
      name: msg.name,
      ok: false,
      error: `could not read ${msg.name}: ${describe(err)}`,
      report: EMPTY_REPORT,
      files: allFiles(),
    });
    return;
  }
  dataVersion++;
  const options = {
    replace: !msg.append,
    onProgress: (p: { done: number; total: number | null }) =>
      post({ type: 'progress', id: msg.id, phase: 'parsing', done: p.done, total: p.total ?? input.size ?? 0 }),
    ...msg.options,
  };
  let report: LoadReport | null = null;
  let error: string | null = null;
  try {
    report = await loadKind(e, msg.kind, input.source, options);
  } catch (err) {
    error = describe(err);
  }
  // A load that throws, or that reads nothing of a file, fails: the data before it is put back
  // (a replace dropped it; a failed append may have kept part of the file), and the page keeps
  // its ranking. An append that loaded nothing changed nothing.
  const nothing = report !== null && report.loaded === 0 && report.duplicates === 0;
  if (error !== null || nothing) {
    const why = error ?? (report && summaryOf(report)) ?? 'nothing could be read';
    let restored = false;
    if (error !== null || !msg.append) {
      restored = await restore(e, msg.kind);
    }
    post({
      type: 'loaded',
      id: msg.id,
      kind: msg.kind,
      name: msg.name,
      ok: false,
      error: why,
      restored,
      report: report ?? EMPTY_REPORT,
      files: allFiles(),
    });
    return;
  }
  // Keep how to read it again: a File handle, or the sample's URL (not its bytes).
  const source = msg.file ? { file: msg.file } : msg.url ? { url: msg.url } : { bytes: msg.bytes };
  const me: Held = { name: msg.name, source, options: msg.options, sample: !!msg.sample };
  held[msg.kind] = msg.append ? [...held[msg.kind], me] : [me];
  // The user's own events replace the sample's: its accounts (which name none of them) go too.
  let dropped: string[] | undefined;
  if (
    msg.kind === 'events' &&
    !msg.append &&
    !msg.sample &&
    held.accounts.length &&
    held.accounts.every((x) => x.sample)
  ) {
    dropped = held.accounts.map((x) => x.name);
    e.clearAccounts();
    held.accounts = [];
  }
  syncFiles();
  post({
    type: 'loaded',
    id: msg.id,
    kind: msg.kind,
    name: msg.name,
    ok: true,
    report: report!,
    files: allFiles(),
    dropped,
  });
}

function loadKind(
  e: Engine,
  kind: Kind,
  source: Source,
  options: Parameters<Engine['loadEventsFrom']>[1],
): Promise<LoadReport> {
  return kind === 'events'
    ? e.loadEventsFrom(source, options)
    : kind === 'accounts'
      ? e.loadAccountsFrom(source, options)
      : e.loadUsersFrom(source, options);
}

function summaryOf(r: LoadReport): string | null {
  if (r.notes?.length) return r.notes[0];
  if (r.read === 0) return 'the file has no rows';
  if (r.errors.length)
    return `none of its ${r.read} rows could be read; first: line ${r.errors[0].line}: ${r.errors[0].message}`;
  return null;
}

// Reloads what `kind` held before a failed load (the files are read again; the sample's URL is
// fetched again, from the browser's cache). Returns whether every file came back.
async function restore(e: Engine, kind: Kind): Promise<boolean> {
  const clear =
    kind === 'events' ? () => e.clearEvents() : kind === 'accounts' ? () => e.clearAccounts() : () => e.clearUsers();
  clear();
  let ok = true;
  for (const x of held[kind]) {
    try {
      const { source } = await sourceOf(x.source);
      await loadKind(e, kind, source, { ...x.options });
    } catch {
      ok = false;
    }
  }
  if (!ok) held[kind] = [];
  syncFiles();
  return ok;
}

function syncFiles(): void {
  for (const k of ['events', 'accounts', 'users'] as Kind[]) files[k] = held[k].map((x) => x.name);
}

// The import step: the start of a file's text (decompressed).
async function preview(msg: Extract<ToWorker, { type: 'preview' }>): Promise<void> {
  try {
    post({ type: 'preview', id: msg.id, ok: true, head: await readHead(msg.file), error: null });
  } catch (err) {
    post({ type: 'preview', id: msg.id, ok: false, head: null, error: describe(err) });
  }
}

// suggest() under another model (Start a model from this data): the page's model goes back
// into the engine with its next request (ensureModel sees the difference).
function suggestFor(e: Engine, msg: Extract<ToWorker, { type: 'suggestFor' }>): void {
  try {
    ensureModel(e, msg.model);
    post({ type: 'suggestFor', id: msg.id, ok: true, suggest: e.suggest({ horizon_days: msg.horizon }), error: null });
  } catch (err) {
    post({ type: 'suggestFor', id: msg.id, ok: false, suggest: null, error: describe(err) });
  }
}

function allFiles(): Record<Kind, string[]> {
  return { events: files.events.slice(), accounts: files.accounts.slice(), users: files.users.slice() };
}

// An outcomes file (account_id or user_id, converted_at) replaces the previous one; an empty
// message (no file) removes it.
async function loadOutcomes(e: Engine, msg: Extract<ToWorker, { type: 'outcomes' }>): Promise<void> {
  dataVersion++;
  try {
    e.clearOutcomes();
    outcomesFile = null;
    const report = msg.file ? await e.loadOutcomesFrom(msg.file) : EMPTY_REPORT;
    if (msg.file) outcomesFile = msg.name;
    post({
      type: 'outcomesLoaded',
      id: msg.id,
      name: msg.name,
      ok: true,
      report,
      files: outcomesFile ? [outcomesFile] : [],
    });
  } catch (err) {
    post({
      type: 'outcomesLoaded',
      id: msg.id,
      name: msg.name,
      ok: false,
      error: describe(err),
      report: EMPTY_REPORT,
      files: outcomesFile ? [outcomesFile] : [],
    });
  }
}

// Yields to pending messages (a MessageChannel task: not clamped like a nested setTimeout).
const tick = new MessageChannel();
const waiting: (() => void)[] = [];
tick.port1.onmessage = () => waiting.shift()?.();
const yieldTask = () =>
  new Promise<void>((r) => {
    waiting.push(r);
    tick.port2.postMessage(0);
  });

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
    events: c.events
      .map((x) => ({ name: x.event, count: x.count }))
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    traits: c.traits.map((t) => ({ name: t.trait, kind: kindOf(t.examples), values: t.examples.map(String).sort() })),
    properties: (c.properties ?? []).map((p) => ({
      name: p.property,
      events: p.events,
      eventTypes: p.event_types ?? [],
      values: p.examples.map(String),
    })),
    first: time(c.first_event),
    last: time(c.last_event),
  };
  post({ type: 'catalog', catalog: out });
}

let canonical: { text: string; model: CanonicalModel } | null = null; // e.model() of that model text
function score(e: Engine, msg: Extract<ToWorker, { type: 'score' }>): void {
  const t0 = performance.now();
  const waitMs = t0 - receivedAt;
  let update: ModelUpdate = 'model';
  let run;
  try {
    ensureModel(e, msg.model);
    update = lastUpdate;
    run = e.view(msg.view);
  } catch (err) {
    post({ type: 'scored', seq: msg.seq, ok: false, error: modelError(err) });
    return;
  }
  const engineMs = performance.now() - t0;
  // The canonical model is read once per model text, not on every scroll or filter.
  if (canonical?.text !== msg.model) canonical = { text: msg.model, model: e.model() };
  const normalized = canonical.model;
  let explainOut: Explanation | null = null;
  let explainError: string | null = null;
  if (msg.select !== null) {
    try {
      explainOut = e.explain(msg.select);
    } catch (err) {
      explainError = describe(err);
    }
  }
  const workerMs = performance.now() - t0;
  post({
    type: 'scored',
    seq: msg.seq,
    ok: true,
    run,
    normalized,
    explain: explainOut,
    explainId: msg.select,
    explainError,
    engineMs,
    waitMs,
    update,
    workerMs,
    postedAt: performance.timeOrigin + performance.now(),
  });
}

function explain(e: Engine, msg: Extract<ToWorker, { type: 'explain' }>): void {
  try {
    ensureModel(e, msg.model);
    post({ type: 'explained', seq: msg.seq, id: msg.id, explain: e.explain(msg.id), error: null });
  } catch (err) {
    post({ type: 'explained', seq: msg.seq, id: msg.id, explain: null, error: describe(err) });
  }
}

// The selected entity's score at past as_of dates: the "why did it change" view. setAsOf
// moves the engine's as_of without re-reading the model; the page's model is set again after.
async function history(e: Engine, msg: Extract<ToWorker, { type: 'history' }>, myGeneration: number): Promise<void> {
  const base = Date.parse(msg.asOf);
  if (Number.isNaN(base)) return;
  try {
    ensureModel(e, msg.model);
  } catch {
    return;
  }
  const points: HistoryPoint[] = [];
  try {
    for (let k = msg.points - 1; k >= 0; k--) {
      if (generation !== myGeneration) return; // a newer ranking is wanted: give way
      const t = base - k * msg.stepDays * DAY_MS;
      const asOf = new Date(t).toISOString();
      let point: HistoryPoint = { as_of: asOf, t, score: null, qualified: null };
      engineModel = null;
      e.setAsOf(t);
      try {
        const ex = e.explain(msg.id);
        point = { as_of: asOf, t, score: ex.score, qualified: ex.qualified };
      } catch {
        // not ranked at that date (no events yet): no point
      }
      points.push(point);
      post({ type: 'history', seq: msg.seq, id: msg.id, points: points.slice(), done: k === 0 });
      await yieldTask();
    }
  } finally {
    // Back to the page's model, re-ranked while idle (warm caches for the next edit).
    try {
      ensureModel(e, msg.model);
      if (generation === myGeneration) e.score({ offset: 0, limit: 1 });
    } catch {
      /* the page's model is valid: it was scored */
    }
  }
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

// A view of the whole list as shown (the JSON export).
function viewOnce(e: Engine, msg: Extract<ToWorker, { type: 'view' }>): void {
  try {
    ensureModel(e, msg.model);
    post({ type: 'viewed', seq: msg.seq, ok: true, view: e.view(msg.view), error: null });
  } catch (err) {
    post({ type: 'viewed', seq: msg.seq, ok: false, view: null, error: describe(err) });
  }
}

// The ranking as the engine's CSV (Export CSV): the same bytes as `pql score --format csv`.
function scoreCsv(e: Engine, msg: Extract<ToWorker, { type: 'scoreCsv' }>): void {
  try {
    ensureModel(e, msg.model);
    post({ type: 'scoreCsv', seq: msg.seq, ok: true, text: e.scoreCsv(msg.options), error: null });
  } catch (err) {
    post({ type: 'scoreCsv', seq: msg.seq, ok: false, text: '', error: describe(err) });
  }
}

// ---- analysis: backtest (with its calibration deciles), compare, SQL, suggestions ----

// The `n` entities that signed up last (first event, ties by id) with their activation steps.
function latestSignups(e: Engine, n: number): LatestSignup[] {
  const run = e.score();
  const latest = [...run.results]
    .sort((a, b) => (a.first_seen < b.first_seen ? 1 : a.first_seen > b.first_seen ? -1 : a.id < b.id ? -1 : 1))
    .slice(0, n);
  return latest.map((r) => ({ id: r.id, first_seen: r.first_seen, steps: e.explain(r.id).steps }));
}

const lastKey: Partial<Record<AnalysisPart['part'], string>> = {};

async function analyze(e: Engine, msg: Extract<ToWorker, { type: 'analyze' }>, myGeneration: number): Promise<void> {
  const r: AnalysisRequest = msg.req;
  const steps: { part: AnalysisPart['part']; key: string; run: () => AnalysisPart }[] = [];
  if (r.sql) {
    const o = r.sql;
    steps.push({
      part: 'sql',
      key: JSON.stringify([r.model, o]),
      run: () => {
        const t0 = performance.now();
        ensureModel(e, r.model);
        const sql = e.toSql(o.dialect, {
          events_table: o.events_table,
          accounts_table: o.accounts_table,
          users_table: o.users_table,
        });
        return { part: 'sql', ok: true, sql, ms: performance.now() - t0 };
      },
    });
  }
  if (r.backtest) {
    const key = JSON.stringify([r.model, r.horizon, dataVersion]);
    steps.push({
      part: 'backtest',
      key,
      run: () => {
        const t0 = performance.now();
        ensureModel(e, r.model);
        const bt = e.backtest({ horizon_days: r.horizon });
        return { part: 'backtest', ok: true, backtest: bt, ms: performance.now() - t0 };
      },
    });
  }
  if (r.compareA !== null) {
    const a = r.compareA;
    steps.push({
      part: 'compare',
      key: JSON.stringify([a, r.model, dataVersion]),
      run: () => {
        const t0 = performance.now();
        ensureModel(e, a);
        const cmp = e.compare(r.model, { movers: 10 });
        return { part: 'compare', ok: true, compare: cmp, ms: performance.now() - t0 };
      },
    });
  }
  if (r.suggest) {
    steps.push({
      part: 'suggest',
      key: JSON.stringify([r.model, r.horizon, r.capacity, dataVersion]),
      run: () => {
        const t0 = performance.now();
        ensureModel(e, r.model);
        const sg = e.suggest({ horizon_days: r.horizon, capacity_per_week: r.capacity });
        return { part: 'suggest', ok: true, suggest: sg, ms: performance.now() - t0 };
      },
    });
  }
  if (r.funnel) {
    const cohort = r.funnel;
    steps.push({
      part: 'funnel',
      key: JSON.stringify([r.model, cohort, dataVersion]),
      run: () => {
        const t0 = performance.now();
        ensureModel(e, r.model);
        const funnel = e.funnel({ cohort });
        return { part: 'funnel', ok: true, funnel, latest: latestSignups(e, 10), ms: performance.now() - t0 };
      },
    });
  }
  for (const step of steps) {
    if (generation !== myGeneration) {
      post({ type: 'analyzed', seq: msg.seq, aborted: true });
      return;
    }
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
  // The analysis may have left another model in the engine (A of a compare): put the
  // ranked model back and re-rank it now, while idle, so that the next edit is a patch on warm
  // caches rather than a whole model on cold ones.
  if (generation === myGeneration) {
    try {
      ensureModel(e, r.model);
      e.score({ offset: 0, limit: 1 });
    } catch {
      /* the model scored before: nothing to report here */
    }
  }
  post({ type: 'analyzed', seq: msg.seq, aborted: false });
}
