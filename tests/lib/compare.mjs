// Compares a scoring run (SPEC §4 machine output) with a conformance case's expected.json
// under the tolerance rules of tests/conformance/README.md. Shared by the wasm and e2e tests.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const TOLERANCE = 1e-9;
export const FLOAT_FIELDS = new Set(['score', 'activation', 'engagement', 'fit', 'engagement_points', 'velocity']);
export const ENTITY_FIELDS = [
  'rank',
  'id',
  'name',
  'score',
  'activation',
  'engagement',
  'fit',
  'engagement_points',
  'steps_completed',
  'activated',
  'activated_at',
  'qualified',
  'tier',
  'grade',
  'active_users',
  'users',
  'events',
  'velocity',
  'days_since_last_seen',
  'first_seen',
  'last_seen',
];
// SPEC §7.5-§7.7: on every row since v2; compared when the case's expected.json has them.
export const V2_FIELDS = [
  'converted',
  'converted_at',
  'segments',
  'qualified_at',
  'first_qualified_at',
  'days_qualified',
];
const COUNTS = ['read', 'loaded', 'skipped', 'duplicates', 'unassigned'];

/** Within 1e-9: relative, or absolute when the expected value is below 1 in magnitude. */
export function close(actual, expected, tolerance = TOLERANCE) {
  if (typeof actual !== 'number' || typeof expected !== 'number') return false;
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));
}

/** Every difference between two runs, as readable lines; an empty list means they match. */
// `v2: false` leaves SPEC §7's run and row fields out (the SQL compiler's rows have only §4's).
export function compareRuns(actual, expected, { tolerance = TOLERANCE, v2 = true } = {}) {
  const V2 = v2 ? V2_FIELDS : [];
  const diffs = [];
  const same = (where, a, e) => {
    if (!isDeepStrictEqual(a, e)) diffs.push(`${where}: got ${JSON.stringify(a)}, expected ${JSON.stringify(e)}`);
  };
  for (const key of ['as_of', 'entities', 'qualified']) same(key, actual?.[key], expected[key]);
  if (v2) for (const key of ['customers', 'segments']) if (key in expected) same(key, actual?.[key], expected[key]);
  const ad = actual?.diagnostics ?? {};
  for (const key of COUNTS) same(`diagnostics.${key}`, ad[key], expected.diagnostics?.[key]);
  // Errors are not compared word for word, but every skipped row must be reported.
  const errors = Array.isArray(ad.errors) ? ad.errors : [];
  if (errors.length < Math.min(ad.skipped ?? 0, 100)) {
    diffs.push(`diagnostics.errors: ${errors.length} reported for ${ad.skipped} skipped rows`);
  }
  for (const [i, e] of errors.entries()) {
    if (!Number.isInteger(e?.line) || e.line < 1 || typeof e.message !== 'string' || !e.message) {
      diffs.push(`diagnostics.errors[${i}]: needs a 1-based line and a message, got ${JSON.stringify(e)}`);
    }
  }

  const results = Array.isArray(actual?.results) ? actual.results : [];
  const got = new Map(results.map((r) => [r.id, r]));
  if (got.size !== results.length) diffs.push('results: duplicate ids');
  const wanted = new Map(expected.results.map((r) => [r.id, r]));
  for (const id of got.keys()) if (!wanted.has(id)) diffs.push(`results: unexpected entity ${JSON.stringify(id)}`);

  results.forEach((r, i) => {
    if (r.rank !== results[0].rank + i) diffs.push(`results[${i}]: rank ${r.rank} out of order`);
  });
  const byRank = [...expected.results].sort((a, b) => a.rank - b.rank);
  for (const e of expected.results) {
    const a = got.get(e.id);
    const where = `results[${JSON.stringify(e.id)}]`;
    if (!a) {
      diffs.push(`${where}: missing`);
      continue;
    }
    for (const key of [...ENTITY_FIELDS, ...V2]) {
      if (!(key in a)) diffs.push(`${where}.${key}: missing`);
    }
    for (const key of Object.keys(a)) {
      if (!ENTITY_FIELDS.includes(key) && !V2.includes(key)) diffs.push(`${where}.${key}: not a SPEC §4/§7 field`);
    }
    for (const key of Object.keys(e)) {
      if (key === 'rank' || (!v2 && V2_FIELDS.includes(key))) continue;
      if (FLOAT_FIELDS.has(key) && typeof e[key] === 'number') {
        if (!close(a[key], e[key], tolerance)) diffs.push(`${where}.${key}: got ${a[key]}, expected ${e[key]}`);
      } else {
        same(`${where}.${key}`, a[key], e[key]);
      }
    }
    // A different rank is fine only among entities tied (within tolerance) on score.
    if (!Number.isInteger(a.rank)) {
      diffs.push(`${where}.rank: got ${JSON.stringify(a.rank)}`);
    } else if (a.rank !== e.rank) {
      const lo = Math.min(a.rank, e.rank);
      const hi = Math.max(a.rank, e.rank);
      const tied = byRank.slice(lo - 1, hi).every((o) => close(o.score, e.score, tolerance));
      if (!tied || hi > byRank.length) diffs.push(`${where}.rank: got ${a.rank}, expected ${e.rank}`);
    }
  }
  return diffs;
}

