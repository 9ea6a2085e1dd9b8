// The in-browser half of bench/browser.mjs: the same measurements as bench/wasm.mjs, with the
// data fetched from the bench server and streamed into the engine in ~64 MiB blocks of whole
// lines (as a page reads a large File), so that 10M events never sit in the page at once.
import { createEngine } from '/build/wasm/pkg/index.js';
import createCeiling from '/build/bench/sax_ceiling.mjs';
import { measureEngine, lineBlocks } from './measure.mjs';

const logEl = document.getElementById('log');
const log = (m) => {
  logEl.textContent += m + '\n';
  console.log(m);
};

// Blocks of whole lines from a streamed response, each ~`size` bytes (copies of the stream's
// chunks: the page holds one block at a time).
async function* streamBlocks(url, size = 64 << 20) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const reader = res.body.getReader();
  let buf = new Uint8Array(size + (4 << 20)),
    used = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let off = 0;
    while (off < value.length) {
      if (used === buf.length) {
        // a line longer than the block: grow
        const b = new Uint8Array(buf.length * 2);
        b.set(buf);
        buf = b;
      }
      const n = Math.min(value.length - off, buf.length - used);
      buf.set(value.subarray(off, off + n), used);
      used += n;
      off += n;
      if (used >= size) {
        const nl = buf.lastIndexOf(10, used - 1);
        if (nl >= 0) {
          yield buf.subarray(0, nl + 1);
          const rest = buf.slice(nl + 1, used);
          buf = new Uint8Array(size + (4 << 20));
          buf.set(rest);
          used = rest.length;
        }
      }
    }
  }
  if (used) yield buf.subarray(0, used);
}

async function firstBlock(url) {
  for await (const b of streamBlocks(url, 4 << 20)) return [b];
  return [];
}

window.runBench = async (size, { runs = 30, loadRuns = 3, ceiling = true } = {}) => {
  const base = `/build/bench-data/${size}`;
  const eventBytes = Number((await fetch(`${base}/events.jsonl`, { method: 'HEAD' })).headers.get('content-length'));
  const accounts = new Uint8Array(await (await fetch(`${base}/accounts.jsonl`)).arrayBuffer());
  const model = await (await fetch(`${base}/model.json`)).json();
  let ceil = null,
    ceilWarm = null,
    parseBlock = null;
  if (ceiling) {
    const mod = await createCeiling();
    const parse = (parseBlock = (block) => {
      const ptr = mod._malloc(block.length) >>> 0;
      mod.HEAPU8.set(block, ptr);
      const lines = mod._sax_ceiling(ptr, block.length);
      mod._free(ptr);
      return lines;
    });
    ceilWarm = async () => {
      for (const b of await firstBlock(`${base}/events.jsonl`)) parse(b);
    };
    ceil = async () => {
      let lines = 0;
      for await (const b of streamBlocks(`${base}/events.jsonl`)) lines += parse(b);
      return lines;
    };
  }
  // Up to 1M events the text is fetched once and the timed loads read it from memory (the
  // engine's work alone); 10M is streamed from the server during the timed load.
  let text = null;
  if (eventBytes < 1e9) text = new Uint8Array(await (await fetch(`${base}/events.jsonl`)).arrayBuffer());
  const inMemory = function* () {
    yield* lineBlocks(text);
  };
  if (text && ceil)
    ceil = async () => {
      let lines = 0;
      for (const b of lineBlocks(text, 256 << 20)) lines += parseBlock(b);
      return lines;
    };
  const r = await measureEngine({
    createEngine,
    events: async () => (text ? inMemory() : streamBlocks(`${base}/events.jsonl`)),
    warmup: async () => firstBlock(`${base}/events.jsonl`),
    eventBytes,
    accounts,
    model,
    ceiling: ceil,
    ceilingWarmup: ceilWarm,
    runs,
    loadRuns,
    log,
  });
  r.eventBytes = eventBytes;
  r.streamed = !text;
  r.userAgent = navigator.userAgent;
  return r;
};
window.benchReady = true;
