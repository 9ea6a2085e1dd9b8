// Every conformance case through the WASM module's score(), and appending loads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRunMatches, conformanceCases } from '../lib/compare.mjs';
import { createEngine } from '../../build/wasm/pkg/index.js';

const cases = conformanceCases();

async function scoreCase(c, loadEvents = (e) => e.loadEvents(c.events)) {
  const engine = await createEngine();
  try {
    engine.setModel(c.model);
    if (c.accounts !== undefined) engine.loadAccounts(c.accounts);
    loadEvents(engine);
    if (c.users !== undefined) engine.loadUsers(c.users); // SPEC §6.3, as the CLI's --users
    return { run: engine.score(), scores: engine.scores() };
  } finally {
    engine.delete();
  }
}

// Splits a file into two loads at a line boundary; a CSV's second half repeats the header.
function halves(text, csv) {
  const lines = text.split('\n');
  const cut = Math.ceil(lines.length / 2);
  const first = lines.slice(0, cut).join('\n') + '\n';
  const second = lines.slice(cut).join('\n');
  return [first, csv ? lines[0].replace(/^\uFEFF/, '') + '\n' + second : second];
}

for (const c of cases) {
  test(`conformance ${c.name}: score() equals expected.json`, async () => {
    const { run, scores } = await scoreCase(c);
    assertRunMatches(run, c.expected, c.name);
    assert.deepEqual(
      [...scores],
      run.results.map((r) => r.score),
      "scores() is the ranking's scores",
    );
  });

  test(`conformance ${c.name}: the events loaded in two halves score the same`, async () => {
    const csv = c.eventsFile.endsWith('.csv');
    const { run: whole } = await scoreCase(c);
    const { run: split } = await scoreCase(c, (e) => {
      // The format is forced: a half on its own may sniff differently (e.g. a line `"text"`).
      const format = csv ? 'csv' : 'jsonl';
      const [a, b] = halves(c.events, csv);
      const r1 = e.loadEvents(a, { format });
      const r2 = e.loadEvents(b, { format });
      assert.equal(r1.read + r2.read, whole.diagnostics.read, 'rows read over both loads');
    });
    assertRunMatches(split, whole, `${c.name} (two loads)`);
  });
}

test('as bytes (Uint8Array) and as a string, a case scores the same', async () => {
  const c = cases.find((x) => x.name === '09-edges') ?? cases[0];
  const bytes = await scoreCase(c, (e) => e.loadEvents(new TextEncoder().encode(c.events)));
  const text = await scoreCase(c);
  assert.deepEqual(bytes.run, text.run);
});
