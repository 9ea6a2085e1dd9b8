// Formatting, encoding and small data helpers shared by the main thread and the worker.

export const DAY_MS = 86_400_000;

export function fmt(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toFixed(digits);
}

// One formatter: toLocaleString builds a new one per call (~5 ms per ranking of 100 rows).
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export function fmtInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const r = Math.round(n);
  return r > -1000 && r < 1000 ? String(r) : INT.format(r);
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  return iso.slice(0, 10);
}

// base64url of UTF-8 text, and back (throws on malformed input).
export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(b64: string): string {
  const std = b64.replace(/-/g, '+').replace(/_/g, '/');
  const padded = std + '='.repeat((4 - (std.length % 4)) % 4);
  const bin = atob(padded);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

// An engine result (a typed object) as a JSON tree the model editor can change.
export function jsonOf(v: object): JsonObject {
  return JSON.parse(JSON.stringify(v)) as JsonObject;
}

export function getPath(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

// Sets obj[path] = value, creating objects on the way; `undefined` deletes the key and
// prunes objects left empty.
export function setPath(obj: JsonObject, path: string[], value: Json | undefined): void {
  const parents: JsonObject[] = [];
  let cur: JsonObject = obj;
  for (const key of path.slice(0, -1)) {
    parents.push(cur);
    let next = cur[key];
    if (!isObject(next)) {
      if (value === undefined) return;
      next = {};
      cur[key] = next;
    }
    cur = next;
  }
  const last = path[path.length - 1];
  if (value === undefined) {
    delete cur[last];
    for (let i = path.length - 2; i >= 0; i--) {
      const parent = parents[i];
      const child = parent[path[i]];
      if (isObject(child) && Object.keys(child).length === 0) delete parent[path[i]];
      else break;
    }
  } else {
    cur[last] = value;
  }
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, ms);
  };
}

// A text value typed by the user: number, boolean or string.
export function parseScalar(text: string): Json {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t !== '' && /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  return text;
}

// A value as the user types it back (strings as they are, anything else as JSON).
export function scalarText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
