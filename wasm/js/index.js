// pql-engine: the JavaScript API over the pql WebAssembly core, for browsers, workers and Node.
// Results are plain objects (JSON.parse of the core's output) and typed arrays; the Embind
// handle never leaves this file. Types and documentation: index.d.ts.
import createPqlModule from './pql_core.mjs';

/** Every error the engine reports: `code` is stable, `path` (model) or `line` (load) locate it. */
export class PqlError extends Error {
  constructor(code, message, { path, line, detail } = {}) {
    super(message);
    this.name = 'PqlError';
    this.code = code;
    this.detail = detail ?? message;
    if (path !== undefined) this.path = path;
    if (line !== undefined) this.line = line;
  }
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined';
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Below this many UTF-16 units a string is encoded straight into a worst-case (3 bytes per
// unit) heap block; above it, into a JS buffer first, so the heap grows only by what is used.
const DIRECT_ENCODE_MAX = 1 << 20;

// One module instance per .wasm source, shared by all engines made from it.
const instances = new Map();

function instance(options) {
  const key = options.wasmBinary ?? (options.wasmUrl !== undefined ? String(options.wasmUrl) : '');
  let pending = instances.get(key);
  if (!pending) {
    const inst = { mod: null, key, pending: null, broken: false };
    pending = inst.pending = instantiate(options).then((mod) => Object.assign(inst, { mod }));
    instances.set(key, pending);
    pending.catch(() => instances.delete(key));
  }
  return pending;
}

async function instantiate({ wasmUrl, wasmBinary }) {
  try {
    // Under Node, Emscripten 3.1.6's loader would fetch() a file path: read the bytes instead.
    if (!wasmBinary && isNode) wasmBinary = await readInNode(wasmUrl ?? new URL('./pql_core.wasm', import.meta.url));
    const arg = {};
    if (wasmBinary) arg.wasmBinary = wasmBinary instanceof ArrayBuffer ? new Uint8Array(wasmBinary) : wasmBinary;
    else if (wasmUrl !== undefined) arg.locateFile = () => String(wasmUrl);
    return await createPqlModule(arg);
  } catch (e) {
    throw new PqlError('io', `cannot load the pql WebAssembly module: ${e?.message ?? e}`);
  }
}

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

/** Loads the module (once per wasm source) and returns a new, empty engine. */
export async function createEngine(options = {}) {
  return new Engine(TOKEN, await instance(options ?? {}));
}

// Anything but a PqlError escaping the module means it trapped (or threw past the binding):
// its memory can no longer be trusted, so its engines stop and createEngine starts afresh.
function fatal(inst, e) {
  if (e instanceof PqlError) return e;
  inst.broken = true;
  if (instances.get(inst.key) === inst.pending) instances.delete(inst.key);
  const what = e instanceof Error ? e.message : `C++ exception ${e}`;
  return new PqlError('internal', `the pql WebAssembly module failed: ${what}`);
}

function errorFrom(text) {
  if (!text) return new PqlError('out_of_memory', 'out of memory');
  const e = JSON.parse(text);
  return new PqlError(e.code, e.message, e);
}

function invalid(message) {
  return new PqlError('invalid_argument', message);
}

function index(value, name) {
  if (value === Infinity && name === 'limit') return -1;
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${name} must be a non-negative integer`);
  return value;
}

// Copies text (string, Uint8Array, other typed array or ArrayBuffer) into a heap block for
// the duration of fn(pointer, size), and always frees it.
function withBytes(mod, text, fn) {
  let bytes = null;
  if (typeof text === 'string') {
    if (text.length > DIRECT_ENCODE_MAX) bytes = encoder.encode(text);
  } else if (text instanceof ArrayBuffer) {
    bytes = new Uint8Array(text);
  } else if (ArrayBuffer.isView(text)) {
    bytes = new Uint8Array(text.buffer, text.byteOffset, text.byteLength);
  } else {
    throw invalid('text must be a string, a Uint8Array or an ArrayBuffer');
  }
  const capacity = bytes ? bytes.length : text.length * 3;
  const ptr = mod._malloc(Math.max(capacity, 1)) >>> 0;
  if (ptr === 0) throw new PqlError('out_of_memory', `out of memory (${capacity} bytes of input)`);
  try {
    let size = capacity;
    if (bytes) mod.HEAPU8.set(bytes, ptr);
    else size = encoder.encodeInto(text, mod.HEAPU8.subarray(ptr, ptr + capacity)).written;
    return fn(ptr, size);
  } finally {
    mod._free(ptr);
  }
}

const TOKEN = Symbol('pql.Engine');
const registry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(release) : null;

// Frees the C++ engine; `state` is shared with the FinalizationRegistry, never the Engine.
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

class Engine {
  #state;

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

  loadEvents(text, options) {
    return this.#load('loadEvents', text, options);
  }

  loadAccounts(text, options) {
    return this.#load('loadAccounts', text, options);
  }

  setModel(model) {
    let json = model;
    if (typeof model !== 'string') {
      try {
        json = JSON.stringify(model);
      } catch (e) {
        throw new PqlError('invalid_model', `the model cannot be written as JSON: ${e.message}`);
      }
      if (typeof json !== 'string') throw invalid('the model must be an object or JSON text');
    }
    this.#call((h) => h.setModel(json));
  }

  model() {
    return this.#json((h) => h.model());
  }

  setAsOf(asOf) {
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

  score(options) {
    return JSON.parse(this.scoreJson(options));
  }

  scoreJson({ offset = 0, limit = Infinity } = {}) {
    const first = index(offset, 'offset');
    const count = index(limit, 'limit');
    return this.#call((h) => h.score(first, count));
  }

  explain(id) {
    if (typeof id === 'number' && Number.isSafeInteger(id)) id = String(id);
    if (typeof id !== 'string') throw invalid('id must be a string');
    return this.#json((h) => h.explain(id));
  }

  scores() {
    let scores;
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

  loadOutcomes(text, options) {
    return this.#load('loadOutcomes', text, options);
  }

  catalog() {
    return this.#json((h) => h.catalog());
  }

  backtest({ horizon_days = 30, as_of = null, outcomes } = {}) {
    if (outcomes !== undefined) this.loadOutcomes(outcomes);
    return this.#json((h) => h.backtest(options({ horizon_days, as_of })));
  }

  suggest({ horizon_days = 30, as_of = null, capacity_per_week = 20 } = {}) {
    return this.#json((h) => h.suggest(options({ horizon_days, as_of, capacity_per_week })));
  }

  compare(modelB, { movers = 10 } = {}) {
    const json = typeof modelB === 'string' ? modelB : JSON.stringify(modelB);
    if (typeof json !== 'string') throw invalid('model B must be an object or JSON text');
    return this.#json((h) => h.compare(json, options({ movers })));
  }

  toSql(dialect = 'duckdb', { events_table, accounts_table, users_table, as_of, columns } = {}) {
    if (typeof dialect !== 'string') throw invalid('dialect must be a string');
    return this.#call((h) => h.toSql(dialect, options({ events_table, accounts_table, users_table, as_of, columns })));
  }

  /** Heap figures of the module this engine lives in (shared by its engines). */
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

  #load(method, text, { format = 'auto', strict = false, firstLine = 1 } = {}) {
    if (typeof format !== 'string') throw invalid('format must be "auto", "jsonl", "json" or "csv"');
    if (!Number.isSafeInteger(firstLine) || firstLine < 1) throw invalid('firstLine must be a whole number >= 1');
    return this.#json((h, mod) => withBytes(mod, text, (ptr, size) => h[method](ptr, size, format, !!strict, firstLine)));
  }

  #json(fn) {
    return JSON.parse(this.#call(fn));
  }

  #live() {
    const { handle, inst } = this.#state;
    if (!handle) throw new PqlError('deleted', 'this pql engine was deleted');
    if (inst.broken) throw new PqlError('internal', 'the pql WebAssembly module failed earlier; create a new engine');
    return handle;
  }

  // Runs one binding call, then takes its output (JSON text) and frees the buffer.
  #call(fn) {
    const handle = this.#live();
    const { inst } = this.#state;
    let ok, text;
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

// Options cross into C++ as JSON text; undefined keys are left out so C++ keeps its defaults.
function options(o) {
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw invalid(`${k} must be a finite number`);
  }
  return JSON.stringify(o, (k, v) => (v === undefined ? undefined : v));
}

if (typeof Symbol.dispose === 'symbol') Engine.prototype[Symbol.dispose] = Engine.prototype.delete;
