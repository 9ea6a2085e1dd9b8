// Unit tests of the playground's import-step functions (web/src/importer.ts, modelfit.ts): the
// TypeScript is transpiled with the workspace's own compiler and imported (the modules have
// type-only imports). The dry runs use the built WASM engine, as the page's worker does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadWebModule as load } from '../lib/web_module.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const I = await load('importer');
const F = await load('modelfit');
const PKG = join(ROOT, 'build/wasm/pkg/index.js');
const engine = existsSync(PKG) ? await (await import(pathToFileURL(PKG).href)).createEngine() : null;

function dry(kind, text, options = {}) {
  try {
    const o = { ...options };
    const report =
      kind === 'events'
        ? engine.loadEvents(text, o)
        : kind === 'accounts'
          ? engine.loadAccounts(text, o)
          : engine.loadUsers(text, o);
    return { report, error: null, code: null };
  } catch (e) {
    return { report: null, error: e.message, code: e.code };
  } finally {
    engine.clear();
    engine.clearUsers();
  }
}

test('CSV heads: quoted cells, a cut last row, the header as columns', () => {
  const text = 'Time,User ID,"Event, Name",Company\n1790000000,u1,"said ""hi""",acme\n1790000060,u2,x,be';
  const h = I.parseHead(text, false);
  assert.equal(h.format, 'csv');
  assert.deepEqual(h.columns, ['Time', 'User ID', 'Event, Name', 'Company']);
  assert.deepEqual(h.rows, [['1790000000', 'u1', 'said "hi"', 'acme']], 'the cut row is left out');
  assert.ok(h.text.endsWith('acme\n'));
  assert.deepEqual(I.parseHead(text, true).rows.length, 2, 'a whole file keeps its last row');
  assert.deepEqual(I.csvRows('a,"b\nc",d\r\ne,f,g\n', false), [
    ['a', 'b\nc', 'd'],
    ['e', 'f', 'g'],
  ]);
});

test('JSON heads: JSON Lines, a JSON array cut anywhere, Segment envelopes, dotted keys', () => {
  const mp = '{"event":"A","properties":{"time":1790000000,"distinct_id":"d1","company_id":"c1"}}\n{"event":"B","prop';
  const h = I.parseHead(mp, false);
  assert.equal(h.format, 'jsonl');
  assert.equal(h.records.length, 1);
  assert.deepEqual(h.columns, ['event', 'properties.time', 'properties.distinct_id', 'properties.company_id']);
  assert.equal(I.recordShape(h.records[0]), 'mixpanel');
  const arr = I.parseHead('[{"a":1,"b":"x}"},{"a":2,"b":[1,{"c":"]"}]},{"a":3', false);
  assert.equal(arr.format, 'json');
  assert.deepEqual(
    arr.records.map((r) => r.a),
    [1, 2],
  );
  assert.deepEqual(
    arr.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).a),
    [1, 2],
    'dry-run text: the whole elements as JSON Lines',
  );
  const batch = I.parseHead(
    '{"batch":[{"type":"track","event":"x","userId":"u","timestamp":"2026-01-01T00:00:00Z"}]}\n',
    true,
  );
  assert.equal(batch.records.length, 1, 'a batch envelope previews its calls');
  assert.equal(I.recordShape({ batch: [] }), 'segment_batch');
  assert.equal(I.recordShape({ type: 'track', event: 'x' }), 'segment');
  assert.equal(I.recordShape({ event_type: 'x', event_time: '2026-01-01 00:00:00' }), 'amplitude');
  assert.equal(I.recordShape({ event: 'x', distinct_id: 'd', timestamp: '2026-01-01T00:00:00Z' }), 'posthog');
  assert.equal(I.recordShape({ timestamp: 1, user_id: 'u', event: 'x' }), 'flat');
});

