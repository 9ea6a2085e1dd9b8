// Types of Emscripten's loader (pql_core.mjs) and of the Embind class in wasm/bindings.cpp, for
// checking index.js only (tsc -p wasm/js); not part of the package's public types.

/** The raw binding: every fallible call returns ok and leaves JSON (or an error) in output(). */
export interface EngineHandle {
  /** options: JSON text {format, strict, first_line, account_key, columns, time_unit}. */
  loadEvents(ptr: number, size: number, options: string): boolean;
  loadAccounts(ptr: number, size: number, options: string): boolean;
  loadUsers(ptr: number, size: number, options: string): boolean;
  loadOutcomes(ptr: number, size: number, options: string): boolean;
  /** A load in pieces: kind events | accounts | users | outcomes; endLoad's output is the report. */
  beginLoad(kind: string, options: string): boolean;
  feed(ptr: number, size: number): boolean;
  endLoad(): boolean;
  setModel(json: string): boolean;
  setModelNumber(path: string, value: number): boolean;
  model(): boolean;
  setAsOf(text: string): boolean;
  score(offset: number, limit: number): boolean;
  explain(id: string): boolean;
  scores(): boolean;
  clear(): boolean;
  clearEvents(): boolean;
  clearAccounts(): boolean;
  clearUsers(): boolean;
  clearOutcomes(): boolean;
  scoreCsv(options: string): boolean;
  view(options: string): boolean;
  schema(): boolean;
  catalog(): boolean;
  backtest(options: string): boolean;
  suggest(options: string): boolean;
  compare(modelB: string, options: string): boolean;
  funnel(options: string): boolean;
  toSql(dialect: string, options: string): boolean;
  output(): Uint8Array;
  scoresView(): Float64Array;
  release(): void;
  delete(): void;
}

export interface PqlModule {
  Engine: new () => EngineHandle;
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  heapInUse(): number;
}

export interface ModuleArguments {
  wasmBinary?: Uint8Array;
  locateFile?: (path: string) => string;
}

export default function createPqlModule(args?: ModuleArguments): Promise<PqlModule>;
