// The pql playground: wires the data panel, the model controls, the model JSON, the live
// ranking, the population views, the explanation and the analysis tabs (backtest, A/B
// compare, SQL) to the scoring worker.
import { BacktestPanel, type ModelView } from './backtest';
import { SAMPLE, boot } from './boot';
import { EngineClient, type AnalysisResult, type LoadResult, type ScoreOk } from './client';
import { ComparePanel } from './compare';
import { LifecyclePanel } from './lifecycle';
import { ModelControls, TIER_COLORS } from './controls';
import { CrmExport } from './crmexport';
import { $, h, setBusy, setTiming } from './dom';
import { DataPanel } from './data';
import { ExplainPanel, type ModelInfo } from './explain';
import { ModelJsonPanel, download, readHash, writeHash } from './modeljson';
import { PopulationView } from './population';
import type { AnalysisRequest, CanonicalModel, Catalog, Kind, Schema, View } from './protocol';
import { RankingView } from './ranking';
import { SqlPanel } from './sqlpanel';
import { clone, debounce, isObject, jsonOf, type JsonObject } from './util';
import { perFrame, whenIdle } from './frame';
import { StartStrip, statusLine } from './guide';
import { EditHistory } from './history';
import { addHelp, drawer, editBar, versionsBar, type LiveHost } from './live';
import { numericPatch } from './modelpatch';
import { ImportPanel } from './importpanel';
import { fitsAsIs, parseHead, shapeOf, type ImportOptions } from './importer';
import { guessConversion, modelFit, startModel } from './modelfit';
import './styles.css';
import './layout.css';
import './modelpage.css';

type Source =
  'init' | 'url' | 'json' | 'import' | 'reset' | 'controls' | 'structure' | 'data' | 'fallback' | 'history' | 'version';
// The edits a user makes (recorded for undo; the first one hides the start-here strip).
const USER_EDITS: ReadonlySet<Source> = new Set(['json', 'import', 'reset', 'controls', 'structure', 'version']);
type Tab = 'explain' | 'backtest' | 'compare' | 'lifecycle' | 'sql';

// boot.ts (the page's entry) started the worker and the sample's download.
const samplePrefetch = boot.sample;
const HISTORY_POINTS = 14; // weekly re-scores over the last 13 weeks (91 days)
const HISTORY_STEP_DAYS = 7;

const state = {
  model: {} as JsonObject, // the user's model (what the JSON shows)
  modelText: '{}',
  lastGood: null as string | null, // the last model text that scored
  // The engine's model with every default (before the first ranking: the schema's default model).
  normalized: null as CanonicalModel | null,
  schema: null as Schema | null,
  sampleModel: {} as JsonObject,
  run: null as View | null, // the list's last view (a window of rows, the population)
  catalog: { events: [], traits: [], first: null, last: null } as Catalog,
  selected: null as string | null,
  lastHash: '',
  fallbackTried: false,
  tab: 'explain' as Tab,
  inputAt: 0, // when the model last changed (input → analysis shown)
  pinned: null as { text: string; model: JsonObject; at: string } | null, // model A of compare mode
  jsonStale: false,
  firstShown: false, // the model JSON panel is behind state.model (a slider)
};

