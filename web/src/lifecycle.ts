// Lifecycle tab (issue #16, SPEC §7.8): the funnel by signup cohort (activation, PQL and
// conversion rates, median days to each) as a chart and a table, and the latest signups with
// their activation checklist. The figures are the engine's funnel(), recomputed in the worker
// after each model change (the ranking never waits for it).
import { h, setText } from './dom';
import type { Funnel, FunnelFigures, LatestSignup, ModelError } from './protocol';
import { fmt, fmtDate, fmtInt } from './util';

export interface LifecycleHost {
  /** The cohort grouping changed: ask for the funnel again. */
  changed(): void;
  select(id: string): void;
}

const pct = (v: number | null) => (v === null ? '–' : `${fmt(100 * v, 1)}%`);
const days = (v: number | null) => (v === null ? '–' : fmt(v, 1));
const SERIES: { key: 'activation_rate' | 'pql_rate' | 'conversion_rate'; label: string; cls: string }[] = [
  { key: 'activation_rate', label: 'activated', cls: 'lc-act' },
  { key: 'pql_rate', label: 'became PQL', cls: 'lc-pql' },
  { key: 'conversion_rate', label: 'converted', cls: 'lc-conv' },
];

export class LifecyclePanel {
  readonly root: HTMLElement;
  private cohortSel: HTMLSelectElement;
  private status: HTMLElement;
  private chart: HTMLElement;
  private table: HTMLElement;
  private latest: HTMLElement;
  private newestFirst = true;
  private signups: LatestSignup[] = [];
  private revision = 0;

  constructor(private host: LifecycleHost) {
    this.cohortSel = h(
      'select',
      { 'data-testid': 'lifecycle-cohort', 'aria-label': 'Cohort' },
      h('option', { value: 'week', text: 'by signup week' }),
      h('option', { value: 'month', text: 'by signup month' }),
    );
    this.cohortSel.addEventListener('change', () => this.host.changed());
    this.status = h('p', { class: 'bt-status', role: 'status', 'aria-live': 'polite' });
    this.chart = h('div', { class: 'lc-chart', 'data-testid': 'lifecycle-chart' });
    this.table = h('div', { class: 'lc-table' });
    this.latest = h('div', { class: 'lc-latest' });
    this.root = h(
      'section',
      {
        class: 'panel lifecycle',
        'data-testid': 'lifecycle',
        'data-revision': '0',
        'data-busy': 'false',
        'aria-labelledby': 'lifecycle-title',
      },
      h('h2', { id: 'lifecycle-title', text: 'Lifecycle: signup → activated → PQL → customer' }),
      h('div', { class: 'buttons' }, this.cohortSel),
      this.status,
      this.chart,
      this.table,
      h('section', { class: 'sub' }, h('h3', { text: 'Latest signups and their activation steps' }), this.latest),
    );
  }

  get cohort(): 'week' | 'month' {
    return this.cohortSel.value === 'month' ? 'month' : 'week';
  }

  showError(e: ModelError): void {
    setText(this.status, `No funnel: ${e.message}`);
    this.chart.replaceChildren();
    this.table.replaceChildren();
    this.bump();
  }

  show(f: Funnel, latest: LatestSignup[]): void {
    setText(
      this.status,
      `${fmtInt(f.all.entities)} signups up to ${fmtDate(f.as_of)}: ${pct(f.all.activation_rate)} activated, ` +
        `${pct(f.all.pql_rate)} became PQLs, ${pct(f.all.pql_to_customer_rate)} of PQLs became customers` +
        (f.all.converted === null ? ' (no conversions: set conversion_event or load outcomes)' : '') +
        '.',
    );
    this.renderChart(f);
    this.renderTable(f);
    this.signups = latest;
    this.renderLatest();
    this.bump();
  }

  private bump(): void {
    this.root.dataset.revision = String(++this.revision);
  }

