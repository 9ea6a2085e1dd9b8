/// <reference lib="webworker" />
// The worker's side of the import step (issue #14 item 5): the first ~64 KiB of a file's text
// (gzip and zip inflated with fflate, as the engine's package does in browsers) and a dry run of
// those rows in a scratch engine (same wasm module, its own data), so that the core itself says
// what shape the rows are and what a load with given options would make of them. The page's
// engine is not touched until the user imports.
import { createEngine, type Engine, type EngineOptions, type LoadReport } from '@pql/engine';
import type { ImportKind, ImportOptions } from './importer';

export const PREVIEW_BYTES = 64 * 1024;

export interface HeadText {
  text: string;
  /** The text is the whole file (so its last row is whole). */
  complete: boolean;
  compression: 'gzip' | 'zip' | null;
  /** For a zip: the entry previewed (the archive's first file). */
  entry: string | null;
}

function compressionOf(b: Uint8Array): 'gzip' | 'zip' | null {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4) return 'zip';
  return null;
}

// Pushes the file's bytes into `push` until `enough()` or the end; returns whether the end was reached.
async function pump(
  file: Blob,
  push: (chunk: Uint8Array, final: boolean) => void,
  enough: () => boolean,
): Promise<boolean> {
  const reader = file.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        push(new Uint8Array(0), true);
        return true;
      }
      push(value, false);
      if (enough()) return false;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

function joined(parts: Uint8Array[], limit: number): Uint8Array {
  const size = Math.min(
    limit,
    parts.reduce((n, p) => n + p.length, 0),
  );
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    if (at >= size) break;
    const take = p.subarray(0, size - at);
    out.set(take, at);
    at += take.length;
  }
  return out;
}

/** The start of a file's text, decompressed; errors (a corrupt archive) are thrown with a reason. */
export async function readHead(file: Blob, limit = PREVIEW_BYTES): Promise<HeadText> {
  const magic = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  const kind = compressionOf(magic);
  const decode = (bytes: Uint8Array) =>
    new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\uFFFD+$/, '');
  if (!kind) {
    const bytes = new Uint8Array(await file.slice(0, limit).arrayBuffer());
    return { text: decode(bytes), complete: file.size <= limit, compression: null, entry: null };
  }
  // fflate as the engine's package loads it (a dynamic import: one chunk for both).
  const { Gunzip, Unzip, UnzipInflate } = await import('fflate');
  const out: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  let entry: string | null = null;
  if (kind === 'gzip') {
    const g = new Gunzip((d, final) => {
      if (d.length) {
        out.push(d);
        size += d.length;
      }
      if (final) ended = true;
    });
    const reachedEnd = await pump(
      file,
      (c, final) => g.push(c, final),
      () => size >= limit,
    );
    return {
      text: decode(joined(out, limit)),
      complete: reachedEnd && ended && size <= limit,
      compression: 'gzip',
      entry: null,
    };
  }
  // zip: the archive's first file entry, read as it streams (local headers come first).
  let error: unknown = null;
  const u = new Unzip((f) => {
    if (entry !== null || f.name.endsWith('/')) return;
    entry = f.name;
    f.ondata = (err, d, final) => {
      if (err) {
        error = err;
        return;
      }
      if (d.length) {
        out.push(d);
        size += d.length;
      }
      if (final) ended = true;
    };
    f.start();
  });
  u.register(UnzipInflate);
  await pump(
    file,
    (c, final) => u.push(c, final),
    () => size >= limit || ended || error !== null,
  );
  if (error) throw error instanceof Error ? error : new Error(String(error));
  let bytes = joined(out, limit);
  // An entry that is itself gzip (as Amplitude's are): inflate its start too.
  if (compressionOf(bytes) === 'gzip') {
    const inner: Uint8Array[] = [];
    let n = 0;
    const g = new Gunzip((d) => {
      if (d.length) {
        inner.push(d);
        n += d.length;
      }
    });
    try {
      g.push(bytes, ended);
    } catch {
      /* a cut member: what came out is enough */
    }
    bytes = joined(inner, limit);
    return { text: decode(bytes), complete: false, compression: 'zip', entry };
  }
  return { text: decode(bytes), complete: ended && size <= limit, compression: 'zip', entry };
}

let scratch: Engine | null = null;

/** The scratch engine for dry runs (the same module instance as the page's engine). */
async function scratchEngine(options: EngineOptions): Promise<Engine> {
  if (!scratch || scratch.deleted) scratch = await createEngine(options);
  return scratch;
}

/** Loads `text` (whole rows of the preview) into the scratch engine with `options`: the core's report or error. */
export async function dryRun(
  engineOptions: EngineOptions,
  kind: ImportKind,
  text: string,
  options: ImportOptions,
): Promise<{ report: LoadReport | null; error: string | null; code: string | null }> {
  const e = await scratchEngine(engineOptions);
  e.clear();
  e.clearUsers();
  try {
    const o = { columns: options.columns, time_unit: options.time_unit, account_key: options.account_key };
    const report =
      kind === 'events' ? e.loadEvents(text, o) : kind === 'accounts' ? e.loadAccounts(text, o) : e.loadUsers(text, o);
    return { report, error: null, code: null };
  } catch (err) {
    const code =
      err instanceof Error && typeof (err as Error & { code?: unknown }).code === 'string'
        ? (err as Error & { code: string }).code
        : 'internal';
    return { report: null, error: err instanceof Error ? err.message : String(err), code };
  } finally {
    e.clear();
    e.clearUsers();
  }
}
