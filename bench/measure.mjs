// The WASM engine's measurements, shared by Node (bench/wasm.mjs) and Chromium
// (bench/browser.html driven by bench/browser.mjs): same code, same data, same figures.
//
// measureEngine({createEngine, events, accounts, model, csv?, ceiling?, runs, log}) where
//   events   async () => chunks: an async iterable of Uint8Array blocks of whole lines (a file
//            read in ~64 MiB pieces, as a page reads a File); the engine loads each in turn.
//   ceiling  optional (bytes: Uint8Array) => lines: nlohmann's SAX loop with an empty handler,
//            compiled alone to WASM (bench/sax_ceiling.cpp): the JSON library's own ceiling.
// Returns plain numbers (milliseconds, bytes) so that the caller can print and compare them.

const now = () => performance.now();
// Process CPU time in ms where the host has it (Node); the machine the figures come from is
// shared, so the report gives CPU time beside wall time.
let cpuNow = null;
export function setCpuClock(fn) {
  cpuNow = fn;
}

// Times fn() `runs` times after untimed calls: at least `warm` of them and for at least
// WARM_MS (V8 runs WASM on its baseline compiler first and swaps in optimised code once a
// background compile finishes, which on this 2-core machine takes longer in Chromium than 30
// calls: warm figures are the steady state of a slider being dragged for a second).
const WARM_MS = 1500;
function timed(runs, warm, fn, maxWarm = Infinity) {
  const wall = [],
    cpu = [];
  const until = now() + WARM_MS;
  let calls = 0;
  while ((calls < warm || now() < until) && calls < maxWarm) fn(calls++);
  warm = calls;
  for (let i = 0; i < runs; i++) {
    const c0 = cpuNow?.(),
      t0 = now();
    fn(i + warm);
    wall.push(now() - t0);
    if (cpuNow) cpu.push(cpuNow() - c0);
  }
  return { median: median(wall), p95: p95(wall), cpuMedian: cpuNow ? median(cpu) : null, runs };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

export function p95(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] : NaN;
}

// The model with one setting replaced (path: list of keys).
export function modelWith(model, path, value) {
  const m = structuredClone(model);
  let o = m;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]] = value;
  return m;
}

// Splits bytes into blocks of whole lines of about `size` bytes (views, no copies).
export function* lineBlocks(bytes, size = 64 << 20) {
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + size);
    if (end < bytes.length) {
      const nl = bytes.lastIndexOf(10, end - 1);
      end = nl >= start ? nl + 1 : bytes.length;
    }
    yield bytes.subarray(start, end);
    start = end;
  }
}

// 1,000 new events: existing accounts and users, timestamps just after `afterMs`, fresh ids.
export function appendBatch(rows, afterMs, batch) {
  let t = afterMs;
  let text = '';
  for (let i = 0; i < 1000; i++) {
    const r = rows[(i * 7919 + batch * 104729) % rows.length];
    t += 1;
    text +=
      `{"id":"bench_${batch}_${i}","timestamp":"${new Date(t).toISOString()}","account_id":"${r.account_id}",` +
      `"user_id":"${r.user_id}","event":"${r.event}","properties":{}}\n`;
  }
  return { text, last: t };
}

async function loadAll(engine, chunks, format = 'jsonl') {
  let loaded = 0;
  for await (const block of chunks) loaded += engine.loadEvents(block, { format }).loaded;
  return loaded;
}

// Alternates two models and re-ranks the top 50 each time: setModel + score({limit: 50}).
function rerank(engine, a, b, runs) {
  engine.setModel(a);
  engine.score({ offset: 0, limit: 50 });
  return timed(runs, 30, (i) => {
    engine.setModel(i % 2 ? a : b);
    const page = engine.score({ offset: 0, limit: 50 });
    if (page.results.length === 0) throw new Error('empty ranking');
  });
}

// The patch path: alternates one setting between two values with setModelValue (no re-read
// of the whole model) and re-ranks the top 50 each time.
function rerankPatch(engine, model, path, a, b, runs) {
  engine.setModel(model);
  engine.score({ offset: 0, limit: 50 });
  return timed(runs, 30, (i) => {
    engine.setModelValue(path, i % 2 ? a : b);
    const page = engine.score({ offset: 0, limit: 50 });
    if (page.results.length === 0) throw new Error('empty ranking');
  });
}

