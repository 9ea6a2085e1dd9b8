// The playground's own speed (issue #17): from an input event on a control to the ranking DOM
// changing, for every kind of edit, beside the engine-only time of the same change; a slider
// drag; the first usable ranking after navigation. Run by bench/browser.mjs (part `page`) on the
// sample in build/web, headless Chromium at 1440×900.
//
// The timing is taken in the page: performance.now() just before the control's event is
// dispatched, and again in a MutationObserver callback when the ranking's `data-revision`
// changes (delivered after the task that changed it, so the charts drawn in that task count).
// The engine-only figure is the worker's own `data-engine-ms` for the same change (setModel +
// score), so the page's overhead is the difference.
import { median, p95 } from './measure.mjs';

export const VIEWPORT = { width: 1440, height: 900 };

// Installed in every page before its scripts run: the probes the bench drives.
function probes() {
  const q = (sel) => {
    const el = document.querySelector(sel);
    if (!el) throw new Error(`no element ${sel}`);
    return el;
  };
  const rankingEl = () => document.querySelector('[data-testid="ranking"]');
  const fire = (el, kind, value) => {
    if (kind === 'click') {
      el.click();
      return;
    }
    el.value = String(value);
    el.dispatchEvent(new Event(kind, { bubbles: true }));
  };
  // Long main-thread tasks, kept from the start (the drag reads the ones in its window).
  window.__longTasks = [];
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    /* no longtask timing: the figure is reported as missing */
  }

  window.__pqlBench = {
    // Nothing pending: the ranking and (when asked) an analysis panel are idle.
    idle(panel) {
      const r = rankingEl();
      const p = panel ? document.querySelector(`[data-testid="${panel}"]`) : null;
      return !!r && r.dataset.revision !== '0' && r.dataset.busy === 'false' && (!p || p.dataset.busy === 'false');
    },
    // One edit: dispatches `kind` ('input' | 'change' | 'click') on `sel` with `value` and
    // resolves with the times to the ranking's next revision and (with `panel`) to that
    // panel's next revision (its figures) and to its idle state.
    edit(sel, kind, value, panel) {
      return new Promise((resolve, reject) => {
        const el = q(sel);
        // Of the two states, the one the control is not in: every trial is a real change.
        if (Array.isArray(value)) value = value.find((v) => String(v) !== el.value) ?? value[0];
        const r = rankingEl();
        const p = panel ? q(`[data-testid="${panel}"]`) : null;
        const rev0 = r.dataset.revision,
          prev0 = p?.dataset.revision;
        const out = { rankMs: null, engineMs: null, figuresMs: null, panelDoneMs: null, panelEngineMs: null };
        let t0 = 0;
        const timer = setTimeout(() => {
          mo.disconnect();
          reject(new Error(`timeout after ${sel} ${kind} ${value}`));
        }, 30_000);
        const check = () => {
          const t = performance.now() - t0;
          if (out.rankMs === null && r.dataset.revision !== rev0) {
            out.rankMs = t;
            out.engineMs = Number(r.dataset.engineMs);
          }
          if (p && out.figuresMs === null && p.dataset.revision !== prev0) out.figuresMs = t;
          if (p && out.figuresMs !== null && out.panelDoneMs === null && p.dataset.busy === 'false') {
            out.panelDoneMs = t;
            out.panelEngineMs = Number(p.dataset.engineMs);
          }
          if (out.rankMs !== null && r.dataset.busy === 'false' && (!p || out.panelDoneMs !== null)) {
            clearTimeout(timer);
            mo.disconnect();
            resolve(out);
          }
        };
        const mo = new MutationObserver(check);
        mo.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-revision', 'data-busy'] });
        t0 = performance.now();
        fire(el, kind, value);
      });
    },
    // A drag: `values.length` input events on `sel`, `gap` ms apart (timers: a busy main thread
    // delays them, as it delays a real pointer's events). Resolves with when the last one was
    // delivered, the longest main-thread task in the drag, and the time from the last input to
    // the ranking that answers it.
    drag(sel, values, gap) {
      return new Promise((resolve, reject) => {
        const el = q(sel);
        const r = rankingEl();
        const t0 = performance.now();
        const sent = [];
        let lastAt = null,
          revAtLast = null;
        const timer = setTimeout(() => {
          mo.disconnect();
          reject(new Error('drag: timeout'));
        }, 60_000);
        const finish = () => {
          const end = performance.now();
          const tasks = window.__longTasks.filter((x) => x.start + x.ms >= t0 && x.start <= end);
          clearTimeout(timer);
          mo.disconnect();
          resolve({
            deliveredMs: lastAt - t0,
            lastRedrawMs: end - lastAt,
            longestTaskMs: tasks.length ? Math.max(...tasks.map((x) => x.ms)) : 0,
            longTasks: tasks.length,
            engineMs: Number(r.dataset.engineMs),
            lateness: Math.max(...sent.map((s, i) => s - (t0 + gap * i))),
          });
        };
        // Done when a ranking arrives after the last input and nothing is pending.
        const mo = new MutationObserver(() => {
          if (lastAt !== null && r.dataset.revision !== revAtLast && r.dataset.busy === 'false') finish();
        });
        mo.observe(r, { attributes: true, attributeFilter: ['data-revision', 'data-busy'] });
        values.forEach((v, i) =>
          setTimeout(() => {
            fire(el, 'input', v);
            sent.push(performance.now());
            if (i === values.length - 1) {
              lastAt = performance.now();
              revAtLast = r.dataset.revision;
            }
          }, gap * i),
        );
      });
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitIdle(page, panel) {
  await page.waitForFunction((p) => window.__pqlBench?.idle(p), panel ?? null, { timeout: 60_000 });
  await sleep(60); // let trailing debounced work (history, hash) run outside the timed window
}

// The edits: each alternates between two states, so that every trial is a real change.
// `sel` may be a function of the page (a step's remove button is the last one).
const SIMPLE = [
  { name: 'threshold', sel: '[data-testid="threshold"]', kind: 'input', values: [61.5, 60] },
  { name: 'half-life', sel: '[data-testid="half-life"]', kind: 'input', values: [21, 14] },
  { name: 'event weight', sel: '[data-key="ev.report_created.weight"]', kind: 'input', values: [3, 2] },
  { name: 'component weight', sel: '[data-key="weights.engagement#range"]', kind: 'input', values: [56, 55] },
  { name: 'fit points', sel: '[data-key="fit.0.points"]', kind: 'input', values: [36, 35] },
  { name: 'step min_count', sel: '[data-key="step.1.min_count"]', kind: 'input', values: [4, 3] },
];
const STRUCTURAL = [
  {
    name: 'decay shape',
    structural: true,
    sel: '[data-key="engagement.decay"]',
    kind: 'change',
    values: ['linear', 'exponential'],
  },
  { name: 'fit operator', structural: true, sel: '[data-key="fit.4.op"]', kind: 'change', values: ['lte', 'lt'] },
  { name: 'add/remove step', structural: true, kind: 'click', steps: true },
];

async function trials(page, edit, runs, panel) {
  const rank = [],
    engine = [],
    figures = [],
    done = [],
    panelEngine = [];
  for (let i = 0; i < runs; i++) {
    await waitIdle(page, panel);
    let sel = edit.sel;
    const value = edit.values ?? null;
    if (edit.steps) {
      // add on even trials, remove the added (last) step on odd ones
      const n = await page.$$eval('[data-key^="step."][data-key$=".remove"]', (els) => els.length);
      sel = i % 2 === 0 ? '[data-key="step.add"]' : `[data-key="step.${n - 1}.remove"]`;
    }
    const r = await page.evaluate(
      ([s, k, v, p]) => window.__pqlBench.edit(s, k, v, p),
      [sel, edit.kind, value, panel ?? null],
    );
    rank.push(r.rankMs);
    engine.push(r.engineMs);
    if (panel) {
      figures.push(r.figuresMs);
      done.push(r.panelDoneMs);
      panelEngine.push(r.panelEngineMs);
    }
  }
  const row = {
    name: edit.name,
    structural: !!edit.structural,
    runs,
    median: median(rank),
    p95: p95(rank),
    engineMedian: median(engine),
  };
  if (panel)
    Object.assign(row, {
      figuresMedian: median(figures),
      figuresP95: p95(figures),
      panelDoneMedian: median(done),
      panelEngineMedian: median(panelEngine),
    });
  return row;
}

async function openPage(browser, origin, init) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(probes);
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  return { context, page, url: `${origin}/play/` };
}

/** The page section: returns { edits: {why, backtest, compare}, drag, firstLoad } (ms). */
export async function measureLive(browser, origin, { runs = 15, dragRuns = 3, loads = 7, log = console.log } = {}) {
  const out = { viewport: VIEWPORT, runs, edits: {}, drag: null, firstLoad: null };
  const { context, page, url } = await openPage(browser, origin);
  page.on('pageerror', (e) => log(`  page error: ${e.message}`));
  await page.goto(url);
  await waitIdle(page);
  // The Why tab showing an entity (the top row) for every edit.
  await page.click('[data-testid="ranking-row"]');
  await waitIdle(page);
  await sleep(300);
  const say = (ctx, r) =>
    log(
      `  ${ctx.padEnd(9)} ${r.name.padEnd(17)} ${r.median.toFixed(1).padStart(6)} ms median, p95 ${r.p95.toFixed(1).padStart(6)}` +
        ` (engine ${r.engineMedian.toFixed(1)} ms)${r.figuresMedian != null ? `; figures ${r.figuresMedian.toFixed(0)} ms, all done ${r.panelDoneMedian.toFixed(0)} ms (engine ${r.panelEngineMedian.toFixed(1)} ms)` : ''}`,
    );
  out.edits.why = [];
  for (const e of [...SIMPLE, ...STRUCTURAL]) {
    const r = await trials(page, e, runs, null);
    out.edits.why.push(r);
    say('why', r);
  }

  // Drag: the half-life slider, 20 inputs 16 ms apart (and the threshold's).
  out.drag = [];
  for (const d of [
    { name: 'half-life', sel: '[data-testid="half-life"]', from: 10 },
    { name: 'threshold', sel: '[data-testid="threshold"]', from: 50 },
  ]) {
    const rs = [];
    for (let i = 0; i < dragRuns; i++) {
      await waitIdle(page);
      const values = Array.from({ length: 20 }, (_, k) => d.from + (i % 2 ? 19 - k : k) * 0.5);
      rs.push(await page.evaluate(([s, v]) => window.__pqlBench.drag(s, v, 16), [d.sel, values]));
    }
    const row = {
      name: d.name,
      runs: dragRuns,
      deliveredMs: median(rs.map((x) => x.deliveredMs)),
      longestTaskMs: Math.max(...rs.map((x) => x.longestTaskMs)),
      lastRedrawMs: median(rs.map((x) => x.lastRedrawMs)),
      engineMs: median(rs.map((x) => x.engineMs)),
    };
    out.drag.push(row);
    log(
      `  drag ${d.name}: 20 inputs delivered in ${row.deliveredMs.toFixed(0)} ms, longest task ${row.longestTaskMs.toFixed(0)} ms, ` +
        `last redraw ${row.lastRedrawMs.toFixed(0)} ms after the last input (engine ${row.engineMs.toFixed(1)} ms), median of ${dragRuns}`,
    );
  }

  // With the Backtest tab, then the A/B tab, open.
  const analysisEdits = [SIMPLE[0], SIMPLE[1], SIMPLE[2], STRUCTURAL[1]];
  await page.click('[data-testid="tab-backtest"]');
  await waitIdle(page, 'backtest');
  out.edits.backtest = [];
  for (const e of analysisEdits) {
    const r = await trials(page, e, Math.max(5, Math.round(runs / 2)), 'backtest');
    out.edits.backtest.push(r);
    say('backtest', r);
  }
  await page.click('[data-testid="tab-compare"]');
  await page.click('[data-testid="pin"]');
  await waitIdle(page, 'compare');
  out.edits.compare = [];
  for (const e of analysisEdits) {
    const r = await trials(page, e, Math.max(5, Math.round(runs / 2)), 'compare');
    out.edits.compare.push(r);
    say('A/B', r);
  }
  await context.close();

  // First usable ranking after navigation: cold contexts; beside it, the engine alone loading
  // the same files and ranking them in a page (bench/browser.html) of the same browser.
  const times = [];
  for (let i = 0; i < loads; i++) {
    const init = () => {
      new MutationObserver(() => {
        const r = document.querySelector('[data-testid="ranking"]');
        if (r && r.dataset.revision !== '0' && r.dataset.busy === 'false' && !window.__pqlInteractive)
          window.__pqlInteractive = performance.now();
      }).observe(document, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-revision', 'data-busy'],
      });
    };
    const o = await openPage(browser, origin, init);
    await o.page.goto(o.url, { waitUntil: 'commit' });
    await o.page.waitForFunction(() => window.__pqlInteractive, null, { timeout: 60_000 });
    times.push(await o.page.evaluate(() => window.__pqlInteractive));
    await o.context.close();
  }
  const eng = [];
  for (let i = 0; i < Math.min(loads, 3); i++) {
    const context = await browser.newContext();
    const page2 = await context.newPage();
    await page2.goto(`${origin}/bench/browser.html`);
    eng.push(
      await page2.evaluate(async () => {
        const t0 = performance.now();
        const { createEngine } = await import('/build/wasm/pkg/index.js');
        const [ev, ac, model] = await Promise.all(
          ['events.csv', 'accounts.jsonl', 'model.json'].map((f) =>
            fetch(`/build/web/sample/${f}`).then((r) => r.arrayBuffer()),
          ),
        );
        const e = await createEngine();
        e.loadEvents(new Uint8Array(ev), { format: 'auto', strict: false });
        e.loadAccounts(new Uint8Array(ac), { format: 'auto', strict: false });
        e.setModel(new TextDecoder().decode(model));
        e.score({ offset: 0 });
        return performance.now() - t0;
      }),
    );
    await context.close();
  }
  out.firstLoad = {
    medianMs: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    runs: times.length,
    engineMs: median(eng),
  };
  log(
    `  first usable ranking: ${out.firstLoad.medianMs.toFixed(0)} ms median of ${loads} cold loads (min ${out.firstLoad.minMs.toFixed(0)}, ` +
      `max ${out.firstLoad.maxMs.toFixed(0)}); the engine alone fetching, compiling, loading and ranking: ${out.firstLoad.engineMs.toFixed(0)} ms`,
  );
  return out;
}