const client = new EngineClient(boot);
const ranking = new RankingView(
  (id) => {
    select(id);
    if (id !== null) showTab('explain');
  },
  () => client.setView(ranking.options()),
);
const population = new PopulationView((f) => ranking.setFilter({ ...ranking.filter, ...f }));
const explainPanel = new ExplainPanel();
const data = new DataPanel((kind, file, append) => queueFile(kind, file, append));
const importPanel = new ImportPanel({ dryRun: (kind, text, options) => client.dryRun(kind, text, options) });
const controls = new ModelControls({
  model: () => state.model,
  normalized: () => state.normalized,
  schema: () => state.schema,
  catalog: () => state.catalog,
  dataRange: () => dataRange(),
  change: (fn, rebuild) => {
    const m = clone(state.model);
    fn(m);
    applyModel(m, rebuild ? 'structure' : 'controls');
  },
});
const backtest = new BacktestPanel({
  select: (id) => {
    select(id);
    showTab('explain');
  },
  addStep: (event, minCount) =>
    changeModel((m) => {
      const steps = stepsIn(m);
      steps.push({
        name: minCount > 1 ? `${event} ×${minCount}` : `Did ${event}`,
        event,
        ...(minCount > 1 ? { min_count: minCount } : {}),
      });
    }),
  setWeight: (event, weight) =>
    changeModel((m) => {
      const events = objectIn(objectIn(m, 'engagement'), 'events');
      events[event] = { ...(isObject(events[event]) ? (events[event] as JsonObject) : {}), weight };
    }),
  setThreshold: (minScore) =>
    changeModel((m) => {
      objectIn(m, 'pql').min_score = minScore;
    }),
  addFitRule: (rule) =>
    changeModel((m) => {
      const fit = objectIn(m, 'fit');
      if (!Array.isArray(fit.rules)) fit.rules = canonical().fit.rules.map(jsonOf);
      (fit.rules as JsonObject[]).push(jsonOf(rule));
    }),
  optionsChanged: () => analyzeSoon(),
  outcomes: (file) => void loadOutcomes(file),
});
const lifecycle = new LifecyclePanel({
  changed: () => analyzeSoon(),
  select: (id) => {
    select(id);
    showTab('explain');
  },
});
const compare = new ComparePanel({
  pin: () => {
    if (!state.lastGood) return;
    state.pinned = {
      text: state.lastGood,
      model: JSON.parse(state.lastGood) as JsonObject,
      at: new Date().toLocaleTimeString('en-GB'),
    };
    compare.setPinned(state.pinned.at);
    analyzeSoon();
  },
  unpin: () => {
    state.pinned = null;
    compare.setPinned(null);
  },
  restoreA: () => {
    const a = state.pinned;
    if (a) applyModel(clone(a.model), 'import');
  },
  select: (id) => {
    select(id);
    showTab('explain');
  },
});
const sqlPanel = new SqlPanel(() => analyzeSoon());
const modelJson = new ModelJsonPanel({
  apply: (m, source) => applyModel(m, source),
  reset: () => {
    // Reset asks first (and stays undoable).
    if (!window.confirm('Reset the model to the sample model? Undo (Ctrl+Z) brings this one back.')) return;
    applyModel(clone(state.sampleModel), 'reset');
  },
  current: () => state.model,
  shareUrl: () => location.href.split('#')[0] + writeHash(state.model, state.selected),
});

// ---- layout ----
const statusEl = h('p', {
  class: 'engine-status',
  role: 'status',
  'aria-live': 'polite',
  text: 'Starting the scoring engine…',
});
const exportCsv = h('button', {
  type: 'button',
  text: 'CSV',
  title: 'Download the whole ranking as CSV for a CRM import (the same file as pql score --format csv)',
});
const exportJson = h('button', { type: 'button', text: 'JSON', title: 'Download the ranking as shown as JSON' });
exportCsv.addEventListener('click', () => void exportRanking('csv'));
exportJson.addEventListener('click', () => void exportRanking('json'));
// CRM: the engine's CSV with the crm preset and the chosen traits (crmexport.ts).
const crm = new CrmExport({
  catalog: () => state.catalog,
  fitTraits: () =>
    (state.normalized?.fit.rules ?? [])
      .map((r) => r.trait)
      .filter((t): t is string => typeof t === 'string' && t !== ''),
  export: (traits) => void exportRanking('crm', traits),
});
ranking.toolbar.append(
  h('span', { class: 'spacer-flex' }),
  h('span', { class: 'hint', text: 'Export' }),
  exportCsv,
  crm.root,
  exportJson,
);

// Undo/redo, named versions, the start-here strip, the drawer of narrow screens (live.ts).
const edits = new EditHistory();
const liveHost: LiveHost = {
  current: () => state.modelText,
  restore: (m, why) => applyModel(m, why),
  say: (message) => {
    statusEl.textContent = message;
  },
};
modelJson.toolbar.append(editBar(edits, liveHost), versionsBar(liveHost));
const guide = new StartStrip({
  load: () => (document.querySelector('[data-testid="events-file"]') as HTMLInputElement | null)?.click(),
  tune: () => (document.querySelector('[data-testid="threshold"]') as HTMLElement | null)?.focus(),
  backtest: () => {
    showTab('backtest');
    openDrawer();
  },
});
// Charts are drawn at most once per animation frame, with the newest ranking.
const drawPopulation = perFrame((...a: Parameters<PopulationView['update']>) => population.update(...a));

