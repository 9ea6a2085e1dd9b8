// Bring your own data (issue 14): files produced by the vendors' own Node SDKs (Segment,
// RudderStack, PostHog, Mixpanel), posting to a loopback HTTP sink on 127.0.0.1, rank exactly
// as the same events given as flat rows: through the WASM package (plain, gzip, zip) and the
// native CLI. Also the column mapping and time units of the JS options.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseQuery } from 'node:querystring';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { zipSync } from 'fflate';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { PostHog } from 'posthog-node';
import Mixpanel from 'mixpanel';
import { createEngine, PqlError } from '../../build/wasm/pkg/index.js';

const CLI = fileURLToPath(new URL('../../build/native/pql', import.meta.url));
const DAY = 86400000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const NAMES = ['Report Created', 'Teammate Invited', 'Login', 'Dashboard Shared'];

// 160 events of 12 users in 5 accounts over 20 days, whole seconds (Mixpanel's unit).
function events() {
  const out = [];
  for (let i = 0; i < 160; i++) {
    const u = (i * 7) % 12;
    out.push({
      ts: T0 + ((i * 37) % 20) * DAY + ((i * 611) % 86400) * 1000,
      user: `u${u}`,
      account: `a${u % 5}`,
      event: NAMES[(i * 3 + u) % NAMES.length],
      id: `e${i}`,
      plan: u % 2 ? 'pro' : 'free',
      seats: u + 1,
    });
  }
  return out;
}

const MODEL = {
  engagement: {
    events: {
      'Report Created': { weight: 4 },
      'Teammate Invited': { weight: 9 },
      Login: { weight: 0.5 },
      'Dashboard Shared': { weight: 3, cap: 5 },
    },
  },
  activation: { steps: [{ event: 'Report Created', min_count: 2 }, { event: 'Teammate Invited' }] },
  weights: { activation: 1, engagement: 1, fit: 0 },
};

function flatJsonl() {
  return (
    events()
      .map((e) =>
        JSON.stringify({
          timestamp: e.ts,
          user_id: e.user,
          event: e.event,
          account_id: e.account,
          id: e.id,
          properties: { plan: e.plan, seats: e.seats },
        }),
      )
      .join('\n') + '\n'
  );
}

// Batched calls received so far (SDKs flush in the background).
const sent = (bodies) =>
  bodies.reduce((n, b) => {
    try {
      return n + (JSON.parse(b.body).batch?.length ?? 0);
    } catch {
      return n;
    }
  }, 0);
