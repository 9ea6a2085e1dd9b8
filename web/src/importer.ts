// The import step's reading of a file's first rows (issue #14 item 5): the table shown, the
// record shape, the column mapping pre-filled by aliases, seconds vs milliseconds, the group keys
// a vendor export offers as the account, and whether the file loads as it is. The engine reads
// the file itself; this module only proposes the load options (SPEC §6.2) and says why. The
// worker's dry run of the same rows (the core's own report: shapes, notes, errors) is the truth
// wherever it has an answer. Pure functions with type-only imports: tests/web runs them in Node.
import type { ColumnMapping, LoadReport, TimeUnit } from '@pql/engine';

export type ImportKind = 'events' | 'accounts' | 'users';
export type Field = 'timestamp' | 'user_id' | 'event' | 'account_id' | 'id' | 'name';
export type Shape = 'flat' | 'csv' | 'segment' | 'segment_batch' | 'mixpanel' | 'amplitude' | 'posthog' | 'unknown';

/** The options an import loads with (the engine's LoadFromOptions subset of SPEC §6.2). */
export interface ImportOptions {
  columns?: ColumnMapping;
  time_unit?: TimeUnit;
  account_key?: string;
}

/** The fields each kind of file maps, in the order the panel lists them; `required` must be mapped. */
export const FIELDS: Record<ImportKind, { field: Field; label: string; required: boolean }[]> = {
  events: [
    { field: 'timestamp', label: 'timestamp', required: true },
    { field: 'user_id', label: 'user', required: true },
    { field: 'event', label: 'event', required: true },
    { field: 'account_id', label: 'account', required: false },
    { field: 'id', label: 'id (dedup)', required: false },
  ],
  accounts: [
    { field: 'account_id', label: 'account_id', required: true },
    { field: 'name', label: 'name', required: false },
  ],
  users: [{ field: 'user_id', label: 'user_id', required: true }],
};

// Column names that mean a field, compared without case, spaces, `_`, `-`, `.` or `$`
// ("User ID" = "user_id" = "userId"). The first alias a file has wins.
const ALIASES: Record<ImportKind, Partial<Record<Field, string[]>>> = {
  events: {
    timestamp: [
      'timestamp',
      'time',
      'ts',
      'event_time',
      'eventtime',
      'datetime',
      'date',
      'occurred_at',
      'created_at',
      'sent_at',
    ],
    user_id: ['user_id', 'distinct_id', 'userid', 'user', 'person_id', 'anonymous_id', 'device_id', 'email'],
    event: ['event', 'event_name', 'action', 'event_type', 'type', 'name'],
    account_id: [
      'account_id',
      'company',
      'company_id',
      'group_id',
      'account',
      'organization',
      'organization_id',
      'org',
      'org_id',
      'workspace',
      'workspace_id',
      'team_id',
    ],
    id: ['id', 'event_id', 'message_id', 'insert_id', 'uuid'],
  },
  accounts: {
    account_id: [
      'account_id',
      'company_id',
      'group_id',
      'organization_id',
      'org_id',
      'id',
      'account',
      'company',
      'domain',
    ],
    name: ['name', 'company_name', 'account_name', 'organization_name', 'org_name'],
  },
  users: { user_id: ['user_id', 'distinct_id', 'userid', 'id', 'email', 'user'] },
};

// Group keys that name an account in Mixpanel properties, Amplitude groups, PostHog $groups.
const ACCOUNT_KEYS = [
  'company_id',
  'account_id',
  'company',
  'account',
  'organization',
  'organization_id',
  'org_id',
  'workspace',
  'workspace_id',
  'group_id',
  'team',
];

export const norm = (s: string): string => s.toLowerCase().replace(/[\s_\-.$]/g, '');

/** The first rows of a file as the import panel shows them. */
export interface Head {
  format: 'csv' | 'jsonl' | 'json';
  /** CSV header, or the keys of the first JSON records (nested objects as dotted paths). */
  columns: string[];
  /** Up to `maxRows` rows, each cell as text ('' when absent). */
  rows: string[][];
  /** The JSON records parsed (empty for CSV). */
  records: unknown[];
  /** The text to dry-run in the engine: whole rows only (a JSON array's complete elements as JSON Lines). */
  text: string;
}

