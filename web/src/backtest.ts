// The backtest panel: does the model find who converts? Figures of the engine's backtest()
// (SPEC §5), lift by tier, precision and recall against the threshold, calibration by score
// decile, the signals with one-click model changes, and the sales-capacity threshold from
// suggest(). Every number is the engine's; the page only formats it.
import { CategoryBars, PALETTE, SweepChart } from './charts';
import { field, h, setText } from './dom';
import type { OutcomesResult } from './client';
import type { Backtest, ModelError, Signal, Suggestions } from './protocol';
import { fmt, fmtInt } from './util';

export interface BacktestHost {
  /** Adds an activation step on `event` (at least `minCount` times). */
  addStep(event: string, minCount: number): void;
  /** Sets the engagement weight of an event type. */
  setWeight(event: string, weight: number): void;
  /** Sets pql.min_score. */
  setThreshold(minScore: number): void;
  /** The horizon or the capacity changed. */
  optionsChanged(): void;
  /** An outcomes file was picked (null: remove the loaded one). */
  outcomes(file: File | null): void;
  /** Shows an entity's Why card. */
  select(id: string): void;
  /** Appends a fit rule (from the fit suggestions). */
  addFitRule(rule: { trait: string; op: string; value?: unknown; points: number }): void;
}

/**
 * One line in plain words (issue #16): how well the score ranks (AUC band), how much more PQLs
 * convert than the rest, and PQL precision against the 15–30% PQL → customer benchmark.
 */
export function verdictOf(bt: Backtest): string {
  if (bt.auc === null)
    return bt.conversions === 0
      ? 'No conversions in the horizon: nothing to judge the model by yet.'
      : 'Everyone converted: nothing to tell apart.';
  const band =
    bt.auc >= 0.8
      ? 'ranks converters well'
      : bt.auc >= 0.7
        ? 'ranks converters fairly'
        : bt.auc >= 0.6
          ? 'ranks converters weakly'
          : 'ranks converters little better than chance';
  const parts = [`The score ${band} (AUC ${fmt(bt.auc, 2)})`];
  const lift = bt.pql.qualified.lift;
  const p = bt.pql.precision;
  if (p === null) parts.push('no entity qualifies as a PQL');
  else {
    if (lift !== null) parts.push(`PQLs convert at ${fmt(lift, 1)}× the base rate`);
    const bench = p >= 0.3 ? 'above' : p >= 0.15 ? 'within' : 'below';
    parts.push(`${fmt(100 * p, 0)}% of PQLs converted, ${bench} the 15–30% benchmark`);
  }
  return parts.join('; ') + '.';
}

export interface ModelView {
  minScore: number;
  tierColors: Map<string, string>;
  steps: { event: string; min_count: number }[];
  weights: Map<string, number>; // engagement weight per event type (as configured)
}

const pct = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`;
const ratio = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(digits)}×`;
// The unrounded value of a figure, for tests and copy-paste (String(number), or empty for null).
const raw = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

export class BacktestPanel {
  readonly root: HTMLElement;
  readonly horizonInput: HTMLInputElement;
  readonly capacityInput: HTMLInputElement;
  private status: HTMLElement;
  private body: HTMLElement;
  private meta: HTMLElement;
  private verdict: HTMLElement;
  private lost: HTMLElement;
  private fitRules: HTMLElement;
  private figures: HTMLElement;
  private precision: HTMLElement;
  private recall: HTMLElement;
  private atK: HTMLElement;
  private tierTable: HTMLElement;
  private tierChart: CategoryBars;
  private sweepChart: SweepChart;
  private sweepTable: HTMLElement;
  private calChart: CategoryBars;
  private calTable: HTMLElement;
  private capacityOut: HTMLElement;
  private capacityApply: HTMLButtonElement;
  private weightsNote: HTMLElement;
  private signals: HTMLElement;
  private outcomesStatus: HTMLElement;
  private outcomesRemove: HTMLButtonElement;
  private revision = 0;