/**
 * Two outputs that must be byte for byte the same (the CLI's and the engine's in Node or the
 * page): on a difference, fails naming both sizes and the first line that differs, with the
 * lines before it.
 */
export function assertSameBytes(expected, actual, label, { expectedName = 'cli', actualName = 'wasm' } = {}) {
  if (expected === actual) return;
  const a = expected.split('\n');
  const b = actual.split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  const at = i < 0 ? a.length : i;
  const w = Math.max(expectedName.length, actualName.length) + 1;
  assert.fail(
    `${label}: ${expectedName} and ${actualName} differ (${expected.length} vs ${actual.length} bytes); ` +
      `first at line ${at + 1}:\n  ${`${expectedName}:`.padEnd(w)} ${a[at]?.slice(0, 300)}\n  ${`${actualName}:`.padEnd(w)} ${b[at]?.slice(0, 300)}` +
      `\n  before: ${a
        .slice(Math.max(0, at - 3), at)
        .join(' | ')
        .slice(0, 600)}`,
  );
}

/** Throws an AssertionError listing the first differences. */
export function assertRunMatches(actual, expected, label = 'run') {
  const diffs = compareRuns(actual, expected);
  if (diffs.length) {
    const shown = diffs.slice(0, 20).join('\n  ');
    assert.fail(`${label}: ${diffs.length} difference(s) from expected.json\n  ${shown}`);
  }
}

function isDeepStrictEqual(a, b) {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** The conformance cases: [{ name, dir, events, eventsFile, accounts?, accountsFile?, model, expected }]. */
export function conformanceCases(root = new URL('../conformance/', import.meta.url)) {
  const base = root instanceof URL ? root.pathname : root;
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(base, name);
      const eventsFile = ['events.jsonl', 'events.csv', 'events.json'].map((f) => join(dir, f)).find(existsSync);
      const accountsFile = ['accounts.jsonl', 'accounts.csv', 'accounts.json']
        .map((f) => join(dir, f))
        .find(existsSync);
      const usersFile = ['users.jsonl', 'users.csv', 'users.json'].map((f) => join(dir, f)).find(existsSync);
      return {
        name,
        dir,
        eventsFile,
        events: readFileSync(eventsFile, 'utf8'),
        accountsFile,
        accounts: accountsFile ? readFileSync(accountsFile, 'utf8') : undefined,
        usersFile,
        users: usersFile ? readFileSync(usersFile, 'utf8') : undefined,
        modelFile: join(dir, 'model.json'),
        model: readFileSync(join(dir, 'model.json'), 'utf8'),
        expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')),
      };
    });
}