// The playground's own call: the patch, then the list's window of 72 rows with its population
// figures (engine.view: filters and sort in the engine, customers left out).
function rerankView(engine, model, path, a, b, runs) {
  engine.setModel(model);
  engine.view({ limit: 72 });
  return timed(runs, 30, (i) => {
    engine.setModelValue(path, i % 2 ? a : b);
    const v = engine.view({ limit: 72 });
    if (v.results.length === 0 && v.shown > 0) throw new Error('empty view');
  });
}

export async function measureEngine({
  createEngine,
  events,
  warmup,
  accounts,
  model,
  csv,
  ceiling,
  ceilingWarmup,
  ceilingBytes,
  runs = 30,
  loadRuns = 3,
  eventBytes,
  log = () => {},
}) {
  const out = {};
  // Ingest: a fresh engine per run (heap growth from the first run is reused by later ones).
  // The ceiling runs right after each load, so that both see the same machine: the ratio is
  // taken per pair and its median reported (the shared machine's speed drifts between runs).
  const ingest = [],
    ceil = [],
    ratios = [];
  let engine;
  if (warmup) {
    // the first few MB once, so that the timed loads run tiered-up code
    const w = await createEngine();
    for await (const block of await warmup()) w.loadEvents(block, { format: 'jsonl' });
    w.delete();
  }
  if (ceiling && ceilingWarmup) await ceilingWarmup();
  for (let r = 0; r < loadRuns; r++) {
    engine?.delete();
    engine = await createEngine();
    const heap0 = engine.memoryUsage().heapUsed;
    const t0 = now();
    out.events = await loadAll(engine, await events());
    ingest.push(now() - t0);
    out.heapUsedByStore = engine.memoryUsage().heapUsed - heap0;
    if (ceiling) {
      const t1 = now();
      const lines = await ceiling();
      ceil.push(now() - t1);
      if (!lines) throw new Error('ceiling parsed nothing');
      ratios.push(ceil[r] / ingest[r]);
    }
  }
  out.ingestJsonlMs = median(ingest);
  out.ingestJsonlMBs = eventBytes / 1e6 / (out.ingestJsonlMs / 1e3);
  log(`ingest jsonl ${out.ingestJsonlMs.toFixed(0)} ms (${out.ingestJsonlMBs.toFixed(1)} MB/s)`);
  out.bytesPerEventAfterLoad = out.heapUsedByStore / out.events;
  out.heapSizeAfterLoad = engine.memoryUsage().heapSize;
  if (ceiling) {
    out.saxCeilingMs = median(ceil);
    out.saxCeilingMBs = (ceilingBytes ?? eventBytes) / 1e6 / (out.saxCeilingMs / 1e3);
    out.ingestToCeiling = median(ratios); // per-pair ratio (time of the ceiling / time of the load)
    log(
      `sax ceiling ${out.saxCeilingMs.toFixed(0)} ms (${out.saxCeilingMBs.toFixed(1)} MB/s); ` +
        `load at ${(100 * out.ingestToCeiling).toFixed(0)}% of it (median of ${ratios.length} pairs)`,
    );
  }

  engine.loadAccounts(accounts, { format: 'jsonl' });
  engine.setModel(model);
  let t0 = now();
  const first = engine.score({ offset: 0, limit: 50 });
  out.firstRankMs = now() - t0;
  out.entities = first.entities;
  out.top = first.results.map((r) => [r.id, r.score]);
  const mem = engine.memoryUsage();
  out.heapUsedAfterRank = mem.heapUsed;
  out.heapSizeAfterRank = mem.heapSize;
  log(
    `first rank ${out.firstRankMs.toFixed(1)} ms, ${out.entities} entities, heap ${(mem.heapSize / 1048576).toFixed(0)} MiB`,
  );

  const hl = model.engagement?.half_life_days ?? 14;
  out.halfLife = rerank(engine, model, modelWith(model, ['engagement', 'half_life_days'], hl === 21 ? 14 : 21), runs);
  const win = model.window_days ?? 90;
  out.window = rerank(engine, model, modelWith(model, ['window_days'], win === 60 ? 90 : 60), runs);
  const w = model.engagement.events.report_created.weight;
  out.weight = rerank(
    engine,
    model,
    modelWith(model, ['engagement', 'events', 'report_created', 'weight'], w + 1),
    runs,
  );
  if (typeof engine.setModelValue === 'function') {
    out.halfLifePatch = rerankPatch(engine, model, ['engagement', 'half_life_days'], hl, hl === 21 ? 14 : 21, runs);
    out.weightPatch = rerankPatch(engine, model, ['engagement', 'events', 'report_created', 'weight'], w, w + 1, runs);
    log(
      `re-rank by patch (setModelValue): half-life ${out.halfLifePatch.median.toFixed(2)} ms, weight ${out.weightPatch.median.toFixed(2)} ms`,
    );
  }
  if (typeof engine.view === 'function') {
    out.halfLifeView = rerankView(engine, model, ['engagement', 'half_life_days'], hl, hl === 21 ? 14 : 21, runs);
    out.weightView = rerankView(engine, model, ['engagement', 'events', 'report_created', 'weight'], w, w + 1, runs);
    log(
      `the page's list (patch + view of 72 rows): half-life ${out.halfLifeView.median.toFixed(2)} ms, weight ${out.weightView.median.toFixed(2)} ms`,
    );
  }
  engine.setModel(model);
  out.top50 = timed(runs, 30, () => engine.score({ offset: 0, limit: 50 }));
  log(
    `re-rank: half-life ${out.halfLife.median.toFixed(2)} ms, window ${out.window.median.toFixed(2)} ms, ` +
      `weight ${out.weight.median.toFixed(2)} ms, unchanged ${out.top50.median.toFixed(2)} ms`,
  );

  // The lifecycle funnel by week (SPEC §7.8), on the loaded data.
  out.funnel = timed(3, 1, () => engine.funnel({ cohort: 'week' }), 1);
  log(`funnel by week ${out.funnel.median.toFixed(1)} ms`);

  // Append 1k + re-rank. The as_of is "the latest event", so it moves with every batch.
  {
    const rows = first.results
      .slice(0, 50)
      .map((r) => ({ account_id: r.id, user_id: `u_${r.id.slice(5)}_1`, event: 'report_created' }));
    let last = Date.parse(first.as_of); // the latest event (the model has no as_of)
    const appendRuns = Math.max(5, Math.min(runs, 20));
    // Each batch's text is made before its timed call (the text is the caller's input).
    const batches = [];
    const warmBatches = 100; // up to this many untimed appends first (see timed)
    for (let b = 0; b < appendRuns + warmBatches; b++) {
      const batch = appendBatch(rows, last, b);
      last = batch.last;
      batches.push(batch.text);
    }
    out.append1k = timed(
      appendRuns,
      3,
      (i) => {
        if (i >= batches.length) throw new Error('append: out of batches');
        const rep = engine.loadEvents(batches[i], { format: 'jsonl' });
        const page = engine.score({ offset: 0, limit: 50 });
        if (rep.loaded !== 1000 || !page.results.length) throw new Error(`append failed: ${JSON.stringify(rep)}`);
      },
      warmBatches,
    );
    log(`append 1k + re-rank ${out.append1k.median.toFixed(2)} ms`);
  }

  if (csv) {
    const times = [];
    let bytes = 0;
    for (let r = 0; r < loadRuns; r++) {
      const e2 = await createEngine();
      t0 = now();
      bytes = 0;
      for await (const block of await csv()) {
        bytes += block.length;
        e2.loadEvents(block, { format: 'csv' });
      }
      times.push(now() - t0);
      e2.delete();
    }
    out.ingestCsvMs = median(times);
    out.ingestCsvMBs = bytes / 1e6 / (out.ingestCsvMs / 1e3);
    log(`ingest csv ${out.ingestCsvMs.toFixed(0)} ms (${out.ingestCsvMBs.toFixed(1)} MB/s)`);
  }
  engine.delete();
  return out;
}