$('#data').append(data.root);
$('#controls').append(modelJson.toolbar, controls.root, modelJson.root);
$('#center').append(
  guide.root,
  population.root,
  h(
    'section',
    { class: 'rankpanel', 'aria-label': 'Ranking' },
    ranking.toolbar,
    ranking.chips,
    ranking.root,
    ranking.footer,
  ),
);
// The right column: tabs over the explanation and the analysis panels.
const TABS: { id: Tab; label: string; title: string; panel: HTMLElement }[] = [
  { id: 'explain', label: 'Why', title: 'Why the selected entity scores so', panel: explainPanel.root },
  { id: 'backtest', label: 'Backtest', title: 'Does the model find who converts? (live)', panel: backtest.root },
  { id: 'compare', label: 'A/B', title: 'Compare a pinned model A with the model you edit', panel: compare.root },
  {
    id: 'lifecycle',
    label: 'Lifecycle',
    title: 'Signup cohorts: activation, PQL and conversion rates and times',
    panel: lifecycle.root,
  },
  { id: 'sql', label: 'SQL', title: 'The model as SQL for your warehouse', panel: sqlPanel.root },
];
const tabButtons = new Map<Tab, HTMLButtonElement>();
const tabList = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Views' });
for (const t of TABS) {
  const b = h('button', {
    type: 'button',
    role: 'tab',
    id: `tab-${t.id}`,
    'data-testid': `tab-${t.id}`,
    'aria-controls': `tabpanel-${t.id}`,
    'aria-selected': String(t.id === state.tab),
    tabindex: t.id === state.tab ? 0 : -1,
    title: t.title,
    text: t.label,
  });
  b.addEventListener('click', () => {
    showTab(t.id);
    openDrawer();
  });
  b.addEventListener('keydown', (ev) => {
    const i = TABS.findIndex((x) => x.id === t.id);
    const next =
      ev.key === 'ArrowRight'
        ? i + 1
        : ev.key === 'ArrowLeft'
          ? i - 1
          : ev.key === 'Home'
            ? 0
            : ev.key === 'End'
              ? TABS.length - 1
              : null;
    if (next === null) return;
    ev.preventDefault();
    const to = TABS[(next + TABS.length) % TABS.length].id;
    showTab(to);
    tabButtons.get(to)?.focus();
  });
  tabButtons.set(t.id, b);
  tabList.append(b);
}
$('#explain').append(
  tabList,
  ...TABS.map((t) =>
    h(
      'div',
      {
        role: 'tabpanel',
        id: `tabpanel-${t.id}`,
        'aria-labelledby': `tab-${t.id}`,
        class: 'tabpanel',
        hidden: t.id !== state.tab,
      },
      t.panel,
    ),
  ),
);
const openDrawer = drawer($('#explain'));
addHelp(document);

function showTab(tab: Tab): void {
  if (tab === state.tab) return;
  state.tab = tab;
  for (const t of TABS) {
    const on = t.id === tab;
    const b = tabButtons.get(t.id)!;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
    ($(`#tabpanel-${t.id}`) as HTMLElement).hidden = !on;
  }
  analyzeSoon();
}
$('#status').append(statusEl);
document.body.append(data.dropOverlay, importPanel.root);

// ---- the model ----
function applyModel(model: JsonObject, source: Source, inputAt = performance.now()): void {
  const text = JSON.stringify(model);
  // A slider fires input and then change with the same value: score it once.
  if (source === 'controls' && text === state.modelText) return;
  if (USER_EDITS.has(source) && text !== state.modelText) {
    // One undo step per control moved (a drag merges), per JSON typing burst, per other edit.
    const p = source === 'controls' ? numericPatch(state.model, model) : null;
    edits.record(state.modelText, source === 'json' ? 'json' : p ? p.path.join('.') : null);
    if (source !== 'reset' && source !== 'version') guide.done();
  }
  state.model = model;
  state.modelText = text;
  state.inputAt = inputAt;
  analysisPanelsBusy(true);
  // A slider's model text is written with its ranking, not in the input's own frame (a 3 KB
  // textarea re-laid out there delays the frame, and with it the ranking); others at once.
  if (source === 'controls') state.jsonStale = true;
  else if (source !== 'json') {
    modelJson.show(model);
    state.jsonStale = false;
  }
  scheduleHash();
  const rebuild = source !== 'controls';
  // The explanation is asked for once the ranking is shown (showRun), so it never delays it.
  scoreModel(state.modelText, null, rebuild ? 'rebuild' : 'keep', inputAt);
}

