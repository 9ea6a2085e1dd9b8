// The contract of the pql WASM package (build/wasm/pkg/index.js), as the playground uses it.
// Declared here so that the playground type-checks whether or not the package is built yet.
declare module '@pql/engine' {
  export interface LoadOptions { format?: 'auto' | 'jsonl' | 'json' | 'csv'; strict?: boolean }
  export interface RowError { line: number; message: string }
  export interface LoadReport {
    read: number; loaded: number; skipped: number; duplicates: number; errors: RowError[];
  }
  export interface Engine {
    loadEvents(data: string | Uint8Array, options?: LoadOptions): LoadReport;
    loadAccounts(data: string | Uint8Array, options?: LoadOptions): LoadReport;
    setModel(model: unknown): void;
    model(): unknown;
    score(options?: { offset?: number; limit?: number }): unknown;
    explain(id: string): unknown;
    scores(): Float64Array;
    clear(): void;
    delete(): void;
  }
  export class PqlError extends Error {
    code: string;
    path?: string;
    line?: number;
  }
  export function createEngine(options?: { wasmUrl?: string | URL; wasmBinary?: ArrayBuffer | Uint8Array }): Promise<Engine>;
}

declare module '@pql/wasm-file?url' {
  const url: string | undefined;
  export default url;
}