// The report's page section (markdown lines), each figure beside its engine-only time and target.
export function livePageTable(live) {
  const L = [];
  const f = (v, d = 1) => (v == null || Number.isNaN(v) ? '–' : v.toFixed(d));
  const ok = (v, t) => (v == null || Number.isNaN(v) ? '' : v <= t ? ' ✓' : ` ✗ (+${(v - t).toFixed(0)} ms)`);
  L.push(
    `Playground on the sample, headless Chromium ${live.viewport.width}×${live.viewport.height}, input event → ranking DOM changed ` +
      `(\`data-revision\`), ${live.runs} trials per edit (the machine is shared: figures are noisy).`,
  );
  L.push('');
  L.push(
    '| Edit | Open tab | Page median ms | Page p95 ms | Engine-only ms | Page overhead ms | Analysis figures ms (engine) | Target |',
  );
  L.push('|---|---|---:|---:|---:|---:|---:|---|');
  for (const [tab, rows] of Object.entries(live.edits)) {
    for (const r of rows) {
      const t = r.structural ? 33 : 16;
      const fig =
        r.figuresMedian != null
          ? `${f(r.figuresMedian, 0)} (${f(r.panelEngineMedian)})${ok(r.figuresMedian, 150)}`
          : '';
      L.push(
        `| ${r.name} | ${tab === 'why' ? 'Why' : tab === 'backtest' ? 'Backtest' : 'A/B'} | ${f(r.median)} | ${f(r.p95)} | ${f(r.engineMedian, 2)} | ` +
          `${f(r.median - r.engineMedian)} | ${fig} | median ≤ ${t}${ok(r.median, t)}${r.structural ? '' : `, p95 ≤ 33${ok(r.p95, 33)}`} |`,
      );
    }
  }
  L.push('');
  if (live.drag?.length) {
    L.push(
      '| Drag (20 `input` events 16 ms apart) | All delivered ms | Longest main-thread task ms | Last redraw after last input ms | Engine-only ms |',
    );
    L.push('|---|---:|---:|---:|---:|');
    for (const d of live.drag) {
      L.push(
        `| ${d.name} | ${f(d.deliveredMs, 0)}${ok(d.deliveredMs, 400)} | ${f(d.longestTaskMs, 0)}${ok(d.longestTaskMs, 50)} | ` +
          `${f(d.lastRedrawMs, 0)}${ok(d.lastRedrawMs, 33)} | ${f(d.engineMs, 2)} |`,
      );
    }
    L.push('');
  }
  if (live.firstLoad) {
    const fl = live.firstLoad;
    L.push(
      `First usable ranking after navigation: ${f(fl.medianMs, 0)} ms median of ${fl.runs} cold loads (min ${f(fl.minMs, 0)}, max ${f(fl.maxMs, 0)}); ` +
        `target ≤ 1000 ms${ok(fl.medianMs, 1000)}. The engine alone (fetch, compile, load the sample, rank) in the same browser: ${f(fl.engineMs, 0)} ms.`,
    );
  }
  return L;
}