// Every scoring request carries the list's view (window, filters, sort, selection).
function scoreModel(text: string, selectId: string | null, tag: string, inputAt = performance.now()): void {
  client.view = ranking.options();
  client.score(text, selectId, tag, inputAt);
}

// Busy while a ranking is pending or the controls it rebuilds are not drawn yet.
let controlsPending = false;
client.onBusy = (busy) => setBusy(ranking.root, busy || controlsPending);

client.onScored = (r) => {
  if (r.ok && r.tag === 'view') {
    showView(r);
    return;
  }
  if (state.jsonStale) {
    modelJson.show(state.model);
    state.jsonStale = false;
  }
  requestAnalysis();
  if (!r.ok) {
    modelJson.showError(r.error);
    statusEl.textContent = `Model error: ${r.error.message}`;
    statusEl.classList.add('error');
    if (!state.run && !state.fallbackTried) {
      // Nothing valid has been scored yet (a broken link): rank with the sample model underneath.
      state.fallbackTried = true;
      scoreModel(JSON.stringify(state.sampleModel), state.selected, 'fallback');
    }
    return;
  }
  if (r.tag !== 'fallback') {
    modelJson.clearError();
    statusEl.classList.remove('error');
  }
  showRun(r);
};

// The model in force, as the engine returns it (every key present; tiers highest first).
// Set from the schema's default model when the engine is ready, before anything is shown.
function canonical(): CanonicalModel {
  if (!state.normalized) throw new Error('the scoring engine is not ready');
  return state.normalized;
}

function tierInfo(): { names: string[]; colors: Map<string, string> } {
  const names = canonical().tiers.map((t) => t.name);
  return { names, colors: new Map(names.map((n, i) => [n, TIER_COLORS[i % TIER_COLORS.length]])) };
}

function bandNames(which: 'fit' | 'engagement'): string[] {
  return canonical().grades[which].map(([label]) => label);
}

function modelInfo(): ModelInfo {
  const { weights, pql } = canonical();
  return { weights, minScore: pql.min_score, requireActivation: pql.require_activation, hasRule: pql.rule !== null };
}

function totalSteps(): number {
  return canonical().activation.steps.length;
}

function showRun(r: ScoreOk): void {
  const renderStart = performance.now();
  state.normalized = r.normalized;
  if (r.tag !== 'fallback') state.lastGood = state.modelText;
  else state.lastGood = JSON.stringify(state.sampleModel);
  const run = r.run;
  showView(r, true);
  if (!state.firstShown) {
    state.firstShown = true;
    performance.mark('pql:first-ranking');
  }
  data.setDiagnostics(run.diagnostics);
  if (state.selected !== null) {
    const row = ranking.row(state.selected) ?? r.explain;
    if (r.explainId === state.selected) {
      explainPanel.show(
        row,
        r.explain,
        row ? r.explainError : `${state.selected} is not ranked under this model.`,
        modelInfo(),
        totalSteps(),
      );
    } else if (state.lastGood && !client.busy) {
      // After the ranking, and only for the newest model (a drag explains where it stops).
      client.explain(state.lastGood, state.selected);
    }
    scheduleHistory();
  }
  controls.showDecay();
  if (r.tag === 'rebuild' || r.tag === 'fallback') {
    // While the JSON is being typed, rebuild the controls once typing pauses.
    if (document.activeElement === modelJson.textarea) renderControlsLater();
    else renderControlsAfterPaint();
  }
  const now = performance.now();
  setTiming(ranking.root, {
    rerankMs: (now - r.inputAt).toFixed(1),
    roundtripMs: (now - r.sentAt).toFixed(1),
    engineMs: r.engineMs.toFixed(1),
    renderMs: (now - renderStart).toFixed(1),
    workerWaitMs: r.waitMs.toFixed(1),
    workerMs: r.workerMs.toFixed(1),
    transitMs: r.transitMs.toFixed(1),
    modelUpdate: r.update,
  });
  statusEl.textContent = statusLine(run.entities, r.normalized.entity, run.qualified, run.as_of);
  statusEl.title = `Re-ranked in ${(now - r.inputAt).toFixed(0)} ms (engine ${r.engineMs.toFixed(0)} ms)`;
}

