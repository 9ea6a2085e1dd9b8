#!/usr/bin/env node
// The WASM engine in Node, with its peers measured in the same run on the same data:
// the JSON library's ceiling (bench/sax_ceiling.cpp built alone with em++), DuckDB
// (bench/duckdb.mjs) and a plain JavaScript implementation (bench/plain-js.mjs).
//
//   node bench/wasm.mjs [--sizes 100k,1M,10M] [--data build/bench-data] [--out build/bench/wasm.json]
//                       [--no-peers] [--quick]
import { openSync, readSync, closeSync, fstatSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lineBlocks, measureEngine, setCpuClock } from './measure.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizes = opt('--sizes', process.env.BENCH_SIZES || '100k,1M,10M')
  .split(',')
  .filter(Boolean);
const dataDir = resolve(ROOT, opt('--data', 'build/bench-data'));
const outFile = resolve(ROOT, opt('--out', 'build/bench/wasm.json'));
const peers = !args.includes('--no-peers');
const quick = args.includes('--quick'); // one load, fewer runs, no CSV: for development
const log = (...a) => console.log(...a);
setCpuClock(() => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
});

const { createEngine } = await import(pathToFileURL(join(ROOT, 'build/wasm/pkg/index.js')).href);

// The ceiling module: exports _sax_ceiling(ptr, len), _malloc, _free.
async function ceilingModule() {
  const file = join(ROOT, 'build/bench/sax_ceiling.mjs');
  if (!existsSync(file)) return null;
  const create = (await import(pathToFileURL(file).href)).default;
  return create({ wasmBinary: readFileSync(join(ROOT, 'build/bench/sax_ceiling.wasm')) });
}

// A file in ~64 MiB blocks of whole lines (each block a fresh Buffer, as File.slice() gives).
async function* fileBlocks(path, size = 64 << 20) {
  const fd = openSync(path, 'r');
  try {
    let carry = Buffer.alloc(0);
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      const n = readSync(fd, buf, 0, size, null);
      if (n === 0) break;
      const chunk = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      const nl = chunk.lastIndexOf(10);
      if (nl < 0) {
        carry = chunk;
        continue;
      }
      yield chunk.subarray(0, nl + 1);
      carry = Buffer.from(chunk.subarray(nl + 1));
    }
    if (carry.length) yield carry;
  } finally {
    closeSync(fd);
  }
}

// The first ~4 MB of whole lines: warm-up input.
async function* firstBlock(path) {
  for await (const b of fileBlocks(path, 4 << 20)) {
    yield b;
    return;
  }
}

const results = { env: { node: process.version, date: new Date().toISOString() }, sizes: {} };
const ceilingMod = await ceilingModule();
if (!ceilingMod) log('wasm: build/bench/sax_ceiling.mjs missing: no WASM ceiling (scripts/bench.sh builds it)');

for (const size of sizes) {
  const dir = join(dataDir, size);
  if (!existsSync(join(dir, 'events.jsonl'))) {
    log(`wasm: ${dir}/events.jsonl missing, skipped`);
    continue;
  }
  log(`\n== ${size}: WASM engine in Node ${process.version}`);
  const eventsPath = join(dir, 'events.jsonl');
  const eventBytes = fstatSync(openSync(eventsPath, 'r')).size;
  const accounts = readFileSync(join(dir, 'accounts.jsonl'));
  const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const big = eventBytes > 1e9;
  const csvPath = join(dir, 'events.csv');
  const text = big ? null : readFileSync(eventsPath);
  // The ceiling copies the text into its heap in 256 MiB blocks of whole lines and parses
  // each (the copy is timed, as the engine's load times its own).
  let ceiling = null,
    ceilingWarmup = null;
  const parseBlock = (block) => {
    const ptr = ceilingMod._malloc(block.length) >>> 0;
    ceilingMod.HEAPU8.set(block, ptr);
    const lines = ceilingMod._sax_ceiling(ptr, block.length);
    ceilingMod._free(ptr);
    return lines;
  };
  if (ceilingMod) {
    ceilingWarmup = async () => {
      for await (const b of firstBlock(eventsPath)) parseBlock(b);
    };
    ceiling = async () => {
      let lines = 0;
      for await (const block of text ? lineBlocks(text, 256 << 20) : fileBlocks(eventsPath, 256 << 20))
        lines += parseBlock(block);
      return lines;
    };
  }
  const r = await measureEngine({
    createEngine,
    // Up to 1M events the text is read once and the timed loads take blocks of it from memory
    // (the engine's work alone); 10M is read from disk block by block during the timed load.
    events: async () => (text ? lineBlocks(text) : fileBlocks(eventsPath)),
    warmup: async () => firstBlock(eventsPath),
    ceilingWarmup,
    eventBytes,
    accounts,
    model,
    csv: existsSync(csvPath) && !big && !quick ? async () => [readFileSync(csvPath)] : null,
    ceiling,
    runs: big ? 10 : quick ? 15 : 30,
    loadRuns: big || quick ? 1 : 5,
    log: (m) => log(`  ${m}`),
  });
  r.eventBytes = eventBytes;
  if (peers) {
    const { duckdbPeer } = await import('./duckdb.mjs');
    const { plainJsPeer } = await import('./plain-js.mjs');
    r.duckdb = await duckdbPeer({
      dir,
      model,
      runs: big ? 5 : 10,
      log: (m) => log(`  duckdb: ${m}`),
      engineTop: r.top,
    });
    r.plainJs = await plainJsPeer({
      dir,
      model,
      runs: big ? 5 : 10,
      log: (m) => log(`  plain js: ${m}`),
      engineTop: r.top,
    });
  }
  results.sizes[size] = r;
}

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(results, null, 2));
log(`\nwasm: figures in ${outFile}`);
