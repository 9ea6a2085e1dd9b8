// `pql score --format csv --csv crm`: the CRM import file (docs/model.md "CRM export"). The
// flags' errors, the accounts or users file's own columns passed through, and the SPEC default
// left as it was. (Bytes against the JS package: tests/wasm/crm.test.mjs; the page: e2e.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pql = new URL('../../build/native/pql', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'pql-crm-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const run = (args) => spawnSync(pql, args, { encoding: 'utf8' });
const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

const events = join(dir, 'e.jsonl');
const accounts = join(dir, 'a.jsonl');
const users = join(dir, 'u.jsonl');
writeFileSync(
  events,
  jsonl([
    { timestamp: '2026-01-01T10:00:00Z', user_id: 'u1', account_id: 'a1', event: 'report_created' },
    { timestamp: '2026-01-02T10:00:00Z', user_id: 'u2', account_id: 'a1', event: 'report_created' },
    { timestamp: '2026-01-02T11:00:00Z', user_id: 'u3', account_id: 'a2', event: 'login' },
  ]),
);
writeFileSync(
  accounts,
  jsonl([
    { account_id: 'a1', name: 'One', traits: { domain: 'one.test', hubspot_id: 1001, rank: 'gold' } },
    { account_id: 'a2', name: 'Two', traits: { domain: 'two.test', salesforce_id: '0015g00000AbCdE' } },
  ]),
);
writeFileSync(users, jsonl([{ user_id: 'u1', traits: { email: 'ann@one.test', title: 'VP Sales' } }]));
const base = ['score', '--events', events, '--accounts', accounts];

test('--csv crm: the accounts file columns (by name) after id and name, a taken name prefixed', () => {
  const r = run([...base, '--format', 'csv', '--csv', 'crm', '--trait', 'domain']);
  assert.equal(r.status, 0, r.stderr);
  const [head, a1, a2] = r.stdout.split('\r\n');
  assert.equal(
    head,
    'id,name,domain,hubspot_id,account.rank,salesforce_id,as_of,rank,score,activation,engagement,fit,tier,grade,' +
      'qualified,qualified_at,days_qualified,converted,converted_at,segments,reason_1,reason_2,reason_3,active_users,last_seen,trait.domain',
  );
  assert.match(a1, /^a1,One,one\.test,1001,gold,,2026-01-02T11:00:00\.000Z,1,\d+\.\d,/);
  assert.match(a2, /^a2,Two,two\.test,,,0015g00000AbCdE,/);
});

test('--csv crm with entity user: the users file columns', () => {
  const model = join(dir, 'm.json');
  writeFileSync(model, JSON.stringify({ entity: 'user' }));
  const r = run(['score', '--events', events, '--users', users, '--model', model, '--format', 'csv', '--csv', 'crm']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\r\n');
  assert.match(lines[0], /^id,name,email,title,as_of,/);
  assert.ok(
    lines.some((l) => l.startsWith('u1,,ann@one.test,VP Sales,')),
    r.stdout,
  );
});

test('bad --csv and --trait without csv are usage errors; the default is SPEC §4', () => {
  let r = run([...base, '--format', 'csv', '--csv', 'hubspot']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--csv must be spec or crm/);
  r = run([...base, '--format', 'json', '--csv', 'crm']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--csv and --trait apply to --format csv/);
  r = run([...base, '--format', 'csv']);
  assert.match(r.stdout, /^rank,id,name,score,activation,/);
  assert.equal(run([...base, '--format', 'csv', '--csv', 'spec']).stdout, r.stdout);
  // --trait a,b and --trait a --trait b are the same columns.
  assert.equal(
    run([...base, '--format', 'csv', '--trait', 'domain,hubspot_id']).stdout,
    run([...base, '--format', 'csv', '--trait', 'domain', '--trait', 'hubspot_id']).stdout,
  );
});

test('pql explain (text) opens with the reasons, the people and the last key events', () => {
  const model = join(dir, 'm2.json');
  writeFileSync(
    model,
    JSON.stringify({
      engagement: { events: { report_created: { weight: 5 } } },
      personas: { vp: [{ trait: 'title', op: 'contains', value: 'vp' }] },
    }),
  );
  const r = run([
    'explain',
    '--events',
    events,
    '--accounts',
    accounts,
    '--users',
    users,
    '--model',
    model,
    '--id',
    'a1',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  assert.match(
    out,
    /Why call:\n {2}- 1 user matches the vp persona\n {2}- 2 × report created in the last 90 days \(100% of engagement\)\n/,
  );
  assert.match(out, /People \(by engagement points\):\n {2}u\d \(|People \(by engagement points\):\n {2}u\d:/);
  assert.match(
    out,
    /u1 \(VP Sales\) \[vp\]: [\d.]+ points, 1 events, last seen 2026-01-01T10:00:00\.000Z; report_created x1/,
  );
  assert.match(
    out,
    /Last key events:\n {2}2026-01-02T10:00:00\.000Z {2}report_created {2}u2\n {2}2026-01-01T10:00:00\.000Z {2}report_created {2}u1\n/,
  );
  assert.ok(out.indexOf('Why call:') < out.indexOf('Engagement:'));
});
