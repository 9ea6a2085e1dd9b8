// What the loaded files contain, for the model controls' pickers: every event type with its
// volume, every trait with a few of its values, and the time range. The engine does the
// real parsing and validation; this is a lenient scan of the same bytes in the worker.
import type { Catalog, Kind } from './protocol';

interface TraitAcc { kinds: Set<string>; values: Set<string> }

export class CatalogBuilder {
  private events = new Map<string, number>();
  private traits = new Map<string, TraitAcc>();
  private first = Infinity;
  private last = -Infinity;

  // One file, or a line-aligned chunk of a JSON Lines file.
  add(kind: Kind, bytes: Uint8Array): void {
    let text = new TextDecoder('utf-8').decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const lead = text.trimStart()[0];
    if (lead === '[') {
      let arr: unknown;
      try { arr = JSON.parse(text); } catch { return; }
      if (Array.isArray(arr)) for (const rec of arr) this.record(kind, rec);
    } else if (lead === '{') {
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        const line = text.slice(start, end).trim();
        start = end + 1;
        if (!line) continue;
        try { this.record(kind, JSON.parse(line)); } catch { /* a bad row: the engine reports it */ }
      }
    } else if (lead !== undefined) {
      this.csv(kind, text);
    }
  }

  build(): Catalog {
    const events = [...this.events].map(([name, count]) => ({ name, count }))
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
    const traits = [...this.traits].map(([name, acc]) => ({
      name,
      kind: acc.kinds.size === 1 ? [...acc.kinds][0] : 'mixed',
      values: [...acc.values].sort(),
    })).sort((a, b) => (a.name < b.name ? -1 : 1));
    return {
      events, traits,
      first: Number.isFinite(this.first) ? this.first : null,
      last: Number.isFinite(this.last) ? this.last : null,
    };
  }

  private record(kind: Kind, rec: unknown): void {
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return;
    const r = rec as Record<string, unknown>;
    if (kind === 'accounts') {
      this.traitsOf(r.traits);
      return;
    }
    const type = r.type;
    let name: unknown;
    if (type === 'group' || type === 'identify') {
      this.traitsOf(r.traits);
      return;
    } else if (type === 'page') name = 'Page Viewed';
    else if (type === 'screen') name = 'Screen Viewed';
    else name = r.event;
    if (typeof name !== 'string' || !name) return;
    this.event(name, r.timestamp);
  }

  private event(name: string, ts: unknown): void {
    this.events.set(name, (this.events.get(name) ?? 0) + 1);
    const t = parseTime(ts);
    if (t !== null) {
      if (t < this.first) this.first = t;
      if (t > this.last) this.last = t;
    }
  }

  private traitsOf(traits: unknown): void {
    if (typeof traits !== 'object' || traits === null || Array.isArray(traits)) return;
    for (const [k, v] of Object.entries(traits)) this.trait(k, v);
  }

  private trait(name: string, value: unknown): void {
    if (value === null || value === undefined || typeof value === 'object') return;
    let acc = this.traits.get(name);
    if (!acc) { acc = { kinds: new Set(), values: new Set() }; this.traits.set(name, acc); }
    acc.kinds.add(typeof value);
    if (acc.values.size < 24) acc.values.add(String(value));
  }

  private csv(kind: Kind, text: string): void {
    const rows = parseCsv(text);
    const header = rows.next();
    if (header.done) return;
    const cols = header.value.map((c) => c.trim());
    const ev = cols.indexOf('event');
    const ts = cols.indexOf('timestamp');
    const skip = new Set(kind === 'accounts' ? ['account_id', 'name'] : []);
    for (const row of rows) {
      if (row.length !== cols.length) continue;
      if (kind === 'events') {
        if (ev >= 0 && row[ev]) this.event(row[ev], ts >= 0 ? row[ts] : null);
      } else {
        row.forEach((cell, i) => {
          if (skip.has(cols[i]) || cell === '') return;
          const n = Number(cell);
          this.trait(cols[i], cell.trim() !== '' && Number.isFinite(n) ? n : cell);
        });
      }
    }
  }
}

const MAX_TS = 253402300799999;   // 9999-12-31T23:59:59.999Z, the last valid timestamp

export function parseTime(ts: unknown): number | null {
  let t: number;
  if (typeof ts === 'number') t = Math.trunc(ts);
  else if (typeof ts !== 'string' || !ts) return null;
  else if (/^-?\d+$/.test(ts)) t = Number(ts);
  else t = Date.parse(ts);
  return Number.isFinite(t) && t >= 0 && t <= MAX_TS ? t : null;
}

// RFC 4180 rows (quoted fields may hold commas, quotes and line breaks).
export function* parseCsv(text: string): Generator<string[]> {
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      cell += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' || c === '\n') {
      row.push(cell); cell = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      if (!(row.length === 1 && row[0] === '')) yield row;
      row = [];
      continue;
    }
    cell += c; i++;
  }
  if (cell !== '' || row.length) { row.push(cell); yield row; }
}