test('aliases pre-fill the mapping; only columns other than the field names are sent', () => {
  assert.deepEqual(I.guessColumns('events', ['Time', 'User ID', 'Event Name', 'Company']), {
    timestamp: 'Time',
    user_id: 'User ID',
    event: 'Event Name',
    account_id: 'Company',
  });
  assert.deepEqual(I.guessColumns('events', ['ts', 'user', 'action', 'account']), {
    timestamp: 'ts',
    user_id: 'user',
    event: 'action',
    account_id: 'account',
  });
  assert.deepEqual(I.guessColumns('events', ['event_time', 'userId', 'event', 'group_id', 'Event ID']), {
    timestamp: 'event_time',
    user_id: 'userId',
    event: 'event',
    account_id: 'group_id',
    id: 'Event ID',
  });
  assert.deepEqual(I.guessColumns('events', ['distinct_id', 'Time', 'company_id']), {
    timestamp: 'Time',
    user_id: 'distinct_id',
    account_id: 'company_id',
  });
  assert.deepEqual(I.guessColumns('accounts', ['Company ID', 'Company Name', 'Employees']), {
    account_id: 'Company ID',
    name: 'Company Name',
  });
  assert.deepEqual(I.guessColumns('users', ['Email', 'Title']), { user_id: 'Email' });
  assert.equal(
    I.columnsOption({ timestamp: 'timestamp', user_id: 'user_id' }),
    undefined,
    'our own names need no mapping',
  );
  assert.deepEqual(I.columnsOption({ timestamp: 'Time', user_id: 'user_id' }), {
    timestamp: 'Time',
    user_id: 'user_id',
  });
});

test('seconds or milliseconds from the values', () => {
  assert.equal(I.guessTimeUnit(['1790000000', '1790000060.5']), 's');
  assert.equal(I.guessTimeUnit(['1790000000000']), 'ms');
  assert.equal(I.guessTimeUnit(['1790000000', '1790000000000']), 'ms', 'one value in ms: not all seconds');
  assert.equal(I.guessTimeUnit(['2026-01-01T00:00:00Z']), null);
  assert.equal(I.guessTimeUnit([]), null);
});