  private bt: Backtest | null = null;
  private sg: Suggestions | null = null;
  private view: ModelView = { minScore: 60, tierColors: new Map(), steps: [], weights: new Map() };

  constructor(private host: BacktestHost) {
    this.horizonInput = h('input', {
      type: 'number',
      class: 'num w-s',
      min: 1,
      max: 3650,
      step: 1,
      value: '30',
      'data-testid': 'horizon',
    });
    this.horizonInput.addEventListener('change', () => this.host.optionsChanged());
    const outcomesInput = h('input', {
      type: 'file',
      id: 'outcomes-file',
      class: 'file',
      'data-testid': 'outcomes-file',
      accept: '.jsonl,.ndjson,.json,.csv,.txt,application/json,text/csv',
    });
    outcomesInput.addEventListener('change', () => {
      const f = outcomesInput.files?.[0];
      outcomesInput.value = '';
      if (f) this.host.outcomes(f);
    });
    this.outcomesStatus = h('span', {
      class: 'hint',
      'data-testid': 'outcomes-status',
      text: "Conversions: the model's conversion_event.",
    });
    this.outcomesRemove = h('button', {
      type: 'button',
      class: 'icon',
      text: '✕',
      title: 'Remove the outcomes file',
      'aria-label': 'Remove the outcomes file',
      hidden: true,
    });
    this.outcomesRemove.addEventListener('click', () => this.host.outcomes(null));
    this.status = h('p', { class: 'bt-status', role: 'status', 'aria-live': 'polite' });
    this.meta = h('p', { class: 'hint bt-meta' });
    this.verdict = h('p', { class: 'bt-verdict', 'data-testid': 'backtest-verdict' });
    this.lost = h('div', { class: 'bt-lost', 'data-testid': 'lost-pqls' });

    this.precision = h('span', { class: 'fig-v', 'data-testid': 'backtest-precision' });
    this.recall = h('span', { class: 'fig-v', 'data-testid': 'backtest-recall' });
    this.figures = h('div', { class: 'figs' });
    this.atK = h('div', { class: 'scrollx' });

    const tierEl = h('div', {
      class: 'chart bt-chart',
      role: 'img',
      'aria-label': 'Lift over the base rate by tier (1 = no better than average)',
    });
    this.tierChart = new CategoryBars(tierEl, 120, (v) => `${fmt(v, v >= 10 ? 0 : 1)}×`);
    this.tierTable = h('div', { class: 'scrollx' });

    const sweepEl = h('div', {
      class: 'chart bt-chart',
      role: 'img',
      'aria-label': 'Precision and recall of the PQL flag by min_score; the current threshold dashed',
    });
    this.sweepChart = new SweepChart(sweepEl, 140);
    this.sweepTable = h('div', { class: 'scrollx sweep-table' });

    const calEl = h('div', {
      class: 'chart bt-chart',
      role: 'img',
      'aria-label': 'Conversion rate by score decile, top tenth first; the base rate dashed',
    });
    this.calChart = new CategoryBars(calEl, 120, (v) => `${Math.round(v * 100)}%`);
    this.calTable = h('div', { class: 'scrollx' });

    this.capacityInput = h('input', {
      type: 'number',
      class: 'num w-xs',
      min: 1,
      step: 1,
      value: '20',
      'data-testid': 'capacity-input',
      'aria-label': 'Leads sales can take a week',
    });
    this.capacityInput.addEventListener('change', () => this.host.optionsChanged());
    this.capacityOut = h('p', { class: 'hint', 'data-testid': 'capacity-output' });
    this.capacityApply = h('button', {
      type: 'button',
      'data-testid': 'capacity-apply',
      disabled: true,
      text: 'Set the PQL threshold',
    });
    this.capacityApply.addEventListener('click', () => {
      if (this.sg) this.host.setThreshold(this.sg.capacity.min_score);
    });
    this.weightsNote = h('p', { class: 'hint' });
    this.fitRules = h('div', { class: 'fit-rules', 'data-testid': 'fit-suggestions' });
    this.signals = h('div', { class: 'scrollx signals' });

    this.body = h(
      'div',
      { class: 'bt-body' },
      this.verdict,
      this.meta,
      this.figures,
      h(
        'section',
        { class: 'sub' },
        h('h3', { text: 'PQLs that did not convert (to review and interview)' }),
        this.lost,
      ),
      h('section', { class: 'sub' }, h('h3', { text: 'Precision and recall at the top K' }), this.atK),
      h('section', { class: 'sub' }, h('h3', { text: 'Lift by tier' }), tierEl, this.tierTable),
      h(
        'section',
        { class: 'sub' },
        h('h3', { text: 'Precision and recall against the threshold' }),
        sweepEl,
        h('details', { class: 'minor' }, h('summary', { text: 'as a table' }), this.sweepTable),
      ),
      h(
        'section',
        { class: 'sub' },
        h('h3', { text: 'Calibration: conversion rate by score decile (D1 = the top tenth)' }),
        calEl,
        this.calTable,
      ),
      h(
        'section',
        { class: 'sub capacity' },
        h('h3', { text: 'Sales capacity' }),
        h('label', { class: 'inline' }, 'Sales can take ', this.capacityInput, ' leads a week'),
        this.capacityOut,
        this.capacityApply,
      ),
      h('section', { class: 'sub' }, h('h3', { text: 'Traits converters share: suggested fit rules' }), this.fitRules),
      h(
        'section',
        { class: 'sub' },
        h('h3', { text: 'Signals: conversion rate with and without each event' }),
        h('p', {
          class: 'hint',
          text: 'Events done in the window before as_of by the population. + step adds an activation step (at the suggested count); use w sets the engagement weight the regression suggests.',
        }),
        this.weightsNote,
        this.signals,
      ),
    );

    this.root = h(
      'section',
      {
        class: 'panel backtest',
        'data-testid': 'backtest',
        'data-revision': '0',
        'data-busy': 'false',
        'aria-labelledby': 'backtest-title',
      },
      h('h2', { id: 'backtest-title', text: 'Backtest: does the model find who converts?' }),
      h(
        'div',
        { class: 'bt-options' },
        field('Horizon (days)', this.horizonInput),
        h(
          'div',
          { class: 'picker' },
          h('label', {
            for: 'outcomes-file',
            class: 'button',
            text: 'Outcomes file…',
            title: 'account_id (or user_id), converted_at: JSONL, JSON or CSV',
          }),
          outcomesInput,
        ),
        h('span', { class: 'outcomes' }, this.outcomesStatus, this.outcomesRemove),
      ),
      this.status,
      this.body,
    );
    this.body.hidden = true;
    setText(this.status, 'The backtest runs when a model has scored.');
  }

