// Memory: the wrapper frees what it allocates, engines free everything on delete(), and
// the FinalizationRegistry frees an engine that was dropped without delete().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { conformanceCases } from '../lib/compare.mjs';
import { createEngine } from '../../build/wasm/pkg/index.js';

const cases = conformanceCases();
const withAccounts = cases.find((c) => c.accounts !== undefined);
const bytes = new TextEncoder().encode(withAccounts.events);

function cycle(engine, c, i) {
  engine.setModel(c.model);
  if (c.accounts !== undefined) engine.loadAccounts(c.accounts);
  // Alternate strings and bytes so both copy paths are exercised.
  engine.loadEvents(i % 2 ? c.events : new TextEncoder().encode(c.events));
  const run = engine.score({ limit: 10 });
  engine.scores();
  if (run.results.length) engine.explain(run.results[0].id);
  try {
    engine.setModel({ window_days: -1 });
  } catch {
    // an error value is allocated and freed too
  }
}

test('1,000 create/load/score/delete cycles return the heap to where it started', async () => {
  const sentinel = await createEngine();
  // One warm-up cycle per case: first use may allocate lasting statics (locale, caches).
  for (const c of cases) {
    const engine = await createEngine();
    cycle(engine, c, 0);
    engine.delete();
  }
  const before = sentinel.memoryUsage().heapUsed;
  for (let i = 0; i < 1000; i++) {
    const engine = await createEngine();
    cycle(engine, cases[i % cases.length], i);
    if (i % 3 === 0) engine.clear();
    engine.delete();
  }
  const after = sentinel.memoryUsage().heapUsed;
  assert.equal(after, before, `heap in use: ${before} bytes before, ${after} after`);
  sentinel.delete();
});

test('a load that fails (strict) or is rejected frees its input copy', async () => {
  const engine = await createEngine();
  engine.loadEvents(bytes);
  const before = engine.memoryUsage().heapUsed;
  for (let i = 0; i < 50; i++) {
    assert.throws(() => engine.loadEvents('{"bad\n', { strict: true }), { code: 'bad_row' });
    assert.throws(() => engine.loadEvents(bytes, { format: 'nope' }), { code: 'invalid_argument' });
  }
  assert.equal(engine.memoryUsage().heapUsed, before);
  engine.delete();
});

test('an engine dropped without delete() is freed by the FinalizationRegistry', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const sentinel = await createEngine();
  const before = sentinel.memoryUsage().heapUsed;
  await (async () => {
    for (let i = 0; i < 20; i++) {
      const engine = await createEngine();
      engine.loadEvents(bytes);
    }
  })();
  assert.ok(sentinel.memoryUsage().heapUsed > before, 'the dropped engines hold memory until collected');
  for (let i = 0; i < 20 && sentinel.memoryUsage().heapUsed !== before; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(sentinel.memoryUsage().heapUsed, before);
  sentinel.delete();
});