test('account keys of vendor exports, the likely one first', () => {
  const mp = I.parseHead(
    [
      {
        event: 'A',
        properties: { time: 1, distinct_id: 'd', $insert_id: 'i', mp_lib: 'web', plan: 'pro', company_id: 'c' },
      },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
    true,
  );
  const keys = I.accountKeys(mp, 'mixpanel');
  assert.equal(keys[0], 'company_id');
  assert.ok(!keys.includes('time') && !keys.includes('distinct_id'));
  assert.equal(I.guessAccountKey(keys, 'mixpanel'), 'company_id');
  assert.equal(I.guessAccountKey(['plan'], 'mixpanel'), null, 'no guess among unknown keys');
  const amp = I.parseHead(
    JSON.stringify({ event_type: 'x', event_time: '2026-01-01 00:00:00', groups: { workspace_slug: ['w1'] } }) + '\n',
    true,
  );
  assert.deepEqual(I.accountKeys(amp, 'amplitude'), ['workspace_slug']);
  assert.equal(I.guessAccountKey(['workspace_slug'], 'amplitude'), 'workspace_slug', 'the only group type');
  const ph = I.parseHead(
    JSON.stringify({
      event: 'x',
      distinct_id: 'd',
      timestamp: '2026-01-01T00:00:00Z',
      properties: { $groups: { company: 'c1' } },
    }) + '\n',
    true,
  );
  assert.deepEqual(I.accountKeys(ph, 'posthog'), ['company']);
  const phCsv = I.parseHead(
    '*.event,*.distinct_id,*.timestamp,*.properties.$groups.team,*.properties.$groups.company\nx,d,2026-01-01T00:00:00Z,t1,c1\n',
    true,
  );
  assert.equal(I.shapeOf(phCsv, null), 'posthog');
  assert.deepEqual(
    I.accountKeys(phCsv, 'posthog'),
    ['company', 'team'],
    'the CSV export names its group types in columns',
  );
});

test(
  'does a file load as it is? (the engine dry-runs the first rows)',
  { skip: !engine && 'build/wasm/pkg is missing (make wasm)' },
  () => {
    const fits = (kind, text) => {
      const head = I.parseHead(text, true);
      const d = dry(kind, head.text);
      return I.fitsAsIs(kind, head, I.shapeOf(head, d.report), d);
    };
    const csv = 'Time,User ID,Event Name,Company\n1790000000,u1,login,acme\n';
    assert.deepEqual(fits('events', csv), {
      fits: false,
      why: 'no timestamp, user_id, event columns; found Time, User ID, Event Name, Company (map them with the column mapping, CLI --map, e.g. timestamp=Time, user_id=User ID, event=Event Name)',
    });
    assert.equal(fits('events', 'timestamp,user_id,event,account_id\n2026-01-01T00:00:00Z,u,x,a\n').fits, true);
    assert.match(fits('events', 'timestamp,user_id,event,account_id\n1790000000,u,x,a\n').why, /epoch seconds/);
    assert.equal(fits('events', 'timestamp,user_id,event,account_id\n1790000000000,u,x,a\n').fits, true);
    assert.match(fits('events', '{"ts":1,"user":"u","action":"a"}\n').why, /no timestamp key; found ts, user, action/);
    assert.match(
      fits('events', JSON.stringify({ event: 'A', properties: { time: 1790000000, distinct_id: 'd' } }) + '\n').why,
      /no account/,
    );
    assert.equal(
      fits(
        'events',
        JSON.stringify({
          event_type: 'x',
          event_time: '2026-01-01 00:00:00',
          user_id: 'u',
          groups: { company: ['c'] },
        }) + '\n',
      ).fits,
      true,
      'one group type: the engine takes it (its note is not a misfit)',
    );
    assert.match(
      fits(
        'events',
        [{ company: ['c'] }, { team: ['t'] }]
          .map((g, i) =>
            JSON.stringify({ event_type: 'x', event_time: '2026-01-01 00:00:00', user_id: `u${i}`, groups: g }),
          )
          .join('\n') + '\n',
      ).why,
      /events have no account: the file has several group types/,
    );
    assert.equal(
      fits(
        'events',
        JSON.stringify({ type: 'track', event: 'x', userId: 'u', timestamp: '2026-01-01T00:00:00Z' }) + '\n',
      ).fits,
      true,
    );
    assert.equal(
      fits(
        'events',
        '{"timestamp":"2026-01-01T00:00:00Z","user_id":"u","event":"x","account_id":"a"}\n{"timestamp":"bad","user_id":"u","event":"x"}\n',
      ).fits,
      true,
      'bad rows alone do not stop a file that loads',
    );
    assert.match(
      fits('accounts', 'Company ID,Company Name,Employees\nc1,Acme,50\n').why,
      /no account_id column; found Company ID/,
    );
    assert.equal(
      fits('events', 'timestamp,user_id,event,company_id\n2026-01-01T00:00:00Z,u,x,c\n').why,
      'no account_id column; company_id looks like it',
      'an account under another name would leave every event without an account',
    );
    assert.equal(
      fits('events', '{"timestamp":"2026-01-01T00:00:00Z","user_id":"u","event":"x","group_id":"g"}\n').why,
      'no account_id key; group_id looks like it',
    );
    assert.equal(
      fits('events', 'timestamp,user_id,event\n2026-01-01T00:00:00Z,u,x\n').fits,
      true,
      'no account at all: nothing to map',
    );
    assert.equal(
      fits('accounts', 'account_id,Company Name\nc1,Acme\n').why,
      'no name column; Company Name looks like it',
    );
    assert.equal(fits('accounts', '{"account_id":"a","name":"A"}\n').fits, true);
    assert.match(fits('users', 'Email,Title\na@x,VP\n').why, /no user_id column/);
    // The mapping the panel pre-fills makes them load.
    const head = I.parseHead(csv, true);
    const cols = I.columnsOption(I.guessColumns('events', head.columns));
    const d = dry('events', head.text, { columns: cols, time_unit: 's' });
    assert.equal(d.report.loaded, 1);
    assert.equal(I.shapeOf(head, d.report), 'csv');
    assert.equal(
      I.shapeOf(I.parseHead('event,distinct_id,timestamp,*.uuid\nx,d,2026-01-01T00:00:00Z,u1\n', true), null),
      'posthog',
    );
  },
);

const canonical = (over = {}) => ({
  engagement: {
    default_weight: 0,
    events: { a: { weight: 2 }, b: { weight: 3 }, c: { weight: 0 }, sig: { weight: 1 } },
  },
  activation: {
    steps: [
      { name: 'Did a', event: 'a' },
      { name: 'Did z', event: 'z' },
      { name: 'Team', event: '*' },
    ],
    required: 2,
  },
  conversion_event: 'paid',
  ...over,
});

test('how the model fits the data', () => {
  const fit = F.modelFit(canonical(), {}, [
    { name: 'a', count: 3 },
    { name: 'q', count: 1 },
  ]);
  assert.deepEqual(fit.weightedMissing, ['b', 'sig']);
  assert.deepEqual(fit.stepsMissing, ['Did z']);
  assert.equal(
    fit.line,
    '2 of 3 weighted events and 1 of 2 activation steps are not in this data; no paid events (the conversion event).',
  );
  const withSignal = F.modelFit(canonical(), { signals: { sig: { event: 'q' } } }, [
    { name: 'a', count: 1 },
    { name: 'b', count: 1 },
    { name: 'z', count: 1 },
    { name: 'q', count: 1 },
    { name: 'paid', count: 1 },
  ]);
  assert.equal(withSignal.line, 'Every weighted event and activation step of the model is in this data.');
  assert.equal(F.guessConversion('paid', [{ name: 'Subscription Started', count: 1 }]), 'Subscription Started');
  assert.equal(F.guessConversion(null, [{ name: 'login', count: 1 }]), null);
});

test('a model started from the data: suggest() when given, else weights by rarity', () => {
  const current = {
    engagement: { events: { old: { weight: 5 } } },
    activation: { steps: [{ event: 'old' }] },
    fit: {
      rules: [
        { trait: 'employees', op: 'gte', value: 5, points: 10 },
        { trait: 'plan', op: 'eq', value: 'pro', points: 5 },
      ],
    },
    limits: { projects: { event: 'old', limit: 3 } },
    pql: { min_score: 60, rule: { all: [{ metric: 'count.old', op: '>=', value: 1 }] } },
    weights: { activation: 20, engagement: 55, fit: 25 },
  };
  const events = [
    { name: 'login', count: 1000 },
    { name: 'report', count: 100 },
    { name: 'invite', count: 10 },
    { name: 'paid', count: 5 },
  ];
  const byRarity = F.startModel(current, events, ['plan'], 'paid', null);
  assert.deepEqual(byRarity.model.engagement.events, {
    login: { weight: 1 },
    report: { weight: 6 },
    invite: { weight: 10 },
  });
  assert.deepEqual(
    byRarity.model.activation.steps.map((s) => s.event),
    ['login', 'report', 'invite'],
  );
  assert.equal(byRarity.model.activation.required, 2);
  assert.equal(byRarity.model.conversion_event, 'paid');
  assert.equal(byRarity.model.pql.rule, null, 'a rule on events not in the data is dropped');
  assert.deepEqual(byRarity.model.limits, {});
  assert.deepEqual(
    byRarity.model.fit.rules.map((r) => r.trait),
    ['plan'],
  );
  assert.deepEqual(byRarity.model.weights, current.weights, 'what is not data-specific stays');
  assert.match(byRarity.summary, /3 weighted events, 3 activation steps, weights by rarity/);
  const suggestions = {
    conversions: 12,
    activation_steps: [
      { event: 'invite', min_count: 2, lift: 3 },
      { event: 'login', min_count: 1, lift: 0.9 },
      { event: 'report', min_count: 3, lift: 1.5 },
    ],
    weights: {
      weights: { login: -1, report: 2.345, invite: 10 },
      holdout_auc: 0.81,
      non_negative: { weights: { login: 0, report: 2.345, invite: 10 } },
    },
  };
  const sug = F.startModel(current, events, [], 'paid', suggestions);
  assert.deepEqual(
    sug.model.engagement.events,
    { report: { weight: 2.3 }, invite: { weight: 10 } },
    'the non-negative fit, zeros left out',
  );
  assert.deepEqual(
    sug.model.activation.steps,
    [
      { name: 'invite ×2', event: 'invite', min_count: 2 },
      { name: 'report ×3', event: 'report', min_count: 3 },
    ],
    'steps with lift above 1',
  );
  assert.match(sug.summary, /suggest\(\) \(12 conversions, holdout AUC 0\.81\)/);
  const none = F.startModel({ conversion_event: 'x' }, events, [], null, null);
  assert.equal('conversion_event' in none.model, false);
  assert.equal(none.model.engagement.events.paid.weight, 10, 'without a conversion every event is scored');
});
