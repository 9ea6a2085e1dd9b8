// The release CLI past its limits: out of memory under a virtual-memory cap, a huge row, deep
// nesting. Each fails cleanly (exit 1 or a reported row), never with a signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pql = new URL('../../build/native/pql', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'pql-limits-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function run(args, limitKb) {
  const cmd = (limitKb ? `ulimit -v ${limitKb}; ` : '') + `exec "${pql}" ${args}`;
  return spawnSync('bash', ['-c', cmd], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

test('a file too large for memory fails with a clear error, not an abort', () => {
  const file = join(dir, 'big.jsonl');
  const fd = openSync(file, 'w');
  const base = Date.UTC(2026, 0, 1);
  let chunk = '';
  for (let i = 0; i < 1_200_000; i++) {
    chunk += `{"id":"e${i}","timestamp":${base + i * 1000},"account_id":"a${i % 5000}","user_id":"u${i % 20000}","event":"ev${i % 15}"}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  // Under each cap the run either succeeds or fails cleanly; the tightest caps must fail.
  let clean = 0;
  for (const cap of [130_000, 150_000, 170_000, 190_000]) {
    const r = run(`score --events ${file} --top 1`, cap);
    assert.equal(r.signal, null, `killed by ${r.signal} under ${cap} KB: ${r.stderr}`);
    if (r.status === 0) continue;
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /out of memory: loaded \d+ rows before the limit/);
    clean++;
  }
  assert.ok(clean > 0, 'no cap was tight enough to run out of memory');
});

test('a 20 MB row and 200k nested brackets are reported rows', () => {
  const file = join(dir, 'hostile.jsonl');
  const ok = '{"timestamp":1,"user_id":"u","event":"e","account_id":"a"}';
  writeFileSync(
    file,
    [
      ok,
      `{"timestamp":1,"user_id":"u","event":"e","p":"${'x'.repeat(20 << 20)}"}`,
      '['.repeat(200_000),
      `{"timestamp":1,"user_id":"u","event":"e","p":${'['.repeat(1000)}${']'.repeat(1000)}}`,
      ok,
    ].join('\n'),
  );
  const r = run(`score --format json --events ${file}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.diagnostics.skipped, 3);
  assert.deepEqual(
    out.diagnostics.errors.map((e) => e.line),
    [2, 3, 4],
  );
  assert.match(out.diagnostics.errors[0].message, /longer than the 8 MiB row limit/);
  assert.match(out.diagnostics.errors[2].message, /nested deeper than 256 levels/);
});