  get horizon(): number {
    const n = Math.round(Number(this.horizonInput.value));
    return Number.isFinite(n) && n >= 1 ? Math.min(n, 3650) : 30;
  }

  get capacity(): number {
    const n = Number(this.capacityInput.value);
    return Number.isFinite(n) && n > 0 ? n : 20;
  }

  showOutcomes(r: OutcomesResult | null): void {
    if (!r) {
      setText(this.outcomesStatus, "Conversions: the model's conversion_event.");
      this.outcomesStatus.classList.remove('error');
      this.outcomesRemove.hidden = true;
      return;
    }
    if (!r.ok) {
      setText(this.outcomesStatus, `${r.name}: ${r.error ?? 'could not be loaded'}`);
      this.outcomesStatus.classList.add('error');
      return;
    }
    const bad = r.report.errors
      .slice(0, 3)
      .map((e) => `line ${e.line}: ${e.message}`)
      .join('; ');
    setText(
      this.outcomesStatus,
      `${r.name}: ${fmtInt(r.report.loaded)} conversions loaded${r.report.skipped ? `, ${fmtInt(r.report.skipped)} skipped (${bad})` : ''}; with the model's conversion_event, the earliest counts.`,
    );
    this.outcomesStatus.classList.toggle('error', r.report.skipped > 0);
    this.outcomesRemove.hidden = false;
  }