// The list and its charts: a new ranking (`changed`), or other rows of the same one (a scroll,
// a filter, a sort: all that a `view` answer updates).
function showView(r: ScoreOk, changed = false): void {
  state.run = r.run;
  const tiers = tierInfo();
  ranking.setView(r.run, totalSteps(), tiers.names, tiers.colors, changed);
  drawPopulation(
    r.run.population,
    modelInfo().minScore,
    { fit: bandNames('fit'), engagement: bandNames('engagement') },
    tiers.names,
    tiers.colors,
  );
}

const renderControlsLater = debounce(() => controls.render(), 400);
// A structural edit's controls are rebuilt after the new ranking is painted, so the ranking
// shows first (the rebuild is ~20-40 ms of DOM work).
function renderControlsAfterPaint(): void {
  if (controlsPending) return;
  controlsPending = true;
  requestAnimationFrame(() =>
    setTimeout(() => {
      controlsPending = false;
      controls.render();
      setBusy(ranking.root, client.busy);
    }, 0),
  );
}

// ---- analysis: backtest, compare, SQL ----

// Model edits made by the analysis panels (add a step, use a weight, set the threshold).
function changeModel(fn: (m: JsonObject) => void): void {
  const m = clone(state.model);
  fn(m);
  applyModel(m, 'structure');
}

function objectIn(m: JsonObject, key: string): JsonObject {
  if (!isObject(m[key])) m[key] = {};
  return m[key] as JsonObject;
}

// The model's activation steps, copied from the engine's canonical model when the user's
// model does not list them (so that adding one keeps the others).
function stepsIn(m: JsonObject): JsonObject[] {
  const act = objectIn(m, 'activation');
  if (!Array.isArray(act.steps)) act.steps = canonical().activation.steps.map(jsonOf);
  return act.steps as JsonObject[];
}

function modelView(): ModelView {
  const N = canonical();
  const weights = new Map<string, number>();
  for (const [k, v] of Object.entries(N.engagement.events)) if (v.weight !== undefined) weights.set(k, v.weight);
  return {
    minScore: N.pql.min_score,
    tierColors: tierInfo().colors,
    steps: N.activation.steps.map((s) => ({ event: s.event, min_count: s.min_count })),
    weights,
  };
}

function analysisPanelsBusy(busy: boolean): void {
  setBusy(backtest.root, busy);
  setBusy(compare.root, busy && state.pinned !== null);
  setBusy(sqlPanel.root, busy);
  setBusy(lifecycle.root, busy);
}

// Asks the worker for what the visible tab shows, for the last model that scored. Each
// answer arrives as soon as it is computed; a ranking request always goes first (the answer
// to it asks again). The panels are busy from a change until the answer to the newest request.
let lastAnalysis: AnalysisRequest | null = null;
const requestAnalysis = debounce(() => {
  if (client.busy || !state.lastGood) return;
  const req: AnalysisRequest = {
    model: state.lastGood,
    horizon: backtest.horizon,
    capacity: backtest.capacity,
    backtest: state.tab === 'backtest',
    suggest: state.tab === 'backtest',
    compareA: state.tab === 'compare' && state.pinned ? state.pinned.text : null,
    sql: state.tab === 'sql' ? sqlPanel.options : null,
    funnel: state.tab === 'lifecycle' ? lifecycle.cohort : null,
  };
  if (!req.backtest && !req.suggest && req.compareA === null && !req.sql && !req.funnel) {
    lastAnalysis = null;
    analysisPanelsBusy(false);
    return;
  }
  lastAnalysis = req;
  client.analyze(req);
}, 40);

function analyzeSoon(): void {
  analysisPanelsBusy(true);
  requestAnalysis();
}

