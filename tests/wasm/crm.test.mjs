// The CRM export through the JS package: scoreCsv({preset: 'crm', traits}) is the CLI's
// `--format csv --csv crm --trait ...` byte for byte on every conformance case and on the
// sample (with the users file: personas in the reasons); a bad preset is a PqlError.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertSameBytes, conformanceCases } from '../lib/compare.mjs';
import { createEngine, PqlError } from '../../build/wasm/pkg/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = process.env.PQL_CLI ?? `${root}build/native/pql`;
const hasCli = existsSync(cli);
const run = (args) =>
  execFileSync(cli, args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });

for (const c of conformanceCases()) {
  test(`scoreCsv crm ${c.name}: the bytes of pql score --format csv --csv crm`, { skip: !hasCli }, async () => {
    const engine = await createEngine();
    engine.setModel(c.model);
    if (c.accounts) engine.loadAccounts(c.accounts);
    if (c.users) engine.loadUsers(c.users);
    engine.loadEvents(c.events);
    const traits = engine
      .catalog()
      .traits.slice(0, 2)
      .map((t) => t.trait);
    const native = run([
      'score',
      '--events',
      c.eventsFile,
      ...(c.accountsFile ? ['--accounts', c.accountsFile] : []),
      ...(c.usersFile ? ['--users', c.usersFile] : []),
      '--model',
      c.modelFile,
      '--format',
      'csv',
      '--csv',
      'crm',
      ...traits.flatMap((t) => ['--trait', t]),
    ]);
    assertSameBytes(native, engine.scoreCsv({ preset: 'crm', traits }), c.name);
    engine.delete();
  });
}

const sample = `${root}build/sample`;
test(
  'scoreCsv crm on the sample with users: the CLI bytes, and the same facts as the JSON',
  { skip: !hasCli || !existsSync(`${sample}/users.jsonl`) },
  async () => {
    const model = `${root}examples/models/three-segments.json`;
    const engine = await createEngine();
    engine.setModel(readFileSync(model, 'utf8'));
    engine.loadAccounts(readFileSync(`${sample}/accounts.jsonl`, 'utf8'));
    engine.loadUsers(readFileSync(`${sample}/users.jsonl`, 'utf8'));
    engine.loadEvents(readFileSync(`${sample}/events.jsonl`, 'utf8'));
    const csv = engine.scoreCsv({ preset: 'crm', traits: ['industry'] });
    const native = run([
      'score',
      '--events',
      `${sample}/events.jsonl`,
      '--accounts',
      `${sample}/accounts.jsonl`,
      '--users',
      `${sample}/users.jsonl`,
      '--model',
      model,
      '--format',
      'csv',
      '--csv',
      'crm',
      '--trait',
      'industry',
    ]);
    assertSameBytes(native, csv, 'sample crm');
    // Row by row against the JSON run (cells here hold no comma or quote: the sample's names do not).
    const run0 = engine.score();
    const lines = csv.trimEnd().split('\r\n');
    const head = lines[0].split(',');
    const col = (name) => head.indexOf(name);
    assert.equal(lines.length - 1, run0.results.length);
    for (const [i, r] of run0.results.slice(0, 60).entries()) {
      const cells = lines[i + 1].split(',');
      if (cells.length !== head.length) continue; // a name with a comma
      assert.equal(cells[col('id')], r.id);
      assert.equal(cells[col('score')], (Math.round(r.score * 10) / 10).toFixed(1));
      assert.equal(cells[col('qualified')], String(r.qualified));
      assert.equal(cells[col('qualified_at')], r.qualified_at ?? '');
      assert.equal(cells[col('segments')], r.segments.join(';'));
      assert.equal(cells[col('converted')], String(r.converted));
      const ex = engine.explain(r.id);
      assert.deepEqual(
        [cells[col('reason_1')], cells[col('reason_2')], cells[col('reason_3')]].filter((x) => x !== ''),
        ex.reasons,
      );
    }
    engine.delete();
  },
);

test('scoreCsv rejects an unknown preset with a PqlError', async () => {
  const engine = await createEngine();
  engine.loadEvents('{"timestamp":1,"user_id":"u","account_id":"a","event":"e"}\n');
  assert.throws(
    () => engine.scoreCsv({ preset: 'hubspot' }),
    (e) => e instanceof PqlError && e.code === 'invalid_argument' && /preset/.test(e.message),
  );
  // The default stays SPEC §4's columns.
  assert.match(engine.scoreCsv(), /^rank,id,name,score,/);
  assert.match(engine.scoreCsv({ preset: 'crm' }), /^id,name,as_of,rank,score,/);
  engine.delete();
});

test(
  'examples/node/score.mjs --format csv --csv crm --trait: the CLI bytes',
  { skip: !hasCli || !existsSync(`${sample}/users.jsonl`) },
  () => {
    const args = [
      '--events',
      `${sample}/events.jsonl`,
      '--accounts',
      `${sample}/accounts.jsonl`,
      '--users',
      `${sample}/users.jsonl`,
      '--model',
      `${root}examples/models/three-segments.json`,
      '--format',
      'csv',
      '--csv',
      'crm',
      '--trait',
      'industry,country',
      '--top',
      '40',
    ];
    const node = execFileSync(process.execPath, [`${root}examples/node/score.mjs`, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    assertSameBytes(run(['score', ...args]), node, 'score.mjs crm');
  },
);

test('catalog(): each event property lists the event types that carry it (the signal editor offers them)', async () => {
  const engine = await createEngine();
  engine.loadEvents(
    [
      {
        timestamp: 1,
        user_id: 'u',
        account_id: 'a',
        event: 'meeting_held',
        properties: { external_participants: 2, duration: 30 },
      },
      { timestamp: 2, user_id: 'u', account_id: 'a', event: 'call_made', properties: { duration: 5 } },
      { timestamp: 3, user_id: 'u', account_id: 'a', event: 'login' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n') + '\n',
  );
  const props = Object.fromEntries(engine.catalog().properties.map((p) => [p.property, p.event_types]));
  assert.deepEqual(props, { duration: ['call_made', 'meeting_held'], external_participants: ['meeting_held'] });
  engine.delete();
});