  setModelView(view: ModelView): void {
    this.view = view;
    if (this.sg || this.bt) this.renderSignals();
  }

  showError(e: ModelError): void {
    this.bt = null;
    this.body.hidden = true;
    setText(this.status, e.message);
    this.status.classList.add('error');
    this.bump();
  }

  showBacktest(bt: Backtest, view: ModelView): void {
    this.bt = bt;
    this.view = view;
    this.status.classList.remove('error');
    setText(this.status, '');
    this.body.hidden = false;
    setText(
      this.meta,
      `Scored as of ${bt.as_of.slice(0, 16).replace('T', ' ')} UTC with the events up to then; ${fmtInt(bt.population)} entities had not converted yet, ${fmtInt(bt.conversions)} of them converted in the next ${bt.horizon_days} days.`,
    );
    setText(this.verdict, verdictOf(bt));
    this.renderLost();
    this.renderFigures();
    this.renderTiers();
    this.sweepChart.update(bt.sweep, view.minScore);
    this.renderSweepTable();
    this.renderCalibration();
    this.renderSignals();
    this.bump();
  }

  showSuggest(sg: Suggestions | null, error: string | null): void {
    this.sg = sg;
    if (!sg) {
      setText(this.capacityOut, error ?? '');
      this.capacityApply.disabled = true;
      setText(this.weightsNote, '');
    } else {
      const c = sg.capacity;
      setText(
        this.capacityOut,
        c.limited_by === 'definition'
          ? `${c.note.charAt(0).toUpperCase()}${c.note.slice(1)}.`
          : `min_score ${fmt(c.min_score)} gives about ${fmt(c.per_week_at_threshold)} new PQLs a week (the last ${c.weeks_measured} weeks; the activation gate and rule kept): ${fmtInt(c.qualified)} PQLs at as_of, precision ${pct(c.precision)}, recall ${pct(c.recall)} in the backtest.`,
      );
      this.capacityApply.textContent = `Set the PQL threshold to ${fmt(c.min_score)}`;
      this.capacityApply.dataset.value = String(c.min_score);
      this.capacityApply.disabled = c.limited_by === 'definition' || c.min_score === this.view.minScore;
      const w = sg.weights;
      setText(
        this.weightsNote,
        `Suggested weights: a logistic regression trained at ${w.train_as_of.slice(0, 10)} (${fmtInt(w.train_population)} entities, ${fmtInt(w.train_conversions)} conversions). AUC on the later holdout: regression ${fmt(w.holdout_auc, 3)}, your model ${fmt(w.current_auc, 3)}, your model with the suggested weights ${fmt(w.suggested_model_auc, 3)}.`,
      );
    }
    this.renderFit();
    this.renderSignals();
  }

