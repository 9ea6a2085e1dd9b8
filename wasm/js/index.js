// @ts-check
// pql-engine: the JavaScript API over the pql WebAssembly core, for browsers, workers and Node.
// Results are plain objects (JSON.parse of the core's output) and typed arrays; the Embind
// handle never leaves this file. Types and documentation: index.d.ts; this file is checked
// against them (tsc -p wasm/js, in make test).
import createPqlModule from './pql_core.mjs';
import { chunksOf } from './sources.js';
import { ArchiveError, compression, gunzip, zipEntries } from './archive.js';

/**
 * @import * as Api from './index.js'
 * @import { EngineHandle, PqlModule, ModuleArguments } from './pql_core.mjs'
 */

/**
 * One instantiated module: engines made from the same wasm source share it.
 * @typedef {{ mod: PqlModule, key: unknown, pending: Promise<Instance> | null, broken: boolean }} Instance
 */

/** Every error the engine reports: `code` is stable, `path` (model) or `line` (load) locate it. */
export class PqlError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ path?: string, line?: number, detail?: string }} [where]
   */
  constructor(code, message, { path, line, detail } = {}) {
    super(message);
    /** @type {'PqlError'} */
    this.name = 'PqlError';
    /** @type {Api.ErrorCode | string} */
    this.code = code;
    /** @type {string} */
    this.detail = detail ?? message;
    // Only present when known (`'path' in error` says whether the model is at fault).
    /** @type {string | undefined} */
    if (path !== undefined) this.path = path;
    /** @type {number | undefined} */
    if (line !== undefined) this.line = line;
  }
}

