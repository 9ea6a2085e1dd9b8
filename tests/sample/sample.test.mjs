// The sample data set (issue 3): deterministic bytes, realistic shape, loads cleanly through
// the native CLI, and its default model beats a naive one in a backtest.
// Run from the repo root after `make native` and `make sample`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_AS_OF,
  DEFAULT_END,
  auc,
  backtest,
  compare,
  naiveModel,
  readConversions,
  scoreWithCli,
} from '../../examples/sample/evaluate.mjs';

const GENERATOR = 'examples/sample/generate.mjs';
const PQL = 'build/native/pql';
const SAMPLE = 'build/sample';
const DAY = 86_400_000;
// sha256 of the small output below. A change to the generator that moves any byte must update
// these on purpose (and re-check the README's figures).
const SMALL_ARGS = ['--accounts', '60', '--days', '40', '--seed', '7'];
const SMALL_SHA256 = {
  'events.jsonl': '73469c48a9727a773f0e5f63c43fec9db3369bb2a226ec8137bb1ed0c464261d',
  'accounts.jsonl': 'c72cf316278ad8b968243c5791ccba3996e869d5d3081df26a22bf081be67aa9',
};

const tmp = mkdtempSync(join(tmpdir(), 'pql-sample-test-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function generate(dir, args) {
  execFileSync(process.execPath, [GENERATOR, '--out', dir, ...args], { encoding: 'utf8' });
  return dir;
}
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const lines = (path) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

function requireBuilt() {
  assert.ok(existsSync(PQL), `${PQL} is missing: run \`make native\` first`);
  assert.ok(existsSync(join(SAMPLE, 'events.jsonl')), `${SAMPLE} is missing: run \`make sample\` first`);
}

test('the generator is deterministic: same seed, same bytes', () => {
  const a = generate(join(tmp, 'a'), SMALL_ARGS),
    b = generate(join(tmp, 'b'), SMALL_ARGS);
  for (const f of ['events.jsonl', 'accounts.jsonl', 'model.json']) {
    assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs between two runs`);
  }
  for (const [f, want] of Object.entries(SMALL_SHA256)) {
    assert.equal(sha256(join(a, f)), want, `${f}: the generator's output changed (update SMALL_SHA256 if on purpose)`);
  }
  assert.ok(readFileSync(join(a, 'model.json')).equals(readFileSync('examples/sample/model.json')));
  // A different seed gives a different history.
  const c = generate(join(tmp, 'c'), ['--accounts', '60', '--days', '40', '--seed', '8']);
  assert.notEqual(sha256(join(c, 'events.jsonl')), sha256(join(a, 'events.jsonl')));
});

test('the default sample has the promised size and shape', () => {
  requireBuilt();
  const accounts = lines(join(SAMPLE, 'accounts.jsonl')).map((l) => JSON.parse(l));
  assert.ok(accounts.length >= 500, `${accounts.length} accounts`);
  for (const a of accounts) {
    assert.match(a.account_id, /^acct-\d+$/);
    assert.equal(typeof a.name, 'string');
    for (const k of ['industry', 'country', 'plan']) assert.equal(typeof a.traits[k], 'string', `${a.account_id}.${k}`);
  }
  // Messy CRM data: the same value in several spellings, employees sometimes as text.
  const industries = new Set(accounts.map((a) => a.traits.industry));
  assert.ok(industries.has('SaaS') && industries.has('saas'), 'industry case variants');
  assert.ok(accounts.some((a) => typeof a.traits.employees === 'string' && /^\d+$/.test(a.traits.employees)));
  assert.ok(accounts.some((a) => typeof a.traits.employees === 'number'));

  const rows = lines(join(SAMPLE, 'events.jsonl'));
  assert.ok(rows.length >= 100_000 && rows.length <= 200_000, `${rows.length} events`);
  const end = Date.parse(DEFAULT_END),
    start = end - 120 * DAY;
  const users = new Set(),
    types = new Set(),
    ids = new Map();
  let unassigned = 0,
    resends = 0,
    prev = -Infinity;
  for (const line of rows) {
    const e = JSON.parse(line);
    assert.match(e.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const ts = Date.parse(e.timestamp);
    assert.ok(ts > start && ts <= end, `timestamp ${e.timestamp} outside the 120 days`);
    assert.ok(ts >= prev, 'events are in time order');
    prev = ts;
    users.add(e.user_id);
    types.add(e.event);
    if (e.account_id === undefined) unassigned++;
    if (ids.has(e.id)) {
      assert.equal(ids.get(e.id), line, 'a re-send is an exact copy');
      resends++;
    } else ids.set(e.id, line);
  }
  assert.ok(users.size >= 2000, `${users.size} users`);
  assert.ok(types.size >= 15, `${types.size} event types`);
  for (const t of [
    'login',
    'data_source_connected',
    'report_created',
    'dashboard_shared',
    'teammate_invited',
    'comment_added',
    'project_created',
    'pricing_page_viewed',
    'sso_settings_viewed',
    'error_shown',
    'export_failed',
    'subscription_started',
  ])
    assert.ok(types.has(t), `event type ${t}`);
  assert.ok(unassigned > 0, 'some events belong to users with no account');
  assert.ok(resends > 0, 'some events are re-sent with the same id');
});

test('the default sample loads through pql with no skipped rows', () => {
  requireBuilt();
  const out = scoreWithCli(PQL, {
    events: join(SAMPLE, 'events.jsonl'),
    accounts: join(SAMPLE, 'accounts.jsonl'),
    model: join(SAMPLE, 'model.json'),
    asOf: DEFAULT_AS_OF,
  });
  const d = out.diagnostics;
  const n = lines(join(SAMPLE, 'events.jsonl')).length;
  assert.equal(d.skipped, 0, `skipped rows: ${JSON.stringify(d.errors)}`);
  assert.equal(d.read, n);
  assert.ok(d.duplicates > 0 && d.loaded === n - d.duplicates);
  assert.ok(d.unassigned > 0);
  assert.ok(out.entities >= 300 && out.results.length === out.entities, `${out.entities} accounts scored`);
  assert.ok(out.qualified > 0 && out.qualified < out.entities, `${out.qualified} qualified`);
});

test('Segment output loads too, accounts coming from group calls', () => {
  requireBuilt();
  const dir = generate(join(tmp, 'seg'), [...SMALL_ARGS, '--segment']);
  const out = scoreWithCli(PQL, {
    events: join(dir, 'events.jsonl'),
    model: join(dir, 'model.json'),
    asOf: DEFAULT_END,
  });
  assert.equal(out.diagnostics.skipped, 0, JSON.stringify(out.diagnostics.errors));
  assert.ok(out.diagnostics.unassigned > 0);
  const accounts = new Set(lines(join(dir, 'accounts.jsonl')).map((l) => JSON.parse(l).account_id));
  for (const r of out.results) assert.ok(accounts.has(r.id), `${r.id} is a known account`);
  assert.ok(
    out.results.some((r) => r.fit > 0),
    'group traits reach the fit rules',
  );
});

test("auc() counts ties as one half; backtest() picks SPEC §5's population", () => {
  assert.equal(
    auc([
      { score: 1, positive: true },
      { score: 0, positive: false },
    ]),
    1,
  );
  assert.equal(
    auc([
      { score: 1, positive: true },
      { score: 1, positive: false },
    ]),
    0.5,
  );
  assert.equal(
    auc([
      { score: 0, positive: true },
      { score: 1, positive: false },
      { score: 0, positive: false },
      { score: 2, positive: true },
    ]),
    (1 + 0.5 + 0 + 1) / 4,
  );
  assert.equal(auc([{ score: 1, positive: false }]), null);
  // a converted at as_of (left out), b exactly at the horizon's end (positive), c 1 ms later.
  const conv = new Map([
    ['a', 10 * DAY],
    ['b', 40 * DAY],
    ['c', 40 * DAY + 1],
  ]);
  const bt = backtest(
    [
      { id: 'a', score: 9 },
      { id: 'b', score: 8 },
      { id: 'c', score: 1 },
      { id: 'd', score: 2 },
    ],
    conv,
    10 * DAY,
    30,
  );
  assert.deepEqual([bt.population, bt.positives, bt.auc], [3, 1, 1]);
});

test("the default model ranks next month's buyers well; a naive model does visibly worse", async () => {
  requireBuilt();
  const r = await compare({ dir: SAMPLE, pql: PQL, asOf: DEFAULT_AS_OF, horizonDays: 30 });
  const conv = await readConversions(join(SAMPLE, 'events.jsonl'), 'subscription_started');
  assert.ok(conv.size >= 50, `${conv.size} accounts converted in the sample`);
  assert.ok(r.model.positives >= 20, `${r.model.positives} conversions in the horizon`);
  assert.ok(r.model.auc >= 0.75, `default model AUC ${r.model.auc}`);
  assert.ok(r.naive.auc <= r.model.auc - 0.05, `naive AUC ${r.naive.auc} vs default ${r.model.auc}`);
  // The naive twin differs only in its engagement: weight 1 for every event, no decay.
  const m = JSON.parse(readFileSync(join(SAMPLE, 'model.json'), 'utf8'));
  const naive = naiveModel(m);
  assert.deepEqual({ ...naive, engagement: m.engagement }, m);
  assert.deepEqual(naive.engagement, { decay: 'none', default_weight: 1, saturation: m.engagement.saturation });
});