async function until(done, ms = 15000) {
  for (const end = Date.now() + ms; !done() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
}

// Runs `send(baseUrl, port)` against a loopback sink; returns the request bodies (gunzipped when
// the SDK compressed them).
async function sink(send) {
  const bodies = [];
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      let body = Buffer.concat(parts);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      bodies.push({ url: req.url, body: body.toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url.startsWith('/track') ? '1' : '{"status":"Ok"}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  try {
    await send(`http://127.0.0.1:${port}`, port, bodies);
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
  return bodies;
}

async function ranked(load) {
  const engine = await createEngine();
  engine.setModel(MODEL);
  const report = await load(engine);
  const run = engine.score();
  engine.delete();
  return {
    report,
    rows: run.results.map((r) => [r.rank, r.id, r.score, r.activation, r.engagement]),
    unassigned: run.diagnostics.unassigned,
  };
}

let flat;
async function flatRanking() {
  flat ??= await ranked((e) => e.loadEvents(flatJsonl()));
  return flat;
}

function cliRanking(file, args = []) {
  const dir = mkdtempSync(join(tmpdir(), 'pql-vendor-'));
  try {
    writeFileSync(join(dir, 'model.json'), JSON.stringify(MODEL));
    const r = spawnSync(
      CLI,
      ['score', '--format', 'json', '--model', join(dir, 'model.json'), '--events', file, ...args],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).results.map((x) => [x.rank, x.id, x.score, x.activation, x.engagement]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'pql-vendors-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function check(name, text, options = {}, cliArgs = []) {
  const want = await flatRanking();
  assert.ok(want.rows.length === 5 && want.rows[0][2] > want.rows[4][2], 'the flat ranking separates the accounts');
  const plain = await ranked((e) => e.loadEvents(text, options));
  assert.equal(plain.report.loaded, 160, `${name}: ${JSON.stringify(plain.report).slice(0, 400)}`);
  assert.deepEqual(plain.rows, want.rows, `${name}: ranks as the flat rows`);
  assert.equal(plain.unassigned, 0, `${name}: every event has its account`);
  // gzip, as the vendors archive it: one gzip member per line, concatenated.
  const gz = Buffer.concat(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => zlib.gzipSync(l + '\n')),
  );
  const fromGz = await ranked((e) => e.loadEventsFrom(new Blob([gz]), { ...options, pieceBytes: 1000 }));
  assert.deepEqual(fromGz.rows, want.rows, `${name}: from .jsonl.gz`);
  // zip of two gzipped halves (Amplitude's Export API shape).
  const lines = text.split('\n').filter(Boolean);
  const half = Math.ceil(lines.length / 2);
  const zip = zipSync({
    'b.json.gz': zlib.gzipSync(lines.slice(half).join('\n') + '\n'),
    'a.json': Buffer.from(lines.slice(0, half).join('\n') + '\n'),
  });
  const fromZip = await ranked((e) => e.loadEventsFrom(zip, options));
  assert.deepEqual(fromZip.rows, want.rows, `${name}: from .zip`);
  if (existsSync(CLI)) {
    const file = join(dir, `${name}.jsonl.gz`);
    writeFileSync(file, gz);
    assert.deepEqual(cliRanking(file, cliArgs), want.rows, `${name}: through the CLI (gzip)`);
    const zfile = join(dir, `${name}.zip`);
    writeFileSync(zfile, zip);
    assert.deepEqual(cliRanking(zfile, cliArgs), want.rows, `${name}: through the CLI (zip)`);
  }
  return plain;
}

test('Segment analytics-node: HTTP batch envelopes rank as flat rows', async () => {
  const bodies = await sink(async (base) => {
    const a = new SegmentAnalytics({
      writeKey: 'wk',
      host: base,
      path: '/v1/batch',
      maxEventsInBatch: 37,
      flushInterval: 50,
    });
    for (const e of events())
      a.track({
        userId: e.user,
        event: e.event,
        timestamp: new Date(e.ts),
        messageId: e.id,
        context: { groupId: e.account },
        properties: { plan: e.plan, seats: e.seats },
      });
    await a.closeAndFlush({ timeout: 10000 });
  });
  assert.ok(bodies.length >= 4, `several batches (${bodies.length})`);
  assert.ok(
    bodies.every((b) => Array.isArray(JSON.parse(b.body).batch)),
    'each body is a {"batch": [...]} envelope',
  );
  const text = bodies.map((b) => JSON.stringify(JSON.parse(b.body))).join('\n') + '\n';
  const r = await check('segment', text);
  assert.equal(r.report.shapes.segment_batch, bodies.length);
});

test('RudderStack rudder-sdk-node: batches rank as flat rows', async () => {
  const bodies = await sink(async (base, _port, received) => {
    const a = new RudderAnalytics('wk', { dataPlaneUrl: base, flushAt: 50, flushInterval: 50, logLevel: 'error' });
    for (const e of events())
      a.track({
        userId: e.user,
        event: e.event,
        timestamp: new Date(e.ts),
        messageId: e.id,
        context: { groupId: e.account },
        properties: { plan: e.plan, seats: e.seats },
      });
    await a.flush();
    await until(() => sent(received) >= 160);
  });
  const text =
    bodies
      .filter((b) => b.body.startsWith('{'))
      .map((b) => JSON.stringify(JSON.parse(b.body)))
      .join('\n') + '\n';
  await check('rudderstack', text);
});

test('PostHog posthog-node: captures with groups rank as flat rows (one group type, or account_key)', async () => {
  const bodies = await sink(async (base) => {
    const ph = new PostHog('phc_test', { host: base, flushAt: 40, flushInterval: 0, disableGeoip: true });
    for (const e of events())
      ph.capture({
        distinctId: e.user,
        event: e.event,
        timestamp: new Date(e.ts),
        groups: { company: e.account },
        properties: { plan: e.plan, seats: e.seats, $set: { plan: e.plan } },
      });
    await ph.shutdown(10000);
  });
  const batches = bodies.filter((b) => b.url.startsWith('/batch'));
  assert.ok(batches.length >= 2, `batches: ${batches.length}`);
  const text = batches.map((b) => JSON.stringify(JSON.parse(b.body))).join('\n') + '\n';
  const r = await check('posthog', text);
  assert.equal(r.report.shapes.posthog, 160);
  assert.ok(
    r.report.notes.some((n) => /only group type "company"/.test(n)),
    JSON.stringify(r.report.notes),
  );
  await check('posthog-key', text, { account_key: 'company' }, ['--account-key', 'company']);
  // The same events as PostHog's own batch-export rows (one event per line, no envelope).
  const rows =
    batches
      .flatMap((b) => JSON.parse(b.body).batch)
      .map((m) => JSON.stringify(m))
      .join('\n') + '\n';
  await check('posthog-rows', rows);
});

test('Mixpanel mixpanel-node: events in epoch seconds, account by account_key', async () => {
  const bodies = await sink(async (_base, port) => {
    const mp = Mixpanel.init('tok', { host: '127.0.0.1', port, protocol: 'http' });
    const batch = events().map((e) => ({
      event: e.event,
      properties: {
        distinct_id: e.user,
        time: e.ts / 1000,
        $insert_id: e.id,
        company_id: e.account,
        plan: e.plan,
        seats: e.seats,
      },
    }));
    await new Promise((resolve, reject) =>
      mp.track_batch(batch, { max_batch_size: 50 }, (errs) => (errs?.length ? reject(errs[0]) : resolve())),
    );
  });
  const sent = bodies.flatMap((b) => {
    const data = b.body ? parseQuery(b.body).data : parseQuery(b.url.split('?')[1] ?? '').data;
    const v = JSON.parse(Buffer.from(String(data), 'base64').toString('utf8'));
    return Array.isArray(v) ? v : [v];
  });
  assert.equal(sent.length, 160);
  assert.ok(
    sent[0].properties.time < 1e11 && sent[0].properties.token === 'tok',
    'as the SDK sends them: seconds, with its own properties',
  );
  const text = sent.map((m) => JSON.stringify(m)).join('\n') + '\n';
  await check('mixpanel', text, { account_key: 'company_id' }, ['--account-key', 'company_id']);
  // Without account_key: loaded, unassigned, said once.
  const engine = await createEngine();
  const report = engine.loadEvents(text);
  assert.equal(report.loaded, 160);
  assert.equal(report.notes.length, 1);
  assert.match(report.notes[0], /160 Mixpanel events have no account/);
  engine.delete();
});

test('column mapping, time units and one summary error, through the JS options', async () => {
  const csv =
    'Time,User ID,Event Name,Company,Plan\n' +
    events()
      .map((e) => `${e.ts / 1000},${e.user},${e.event},${e.account},${e.plan}`)
      .join('\n') +
    '\n';
  const columns = { timestamp: 'Time', user_id: 'User ID', event: 'Event Name', account_id: 'Company' };
  const want = await flatRanking();
  const got = await ranked((e) => e.loadEvents(csv, { columns, time_unit: 's' }));
  assert.deepEqual(got.rows, want.rows);
  const streamed = await ranked((e) => e.loadEventsFrom(new Blob([csv]), { columns, time_unit: 's', pieceBytes: 333 }));
  assert.deepEqual(streamed.rows, want.rows);
  const engine = await createEngine();
  assert.throws(
    () => engine.loadEvents(csv),
    (e) =>
      e instanceof PqlError &&
      e.code === 'missing_column' &&
      /^no timestamp, user_id, event columns; found Time, User ID, Event Name, Company, Plan/.test(e.message),
  );
  assert.throws(
    () => engine.loadEvents(csv, { columns: { timestamp: 'When' } }),
    (e) => e instanceof PqlError && /column mapping timestamp=When: the file has no column "When"/.test(e.message),
  );
  assert.throws(
    () => engine.loadEvents(csv, { columns: { stamp: 'Time' } }),
    (e) => e instanceof PqlError && e.code === 'invalid_argument',
  );
  assert.throws(
    () => engine.loadEvents(csv, { time_unit: 'us' }),
    (e) => e instanceof PqlError && e.code === 'invalid_argument',
  );
  // Seconds read as milliseconds would land in 1970: the unit matters.
  engine.loadEvents(csv, { columns, time_unit: 'ms' });
  assert.match(engine.score().as_of, /^1970-01-21/);
  engine.delete();
  // Users file: traits by a mapped id column; accounts file: mapped id and name.
  const e2 = await createEngine();
  e2.loadEvents(flatJsonl());
  assert.equal(e2.loadUsers('Email,Title\nu1,VP Sales\n', { columns: { user_id: 'Email' } }).loaded, 1);
  assert.equal(
    e2.loadAccounts('Company ID,Company Name,Employees\na1,Acme,240\n', {
      columns: { account_id: 'Company ID', name: 'Company Name' },
    }).loaded,
    1,
  );
  assert.equal(e2.score().results.find((r) => r.id === 'a1').name, 'Acme');
  e2.delete();
});

test('a truncated gzip keeps the rows before it and says how far it got', async () => {
  const gz = zlib.gzipSync(flatJsonl());
  const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
  const engine = await createEngine();
  const report = await engine.loadEventsFrom(new Blob([cut]));
  assert.ok(report.loaded > 20 && report.loaded < 160, `rows before the cut are kept (${report.loaded})`);
  const last = report.errors[report.errors.length - 1];
  assert.match(last.message, /truncated gzip data .* after \d+ compressed bytes/);
  assert.equal(report.read, report.loaded + report.skipped + report.duplicates);
  // Strict: the cut row before the break is the first failure.
  await assert.rejects(
    engine.loadEventsFrom(new Blob([cut]), { strict: true }),
    (e) => e instanceof PqlError && ['bad_row', 'bad_archive'].includes(e.code),
  );
  engine.delete();
  if (existsSync(CLI)) {
    const file = join(dir, 'cut.jsonl.gz');
    writeFileSync(file, cut);
    const r = spawnSync(CLI, ['score', '--events', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /cut\.jsonl\.gz: truncated gzip data: it ends after \d+ compressed bytes .*; the \d+ rows read before it are kept/,
    );
    const bad = spawnSync(CLI, ['score', '--events', file, '--strict'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    const none = spawnSync(CLI, ['score', '--events', join(dir, 'none.csv')], { encoding: 'utf8', input: '' });
    assert.equal(none.status, 1);
    writeFileSync(join(dir, 'cols.csv'), 'Time,User ID,Event Name,Company\n1,u,e,c\n');
    const cols = spawnSync(CLI, ['score', '--events', join(dir, 'cols.csv')], { encoding: 'utf8' });
    assert.equal(cols.status, 1);
    assert.match(cols.stderr, /no timestamp, user_id, event columns; found Time, User ID, Event Name, Company/);
    void execFileSync;
  }
});