  // Suggested fit rules (conversion lift by trait value or numeric band), each one click away.
  private renderFit(): void {
    if (!this.sg) {
      this.fitRules.replaceChildren();
      return;
    }
    const rules = this.sg.fit.rules;
    if (!rules.length) {
      this.fitRules.replaceChildren(
        h('p', { class: 'hint', text: 'No trait value or band separates converters clearly in this backtest.' }),
      );
      return;
    }
    const value = (v: unknown) => (v === undefined ? '' : Array.isArray(v) ? v.join('–') : String(v));
    this.fitRules.replaceChildren(
      h(
        'table',
        { class: 'mini' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['trait', 'rule', 'lift', 'entities', 'points', ''].map((t) => h('th', { scope: 'col', text: t })),
          ),
        ),
        h(
          'tbody',
          null,
          ...rules.map((r) => {
            const add = h('button', {
              type: 'button',
              class: 'linkish',
              text: '+ rule',
              title: 'Add this fit rule to the model',
            });
            add.addEventListener('click', () =>
              this.host.addFitRule({
                trait: r.trait,
                op: r.op,
                ...(r.value !== undefined ? { value: r.value } : {}),
                points: r.points,
              }),
            );
            return h(
              'tr',
              { 'data-testid': 'fit-suggestion', 'data-trait': r.trait, 'data-points': String(r.points) },
              h('td', { text: r.trait }),
              h('td', { text: `${r.op} ${value(r.value)}` }),
              h('td', { text: `${fmt(r.lift, 2)}×` }),
              h('td', { text: fmtInt(r.count) }),
              h('td', { text: String(r.points) }),
              h('td', null, add),
            );
          }),
        ),
      ),
    );
  }

  private renderLost(): void {
    const bt = this.bt!;
    const ids = bt.lost_pqls;
    if (!ids.length) {
      this.lost.replaceChildren(
        h('p', { class: 'hint', text: bt.pql.qualified.count ? 'Every PQL converted.' : 'No PQLs.' }),
      );
      return;
    }
    const share = bt.pql.false_positive_share;
    const items = ids.map((id) => {
      const b = h('button', {
        type: 'button',
        class: 'linkish',
        'data-testid': 'lost-pql',
        'data-id': id,
        text: id,
        title: 'Show why it qualified',
      });
      b.addEventListener('click', () => this.host.select(id));
      return b;
    });
    this.lost.replaceChildren(
      h('p', {
        class: 'hint',
        'data-testid': 'false-positive-share',
        'data-value': raw(share),
        text: `${pct(share)} of PQLs (${fmtInt(bt.pql.qualified.count - bt.pql.qualified.conversions)} of ${fmtInt(bt.pql.qualified.count)}) did not convert within ${bt.horizon_days} days; in rank order${ids.length === 100 ? ', the first 100' : ''}:`,
      }),
      h('p', { class: 'lost-list' }, ...items),
    );
  }

  private bump(): void {
    this.revision += 1;
    this.root.dataset.revision = String(this.revision);
  }

  private renderFigures(): void {
    const bt = this.bt!;
    const p = bt.pql;
    setText(this.precision, pct(p.precision));
    this.precision.dataset.value = raw(p.precision);
    setText(this.recall, pct(p.recall));
    this.recall.dataset.value = raw(p.recall);
    const fig = (label: string, value: HTMLElement | string, title: string, testid?: string, v?: number | null) => {
      const valueEl =
        typeof value === 'string'
          ? h('span', {
              class: 'fig-v',
              text: value,
              'data-testid': testid,
              'data-value': v === undefined ? undefined : raw(v),
            })
          : value;
      return h('div', { class: 'fig', title }, valueEl, h('span', { class: 'fig-l', text: label }));
    };
    this.figures.replaceChildren(
      fig('base rate', pct(bt.base_rate), 'conversions / population', 'backtest-base-rate', bt.base_rate),
      fig(
        'AUC',
        fmt(bt.auc, 3),
        'ROC AUC of the score: the chance a converter outscores a non-converter (ties count one half)',
        'backtest-auc',
        bt.auc,
      ),
      fig(
        'PQLs → converted',
        `${fmtInt(p.qualified.count)} → ${fmtInt(p.qualified.conversions)}`,
        'PQLs at as_of under the current threshold and rule, and how many of them converted',
        'backtest-pqls',
      ),
      fig('PQL lift', ratio(p.qualified.lift), 'PQL conversion rate / base rate', 'backtest-lift', p.qualified.lift),
      fig('PQL precision', this.precision, 'converters among PQLs / PQLs'),
      fig('PQL recall', this.recall, 'converters among PQLs / all converters'),
      fig(
        'PQL false-pos.',
        pct(p.fpr),
        'false-positive rate: PQLs that did not convert / all non-converters',
        'backtest-fpr',
        p.fpr,
      ),
      fig('non-PQLs convert', pct(p.not_qualified.rate), 'conversion rate of the entities that are not PQLs'),
    );
    const ks = (Object.keys(bt.precision_at) as (keyof Backtest['precision_at'])[]).sort(
      (a, b) => Number(a) - Number(b),
    );
    this.atK.replaceChildren(
      h(
        'table',
        { class: 'mini' },
        h(
          'thead',
          null,
          h('tr', null, h('th', { scope: 'col', text: 'top K' }), ...ks.map((k) => h('th', { scope: 'col', text: k }))),
        ),
        h(
          'tbody',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'row', text: 'precision' }),
            ...ks.map((k) =>
              h('td', { text: pct(bt.precision_at[k].precision, 0), 'data-value': raw(bt.precision_at[k].precision) }),
            ),
          ),
          h(
            'tr',
            null,
            h('th', { scope: 'row', text: 'recall' }),
            ...ks.map((k) =>
              h('td', { text: pct(bt.precision_at[k].recall, 0), 'data-value': raw(bt.precision_at[k].recall) }),
            ),
          ),
        ),
      ),
    );
  }

  private renderTiers(): void {
    const bt = this.bt!;
    const colors = bt.tiers.map((t) => this.view.tierColors.get(t.name) ?? PALETTE.grey);
    this.tierChart.update(
      bt.tiers.map((t) => t.name),
      bt.tiers.map((t) => t.lift),
      colors,
      { value: 1, label: '1×' },
    );
    this.tierTable.replaceChildren(
      h(
        'table',
        { class: 'mini' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['tier', 'entities', 'converted', 'rate', 'lift'].map((t) => h('th', { scope: 'col', text: t })),
          ),
        ),
        h(
          'tbody',
          null,
          ...bt.tiers.map((t) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row', class: 'evname', text: t.name, title: t.name }),
              h('td', { text: fmtInt(t.count) }),
              h('td', { text: fmtInt(t.conversions) }),
              h('td', { text: pct(t.rate) }),
              h('td', { text: ratio(t.lift), 'data-value': raw(t.lift) }),
            ),
          ),
        ),
      ),
    );
  }

  private renderSweepTable(): void {
    const bt = this.bt!;
    this.sweepTable.replaceChildren(
      h(
        'table',
        { class: 'mini' },
        h(
          'thead',
          null,
          h('tr', null, ...['min_score', 'PQLs', 'precision', 'recall'].map((t) => h('th', { scope: 'col', text: t }))),
        ),
        h(
          'tbody',
          null,
          ...bt.sweep.map((s) =>
            h(
              'tr',
              {
                'data-testid': 'sweep-row',
                'data-min-score': String(s.min_score),
                'data-qualified': String(s.qualified),
                'data-precision': raw(s.precision),
                'data-recall': raw(s.recall),
                class: s.min_score <= this.view.minScore && this.view.minScore < s.min_score + 5 ? 'current' : null,
              },
              h('th', { scope: 'row', text: String(s.min_score) }),
              h('td', { text: fmtInt(s.qualified) }),
              h('td', { text: pct(s.precision) }),
              h('td', { text: pct(s.recall) }),
            ),
          ),
        ),
      ),
    );
  }

  // The backtest's own calibration deciles: the population in rank order in ten groups.
  private renderCalibration(): void {
    const bt = this.bt!;
    const deciles = bt.calibration;
    if (!deciles.length) {
      this.calChart.update([], [], [], null);
      this.calTable.replaceChildren(h('p', { class: 'hint', text: 'No calibration for this population.' }));
      return;
    }
    this.calChart.update(
      deciles.map((d) => `D${d.decile}`),
      deciles.map((d) => d.rate),
      deciles.map(() => PALETTE.blue),
      bt.base_rate !== null ? { value: bt.base_rate, label: `base ${pct(bt.base_rate, 0)}` } : null,
    );
    this.calTable.replaceChildren(
      h(
        'table',
        { class: 'mini' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['decile', 'score', 'entities', 'converted', 'rate', 'lift'].map((t) =>
              h('th', { scope: 'col', text: t }),
            ),
          ),
        ),
        h(
          'tbody',
          null,
          ...deciles.map((d) =>
            h(
              'tr',
              {
                'data-testid': 'calibration-row',
                'data-count': String(d.count),
                'data-conversions': String(d.conversions),
              },
              h('th', { scope: 'row', text: String(d.decile) }),
              h('td', { text: `${fmt(d.min_score, 2)}–${fmt(d.max_score, 2)}` }),
              h('td', { text: fmtInt(d.count) }),
              h('td', { text: fmtInt(d.conversions) }),
              h('td', { text: pct(d.rate) }),
              h('td', { text: d.lift === null ? '–' : `${fmt(d.lift, 2)}×` }),
            ),
          ),
        ),
      ),
      h('p', {
        class: 'hint',
        text: 'Deciles: the backtest population in rank order, cut into ten groups of (nearly) equal size.',
      }),
    );
  }

  private renderSignals(): void {
    const bt = this.bt;
    if (!bt) {
      this.signals.replaceChildren();
      return;
    }
    const sg = this.sg;
    const suggestedCount = new Map((sg?.activation_steps ?? []).map((s) => [s.event, s.min_count]));
    const suggestedWeight = sg?.weights.weights ?? {};
    const rows = bt.signals
      .slice()
      .sort((a: Signal, b: Signal) => (b.lift ?? -1) - (a.lift ?? -1) || (a.event < b.event ? -1 : 1));
    const list = h(
      'ul',
      { class: 'signal-list' },
      ...rows.map((s) => {
        const count = suggestedCount.get(s.event) ?? 1;
        const isStep = this.view.steps.some((st) => st.event === s.event && st.min_count === count);
        const step = h('button', {
          type: 'button',
          class: 'icon',
          'data-testid': 'make-step',
          text: count > 1 ? `+ step (≥ ${count})` : '+ step',
          disabled: isStep,
          title: isStep
            ? 'Already an activation step'
            : `Make “${s.event}” ${count > 1 ? `(at least ${count} times, the suggested count) ` : ''}an activation step`,
          'aria-label': `Make ${s.event} an activation step`,
        });
        step.addEventListener('click', () => this.host.addStep(s.event, count));
        const w = suggestedWeight[s.event];
        const now = this.view.weights.get(s.event);
        const use = h('button', {
          type: 'button',
          class: 'icon',
          'data-testid': 'use-weight',
          text: w === undefined ? 'use w' : `use w ${w}`,
          disabled: w === undefined || w === now,
          title:
            w === undefined
              ? 'No suggested weight (yet)'
              : `Set the engagement weight of “${s.event}” to ${w} (now ${now ?? 'the default'})`,
          'aria-label': `Use the suggested weight for ${s.event}`,
        });
        use.addEventListener('click', () => {
          if (w !== undefined) this.host.setWeight(s.event, w);
        });
        return h(
          'li',
          { class: 'signal', 'data-testid': 'signal-row', 'data-event': s.event, 'data-lift': raw(s.lift) },
          h(
            'div',
            { class: 'sig-head' },
            h('span', { class: 'evname', text: s.event, title: s.event }),
            h('span', {
              class: 'sig-lift',
              text: `${ratio(s.lift, 1)} lift`,
              title: 'conversion rate of those who did it / base rate',
            }),
          ),
          h(
            'div',
            { class: 'sig-body' },
            h('span', {
              class: 'hint',
              text: `${pct(s.did_rate, 0)} vs ${pct(s.not_rate, 0)} convert · ${fmtInt(s.did)} did it (${pct(s.coverage, 0)}) · weight ${now ?? '–'}`,
            }),
            h('span', { class: 'sig-actions' }, step, use),
          ),
        );
      }),
    );
    this.signals.replaceChildren(rows.length ? list : h('p', { class: 'hint', text: 'No event in the window.' }));
  }
}
