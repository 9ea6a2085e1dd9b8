// Types of Emscripten's loader (pql_core.mjs) and of the Embind class in wasm/bindings.cpp, for
// checking index.js only (tsc -p wasm/js); not part of the package's public types.

/** The raw binding: every fallible call returns ok and leaves JSON (or an error) in output(). */
export interface EngineHandle {
  loadEvents(ptr: number, size: number, format: string, strict: boolean, firstLine: number): boolean;
  loadAccounts(ptr: number, size: number, format: string, strict: boolean, firstLine: number): boolean;
  loadOutcomes(ptr: number, size: number, format: string, strict: boolean, firstLine: number): boolean;
  loadText(kind: string, ptr: number, size: number, options: string): boolean;
  beginLoad(kind: string, options: string): boolean;
  feed(ptr: number, size: number): boolean;
  endLoad(): boolean;
  setModel(json: string): boolean;
  model(): boolean;
  setAsOf(text: string): boolean;
  score(offset: number, limit: number): boolean;
  explain(id: string): boolean;
  scores(): boolean;
  clear(): boolean;
  catalog(): boolean;
  backtest(options: string): boolean;
  suggest(options: string): boolean;
  compare(modelB: string, options: string): boolean;
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
  /** LoadReport::kMaxErrors: the errors a report keeps. */
  maxRowErrors(): number;
}

export interface ModuleArguments {
  wasmBinary?: Uint8Array;
  locateFile?: (path: string) => string;
}

export default function createPqlModule(args?: ModuleArguments): Promise<PqlModule>;
