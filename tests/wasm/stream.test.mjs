// loadEventsFrom / loadAccountsFrom / loadOutcomesFrom: a file read piece by piece loads exactly
// as the whole text would (same report, same ranking, errors at lines of the whole file), from
// every kind of source, with monotonic progress.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { createEngine, PqlError } from '../../build/wasm/pkg/index.js';

const DAY = 86400000;
const T0 = Date.UTC(2026, 0, 1);

// ~1,500 JSON Lines events over 40 accounts, with a bad row every 97 lines and a blank line
// every 50 (blank lines count as lines but are not rows).
function jsonlEvents() {
  const lines = [];
  for (let i = 0; i < 1500; i++) {
    if (i % 50 === 49) lines.push('');
    else if (i % 97 === 13)
      lines.push(`{"timestamp": "not a date ${i}", "account_id": "a${i % 40}", "user_id": "u${i % 7}", "event": "e"}`);
    else
      lines.push(
        JSON.stringify({
          timestamp: T0 + (i % 60) * DAY + i,
          account_id: `a${i % 40}`,
          user_id: `u${i % 9}`,
          event: `ev${i % 5}`,
          id: `id${i % 1400}`,
        }),
      );
  }
  return lines.join('\n') + '\n';
}

// The same kind of data as CSV with what makes cutting hard: a byte-order mark, blank lines before
// the header, CRLF line ends, quoted cells holding commas, quotes and line breaks, a stray quote
// inside an unquoted cell, and bad rows (a bad date, a missing field).
function csvEvents() {
  const rows = ['\uFEFF', '', 'timestamp,account_id,user_id,event,note'];
  for (let i = 0; i < 900; i++) {
    const note = i % 11 === 0 ? `"line one\r\nline ""two"", and three\nend"` : i % 13 === 0 ? 'say 5" wide' : `n${i}`;
    if (i % 89 === 5) rows.push(`yesterday,a${i % 30},u${i % 4},ev${i % 3},${note}`);
    else if (i % 101 === 7) rows.push(`${T0 + i * 3600000},a${i % 30},u${i % 4}`);
    else rows.push(`${T0 + i * 3600000},a${i % 30},u${i % 4},ev${i % 3},${note}`);
  }
  return rows.join('\r\n') + '\r\n';
}

const MODEL = {
  engagement: { events: { ev0: { weight: 3 }, ev1: { weight: 1, cap: 20 }, ev2: { weight: 5 } } },
  activation: { steps: [{ event: 'ev0', min_count: 3 }] },
};

async function wholeLoad(text, method = 'loadEvents') {
  const engine = await createEngine();
  engine.setModel(MODEL);
  const report = engine[method](text);
  const run = engine.scoreJson();
  engine.delete();
  return { report, run };
}

async function piecedLoad(source, options, method = 'loadEventsFrom') {
  const engine = await createEngine();
  engine.setModel(MODEL);
  const seen = [];
  const report = await engine[method](source, { ...options, onProgress: (p) => seen.push(p) });
  const run = engine.scoreJson();
  engine.delete();
  return { report, run, seen };
}

function assertProgress(seen, total) {
  assert.ok(seen.length >= 2, 'progress before and after');
  assert.equal(seen[0].done, 0);
  for (let i = 1; i < seen.length; i++)
    assert.ok(seen[i].done >= seen[i - 1].done, `progress never goes back (${seen[i - 1].done} -> ${seen[i].done})`);
  assert.equal(seen.at(-1).done, total);
  assert.equal(seen.at(-1).total, total);
}

const sources = {
  string: (t) => t,
  bytes: (t) => new TextEncoder().encode(t),
  ArrayBuffer: (t) => new TextEncoder().encode(t).buffer,
  Blob: (t) => new Blob([t]),
  ReadableStream: (t) => new Blob([t]).stream(),
  'Node stream (odd chunks)': (t) => Readable.from(oddChunks(new TextEncoder().encode(t))),
};