client.onAnalysis = (r: AnalysisResult) => {
  const now = performance.now();
  const current = r.req.model === state.modelText;
  const timing = (ms: number) => ({
    engineMs: ms.toFixed(1),
    roundtripMs: (now - r.sentAt).toFixed(1),
    ...(current ? { updateMs: (now - state.inputAt).toFixed(1) } : {}),
  });
  if (r.part === 'backtest') {
    if (r.ok) {
      backtest.showBacktest(r.backtest, modelView());
      setTiming(backtest.root, timing(r.ms));
    } else {
      backtest.showError(r.error);
    }
  } else if (r.part === 'suggest') {
    backtest.showSuggest(r.ok ? r.suggest : null, r.ok ? null : r.error.message);
    if (r.ok) setTiming(backtest.root, { suggestMs: r.ms.toFixed(1) });
  } else if (r.part === 'compare') {
    if (!state.pinned) return;
    if (r.ok) {
      compare.show(r.compare, tierInfo().colors);
      setTiming(compare.root, timing(r.ms));
    } else {
      compare.showError(r.error);
    }
  } else if (r.part === 'sql') {
    if (r.ok) sqlPanel.show(r.sql);
    else sqlPanel.showError(r.error);
  } else if (r.part === 'funnel') {
    if (r.ok) {
      lifecycle.show(r.funnel, r.latest);
      setTiming(lifecycle.root, timing(r.ms));
    } else {
      lifecycle.showError(r.error);
    }
  }
};

client.onAnalyzed = (req, aborted) => {
  if (!aborted && req === lastAnalysis && !client.analysisBusy && !client.busy) analysisPanelsBusy(false);
};

async function loadOutcomes(file: File | null): Promise<void> {
  analysisPanelsBusy(true);
  lastAnalysis = null;
  const r = await client.loadOutcomes(file?.name ?? '', file);
  backtest.showOutcomes(file && (r.ok ? r.files.length > 0 : true) ? r : null);
  analyzeSoon();
}

// ---- selection and explanation ----
function select(id: string | null): void {
  state.selected = id;
  ranking.select(id);
  scheduleHash();
  historyShownFor = null;
  explainPanel.setHistory([], false, modelInfo().minScore);
  if (id === null) {
    explainPanel.clear();
    return;
  }
  openDrawer();
  const row = ranking.row(id);
  explainPanel.show(row, null, null, modelInfo(), totalSteps());
  if (state.lastGood) client.explain(state.lastGood, id);
  scheduleHistory();
}

// Drawn at most once per frame (its charts are canvas).
const showExplanation = perFrame((id: string, ex: Parameters<ExplainPanel['show']>[1], error: string | null) => {
  if (id !== state.selected) return;
  explainPanel.show(ranking.row(id) ?? ex, ex, error, modelInfo(), totalSteps());
  addHelp(explainPanel.root);
});
client.onExplained = (id, ex, error) => {
  if (id !== state.selected) return;
  showExplanation(id, ex, error);
  scheduleHistory();
};

// The score history re-ranks the population at 14 past dates, which leaves the engine's index
// at another as_of: an edit arriving during it costs a cold re-rank. So it runs once the user
// has paused for 0.8 s and no analysis is pending (it still gives way to a newer ranking).
const scheduleHistory = debounce(() => {
  if (state.selected === null || !state.lastGood || !state.run?.as_of) return;
  if (client.busy || client.analysisBusy) {
    scheduleHistory();
    return;
  }
  client.history(state.lastGood, state.selected, state.run.as_of, HISTORY_POINTS, HISTORY_STEP_DAYS);
}, 800);

// The first history of an entity is drawn as it arrives; later ones (after a model change)
// replace it once complete, so the chart does not flicker while sliding.
let historyShownFor: string | null = null;
client.onHistory = (id, points, done) => {
  if (id !== state.selected) return;
  if (!done && historyShownFor === id) return;
  explainPanel.setHistory(points, done, modelInfo().minScore);
  if (done) historyShownFor = id;
};

// ---- data ----
function dataRange(): { first: number | null; last: number | null } {
  const { first } = state.catalog;
  let { last } = state.catalog;
  if (last === null && state.run?.as_of) last = Date.parse(state.run.as_of);
  return { first, last };
}

client.onCatalog = (c) => {
  state.catalog = c;
  controls.render();
  if (fitPending) {
    fitPending = false;
    showModelFit();
  }
};

