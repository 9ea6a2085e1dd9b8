#!/usr/bin/env node
// The table of docs/benchmarks.md from one `make bench` run: reads build/bench/{machine.txt,
// native.json, wasm.json, browser.json} (whichever exist), prints the table and writes it to
// build/bench/results.md. Each figure is beside its target and its peers from the same run.
//
//   node bench/report.mjs [--dir build/bench] [--sizes 100k,1M,10M]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { livePageTable } from './page-live.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const dir = resolve(ROOT, opt('--dir', 'build/bench'));
const sizes = opt('--sizes', '100k,1M,10M').split(',').filter(Boolean);
const readJson = (f) => (existsSync(join(dir, f)) ? JSON.parse(readFileSync(join(dir, f), 'utf8')) : null);

const machine = existsSync(join(dir, 'machine.txt'))
  ? Object.fromEntries(
      readFileSync(join(dir, 'machine.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const i = l.indexOf('=');
          return [l.slice(0, i), l.slice(i + 1)];
        }),
    )
  : {};
const wasm = readJson('wasm.json');
const browser = readJson('browser.json');

// Google Benchmark's JSON: name "what/size/..." -> the run.
const native = {};
for (const b of readJson('native.json')?.benchmarks ?? []) {
  const [what, size] = b.name.split('/');
  (native[size] ??= {})[what] = b;
}
const nat = (size, what) => native[size]?.[what];
const ms = (b) => {
  // a Google Benchmark run's time in ms
  const scale = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3 }[b.time_unit] ?? 1;
  return b.real_time * scale;
};

