// Segment's warehouse tables (tracks, pages, groups) built from the same calls the engine reads as
// JSON Lines, and the views of docs/sql.md that map them onto the contract tables.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generated } from './cases.mjs';

/** The views for a dialect, as documented: the ```sql blocks of docs/sql.md that start with
 *  "-- segment view (<dialect>)", split into statements. */
export function segmentViews(dialect) {
  const doc = readFileSync('docs/sql.md', 'utf8');
  const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .filter((b) => b.startsWith(`-- segment view (${dialect})`));
  if (!blocks.length) throw new Error(`docs/sql.md has no "-- segment view (${dialect})" block`);
  return blocks
    .join('\n')
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s && !/^(--[^\n]*\n?)*$/.test(s));
}

const TRAITS = { name: 'text', employees: 'number', industry: 'text', country: 'text', plan: 'text' };

/**
 * Generated Segment calls, adjusted so that a warehouse could type them: employees a number (or
 * absent), some tracks with context.groupId (also pointing elsewhere than the user's group), some
 * anonymous tracks. Returns the engine's inputs and the warehouse DDL/DML per dialect.
 */
export function segmentCase(dir) {
  const src = generated(join(dir, 'generated'), ['--accounts', '25', '--days', '30', '--seed', '12', '--segment']);
  const calls = readFileSync(join(src, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const groups = [...new Set(calls.filter((c) => c.type === 'group').map((c) => c.groupId))].sort();
  let k = 0;
  for (const c of calls) {
    if (c.type === 'group' && c.traits && 'employees' in c.traits) {
      const v = c.traits.employees;
      if (typeof v === 'string') {
        if (/^\d+$/.test(v)) c.traits.employees = Number(v);
        else delete c.traits.employees;
      }
    }
    if (c.type === 'track' && ++k % 9 === 0) c.context = { groupId: groups[(k / 9) % groups.length] };
    if (c.type === 'track' && k % 53 === 0) {
      c.anonymousId = `anon-${k}`;
      delete c.userId;
    }
  }
  const eventsFile = join(dir, 'events.jsonl');
  writeFileSync(eventsFile, calls.map((c) => JSON.stringify(c)).join('\n') + '\n');

  const rows = { tracks: [], pages: [], groups: [] };
  calls.forEach((c, i) => {
    const base = {
      id: c.messageId,
      received_at: new Date(Date.parse(c.timestamp) + i).toISOString(),
      timestamp: c.timestamp,
      user_id: c.userId ?? null,
      anonymous_id: c.anonymousId ?? null,
    };
    if (c.type === 'track')
      rows.tracks.push({
        ...base,
        context_group_id: c.context?.groupId ?? null,
        event: c.event.toLowerCase().replace(/\W+/g, '_'),
        event_text: c.event,
      });
    if (c.type === 'page')
      rows.pages.push({
        ...base,
        context_group_id: c.context?.groupId ?? null,
        name: c.name ?? null,
        path: c.properties?.path ?? null,
      });
    if (c.type === 'group') {
      const g = { ...base, group_id: c.groupId };
      for (const t of Object.keys(TRAITS)) g[t] = c.traits?.[t] ?? null;
      rows.groups.push(g);
    }
  });

  const columns = {
    tracks: {
      id: 'text',
      received_at: 'ts',
      timestamp: 'ts',
      user_id: 'text',
      anonymous_id: 'text',
      context_group_id: 'text',
      event: 'text',
      event_text: 'text',
    },
    pages: {
      id: 'text',
      received_at: 'ts',
      timestamp: 'ts',
      user_id: 'text',
      anonymous_id: 'text',
      context_group_id: 'text',
      name: 'text',
      path: 'text',
    },
    groups: {
      id: 'text',
      received_at: 'ts',
      timestamp: 'ts',
      user_id: 'text',
      anonymous_id: 'text',
      group_id: 'text',
      ...TRAITS,
    },
  };
  const warehouse = (dialect) => {
    const type = { text: 'VARCHAR', ts: 'TIMESTAMP', number: dialect === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE' };
    const lit = (v, t) => {
      if (v === null || v === undefined) return 'NULL';
      if (t === 'number') return String(v);
      if (t === 'ts') return `TIMESTAMP '${v.replace('T', ' ').replace('Z', '')}'`;
      return `'${String(v).replaceAll("'", "''")}'`;
    };
    const out = ['CREATE SCHEMA segment', 'CREATE SCHEMA pql'];
    for (const [table, cols] of Object.entries(columns)) {
      out.push(
        `CREATE TABLE segment.${table} (${Object.entries(cols)
          .map(([c, t]) => `"${c}" ${type[t]}`)
          .join(', ')})`,
      );
      for (let i = 0; i < rows[table].length; i += 500) {
        const values = rows[table].slice(i, i + 500).map(
          (r) =>
            `(${Object.entries(cols)
              .map(([c, t]) => lit(r[c], t))
              .join(', ')})`,
        );
        out.push(`INSERT INTO segment.${table} VALUES ${values.join(',\n')}`);
      }
    }
    return out;
  };
  return { name: 'segment warehouse', files: { eventsFile, modelFile: 'examples/sample/model.json' }, warehouse };
}
