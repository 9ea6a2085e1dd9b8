// "Why this score": the selected entity's explanation as the engine's explain() returns it
// (index.d.ts `Explanation`): points per event type, the activation checklist, fit rules, plan
// limits, traits, the PQL rule's evaluation and every metric; and its score history at past
// as_of dates.
import { HistoryChart, PointsChart } from './charts';
import { h, setText } from './dom';
import type { EntityScore, Explanation, HistoryPoint } from './protocol';
import type { RuleEvaluation, TraitValue } from '@pql/engine';
import { fmt, fmtDate, fmtInt } from './util';
import { whyCard } from './whycard';

function numText(v: number | TraitValue | TraitValue[] | null | undefined, digits = 2): string {
  if (typeof v === 'number') return Number.isInteger(v) ? fmtInt(v) : fmt(v, digits);
  if (v === null || v === undefined) return '–';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function mark(ok: boolean | null): HTMLElement {
  if (ok === null) return h('span', { class: 'mark unknown', 'aria-label': 'unknown', text: '?' });
  return h('span', { class: `mark ${ok ? 'yes' : 'no'}`, 'aria-label': ok ? 'yes' : 'no', text: ok ? '✓' : '✗' });
}

/** What the summary needs from the model in force (the engine's canonical model). */
export interface ModelInfo {
  weights: { activation: number; engagement: number; fit: number };
  minScore: number;
  requireActivation: boolean;
  hasRule: boolean;
}

export class ExplainPanel {
  readonly root: HTMLElement;
  private body: HTMLElement;
  private title: HTMLElement;
  private historyEl: HTMLElement;
  private historyNote: HTMLElement;
  private points: PointsChart;
  private pointsEl: HTMLElement;
  private historyChart: HistoryChart;
  private detailsOpen = false; // the Details toggle keeps its state from entity to entity

  constructor() {
    this.title = h('h2', { id: 'explain-title', text: 'Why this score' });
    this.pointsEl = h('div', {
      class: 'chart points-chart',
      role: 'img',
      'aria-label': 'Engagement points per event type',
    });
    this.historyEl = h('div', {
      class: 'chart history-chart',
      role: 'img',
      'aria-label': 'Score over the last 90 days',
    });
    this.historyNote = h('p', { class: 'hint' });
    this.body = h(
      'div',
      { class: 'explain-body' },
      h('p', {
        class: 'placeholder',
        text: 'Select an entity in the ranking (click, or focus the list and use the arrow keys) to see why it has its score.',
      }),
    );
    this.root = h('section', { class: 'panel explain', 'aria-labelledby': 'explain-title' }, this.title, this.body);
    this.points = new PointsChart(this.pointsEl);
    this.historyChart = new HistoryChart(this.historyEl);
  }

  clear(): void {
    setText(this.title, 'Why this score');
    this.body.replaceChildren(
      h('p', {
        class: 'placeholder',
        text: 'Select an entity in the ranking (click, or focus the list and use the arrow keys) to see why it has its score.',
      }),
    );
  }

  show(
    row: EntityScore | null,
    ex: Explanation | null,
    error: string | null,
    info: ModelInfo,
    totalSteps: number,
  ): void {
    if (!row) {
      this.clear();
      if (error) this.body.append(h('p', { class: 'error', text: error }));
      return;
    }
    setText(this.title, `Why ${row.name ?? row.id} scores ${fmt(row.score)}`);
    // The call-ready card first; the full tables behind Details (whycard.ts).
    const kids: HTMLElement[] = [whyCard(row, ex)];
    if (error) kids.push(h('p', { class: 'error', text: `Explanation unavailable: ${error}` }));
    // History.
    kids.push(
      h(
        'section',
        { class: 'sub' },
        h('h3', { text: 'Score over the last 90 days (weekly re-scores)' }),
        this.historyEl,
        this.historyNote,
      ),
    );
    const inner: HTMLElement[] = [this.summary(row, info, totalSteps, ex), this.composition(row, info)];
    if (ex) inner.push(...this.details(row, ex, totalSteps));
    if (ex) {
      inner.push(
        h(
          'details',
          { class: 'raw' },
          h('summary', { text: 'Explanation as JSON' }),
          h('pre', { text: JSON.stringify(ex, null, 2) }),
        ),
      );
    }
    const more = h(
      'details',
      { class: 'whydetails', 'data-testid': 'why-details', open: this.detailsOpen },
      h('summary', { text: 'Details: score checks, composition, points per event, steps, fit, limits, rule, metrics' }),
      ...inner,
    );
    more.addEventListener('toggle', () => {
      this.detailsOpen = more.open;
    });
    kids.push(more);
    this.body.replaceChildren(...kids);
  }

  // The explanation's parts, in the order a reader asks about them.
  private details(row: EntityScore, ex: Explanation, totalSteps: number): HTMLElement[] {
    const kids: HTMLElement[] = [];
    // Engagement: points per event type.
    const evSection = h('section', { class: 'sub' }, h('h3', { text: 'Engagement points per event type' }));
    if (ex.events_breakdown.length) {
      const items = ex.events_breakdown.slice().sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
      const weighted = items.filter((i) => i.points !== 0);
      if (weighted.length) evSection.append(this.pointsEl);
      else evSection.append(h('p', { class: 'hint', text: 'No weighted event type in the window: engagement is 0.' }));
      const table = h(
        'table',
        { class: 'mini' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...[
              ['event', 'event type'],
              ['n', 'events in the window'],
              ['decayed', 'decayed count'],
              ['capped', 'after the cap'],
              ['w', 'weight'],
              ['pts', 'points = w × capped'],
            ].map(([t, title]) => h('th', { scope: 'col', text: t, title })),
          ),
        ),
        h(
          'tbody',
          null,
          ...items.map((o) =>
            h(
              'tr',
              { class: o.points === 0 ? 'zero' : null },
              h('th', { scope: 'row', class: 'evname', text: o.event, title: o.event }),
              h('td', { text: numText(o.count) }),
              h('td', { text: numText(o.decayed, 1) }),
              h('td', { text: numText(o.capped, 1) }),
              h('td', { text: numText(o.weight) }),
              h('td', { text: numText(o.points, 1) }),
            ),
          ),
        ),
      );
      evSection.append(h('div', { class: 'scrollx' }, table));
      // The chart needs its container in the DOM to measure it.
      queueMicrotask(() =>
        this.points.update(weighted.slice(0, 14).map((o) => ({ label: o.event, points: o.points }))),
      );
    } else {
      evSection.append(
        h('p', {
          class: 'hint',
          text: `Engagement ${fmt(row.engagement)} from ${fmt(row.engagement_points, 2)} points.`,
        }),
      );
    }
    kids.push(evSection);

    // Activation checklist.
    if (ex.steps.length) {
      kids.push(
        h(
          'section',
          { class: 'sub' },
          h('h3', {
            text: `Activation ${row.steps_completed}/${totalSteps || ex.steps.length} steps${row.activated ? ' — activated' : ''}`,
          }),
          h(
            'ul',
            { class: 'checklist' },
            ...ex.steps.map((s) => {
              const parts = [`${numText(s.count)} / ${numText(s.min_count)} events`];
              if (s.min_users > 0) parts.push(`${numText(s.users)} / ${numText(s.min_users)} users`);
              return h(
                'li',
                { class: s.met ? 'met' : 'unmet' },
                mark(s.met),
                h('span', { class: 'what', text: s.name }),
                h('span', { class: 'detail', text: `${s.event} · ${parts.join(', ')}` }),
              );
            }),
          ),
        ),
      );
    }

    // Fit rules.
    if (ex.fit_rules.length) {
      kids.push(
        h(
          'section',
          { class: 'sub' },
          h('h3', { text: `Fit ${fmt(row.fit)} — rules` }),
          h(
            'ul',
            { class: 'checklist' },
            ...ex.fit_rules.map((r) => {
              const full = r.value === undefined ? '' : ` ${JSON.stringify(r.value)}`;
              const val = full.length > 42 ? `${full.slice(0, 40)}…` : full;
              return h(
                'li',
                { class: r.matched ? 'met' : 'unmet' },
                mark(r.matched),
                h('span', { class: 'what', text: `${r.trait} ${r.op}${val}`, title: `${r.trait} ${r.op}${full}` }),
                h('span', {
                  class: 'detail',
                  text: `${r.actual !== null ? `is ${JSON.stringify(r.actual)} · ` : ''}${numText(r.points)} pts`,
                }),
              );
            }),
          ),
        ),
      );
    }

    // Plan limits.
    if (ex.limits.length) {
      kids.push(
        h(
          'section',
          { class: 'sub' },
          h('h3', { text: 'Plan limits' }),
          h(
            'ul',
            { class: 'checklist compact' },
            ...ex.limits.map((l) =>
              h(
                'li',
                null,
                h('span', { class: 'mark', text: '·' }),
                h('span', {
                  class: 'what',
                  text: `limit.${l.name} = ${numText(l.count)} ${l.event} / ${numText(l.limit)} = ${numText(l.usage)}`,
                }),
              ),
            ),
          ),
        ),
      );
    }

    // Traits.
    const traits = Object.entries(ex.traits);
    if (traits.length) {
      kids.push(
        h(
          'section',
          { class: 'sub' },
          h('h3', { text: 'Traits' }),
          h(
            'dl',
            { class: 'metrics' },
            ...traits.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: numText(v) })]),
          ),
        ),
      );
    }

    // The PQL rule's evaluation.
    if (ex.rule)
      kids.push(
        h(
          'section',
          { class: 'sub' },
          h('h3', { text: 'PQL rule' }),
          h('div', { class: 'ruletree' }, renderRule(ex.rule)),
        ),
      );

    // Every metric.
    kids.push(
      h(
        'section',
        { class: 'sub' },
        h('h3', { text: 'Metrics' }),
        h(
          'dl',
          { class: 'metrics' },
          ...Object.entries(ex.metrics).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: numText(v, 3) })]),
        ),
      ),
    );
    return kids;
  }

  setHistory(points: HistoryPoint[], done: boolean, threshold: number): void {
    this.historyChart.update(
      points.map((p) => p.t),
      points.map((p) => p.score),
      threshold,
    );
    const valid = points.filter((p) => p.score !== null);
    if (!valid.length) {
      setText(this.historyNote, done ? 'Not ranked in this period.' : 'Re-scoring…');
      return;
    }
    const firstP = valid[0];
    const lastP = valid[valid.length - 1];
    const delta = (lastP.score ?? 0) - (firstP.score ?? 0);
    setText(
      this.historyNote,
      `${done ? '' : 'Re-scoring… '}${fmtDate(firstP.as_of)} ${fmt(firstP.score)} → ${fmtDate(lastP.as_of)} ${fmt(lastP.score)} (${delta >= 0 ? '+' : ''}${fmt(delta)})`,
    );
  }

  private summary(row: EntityScore, info: ModelInfo, totalSteps: number, ex: Explanation | null): HTMLElement {
    const checks: [string, boolean | null][] = [
      [`score ${fmt(row.score)} ≥ ${info.minScore}`, row.score >= info.minScore],
    ];
    if (info.requireActivation) checks.push([`activated (${row.steps_completed}/${totalSteps} steps)`, row.activated]);
    // Until the explanation arrives the rule's outcome is unknown (a question mark).
    if (info.hasRule) checks.push(['PQL rule holds (see below)', ex ? ex.qualification.rule_ok : null]);
    if (row.converted)
      checks.push([
        `a customer since ${fmtDate(row.converted_at)} (customers are not leads)`,
        ex ? ex.qualification.customer_ok : null,
      ]);
    return h(
      'section',
      { class: 'sub summary' },
      h(
        'div',
        { class: 'kv' },
        h('span', null, h('b', { text: 'Rank ' }), String(row.rank)),
        h('span', null, h('b', { text: 'Tier ' }), row.tier ?? '–'),
        h('span', null, h('b', { text: 'Grade ' }), row.grade ?? '–'),
        h('span', { class: row.qualified ? 'pqlmark' : 'muted', text: row.qualified ? 'PQL' : 'not a PQL' }),
      ),
      h(
        'ul',
        { class: 'checklist compact' },
        ...checks.map(([t, ok]) =>
          h('li', { class: ok ? 'met' : 'unmet' }, mark(ok), h('span', { class: 'what', text: t })),
        ),
      ),
      h('p', {
        class: 'hint',
        text: `${fmtInt(row.events)} events by ${fmtInt(row.users)} users in the window, ${fmtInt(row.active_users)} active · velocity ${fmt(row.velocity, 2)} · seen ${fmtDate(row.first_seen)} → ${fmtDate(row.last_seen)}`,
      }),
    );
  }

  private composition(row: EntityScore, info: ModelInfo): HTMLElement {
    const w = info.weights;
    const sum = w.activation + w.engagement + w.fit || 1;
    const parts = [
      { name: 'Activation', value: row.activation, weight: w.activation, cls: 'p-act' },
      { name: 'Engagement', value: row.engagement, weight: w.engagement, cls: 'p-eng' },
      { name: 'Fit', value: row.fit, weight: w.fit, cls: 'p-fit' },
    ];
    const stack = h('div', { class: 'stack', role: 'img', 'aria-label': 'Score composition' });
    for (const p of parts) {
      const seg = h('span', { class: `seg ${p.cls}` });
      seg.style.width = `${(p.weight * p.value) / sum}%`;
      stack.append(seg);
    }
    return h(
      'section',
      { class: 'sub' },
      h('h3', { text: 'Score composition' }),
      stack,
      h(
        'table',
        { class: 'mini' },
        h(
          'thead',
          null,
          h('tr', null, ...['component', 'value', 'weight', 'adds'].map((t) => h('th', { scope: 'col', text: t }))),
        ),
        h(
          'tbody',
          null,
          ...parts.map((p) =>
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, h('span', { class: `swatch ${p.cls}` }), p.name),
              h('td', { text: fmt(p.value) }),
              h('td', { text: fmt(p.weight, 0) }),
              h('td', { text: fmt((p.weight * p.value) / sum, 2) }),
            ),
          ),
        ),
      ),
    );
  }
}