const host = /** @type {{ process?: { versions?: { node?: string } }, window?: unknown }} */ (globalThis);
const isNode =
  typeof host.process === 'object' &&
  typeof host.process.versions?.node === 'string' &&
  typeof host.window === 'undefined';
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Below this many UTF-16 units a string is encoded straight into a worst-case (3 bytes per
// unit) heap block; above it, into a JS buffer first, so the heap grows only by what is used.
const DIRECT_ENCODE_MAX = 1 << 20;
// loadEventsFrom() and co. feed bytes in memory (a string, a Uint8Array) in pieces of this size:
// big enough that a call's fixed cost vanishes, small enough for a smooth progress bar.
const PIECE_BYTES = 1 << 20;
const FORMATS = ['auto', 'jsonl', 'json', 'csv'];

// One module instance per .wasm source, shared by all engines made from it.
/** @type {Map<unknown, Promise<Instance>>} */
const instances = new Map();

/**
 * @param {Api.EngineOptions} options
 * @returns {Promise<Instance>}
 */
function instance(options) {
  const key = options.wasmBinary ?? (options.wasmUrl !== undefined ? String(options.wasmUrl) : '');
  let pending = instances.get(key);
  if (!pending) {
    /** @type {Instance} */
    const inst = { mod: /** @type {PqlModule} */ (/** @type {unknown} */ (null)), key, pending: null, broken: false };
    pending = inst.pending = instantiate(options).then((mod) => Object.assign(inst, { mod }));
    instances.set(key, pending);
    pending.catch(() => instances.delete(key));
  }
  return pending;
}

/**
 * @param {Api.EngineOptions} options
 * @returns {Promise<PqlModule>}
 */
async function instantiate({ wasmUrl, wasmBinary }) {
  try {
    // Under Node, Emscripten 3.1.6's loader would fetch() a file path: read the bytes instead.
    if (!wasmBinary && isNode) wasmBinary = await readInNode(wasmUrl ?? new URL('./pql_core.wasm', import.meta.url));
    /** @type {ModuleArguments} */
    const arg = {};
    if (wasmBinary) arg.wasmBinary = wasmBinary instanceof ArrayBuffer ? new Uint8Array(wasmBinary) : wasmBinary;
    else if (wasmUrl !== undefined) arg.locateFile = () => String(wasmUrl);
    return await createPqlModule(arg);
  } catch (e) {
    throw new PqlError('io', `cannot load the pql WebAssembly module: ${messageOf(e)}`);
  }
}

/** @param {unknown} e */
function messageOf(e) {
  return e instanceof Error ? e.message : String(e);
}

/**
 * @param {string | URL} url
 * @returns {Promise<Uint8Array>}
 */
async function readInNode(url) {
  const href = String(url);
  if (/^(https?|data|blob):/.test(href)) {
    const response = await fetch(href);
    if (!response.ok) throw new Error(`${href}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  // A computed specifier keeps bundlers from pulling a Node built-in into browser builds.
  const fsModule = 'node:fs/promises';
  const { readFile } = await import(/* @vite-ignore */ /* webpackIgnore: true */ fsModule);
  return readFile(href.startsWith('file:') ? new URL(href) : href);
}

/**
 * Loads the module (once per wasm source) and returns a new, empty engine.
 * @param {Api.EngineOptions} [options]
 * @returns {Promise<Api.Engine>}
 */
export async function createEngine(options = {}) {
  return new Engine(TOKEN, await instance(options ?? {}));
}

// Anything but a PqlError escaping the module means it trapped (or threw past the binding):
// its memory can no longer be trusted, so its engines stop and createEngine starts afresh.
/**
 * @param {Instance} inst
 * @param {unknown} e
 * @returns {PqlError}
 */
function fatal(inst, e) {
  if (e instanceof PqlError) return e;
  inst.broken = true;
  if (instances.get(inst.key) === inst.pending) instances.delete(inst.key);
  const what = e instanceof Error ? e.message : `C++ exception ${e}`;
  return new PqlError('internal', `the pql WebAssembly module failed: ${what}`);
}

/** @param {string} text */
function errorFrom(text) {
  if (!text) return new PqlError('out_of_memory', 'out of memory');
  const e = JSON.parse(text);
  return new PqlError(e.code, e.message, e);
}

/** @param {string} message */
function invalid(message) {
  return new PqlError('invalid_argument', message);
}

/**
 * @param {number} value
 * @param {string} name
 */
function index(value, name) {
  if (value === Infinity && name === 'limit') return -1;
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${name} must be a non-negative integer`);
  return value;
}

// Copies text (string, Uint8Array, other typed array or ArrayBuffer) into a heap block for
// the duration of fn(pointer, size), and always frees it.
/**
 * @template T
 * @param {PqlModule} mod
 * @param {Api.Text} text
 * @param {(ptr: number, size: number) => T} fn
 * @returns {T}
 */
function withBytes(mod, text, fn) {
  /** @type {Uint8Array | null} */
  let bytes = null;
  let str = ''; // encoded straight into the heap when bytes stays null
  if (typeof text === 'string') {
    if (text.length > DIRECT_ENCODE_MAX) bytes = encoder.encode(text);
    else str = text;
  } else if (text instanceof ArrayBuffer) {
    bytes = new Uint8Array(text);
  } else if (ArrayBuffer.isView(text)) {
    bytes = new Uint8Array(text.buffer, text.byteOffset, text.byteLength);
  } else {
    throw invalid('text must be a string, a Uint8Array or an ArrayBuffer');
  }
  const capacity = bytes ? bytes.length : str.length * 3;
  const ptr = mod._malloc(Math.max(capacity, 1)) >>> 0;
  if (ptr === 0) throw new PqlError('out_of_memory', `out of memory (${capacity} bytes of input)`);
  try {
    let size = capacity;
    if (bytes) mod.HEAPU8.set(bytes, ptr);
    else size = encoder.encodeInto(str, mod.HEAPU8.subarray(ptr, ptr + capacity)).written;
    return fn(ptr, size);
  } finally {
    mod._free(ptr);
  }
}

const TOKEN = Symbol('pql.Engine');
const registry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(release) : null;

/** @typedef {{ handle: EngineHandle | null, inst: Instance }} EngineState */

// Frees the C++ engine; `state` is shared with the FinalizationRegistry, never the Engine.
/** @param {EngineState} state */
function release(state) {
  const handle = state.handle;
  state.handle = null;
  if (handle && !state.inst.broken) {
    try {
      handle.delete();
    } catch (e) {
      fatal(state.inst, e);
    }
  }
}

/** @implements {Api.Engine} */
class Engine {
  /** @type {EngineState} */
  #state;

  /**
   * @param {symbol} token
   * @param {Instance} inst
   */
  constructor(token, inst) {
    if (token !== TOKEN) throw new TypeError('use createEngine() to make a pql engine');
    let handle;
    try {
      handle = new inst.mod.Engine();
    } catch (e) {
      throw fatal(inst, e);
    }
    this.#state = { handle, inst };
    // The backstop for an engine that is dropped without delete().
    registry?.register(this, this.#state, this.#state);
  }

  /**
   * @param {Api.Text} text
   * @param {Api.LoadOptions} [options]
   * @returns {Api.LoadReport}
   */
  loadEvents(text, options) {
    return this.#load('loadEvents', text, options);
  }

  /**
   * @param {Api.Text} text
   * @param {Api.LoadOptions} [options]
   * @returns {Api.LoadReport}
   */
  loadAccounts(text, options) {
    return this.#load('loadAccounts', text, options);
  }

  /** @param {Api.Model | string} model */
  setModel(model) {
    /** @type {string | undefined} */
    let json;
    if (typeof model === 'string') json = model;
    else {
      try {
        json = JSON.stringify(model);
      } catch (e) {
        throw new PqlError('invalid_model', `the model cannot be written as JSON: ${messageOf(e)}`);
      }
    }
    if (typeof json !== 'string') throw invalid('the model must be an object or JSON text');
    const text = json;
    this.#call((h) => h.setModel(text));
  }

  /**
   * One numeric setting of the current model, without re-reading the whole model.
   * @param {Api.ModelNumberPath} path
   * @param {number} value
   */
  setModelValue(path, value) {
    /** @type {string} */
    let text;
    if (typeof path === 'string') text = path;
    else if (Array.isArray(path) && path.length > 0) {
      text = '';
      for (const k of path) {
        if (typeof k === 'number') {
          if (!Number.isSafeInteger(k) || k < 0) throw invalid('a model path index must be a non-negative integer');
          text += `[${k}]`;
        } else if (typeof k === 'string' && k !== '') text += text === '' ? k : `.${k}`;
        else throw invalid('a model path is a string or a list of keys and indices');
      }
    } else throw invalid('a model path is a string or a list of keys and indices');
    if (typeof value !== 'number') throw invalid(`${text}: the value must be a number`);
    const p = text;
    this.#call((h) => h.setModelNumber(p, value));
  }

  /** @returns {Api.CanonicalModel} */
  model() {
    return this.#json((h) => h.model());
  }

  /** @param {Api.AsOf | null | undefined} asOf */
  setAsOf(asOf) {
    /** @type {string} */
    let text;
    if (asOf === null || asOf === undefined) text = '';
    else if (typeof asOf === 'string' && asOf !== '') text = asOf;
    else if (asOf instanceof Date || typeof asOf === 'number') {
      const ms = Math.floor(Number(asOf));
      if (!Number.isFinite(ms)) throw invalid('as_of must be a valid Date or epoch milliseconds');
      text = String(ms);
    } else throw invalid('as_of must be ISO 8601 text, a Date, epoch milliseconds or null');
    this.#call((h) => h.setAsOf(text));
  }

  /**
   * @param {Api.ScoreOptions} [options]
   * @returns {Api.ScoreRun}
   */
  score(options) {
    return JSON.parse(this.scoreJson(options));
  }

  /**
   * @param {Api.ScoreOptions} [options]
   * @returns {string}
   */
  scoreJson({ offset = 0, limit = Infinity } = {}) {
    const first = index(offset, 'offset');
    const count = index(limit, 'limit');
    return this.#call((h) => h.score(first, count));
  }

  /**
   * A page of the ranking as a list view shows it: filtered, sorted, with the population's
   * figures for charts. Each row carries `previous_rank` (its rank before the last change).
   * @param {Api.ViewOptions} [opts]
   * @returns {Api.View}
   */
  view(opts = {}) {
    if (opts === null || typeof opts !== 'object') throw invalid('view options must be an object');
    const { offset = 0, limit = 50 } = opts;
    index(offset, 'offset');
    if (!Number.isSafeInteger(limit) || limit < 0) throw invalid('limit must be a non-negative integer');
    const json = options({ ...opts, offset, limit });
    return this.#json((h) => h.view(json));
  }

  /**
   * @param {string | number} id
   * @returns {Api.Explanation}
   */
  explain(id) {
    if (typeof id === 'number' && Number.isSafeInteger(id)) id = String(id);
    if (typeof id !== 'string') throw invalid('id must be a string');
    const key = id;
    return this.#json((h) => h.explain(key));
  }

  /** @returns {Float64Array} */
  scores() {
    let scores = new Float64Array(0);
    this.#call((h) => {
      const ok = h.scores();
      if (ok) scores = h.scoresView().slice();
      return ok;
    });
    return scores;
  }

  clear() {
    this.#call((h) => h.clear());
  }

  clearEvents() {
    this.#call((h) => h.clearEvents());
  }

  clearAccounts() {
    this.#call((h) => h.clearAccounts());
  }

  clearOutcomes() {
    this.#call((h) => h.clearOutcomes());
  }

  clearUsers() {
    this.#call((h) => h.clearUsers());
  }

  /**
   * @param {Api.ScoreCsvOptions} [options]
   * @returns {string}
   */
  scoreCsv({ offset = 0, limit = Infinity, header = true, traits = [], preset = 'spec' } = {}) {
    index(offset, 'offset');
    index(limit, 'limit');
    if (typeof header !== 'boolean') throw invalid('header must be true or false');
    if (!Array.isArray(traits) || !traits.every((t) => typeof t === 'string'))
      throw invalid('traits must be an array of trait names');
    if (preset !== 'spec' && preset !== 'crm')
      throw invalid(`preset must be 'spec' or 'crm' (got ${JSON.stringify(preset)})`);
    const json = options({ offset, limit: limit === Infinity ? undefined : limit, header, traits, preset });
    return this.#call((h) => h.scoreCsv(json));
  }

  /** @returns {Api.Schema} */
  schema() {
    return this.#json((h) => h.schema());
  }

  /**
   * @param {Api.Text} text
   * @param {Api.LoadOptions} [options]
   * @returns {Api.LoadReport}
   */
  loadOutcomes(text, options) {
    return this.#load('loadOutcomes', text, options);
  }

  /**
   * @param {Api.Text} text
   * @param {Api.LoadOptions} [options]
   * @returns {Api.LoadReport}
   */
  loadUsers(text, options) {
    return this.#load('loadUsers', text, options);
  }

  /**
   * @param {Api.Source} source
   * @param {Api.LoadFromOptions} [options]
   * @returns {Promise<Api.LoadReport>}
   */
  loadUsersFrom(source, options) {
    return this.#loadFrom('users', source, options);
  }

  /**
   * @param {Api.Source} source
   * @param {Api.LoadFromOptions} [options]
   * @returns {Promise<Api.LoadReport>}
   */
  loadEventsFrom(source, options) {
    return this.#loadFrom('events', source, options);
  }

  /**
   * @param {Api.Source} source
   * @param {Api.LoadFromOptions} [options]
   * @returns {Promise<Api.LoadReport>}
   */
  loadAccountsFrom(source, options) {
    return this.#loadFrom('accounts', source, options);
  }

  /**
   * @param {Api.Source} source
   * @param {Api.LoadFromOptions} [options]
   * @returns {Promise<Api.LoadReport>}
   */
  loadOutcomesFrom(source, options) {
    return this.#loadFrom('outcomes', source, options);
  }

  /** @returns {Api.Catalog} */
  catalog() {
    return this.#json((h) => h.catalog());
  }

  /**
   * @param {Api.BacktestOptions} [options]
   * @returns {Api.Backtest}
   */
  backtest({ horizon_days = 30, as_of = null, outcomes } = {}) {
    if (outcomes !== undefined) this.loadOutcomes(outcomes);
    return this.#json((h) => h.backtest(options({ horizon_days, as_of })));
  }

  /**
   * @param {Api.SuggestOptions} [options]
   * @returns {Api.Suggestions}
   */
  suggest({ horizon_days = 30, as_of = null, capacity_per_week = 20 } = {}) {
    return this.#json((h) => h.suggest(options({ horizon_days, as_of, capacity_per_week })));
  }

  /**
   * @param {Api.Model | string} modelB
   * @param {Api.CompareOptions} [options]
   * @returns {Api.Comparison}
   */
  compare(modelB, { movers = 10, horizon_days = 30, as_of = null } = {}) {
    const json = typeof modelB === 'string' ? modelB : JSON.stringify(modelB);
    if (typeof json !== 'string') throw invalid('model B must be an object or JSON text');
    const text = json;
    return this.#json((h) => h.compare(text, options({ movers, horizon_days, as_of })));
  }

  /**
   * @param {Api.FunnelOptions} [options]
   * @returns {Api.Funnel}
   */
  funnel({ cohort = 'week', as_of = null } = {}) {
    if (cohort !== 'week' && cohort !== 'month') throw invalid('cohort must be "week" or "month"');
    return this.#json((h) => h.funnel(options({ cohort, as_of })));
  }

  /**
   * @param {Api.SqlDialect} [dialect]
   * @param {Api.SqlOptions} [options]
   * @returns {string}
   */
  toSql(dialect = 'duckdb', { events_table, accounts_table, users_table, as_of, columns } = {}) {
    if (typeof dialect !== 'string') throw invalid('dialect must be a string');
    return this.#call((h) => h.toSql(dialect, options({ events_table, accounts_table, users_table, as_of, columns })));
  }

  /**
   * Heap figures of the module this engine lives in (shared by its engines).
   * @returns {Api.MemoryUsage}
   */
  memoryUsage() {
    this.#live();
    const { mod } = this.#state.inst;
    return { heapUsed: mod.heapInUse(), heapSize: mod.HEAPU8.length };
  }

  delete() {
    const state = this.#state;
    if (!state.handle) return;
    registry?.unregister(state);
    release(state);
  }

  get deleted() {
    return !this.#state.handle;
  }

  /**
   * @param {'loadEvents' | 'loadAccounts' | 'loadOutcomes' | 'loadUsers'} method
   * @param {Api.Text} text
   * @param {Api.LoadOptions} [options]
   * @returns {Api.LoadReport}
   */
  #load(method, text, options) {
    const json = loadOptions(options);
    return this.#json((h, mod) => withBytes(mod, text, (ptr, size) => h[method](ptr, size, json)));
  }

  // A source read chunk by chunk and fed to the core's load in pieces (Engine::begin_load /
  // feed / end_load): the core keeps a partial row for the next piece, loads whole rows about
  // every 4 MiB, counts lines over the whole file and returns the whole file's report.
  /**
   * @param {'events' | 'accounts' | 'outcomes' | 'users'} kind
   * @param {Api.Source} source
   * @param {Api.LoadFromOptions} [options]
   * @returns {Promise<Api.LoadReport>}
   */
  async #loadFrom(kind, source, { onProgress, pieceBytes = PIECE_BYTES, replace = false, ...options } = {}) {
    if (!Number.isSafeInteger(pieceBytes) || pieceBytes < 1) throw invalid('pieceBytes must be a whole number >= 1');
    if (onProgress !== undefined && typeof onProgress !== 'function') throw invalid('onProgress must be a function');
    const json = loadOptions(options);
    this.#live();
    /** @type {ReturnType<typeof chunksOf>} */
    let input;
    try {
      input = chunksOf(source, pieceBytes);
    } catch (e) {
      throw invalid(messageOf(e));
    }
    let done = 0;
    const progress = () => onProgress?.({ done, total: input.total });
    // `replace` drops this kind just before the first byte goes in (not before the source
    // could be read at all).
    let begun = false;
    const begin = () => {
      if (begun) return;
      begun = true;
      if (replace) {
        this.#call((h) =>
          kind === 'events'
            ? h.clearEvents()
            : kind === 'accounts'
              ? h.clearAccounts()
              : kind === 'users'
                ? h.clearUsers()
                : h.clearOutcomes(),
        );
      }
      this.#call((h) => h.beginLoad(kind, json));
    };
    progress();
    // The source's chunks, counted for progress; a gzip or zip source (SPEC §6.1, recognised by
    // its first bytes) is inflated on the way.
    const it = input.chunks[Symbol.asyncIterator]();
    /** @type {Uint8Array[]} */
    const head = [];
    let headSize = 0;
    try {
      while (headSize < 4) {
        const next = await it.next();
        if (next.done) break;
        head.push(next.value);
        headSize += next.value.length;
      }
    } catch (e) {
      throw new PqlError('io', `could not read the source: ${messageOf(e)}`);
    }
    const raw = async function* () {
      for (const c of head) {
        done += c.length;
        yield c;
        progress();
      }
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        done += next.value.length;
        yield next.value;
        progress();
      }
    };
    const packed = headSize ? compression(joined(head, headSize)) : null;
    const named = /** @type {{ name?: unknown }} */ (/** @type {unknown} */ (source)).name;
    const name = typeof named === 'string' && named ? named : 'the source';
    /** @type {Api.LoadReport} */
    let report;
    if (packed === 'zip') {
      report = await this.#loadZip(kind, raw, name, pieceBytes, begin, options);
    } else {
      report = await this.#feedAll(
        packed === 'gzip' ? () => gunzip(raw(), { in: 0, out: 0 }) : raw,
        begin,
        name,
        !!options.strict,
      );
    }
    if (input.total === null) input.total = done;
    progress();
    return report;
  }

  // Feeds every chunk to the open load (begin() opens it at the first byte) and ends it. A
  // corrupt or truncated archive is one bad row after the rows read before it, which are kept
  // (SPEC §6.1); strict: PqlError bad_archive.
  /**
   * @param {() => AsyncIterable<Uint8Array>} chunks
   * @param {() => void} begin
   * @param {string} name
   * @param {boolean} strict
   * @returns {Promise<Api.LoadReport>}
   */
  async #feedAll(chunks, begin, name, strict) {
    let lines = 0;
    /** @type {ArchiveError | null} */
    let broken = null;
    try {
      for await (const chunk of chunks()) {
        begin();
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
        this.#call((h, mod) => withBytes(mod, chunk, (ptr, size) => h.feed(ptr, size)));
      }
    } catch (e) {
      if (e instanceof ArchiveError) {
        broken = e;
      } else {
        // The load ends either way: a feed error (a strict load's bad row, out of memory) is
        // the load's own, which endLoad returns; a source that failed keeps the rows before it.
        try {
          this.#json((h) => h.endLoad());
        } catch (ended) {
          if (e instanceof PqlError) throw ended;
        }
        if (e instanceof PqlError) throw e;
        throw new PqlError('io', `could not read the source: ${messageOf(e)}`);
      }
    }
    begin();
    /** @type {Api.LoadReport} */
    const report = this.#json((h) => h.endLoad());
    if (broken) {
      const message = `${name}: ${broken.message}; the rows before it are kept`;
      if (strict) throw new PqlError('bad_archive', message, { line: lines + 1 });
      report.read++;
      report.skipped++;
      if (report.errors.length < MAX_ROW_ERRORS) report.errors.push({ line: lines + 1, message });
    }
    return report;
  }

  // A zip (its directory is at its end, so it is gathered first): each file entry in name order
  // is a load of its own (possibly gzip), the reports summed, errors prefixed by the entry.
  /**
   * @param {string} kind
   * @param {() => AsyncIterable<Uint8Array>} raw
   * @param {string} name
   * @param {number} pieceBytes
   * @param {() => void} begin  the first entry's (drops the old data with `replace`)
   * @param {Api.LoadOptions} options
   * @returns {Promise<Api.LoadReport>}
   */
  async #loadZip(kind, raw, name, pieceBytes, begin, options) {
    /** @type {Uint8Array[]} */
    const all = [];
    let size = 0;
    try {
      for await (const c of raw()) {
        all.push(c);
        size += c.length;
      }
    } catch (e) {
      throw new PqlError('io', `could not read the source: ${messageOf(e)}`);
    }
    let entries;
    try {
      entries = await zipEntries(joined(all, size));
    } catch (e) {
      throw new PqlError('bad_archive', `${name}: ${messageOf(e)}`);
    }
    const json = loadOptions(options);
    /** @type {Api.LoadReport} */
    const report = { read: 0, loaded: 0, skipped: 0, duplicates: 0, errors: [] };
    const max = MAX_ROW_ERRORS;
    let first = true;
    for (const entry of entries) {
      let opened = false;
      const open = () => {
        if (opened) return;
        opened = true;
        if (first) begin();
        else this.#call((h) => h.beginLoad(kind, json));
        first = false;
      };
      const one = await this.#feedAll(
        async function* () {
          const bytes = entry.read();
          if (compression(bytes) === 'gzip') {
            yield* gunzip(
              (async function* () {
                yield bytes;
              })(),
              { in: 0, out: 0 },
            );
          } else {
            for (let at = 0; at < bytes.length; at += pieceBytes) yield bytes.subarray(at, at + pieceBytes);
          }
        },
        open,
        `${name}:${entry.name}`,
        !!options.strict,
      );
      report.read += one.read;
      report.loaded += one.loaded;
      report.skipped += one.skipped;
      report.duplicates += one.duplicates;
      for (const e of one.errors)
        if (report.errors.length < max) report.errors.push({ line: e.line, message: `${entry.name}: ${e.message}` });
      for (const n of one.notes ?? []) (report.notes ??= []).push(`${entry.name}: ${n}`);
      for (const [k, v] of Object.entries(one.shapes ?? {})) {
        const shapes = (report.shapes ??= {});
        shapes[k] = (shapes[k] ?? 0) + v;
      }
    }
    if (first) {
      // no entries: still an (empty) load, so `replace` applies
      begin();
      this.#json((h) => h.endLoad());
    }
    return report;
  }

  // The parsed output is typed by the caller (each method's @returns): the core writes it.
  /**
   * @param {(h: EngineHandle, mod: PqlModule) => boolean} fn
   * @returns {any}
   */
  #json(fn) {
    return JSON.parse(this.#call(fn));
  }

  /** @returns {EngineHandle} */
  #live() {
    const { handle, inst } = this.#state;
    if (!handle) throw new PqlError('deleted', 'this pql engine was deleted');
    if (inst.broken) throw new PqlError('internal', 'the pql WebAssembly module failed earlier; create a new engine');
    return handle;
  }

  // Runs one binding call, then takes its output (JSON text) and frees the buffer.
  /**
   * @param {(h: EngineHandle, mod: PqlModule) => boolean} fn
   * @returns {string}
   */
  #call(fn) {
    const handle = this.#live();
    const { inst } = this.#state;
    let ok = false,
      text = '';
    try {
      ok = fn(handle, inst.mod);
      text = decoder.decode(handle.output());
      handle.release();
    } catch (e) {
      throw fatal(inst, e);
    }
    if (!ok) throw errorFrom(text);
    return text;
  }
}