// After a load of the user's own events: how the model fits them (shown once the catalog of
// the new data arrives), with *Start a model from this data*.
let fitPending = false;
function showModelFit(): void {
  if (!state.normalized) return;
  const events = state.catalog.events;
  const fit = modelFit(canonical(), state.model, events);
  data.showFit(
    fit.line,
    events.map((e) => e.name),
    guessConversion(canonical().conversion_event, events),
  );
}

// Activation steps and weights from suggest() (with the conversion event chosen) or from the
// event list, applied as one undoable model edit.
data.onStart = (conversion) =>
  void (async () => {
    const events = state.catalog.events;
    let suggestions = null;
    let why = '';
    if (conversion) {
      const candidate = { ...clone(state.model), conversion_event: conversion };
      const r = await client.suggestFor(JSON.stringify(candidate), backtest.horizon);
      suggestions = r.suggest;
      if (r.error) why = ` (suggest(): ${r.error})`;
    }
    const started = startModel(
      state.model,
      events,
      state.catalog.traits.map((t) => t.name),
      conversion,
      suggestions,
    );
    applyModel(started.model, 'import');
    data.showFit(
      started.summary + why,
      events.map((e) => e.name),
      conversion,
    );
  })();

async function afterLoad(r: LoadResult, own = true): Promise<void> {
  data.hideProgress();
  data.showResult(r);
  // A failed load changed nothing (the worker put the previous data back): the ranking stays.
  if (!r.ok) return;
  if (r.kind === 'events' && own) fitPending = true;
  analysisPanelsBusy(true);
  scoreModel(state.modelText, state.selected, 'rebuild');
  client.requestCatalog();
}

// Files are taken one at a time (a drop of several, or a pick while the import step is open).
let fileQueue: Promise<void> = Promise.resolve();
function queueFile(kind: Kind, file: File, append: boolean): void {
  fileQueue = fileQueue
    .then(() => loadFile(kind, file, append))
    .catch((e) => {
      data.showMessage(`${file.name}: ${e instanceof Error ? e.message : String(e)}`, true);
    });
}

// The import step first: the worker reads the file's first 64 KiB (inflating gzip and zip) and
// dry-runs those rows in a scratch engine. A file that loads as it is goes straight on (unless
// *review files* is ticked); otherwise the import panel shows why, with a preview and the
// mapping, and the load waits for *Import* (Cancel loads nothing and keeps the data).
async function loadFile(kind: Kind, file: File, append: boolean): Promise<void> {
  let options: ImportOptions | undefined;
  const t0 = performance.now();
  const { head: info } = await client.preview(file);
  if (info) {
    const head = parseHead(info.text, info.complete);
    const dry = await client.dryRun(kind, head.text, {});
    const shape = shapeOf(head, dry.report);
    const fit = fitsAsIs(kind, head, shape, dry);
    // Test hook: what the look before the load cost (read 64 KiB, inflate, dry run).
    data.root.dataset.previewMs = (performance.now() - t0).toFixed(1);
    if (!fit.fits || data.reviewAll) {
      const choice = await importPanel.open(kind, file.name, info, head, dry, fit.why);
      if (!choice) {
        data.showMessage(`${file.name}: not loaded (import cancelled); the data loaded before stays`);
        return;
      }
      kind = choice.kind;
      options = choice.options;
    }
  }
  // The file goes to the worker as it is (a File is not copied): the engine reads it in pieces.
  const progress = (phase: string, done: number, total: number) =>
    data.setProgress(file.name, phase, done, total || file.size);
  progress('reading', 0, file.size);
  const r = await client.load(kind, file.name, { file }, append && kind === 'events', progress, { options });
  await afterLoad(r);
}