// A failing leaf is a cause unless an enclosing node holds anyway (a sibling in an any).
function renderRule(node: RuleEvaluation, parentOk: boolean | null = null): HTMLElement {
  const ok = node.result;
  const passDown = parentOk === true ? true : ok;
  const cls = `rnode ${ok ? 'pass' : 'fail'}`;
  if ('all' in node || 'any' in node) {
    const kids = 'all' in node ? node.all : node.any;
    return h(
      'div',
      { class: cls },
      h('div', { class: 'rhead' }, mark(ok), h('span', { text: 'all' in node ? 'all of' : 'any of' })),
      h('div', { class: 'rkids' }, ...kids.map((k) => renderRule(k, passDown))),
    );
  }
  if ('not' in node) {
    return h(
      'div',
      { class: cls },
      h('div', { class: 'rhead' }, mark(ok), h('span', { text: 'not' })),
      h('div', { class: 'rkids' }, renderRule(node.not, !passDown)),
    );
  }
  const failedHere = !ok && parentOk !== true;
  return h(
    'div',
    { class: `rnode leaf ${failedHere ? 'fail' : ok ? 'pass' : 'miss'}` },
    h(
      'div',
      { class: 'rhead' },
      mark(ok),
      h('code', { text: `${node.metric} ${node.op} ${JSON.stringify(node.value ?? null)}` }),
      h('span', { class: 'detail', text: ` (is ${numText(node.actual, 3)})` }),
      failedHere ? h('span', { class: 'failtag', text: 'fails' }) : null,
    ),
  );
}