/** Splits CSV text into rows of cells (RFC 4180 quotes; a row cut by the end of the text is dropped when `partial`). */
export function csvRows(text: string, partial: boolean, limit = Infinity): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n && rows.length < limit) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      cell += c;
      i++;
      continue;
    }
    if (c === '"' && cell === '') {
      quoted = true;
      i++;
      continue;
    }
    if (c === ',') {
      row.push(cell);
      cell = '';
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      row.push(cell);
      cell = '';
      if (!(row.length === 1 && row[0] === '')) rows.push(row);
      row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    cell += c;
    i++;
  }
  if (i >= n && rows.length < limit && !partial && (cell !== '' || row.length)) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** The complete top-level values of a JSON array's text (the file may be cut anywhere). */
export function jsonArrayElements(text: string): string[] {
  const out: string[] = [];
  let depth = 0,
    start = -1,
    inString = false;
  for (let i = text.indexOf('[') + 1; i > 0 && i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      if (depth === 0 && start < 0) start = i;
      continue;
    }
    if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
      continue;
    }
    if (c === '}' || c === ']') {
      if (depth === 0) break; // the array's own end
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(text.slice(start, i + 1));
        start = -1;
      }
    }
  }
  return out;
}

function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// A record's keys, nested objects flattened to dotted paths (`properties.time`), in order met.
function keysOf(v: unknown, prefix: string, out: string[], seen: Set<string>, depth = 0): void {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const path = prefix + k;
    if (x && typeof x === 'object' && !Array.isArray(x) && depth < 1 && Object.keys(x).length <= 40) {
      keysOf(x, path + '.', out, seen, depth + 1);
    } else if (!seen.has(path)) {
      seen.add(path);
      out.push(path);
    }
  }
}

/** The value at a dotted path (`properties.time`), or undefined. */
export function at(record: unknown, path: string): unknown {
  if (!record || typeof record !== 'object') return undefined;
  const o = record as Record<string, unknown>;
  if (path in o) return o[path];
  const dot = path.indexOf('.');
  return dot < 0 ? undefined : at(o[path.slice(0, dot)], path.slice(dot + 1));
}

/**
 * Reads the first rows of `text` (the start of a file; `complete` when it is the whole file).
 * Format as the engine detects it: `[` starts a JSON array, `{` JSON Lines, anything else CSV.
 */
