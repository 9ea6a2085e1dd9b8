// Named model versions kept in this browser (localStorage), besides the pinned A of A/B.
import type { JsonObject } from './util';

export interface Version {
  name: string;
  savedAt: string;
  model: JsonObject;
}

const KEY = 'pql.versions.v1';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  } // disabled by the browser's settings
}

export function listVersions(): Version[] {
  const s = storage();
  if (!s) return [];
  try {
    const v: unknown = JSON.parse(s.getItem(KEY) ?? '[]');
    return Array.isArray(v)
      ? v.filter(
          (x): x is Version => !!x && typeof x.name === 'string' && typeof x.model === 'object' && x.model !== null,
        )
      : [];
  } catch {
    return []; // a damaged entry is not the user's model: start a new list
  }
}

/** Saves (or replaces) a version; returns an error message, or null. */
export function saveVersion(name: string, model: JsonObject): string | null {
  const s = storage();
  if (!s) return 'This browser does not let the page keep data (localStorage is off).';
  const clean = name.trim();
  if (!clean) return 'Give the version a name.';
  const list = listVersions().filter((v) => v.name !== clean);
  list.unshift({ name: clean, savedAt: new Date().toISOString(), model });
  try {
    s.setItem(KEY, JSON.stringify(list.slice(0, 50)));
    return null;
  } catch (e) {
    return `Could not save: ${(e as Error).message || 'the browser storage is full'}`;
  }
}

export function deleteVersion(name: string): void {
  const s = storage();
  if (!s) return;
  try {
    s.setItem(KEY, JSON.stringify(listVersions().filter((v) => v.name !== name)));
  } catch {
    /* nothing to lose */
  }
}
