// The seeds' worked examples (examples/models/, SPEC §7) are valid models that score the sample:
// each qualifies someone, no PQL is a customer, and the parts each example is about are exercised.
// Run from the repo root after `make native` and `make sample`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const PQL = 'build/native/pql';
const SAMPLE = 'build/sample';
const MODELS = 'examples/models';

function score(model) {
  const out = execFileSync(
    PQL,
    [
      'score',
      '--events',
      join(SAMPLE, 'events.jsonl'),
      '--accounts',
      join(SAMPLE, 'accounts.jsonl'),
      '--users',
      join(SAMPLE, 'users.jsonl'),
      '--model',
      model,
      '--format',
      'json',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  return JSON.parse(out);
}

test('every example model is valid and qualifies some of the sample, never a customer', () => {
  assert.ok(existsSync(PQL) && existsSync(join(SAMPLE, 'users.jsonl')), 'run make native sample first');
  const files = readdirSync(MODELS).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 6, `${files.length} example models`);
  for (const f of files) {
    const model = join(MODELS, f);
    assert.match(execFileSync(PQL, ['validate', '--model', model], { encoding: 'utf8' }), /valid/, f);
    const run = score(model);
    assert.ok(run.qualified > 0, `${f}: nobody qualifies`);
    assert.ok(run.customers > 0, `${f}: the sample has customers`);
    for (const r of run.results) {
      if (r.qualified) assert.equal(r.converted, false, `${f}: ${r.id} is a customer and a PQL`);
      if (r.qualified) assert.ok(r.qualified_at && r.days_qualified >= 0, `${f}: ${r.id} has no qualified_at`);
    }
  }
});

test('the VP persona and the three segments are exercised', () => {
  const vp = score(join(MODELS, 'vp-persona.json'));
  assert.ok(
    vp.results.some((r) => r.fit > 0 && r.qualified),
    'a qualified account',
  );
  const explained = JSON.parse(
    execFileSync(
      PQL,
      [
        'explain',
        '--events',
        join(SAMPLE, 'events.jsonl'),
        '--accounts',
        join(SAMPLE, 'accounts.jsonl'),
        '--users',
        join(SAMPLE, 'users.jsonl'),
        '--model',
        join(MODELS, 'vp-persona.json'),
        '--id',
        vp.results.find((r) => r.qualified).id,
        '--format',
        'json',
      ],
      { encoding: 'utf8' },
    ),
  );
  assert.ok(Array.isArray(explained.personas.vp));
  const seg = score(join(MODELS, 'three-segments.json'));
  for (const name of ['over_limit', 'finance_na', 'buying_intent'])
    assert.ok(seg.segments[name] > 0, `segment ${name} is empty`);
  for (const r of seg.results) if (!r.qualified) assert.deepEqual(r.segments, []);
});

test('the default sample model lists no customer as a PQL', () => {
  const run = score(join(SAMPLE, 'model.json'));
  assert.ok(run.customers > 100);
  assert.ok(run.qualified > 0);
  assert.equal(run.results.filter((r) => r.qualified && r.converted).length, 0);
});