export function parseHead(text: string, complete: boolean, maxRows = 8): Head {
  const body = text.replace(/^\uFEFF/, '');
  const first = body.trimStart()[0];
  if (first === '[' || first === '{') {
    let lines: string[];
    let format: 'json' | 'jsonl' = 'jsonl';
    if (first === '[') {
      format = 'json';
      lines = jsonArrayElements(body);
    } else {
      lines = body.split(/\r?\n/);
      if (!complete) lines.pop(); // cut by the preview's end
      lines = lines.filter((l) => l.trim() !== '');
    }
    const records: unknown[] = [];
    for (const l of lines) {
      try {
        records.push(JSON.parse(l));
      } catch {
        /* the dry run reports bad rows */
      }
    }
    // A Segment HTTP envelope: its batch's calls are the rows.
    const expanded = records.flatMap((r) => (isObj(r) && Array.isArray(r.batch) ? (r.batch as unknown[]) : [r]));
    const columns: string[] = [];
    const seen = new Set<string>();
    for (const r of expanded.slice(0, 50)) keysOf(r, '', columns, seen);
    const rows = expanded.slice(0, maxRows).map((r) => columns.map((c) => cellText(at(r, c))));
    return {
      format,
      columns,
      rows,
      records: expanded,
      text: format === 'json' ? lines.join('\n') + '\n' : lines.join('\n') + '\n',
    };
  }
  const all = csvRows(body, !complete);
  const [header = [], ...data] = all;
  // The dry-run text: the header and whole rows (the cut last row is left out).
  const cut = complete ? body : body.slice(0, Math.max(body.lastIndexOf('\n') + 1, 0));
  return { format: 'csv', columns: header.map((c) => c.trim()), rows: data.slice(0, maxRows), records: [], text: cut };
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The shape of one record by its keys (SPEC §6.2; the core decides per record, this is the preview's guess). */
export function recordShape(r: unknown): Shape {
  if (!isObj(r)) return 'unknown';
  if (Array.isArray(r.batch)) return 'segment_batch';
  if (typeof r.type === 'string' && ['track', 'page', 'screen', 'group', 'identify', 'alias'].includes(r.type))
    return 'segment';
  if (
    typeof r.event === 'string' &&
    isObj(r.properties) &&
    'time' in r.properties &&
    'distinct_id' in r.properties &&
    !('timestamp' in r)
  )
    return 'mixpanel';
  if ('event_type' in r && 'event_time' in r) return 'amplitude';
  if ('event' in r && 'distinct_id' in r && !('type' in r) && !('user_id' in r)) return 'posthog';
  return 'flat';
}

/**
 * The file's shape: the one the engine met most in the dry run (its `shapes`), else the
 * preview's own reading (CSV by header: PostHog's export names, else `csv`).
 */
export function shapeOf(head: Head, report: LoadReport | null): Shape {
  const counted = Object.entries(report?.shapes ?? {}).sort((a, b) => b[1] - a[1]);
  if (head.format === 'csv') {
    const cols = new Set(head.columns.map((c) => c.replace(/^\*\./, '')));
    if (cols.has('event') && cols.has('distinct_id') && cols.has('timestamp') && !cols.has('user_id')) return 'posthog';
    return 'csv';
  }
  if (counted.length && counted[0][1] > 0) return counted[0][0] as Shape;
  const tally = new Map<Shape, number>();
  for (const r of head.records) tally.set(recordShape(r), (tally.get(recordShape(r)) ?? 0) + 1);
  return [...tally.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
}

/** Vendor shapes are read by their own keys: a column mapping would turn that off (docs/data.md). */
export const isVendor = (s: Shape): boolean =>
  s === 'segment' || s === 'segment_batch' || s === 'mixpanel' || s === 'amplitude' || s === 'posthog';

/** The column of each field, by the field's own name first, then its aliases (none: not mapped). */
export function guessColumns(kind: ImportKind, columns: string[]): ColumnMapping {
  const byNorm = new Map<string, string>();
  for (const c of columns) if (!byNorm.has(norm(c))) byNorm.set(norm(c), c);
  const out: ColumnMapping = {};
  const used = new Set<string>();
  for (const { field } of FIELDS[kind]) {
    for (const alias of [field, ...(ALIASES[kind][field] ?? [])]) {
      const c = byNorm.get(norm(alias));
      if (c !== undefined && !used.has(c)) {
        out[field] = c;
        used.add(c);
        break;
      }
    }
  }
  return out;
}

/** The columns mapping to send: only fields whose column is not the field's own name. */
export function columnsOption(mapping: ColumnMapping): ColumnMapping | undefined {
  const out: ColumnMapping = {};
  let any = false;
  for (const [f, c] of Object.entries(mapping) as [Field, string | undefined][]) {
    if (c && c !== f) {
      out[f] = c;
      any = true;
    }
  }
  // A mapping names every mapped field (the others then keep their own names, which must exist).
  if (!any) return undefined;
  for (const [f, c] of Object.entries(mapping) as [Field, string | undefined][]) if (c) out[f] = c;
  return out;
}

/** The values of `column` in the preview. */
export function columnValues(head: Head, column: string): string[] {
  const i = head.columns.indexOf(column);
  if (i < 0) return [];
  return head.rows.map((r) => r[i] ?? '').filter((v) => v !== '');
}

/**
 * Seconds or milliseconds, from numeric timestamps: every value below 10^11 in magnitude is
 * epoch seconds (10^11 ms is 1973; 10^11 s is the year 5138), as SPEC §6.2 reads Mixpanel's
 * `time`. null when the values are not numbers (ISO text: no unit to choose).
 */
export function guessTimeUnit(values: string[]): TimeUnit | null {
  const nums = values.map((v) => v.trim()).filter((v) => v !== '');
  if (!nums.length || !nums.every((v) => /^-?\d+(\.\d+)?$/.test(v))) return null;
  return nums.every((v) => Math.abs(Number(v)) < 1e11) ? 's' : 'ms';
}

/** The group keys that can name the account in a vendor export, the likely one first. */
export function accountKeys(head: Head, shape: Shape): string[] {
  const keys = new Set<string>();
  // PostHog's CSV export: a column per group type, `properties.$groups.<type>` (`*.` prefixed or not).
  if (head.format === 'csv' && shape === 'posthog') {
    for (const c of head.columns) {
      const m = /^(?:\*\.)?properties\.\$groups\.(.+)$/.exec(c);
      if (m) keys.add(m[1]);
    }
  }
  for (const r of head.records.slice(0, 200)) {
    if (!isObj(r)) continue;
    const from =
      shape === 'mixpanel'
        ? r.properties
        : shape === 'amplitude'
          ? r.groups
          : shape === 'posthog'
            ? isObj(r.properties)
              ? r.properties.$groups
              : null
            : null;
    if (!isObj(from)) continue;
    for (const [k, v] of Object.entries(from)) {
      if (
        shape === 'mixpanel' &&
        (k === 'time' ||
          k === 'distinct_id' ||
          k === '$insert_id' ||
          k === '$user_id' ||
          (v !== null && typeof v === 'object' && !Array.isArray(v)))
      )
        continue;
      keys.add(k);
    }
  }
  const list = [...keys];
  const rank = (k: string) => {
    const i = ACCOUNT_KEYS.indexOf(norm(k) === 'companyid' ? 'company_id' : k.toLowerCase());
    return i < 0 ? ACCOUNT_KEYS.length + (k.startsWith('$') || k.startsWith('mp_') ? 1 : 0) : i;
  };
  return list.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The likely account key: a known name among the keys (only those, not any key). */
export function guessAccountKey(keys: string[], shape: Shape): string | null {
  if (shape === 'amplitude' || shape === 'posthog')
    return keys.length === 1 ? keys[0] : (keys.find((k) => ACCOUNT_KEYS.includes(k.toLowerCase())) ?? null);
  return keys.find((k) => ACCOUNT_KEYS.includes(k.toLowerCase())) ?? null;
}

/** A dry run of the preview's rows in a scratch engine: its report, or the load's error. */
export interface DryRun {
  report: LoadReport | null;
  error: string | null;
  code: string | null;
}

/**
 * Does the file load as it is (no options)? Not when the dry run failed with a missing column,
 * loaded nothing of rows it read, says a field is missing, leaves vendor events without an
 * account, or when numeric timestamps of flat rows look like seconds (read as ms they would
 * be 1970). A dry run that could not read the preview at all (a cut JSON value) decides nothing.
 */
export function fitsAsIs(
  kind: ImportKind,
  head: Head,
  shape: Shape,
  dry: DryRun,
): { fits: boolean; why: string | null } {
  if (dry.error)
    return dry.code === 'missing_column' || dry.code === 'unknown_column'
      ? { fits: false, why: dry.error }
      : { fits: true, why: null };
  const r = dry.report;
  if (!r) return { fits: true, why: null };
  const notes = r.notes ?? [];
  if (r.read > 0 && r.loaded === 0 && r.duplicates === 0)
    return {
      fits: false,
      why: notes[0] ?? `none of the first ${r.read} rows could be read: ${r.errors[0]?.message ?? 'no rows'}`,
    };
  const missing = notes.find((n) => /^no \S+ (key|column)/.test(n));
  if (missing) return { fits: false, why: missing };
  // "5 Mixpanel events have no account: ..." / "12 events have no account: the file has several group types"
  const unassigned = notes.find((n) => /events have no account\b/.test(n));
  if (kind === 'events' && unassigned) return { fits: false, why: unassigned };
  // Optional fields under another name load without a word (events without an account,
  // accounts without a name): the aliases say when a column probably is one.
  if (shape === 'flat' || shape === 'csv') {
    const g = guessColumns(kind, head.columns);
    const optional =
      kind === 'events'
        ? g.account_id && g.account_id !== 'account_id'
          ? ['account_id', g.account_id]
          : null
        : kind === 'accounts' && g.name && g.name !== 'name'
          ? ['name', g.name]
          : null;
    if (optional)
      return {
        fits: false,
        why: `no ${optional[0]} ${head.format === 'csv' ? 'column' : 'key'}; ${optional[1]} looks like it`,
      };
  }
  if (kind === 'events' && (shape === 'flat' || shape === 'csv')) {
    const ts = guessColumns('events', head.columns).timestamp;
    if (ts && guessTimeUnit(columnValues(head, ts)) === 's')
      return { fits: false, why: `${ts} holds numbers below 10^11: epoch seconds, not milliseconds?` };
  }
  return { fits: true, why: null };
}

/** One line for a load's outcome: the first note, else the first error, else null. */
export function summaryLine(r: LoadReport): string | null {
  if (r.notes?.length) return r.notes[0];
  if (r.loaded === 0 && r.errors.length)
    return `nothing could be read: ${r.skipped} of ${r.read} rows skipped, first: line ${r.errors[0].line}: ${r.errors[0].message}`;
  return null;
}