async function loadSample(): Promise<void> {
  const base = new URL('./', location.href);
  data.showMessage('Loading the sample…');
  // The prefetched bytes, or (when that fetch failed) the URL, so that the worker reports why.
  const source = async (path: string, bytes: Promise<ArrayBuffer | null>) => {
    const b = await bytes;
    // The URL too: a failed load of the user's reloads the sample from it (not from kept bytes).
    return b ? { bytes: b, url: new URL(path, base).href } : { url: new URL(path, base).href };
  };
  const ev = await client.load(
    'events',
    'sample events.csv',
    await source(SAMPLE.events, samplePrefetch.events),
    false,
    (phase, done, total) => data.setProgress('sample events', phase, done, total),
    { sample: true },
  );
  performance.mark('pql:events-loaded');
  data.showResult(ev); // kept by the panel: the accounts' report below lists it too
  let last = ev;
  if (ev.ok) {
    const ac = await client.load(
      'accounts',
      'sample accounts.jsonl',
      await source(SAMPLE.accounts, samplePrefetch.accounts),
      true,
      (phase, done, total) => data.setProgress('sample accounts', phase, done, total),
      { sample: true },
    );
    last = ac;
  }
  performance.mark('pql:accounts-loaded');
  data.hideProgress();
  data.showResult(last);
  if (!ev.ok) data.showMessage('No sample data here (run `make sample`): load an events file to start.', true);
}

async function fetchSampleModel(): Promise<JsonObject> {
  try {
    const res = await fetch(SAMPLE.model);
    if (!res.ok) return {};
    const m: unknown = await res.json();
    return isObject(m) ? m : {};
  } catch {
    return {};
  }
}

// ---- URL hash ----
// Written once the edits pause and the page is idle (base64 of the whole model: not per input).
const scheduleHash = debounce(
  whenIdle(() => {
    const hash = writeHash(state.model, state.selected);
    if (hash === location.hash) return;
    state.lastHash = hash;
    history.replaceState(null, '', hash);
  }),
  250,
);

window.addEventListener('hashchange', () => {
  if (location.hash === state.lastHash) return;
  const { model, sel, error } = readHash(location.hash);
  if (error) {
    modelJson.showError({ code: 'invalid_model', path: '', message: error });
    return;
  }
  if (model) applyModel(model, 'url');
  if (sel !== state.selected) select(sel);
});

// ---- export ----
// CSV: the engine's own export of the whole ranking (the bytes of `pql score --format csv`,
// with its formula guard). JSON: the run as shown (filters and sort) with the model.
async function exportRanking(kind: 'csv' | 'crm' | 'json', traits: string[] = []): Promise<void> {
  const run = state.run;
  if (!run || !state.lastGood) return;
  const stamp = run.as_of.slice(0, 10);
  if (kind === 'csv' || kind === 'crm') {
    const r = await client.scoreCsv(state.lastGood, kind === 'crm' ? { preset: 'crm', traits } : undefined);
    if (!r.ok) {
      statusEl.textContent = `Export failed: ${r.error ?? 'unknown error'}`;
      statusEl.classList.add('error');
      return;
    }
    download(
      new Blob([r.text], { type: 'text/csv;charset=utf-8' }),
      `pql-${kind === 'crm' ? 'crm' : 'ranking'}-${stamp}.csv`,
    );
  } else {
    // Every row of the list as shown (filters and sort), from the engine.
    const all = await client.viewOnce(state.lastGood, {
      ...ranking.options(),
      offset: 0,
      limit: Math.max(1, ranking.shown),
    });
    if (!all.ok || !all.view) {
      statusEl.textContent = `Export failed: ${all.error ?? 'unknown error'}`;
      statusEl.classList.add('error');
      return;
    }
    const out = { ...all.view, model: state.model };
    download(
      new Blob([JSON.stringify(out, null, 2) + '\n'], { type: 'application/json' }),
      `pql-ranking-${stamp}.json`,
    );
  }
}

// ---- start ----
client.onFatal = (message) => {
  statusEl.textContent = message;
  statusEl.classList.add('error');
  setBusy(ranking.root, false);
};

client.onReady = async (schema) => {
  performance.mark('pql:engine-ready');
  state.schema = schema;
  state.normalized = schema.default_model;
  statusEl.textContent = 'Loading the sample…';
  const [sampleModel] = await Promise.all([fetchSampleModel(), loadSample()]);
  state.sampleModel = sampleModel;
  const fromUrl = readHash(location.hash);
  state.selected = fromUrl.sel;
  if (fromUrl.error) modelJson.showError({ code: 'invalid_model', path: '', message: fromUrl.error });
  applyModel(fromUrl.model ?? clone(sampleModel), fromUrl.model ? 'url' : 'init');
  client.requestCatalog();
  if (fromUrl.sel) ranking.select(fromUrl.sel);
};

$('#skip').addEventListener('click', () => (ranking.root.querySelector('.viewport') as HTMLElement | null)?.focus());
