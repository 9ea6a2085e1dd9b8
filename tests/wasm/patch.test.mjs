// engine.setModelValue: the patch path for one numeric setting gives the ranking that the
// whole edited model gives, is validated like setModel, and leaves the model alone on error.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine, PqlError } from '../../build/wasm/pkg/index.js';

const S = new URL('../../build/sample/', import.meta.url);
const model = JSON.parse(readFileSync(new URL('model.json', S), 'utf8'));

async function loaded() {
  const e = await createEngine();
  e.loadEvents(readFileSync(new URL('events.jsonl', S)));
  e.loadAccounts(readFileSync(new URL('accounts.jsonl', S)));
  e.setModel(model);
  return e;
}

const edited = (path, value) => {
  const m = structuredClone(model);
  let o = m;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]] = value;
  return m;
};

test('each patchable setting ranks as the whole edited model does', async () => {
  const patched = await loaded();
  const whole = await loaded();
  const cases = [
    [['engagement', 'events', 'report_created', 'weight'], 7],
    [['engagement', 'half_life_days'], 5.5],
    [['pql', 'min_score'], 48.5],
    [['weights', 'fit'], 40],
    [['activation', 'steps', 1, 'min_count'], 6],
    [['fit', 'rules', 0, 'points'], 12],
    [['window_days'], 45],
  ];
  for (const [path, value] of cases) {
    const before = patched.scoreJson();
    patched.setModelValue(path, value);
    whole.setModel(edited(path, value));
    assert.equal(patched.scoreJson(), whole.scoreJson(), path.join('.'));
    assert.notEqual(patched.scoreJson(), before, `${path.join('.')} changes the ranking`);
    assert.deepEqual(patched.model(), whole.model());
    patched.setModel(model);
    whole.setModel(model);
  }
  // The text form of a path is the model error path's.
  patched.setModelValue('activation.steps[1].min_count', 6);
  whole.setModel(edited(['activation', 'steps', 1, 'min_count'], 6));
  assert.equal(patched.scoreJson(), whole.scoreJson());
  patched.delete();
  whole.delete();
});

test('a bad value or path is a PqlError and the model stays', async () => {
  const e = await loaded();
  const before = JSON.stringify(e.model());
  const expect = (fn, code, path) => {
    assert.throws(
      fn,
      (err) => err instanceof PqlError && err.code === code && (path === undefined || err.path === path),
      code,
    );
    assert.equal(JSON.stringify(e.model()), before);
  };
  expect(() => e.setModelValue(['engagement', 'half_life_days'], 0), 'invalid_model', 'engagement.half_life_days');
  expect(
    () => e.setModelValue(['activation', 'steps', 0, 'min_count'], 1.5),
    'invalid_model',
    'activation.steps[0].min_count',
  );
  expect(() => e.setModelValue('pql.min_score', Number.NaN), 'invalid_model', 'pql.min_score');
  expect(() => e.setModelValue(['engagement', 'decay'], 1), 'invalid_argument', 'engagement.decay');
  expect(() => e.setModelValue(['fit', 'rules', 99, 'points'], 1), 'invalid_argument');
  expect(() => e.setModelValue(['activation', 'steps', -1, 'weight'], 1), 'invalid_argument');
  expect(() => e.setModelValue([], 1), 'invalid_argument');
  expect(() => e.setModelValue(['pql', 'min_score'], '50'), 'invalid_argument');
  e.delete();
});