// Chunks of 1 to 300 bytes, so cuts fall inside CRLFs, quotes and multi-byte characters.
function* oddChunks(bytes) {
  let at = 0,
    k = 0;
  while (at < bytes.length) {
    const n = 1 + ((k++ * 137) % 300);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

for (const [name, text] of [
  ['JSON Lines', jsonlEvents()],
  ['CSV', csvEvents()],
]) {
  test(`${name}: every source, cut into pieces of any size, loads as the whole text`, async () => {
    const whole = await wholeLoad(text);
    assert.ok(whole.report.skipped > 5, 'the fixture has bad rows');
    assert.ok(whole.report.loaded > 500);
    const size = new TextEncoder().encode(text).length;
    for (const [kind, make] of Object.entries(sources)) {
      for (const pieceBytes of [1, 173, 4096, 1 << 22]) {
        const got = await piecedLoad(make(text), { pieceBytes });
        assert.deepEqual(
          got.report,
          whole.report,
          `${kind}, pieces of ${pieceBytes}: same report (errors at lines of the whole file)`,
        );
        assert.equal(got.run, whole.run, `${kind}, pieces of ${pieceBytes}: the same ranking, byte for byte`);
        assertProgress(got.seen, size);
        // In-memory sources are cut at pieceBytes; streams at their own chunks at the finest.
        if (pieceBytes === 173 && !/Blob|Stream/.test(kind))
          assert.ok(got.seen.length > 20, `${kind}: progress per piece (${got.seen.length} calls)`);
      }
    }
  });
}

test('error lines are those of the whole file, however it is cut', async () => {
  const text = jsonlEvents();
  const lines = text.split('\n');
  const { report } = await piecedLoad(new Blob([text]), { pieceBytes: 500 });
  assert.ok(report.errors.length > 5);
  for (const e of report.errors)
    assert.match(lines[e.line - 1], /not a date/, `line ${e.line} is a bad row: ${e.message}`);
  const csv = csvEvents();
  const got = await piecedLoad(new Blob([csv]), { pieceBytes: 300 });
  const whole = await wholeLoad(csv);
  assert.deepEqual(got.report.errors, whole.report.errors);
  assert.ok(
    got.report.errors.some((e) => e.line > 500),
    'errors deep in the file',
  );
});

test('a JSON array and a strict load are read whole; strict fails on the first bad row, at its line, keeping nothing', async () => {
  const array = JSON.stringify(
    Array.from({ length: 300 }, (_, i) => ({
      timestamp: T0 + (i * DAY) / 10,
      account_id: `a${i % 9}`,
      user_id: 'u',
      event: 'ev0',
    })),
  );
  const whole = await wholeLoad(array);
  const got = await piecedLoad(new Blob([array]).stream(), { pieceBytes: 64 });
  assert.deepEqual(got.report, whole.report);
  assert.equal(got.run, whole.run);

  const engine = await createEngine();
  let caught;
  try {
    await engine.loadEventsFrom(new Blob([jsonlEvents()]), { strict: true, pieceBytes: 200 });
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof PqlError, String(caught));
  assert.equal(caught.code, 'bad_row');
  assert.equal(caught.line, 14, 'the first bad row of the whole file');
  assert.equal(engine.score().entities, 0, 'nothing of the failed load is kept');
  engine.delete();
});

test('accounts and outcomes load from sources too', async () => {
  const accounts = [
    'account_id,name,plan',
    ...Array.from({ length: 40 }, (_, i) => `a${i},"Company, ${i}",${i % 3 ? 'pro' : 'free'}`),
  ].join('\n');
  const outcomes = ['account_id,converted_at', 'a1,2026-03-01', 'a2,not a date', 'a3,2026-03-05'].join('\n');
  const one = await createEngine();
  one.loadEvents(jsonlEvents());
  const accountsReport = one.loadAccounts(accounts);
  const outcomesReport = one.loadOutcomes(outcomes);
  const two = await createEngine();
  two.loadEvents(jsonlEvents());
  assert.deepEqual(await two.loadAccountsFrom(new Blob([accounts]), { pieceBytes: 50 }), accountsReport);
  assert.deepEqual(await two.loadOutcomesFrom(new Blob([outcomes]), { pieceBytes: 10 }), outcomesReport);
  assert.equal(outcomesReport.skipped, 1);
  assert.equal(two.scoreJson(), one.scoreJson());
  assert.deepEqual(
    two.backtest({ horizon_days: 90, as_of: '2026-02-01' }),
    one.backtest({ horizon_days: 90, as_of: '2026-02-01' }),
  );
  one.delete();
  two.delete();
});

test('bad sources and options are PqlErrors; a stream that fails keeps the pieces before it', async () => {
  const engine = await createEngine();
  for (const bad of [42, null, { not: 'a source' }]) {
    await assert.rejects(
      engine.loadEventsFrom(/** @type {any} */ (bad)),
      (e) => e instanceof PqlError && e.code === 'invalid_argument',
    );
  }
  await assert.rejects(
    engine.loadEventsFrom('', { format: /** @type {any} */ ('xml') }),
    (e) => e instanceof PqlError && e.code === 'invalid_argument',
  );
  await assert.rejects(
    engine.loadEventsFrom('', { pieceBytes: 0 }),
    (e) => e instanceof PqlError && e.code === 'invalid_argument',
  );

  const text = jsonlEvents();
  const half = new TextEncoder().encode(text.slice(0, text.length / 2));
  const failing = new ReadableStream({
    start(c) {
      c.enqueue(half);
    },
    pull(c) {
      c.error(new Error('connection reset'));
    },
  });
  await assert.rejects(
    engine.loadEventsFrom(failing, { pieceBytes: 1000 }),
    (e) => e instanceof PqlError && e.code === 'io' && /connection reset/.test(e.message),
  );
  assert.ok(engine.score().diagnostics.loaded > 100, 'the pieces read before the failure stay loaded');

  const deleted = await createEngine();
  deleted.delete();
  await assert.rejects(deleted.loadEventsFrom('x'), (e) => e instanceof PqlError && e.code === 'deleted');
  engine.delete();
});