const fmt = (v, digits = 1) => (v == null || Number.isNaN(v) ? '–' : v.toFixed(digits));
const fmtMs = (v) => (v == null ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const ratio = (slow, fast) => (slow && fast ? `${(slow / fast).toFixed(slow / fast < 10 ? 1 : 0)}×` : '–');
const mark = (ok) => (ok == null ? '' : ok ? ' ✓' : ' ✗');

const lines = [];
const out = (s = '') => lines.push(s);
out(
  `Machine: ${machine.cpus ?? '?'} CPUs (${machine.cpu ?? '?'}), ${machine.mem_gb ?? '?'} GB; load at start ${machine.load ?? '?'}; ` +
    `Node ${machine.node ?? '?'}, ${machine.emcc ? 'em++ ' + machine.emcc : 'em++ ?'}, ${machine.chromium ?? 'chromium ?'}; ` +
    `commit ${machine.commit ?? '?'}, ${machine.date ?? ''}.`,
);
out();

for (const size of sizes) {
  const w = wasm?.sizes?.[size];
  const c = browser?.sizes?.[size];
  if (!w && !c && !native[size]) continue;
  const events = w?.events ?? c?.events ?? nat(size, 'memory')?.events;
  const bytes = w?.eventBytes ?? c?.eventBytes;
  out(
    `### ${size}: ${events ? events.toLocaleString('en-US') : '?'} events` +
      `${bytes ? `, ${(bytes / 1e6).toFixed(0)} MB JSONL` : ''}${w?.entities ? `, ${w.entities.toLocaleString('en-US')} accounts` : ''}`,
  );
  out();
  // The targets are for ~1M events; past that the table reports scale (cost should grow no faster
  // than the events), with no marks.
  const scale = (events ?? 0) > 2e6;
  const markAt = (ok) => (scale ? '' : mark(ok));
  out(
    '| Figure | Native | WASM, Node | WASM, Chromium | DuckDB (same run) | plain JS (same run) | Target' +
      (scale ? ' (at 1M)' : '') +
      ' |',
  );
  out('|---|---:|---:|---:|---:|---:|---|');

  // Re-rank after a change: median ms (the engine's setModel + score top 50; DuckDB: the model's
  // SQL query, LIMIT 50; plain JS: the whole re-score and top 50).
  const rer = (label, nativeName, key, peerKey, target) => {
    const n = nat(size, nativeName);
    const nm = n ? n.median_us / 1e3 : null;
    const wm = w?.[key]?.median,
      cm = c?.[key]?.median;
    const dd = peerKey ? w?.duckdb?.[peerKey]?.median : null;
    const pj = peerKey ? w?.plainJs?.[peerKey]?.median : null;
    const worst = Math.max(...[wm, cm].filter((v) => v != null));
    const ok = Number.isFinite(worst) ? worst <= target : null;
    const vsDuck = dd && wm ? ` (${ratio(dd, wm)} faster than DuckDB)` : '';
    out(
      `| ${label}, median ms | ${fmtMs(nm)} | ${fmtMs(wm)} | ${fmtMs(cm)} | ${fmtMs(dd)} | ${fmtMs(pj)} | ≤ ${target} ms${markAt(ok)}${vsDuck} |`,
    );
  };
  rer('Re-rank after a half-life change', 'rescore_half_life', 'halfLife', 'halfLife', 8);
  rer('Re-rank after a window change', 'rescore_window', 'window', null, 8);
  rer('Re-rank after a weight-only change', 'rescore_weight', 'weight', 'weight', 1);
  rer('Re-rank after a half-life patch (setModelValue)', 'rescore_half_life_patch', 'halfLifePatch', null, 2);
  rer('Re-rank after a weight-only patch (setModelValue)', 'rescore_weight_patch', 'weightPatch', null, 0.5);
  {
    // The playground's call: the patch and the list's window (engine.view, 72 rows, population figures).
    for (const [label, key, target] of [
      ['half-life', 'halfLifeView', 2],
      ['weight-only', 'weightView', 0.5],
    ]) {
      const wm = w?.[key]?.median,
        cm = c?.[key]?.median;
      if (wm == null && cm == null) continue;
      const worst = Math.max(...[wm, cm].filter((v) => v != null));
      out(
        `| The page's list after a ${label} patch (setModelValue + view of 72 rows), median ms | – | ${fmtMs(wm)} | ${fmtMs(cm)} | – | – | ≤ ${target} ms${markAt(worst <= target)} |`,
      );
    }
  }
  {
    const n = nat(size, 'append_1k');
    const nm = n ? n.median_us / 1e3 : null;
    const wm = w?.append1k?.median,
      cm = c?.append1k?.median;
    const worst = Math.max(...[wm, cm].filter((v) => v != null));
    out(
      `| Append 1,000 events + re-rank, median ms | ${fmtMs(nm)} | ${fmtMs(wm)} | ${fmtMs(cm)} | – | – | ≤ 16 ms${markAt(Number.isFinite(worst) ? worst <= 16 : null)} |`,
    );
  }

  {
    const n = nat(size, 'funnel_week');
    const nm = n ? n.median_us / 1e3 : null;
    const wm = w?.funnel?.median,
      cm = c?.funnel?.median;
    const worst = Math.max(...[wm, cm].filter((v) => v != null));
    out(
      `| Funnel by signup week (SPEC §7.8), median ms | ${fmtMs(nm)} | ${fmtMs(wm)} | ${fmtMs(cm)} | – | – | ≤ 2000 ms at 1M${markAt(Number.isFinite(worst) ? worst <= 2000 : null)} |`,
    );
  }

  // Ingest.
  {
    const n = nat(size, 'ingest_vs_ceiling');
    const nIngest = n?.ingest_MBps ?? nat(size, 'ingest_jsonl')?.bytes_per_second / 1e6;
    const nCeil = n?.ceiling_MBps ?? nat(size, 'sax_ceiling')?.bytes_per_second / 1e6;
    // Per-pair ratios where the run has them (each load next to a ceiling run).
    const wr = w?.ingestToCeiling ?? (w?.saxCeilingMBs ? w.ingestJsonlMBs / w.saxCeilingMBs : null);
    const cr = c?.ingestToCeiling ?? (c?.saxCeilingMBs ? c.ingestJsonlMBs / c.saxCeilingMBs : null);
    const nr = n?.ratio_wall ?? (nIngest && nCeil ? nIngest / nCeil : null);
    const pjMBs = w?.plainJs?.ingestMs && bytes ? bytes / 1e6 / (w.plainJs.ingestMs / 1e3) : null;
    const ddMBs = w?.duckdb?.loadMs && bytes ? bytes / 1e6 / (w.duckdb.loadMs / 1e3) : null;
    out(
      `| Ingest JSONL, MB/s | ${fmt(nIngest)} | ${fmt(w?.ingestJsonlMBs)} | ${fmt(c?.ingestJsonlMBs)} | ${ddMBs ? fmt(ddMBs) + '¹' : '–'} | ${fmt(pjMBs)} | |`,
    );
    out(
      `| JSON library ceiling (SAX, empty handler), MB/s | ${fmt(nCeil)} | ${fmt(w?.saxCeilingMBs)} | ${fmt(c?.saxCeilingMBs)} | | | |`,
    );
    const worst = Math.min(...[nr, wr, cr].filter((v) => v != null));
    out(
      `| Ingest ÷ ceiling | ${nr ? (100 * nr).toFixed(0) + '%' : '–'} | ${wr ? (100 * wr).toFixed(0) + '%' : '–'} | ${cr ? (100 * cr).toFixed(0) + '%' : '–'} | | | ≥ 70%${markAt(Number.isFinite(worst) ? worst >= 0.7 : null)} |`,
    );
    // Issue 14: vendor exports beside the flat JSON Lines row (native, same run).
    const mp = nat(size, 'ingest_mixpanel'),
      sg = nat(size, 'ingest_segment_gz');
    if (mp)
      out(
        `| Ingest Mixpanel export (JSONL, account_key), MB/s | ${fmt(mp.bytes_per_second / 1e6)} | | | | | ${fmt(mp.bytes_per_property_pair)} bytes per (event, property) pair (≤ 12 for the pairs) |`,
      );
    if (sg)
      out(
        `| Ingest gzipped Segment archive (decompressed MB/s, zlib + load in pieces) | ${fmt(sg.bytes_per_second / 1e6)} | | | | | ${fmt(sg.compressed_MB)} MB gz → ${fmt(sg.decompressed_MB)} MB |`,
      );
    const csvN = nat(size, 'ingest_csv')?.bytes_per_second / 1e6;
    out(
      `| Ingest CSV, MB/s | ${fmt(csvN)} | ${fmt(w?.ingestCsvMBs)} | | | | ≥ 150 natively${markAt(csvN ? csvN >= 150 : null)} |`,
    );
  }

  // Memory.
  {
    const nb = nat(size, 'memory')?.store_bytes_per_event;
    const wb = w?.bytesPerEventAfterLoad,
      cb = c?.bytesPerEventAfterLoad;
    const worst = Math.max(...[nb, wb, cb].filter((v) => v != null));
    out(
      `| Engine bytes per event after load | ${fmt(nb)} | ${fmt(wb)} | ${fmt(cb)} | | | ≤ 40${markAt(Number.isFinite(worst) ? worst <= 40 : null)} |`,
    );
    const mib = (v) => (v == null ? '–' : `${(v / 1048576).toFixed(0)} MiB`);
    out(
      `| WASM heap size after load and first rank | | ${mib(w?.heapSizeAfterRank)} | ${mib(c?.heapSizeAfterRank)} | | | report |`,
    );
    out(
      `| First rank after load (index build), ms | | ${fmtMs(w?.firstRankMs)} | ${fmtMs(c?.firstRankMs)} | | | report |`,
    );
  }
  const agree = [w?.duckdb?.agreement, w?.plainJs?.agreement].filter(Boolean);
  if (agree.length)
    out(
      `\nPeers' top 50 against the engine's: DuckDB ${w.duckdb?.agreement ? `${w.duckdb.agreement.sameRank}/${w.duckdb.agreement.of}` : '–'} ranks equal, ` +
        `plain JS ${w.plainJs?.agreement ? `${w.plainJs.agreement.sameRank}/${w.plainJs.agreement.of}` : '–'}.` +
        (w?.duckdb?.threads ? ` DuckDB ran with ${w.duckdb.threads} threads.` : ''),
    );
  if (c?.error) out(`\nChromium run failed: ${c.error}`);
  if (c?.streamed) out('\nIn Chromium this size was streamed from the server in 64 MiB blocks during the timed load.');
  out();
}

out(
  '¹ DuckDB load: `COPY` of the engine-exported CSV table into an in-memory table (not the JSONL), timed over the JSONL size for comparison.',
);
if (browser?.live) {
  out();
  out('### The playground (bench/page-live.mjs)');
  out();
  for (const l of livePageTable(browser.live)) out(l);
} else if (browser?.page) {
  const p = browser.page;
  out();
  out(
    `Playground, sample data: interactive ${p.interactiveMs.toFixed(0)} ms after navigation, median of ${p.runs} cold loads ` +
      `(min ${p.minMs.toFixed(0)}, max ${p.maxMs.toFixed(0)}); target ≤ 1000 ms${mark(p.interactiveMs <= 1000)}.`,
  );
}

const text = lines.join('\n') + '\n';
writeFileSync(join(dir, 'results.md'), text);
process.stdout.write('\n' + text);
console.log(`report: ${join(dir, 'results.md')}`);