  // Rates by cohort as lines (0–100%), oldest cohort on the left.
  private renderChart(f: Funnel): void {
    const NS = 'http://www.w3.org/2000/svg';
    const W = 320,
      H = 120,
      L = 28,
      B = 16;
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Activation, PQL and conversion rate by cohort');
    const n = f.cohorts.length;
    const x = (i: number) => L + (n <= 1 ? (W - L) / 2 : (i * (W - L - 6)) / (n - 1));
    const y = (v: number) => H - B - v * (H - B - 6);
    for (const g of [0, 0.5, 1]) {
      const line = document.createElementNS(NS, 'line');
      line.setAttribute('x1', String(L));
      line.setAttribute('x2', String(W));
      line.setAttribute('y1', String(y(g)));
      line.setAttribute('y2', String(y(g)));
      line.setAttribute('class', 'lc-grid');
      const t = document.createElementNS(NS, 'text');
      t.setAttribute('x', '0');
      t.setAttribute('y', String(y(g) + 3));
      t.textContent = `${g * 100}%`;
      svg.append(line, t);
    }
    for (const s of SERIES) {
      const pts = f.cohorts
        .map((c, i) => (c[s.key] === null ? null : `${x(i).toFixed(1)},${y(c[s.key] as number).toFixed(1)}`))
        .filter(Boolean);
      if (!pts.length) continue;
      const p = document.createElementNS(NS, 'polyline');
      p.setAttribute('points', pts.join(' '));
      p.setAttribute('class', s.cls);
      p.setAttribute('fill', 'none');
      svg.append(p);
    }
    const legend = h(
      'p',
      { class: 'hint' },
      ...SERIES.map((s) => h('span', { class: `lc-key ${s.cls}`, text: `— ${s.label} ` })),
    );
    this.chart.replaceChildren(svg, legend);
  }

  private renderTable(f: Funnel): void {
    const head = ['cohort', 'signups', 'activated', 'days', 'PQL', 'days', 'customers', 'PQL → paid', 'days'];
    // data-* carry the unrounded figures (the end-to-end test compares them with the CLI's).
    const row = (name: string, r: FunnelFigures, testid: string) =>
      h(
        'tr',
        { 'data-testid': testid, 'data-cohort': name, 'data-figures': JSON.stringify(r) },
        h('th', { scope: 'row', text: name }),
        h('td', { text: fmtInt(r.entities) }),
        h('td', { text: `${fmtInt(r.activated)} (${pct(r.activation_rate)})` }),
        h('td', { text: days(r.median_days_to_activate) }),
        h('td', { text: `${fmtInt(r.became_pql)} (${pct(r.pql_rate)})` }),
        h('td', { text: days(r.median_days_to_pql) }),
        h('td', { text: r.converted === null ? '–' : `${fmtInt(r.converted)} (${pct(r.conversion_rate)})` }),
        h('td', { text: pct(r.pql_to_customer_rate) }),
        h('td', { text: days(r.median_days_pql_to_paid) }),
      );
    this.table.replaceChildren(
      h(
        'table',
        { class: 'grid', 'data-testid': 'lifecycle-table' },
        h('thead', null, h('tr', null, ...head.map((t) => h('th', { scope: 'col', text: t })))),
        h(
          'tbody',
          null,
          ...f.cohorts.map((c) => row(c.cohort, c, `lifecycle-cohort-${c.cohort}`)),
          row('all', f.all, 'lifecycle-all'),
        ),
      ),
    );
  }

  private renderLatest(): void {
    if (!this.signups.length) {
      this.latest.replaceChildren(h('p', { class: 'hint', text: 'No signups.' }));
      return;
    }
    const sorted = [...this.signups].sort(
      (a, b) =>
        (this.newestFirst ? -1 : 1) * (a.first_seen < b.first_seen ? -1 : a.first_seen > b.first_seen ? 1 : 0) ||
        (a.id < b.id ? -1 : 1),
    );
    const sortBtn = h('button', {
      type: 'button',
      class: 'linkish',
      'data-testid': 'lifecycle-sort',
      text: `signed up ${this.newestFirst ? '▼' : '▲'}`,
      title: 'Sort by signup date',
    });
    sortBtn.addEventListener('click', () => {
      this.newestFirst = !this.newestFirst;
      this.renderLatest();
    });
    const rows = sorted.map((s) => {
      const open = h('button', { type: 'button', class: 'linkish', text: s.id, title: 'Show why' });
      open.addEventListener('click', () => this.host.select(s.id));
      const done = s.steps.filter((x) => x.met).length;
      return h(
        'tr',
        { 'data-testid': 'lifecycle-signup', 'data-id': s.id, 'data-first-seen': s.first_seen, 'data-done': done },
        h('td', null, open),
        h('td', { text: fmtDate(s.first_seen) }),
        h('td', { text: `${done} of ${s.steps.length}` }),
        h(
          'td',
          null,
          ...s.steps.map((x) =>
            h('span', {
              class: x.met ? 'lc-step met' : 'lc-step',
              title: `${x.name}: ${x.count} of ${x.min_count}`,
              text: `${x.met ? '✓' : '○'} ${x.name} `,
            }),
          ),
        ),
      );
    });
    this.latest.replaceChildren(
      h(
        'table',
        { class: 'grid' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col', text: 'entity' }),
            h('th', { scope: 'col' }, sortBtn),
            h('th', { scope: 'col', text: 'steps' }),
            h('th', { scope: 'col', text: 'checklist' }),
          ),
        ),
        h('tbody', null, ...rows),
      ),
    );
  }
}