// Load options as the binding reads them (JSON, the core's names); unknown keys are errors.
/** @param {Api.LoadOptions} [o] */
function loadOptions({
  format = 'auto',
  strict = false,
  firstLine = 1,
  account_key,
  columns,
  time_unit,
  ...rest
} = {}) {
  const unknown = Object.keys(rest);
  if (unknown.length) throw invalid(`unknown load option ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  if (!FORMATS.includes(format)) throw invalid('format must be "auto", "jsonl", "json" or "csv"');
  if (typeof strict !== 'boolean') throw invalid('strict must be true or false');
  if (!Number.isSafeInteger(firstLine) || firstLine < 1) throw invalid('firstLine must be a whole number >= 1');
  // SPEC §6.2: the account's group key in vendor exports, the file's own column names, and the
  // unit of numeric timestamps.
  if (account_key != null && (typeof account_key !== 'string' || account_key === ''))
    throw invalid('account_key must be a non-empty string');
  if (time_unit != null && time_unit !== 'ms' && time_unit !== 's') throw invalid('time_unit must be "ms" or "s"');
  if (columns != null) {
    if (typeof columns !== 'object' || Array.isArray(columns))
      throw invalid('columns must be an object of field: column name');
    for (const [k, v] of Object.entries(columns)) {
      if (!COLUMN_FIELDS.includes(k))
        throw invalid(`columns: unknown field "${k}" (the fields are ${COLUMN_FIELDS.join(', ')})`);
      if (typeof v !== 'string' || v === '') throw invalid(`columns.${k} must be a column name (a non-empty string)`);
    }
  }
  return JSON.stringify({
    format,
    strict,
    first_line: firstLine,
    account_key: account_key ?? undefined,
    columns: columns ?? undefined,
    time_unit: time_unit ?? undefined,
  });
}
// How many row errors a report keeps (the core's LoadReport::kMaxErrors).
const MAX_ROW_ERRORS = 100;
const COLUMN_FIELDS = ['timestamp', 'user_id', 'event', 'account_id', 'id', 'name'];

/**
 * @param {Uint8Array[]} chunks
 * @param {number} size
 */
function joined(chunks, size) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  chunks.splice(0, chunks.length, out);
  return out;
}

// Options cross into C++ as JSON text; undefined keys are left out so C++ keeps its defaults.
/** @param {Record<string, unknown>} o */
function options(o) {
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw invalid(`${k} must be a finite number`);
  }
  return JSON.stringify(o, (k, v) => (v === undefined ? undefined : v));
}

if (typeof Symbol.dispose === 'symbol') {
  /** @type {Record<symbol, unknown>} */ (/** @type {unknown} */ (Engine.prototype))[Symbol.dispose] =
    Engine.prototype.delete;
}
