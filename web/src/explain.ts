// "Why this score": the selected entity's explanation, rendered defensively from the engine's
// explain() JSON (known parts get charts and checklists; the whole is also shown as text),
// and its score history at past as_of dates.
import { HistoryChart, PointsChart } from './charts';
import { h, setText } from './dom';
import type { HistoryPoint, ScoreRow } from './protocol';
import { fmt, fmtDate, fmtInt, getPath, isObject, num } from './util';

type Obj = Record<string, unknown>;

const PASS_KEYS = ['result', 'pass', 'passed', 'holds', 'ok', 'met', 'matched', 'satisfied'];

function pick(obj: unknown, paths: string[][]): unknown {
  for (const p of paths) {
    const v = getPath(obj, p);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

// An array of objects, or an object keyed by name turned into one (the key as `name`).
function listOf(v: unknown, nameKey = 'name'): Obj[] {
  if (Array.isArray(v)) return v.filter(isObject) as Obj[];
  if (isObject(v)) return Object.entries(v).filter(([, x]) => isObject(x)).map(([k, x]) => ({ [nameKey]: k, ...(x as Obj) }));
  return [];
}

function passOf(o: Obj): boolean | null {
  for (const k of PASS_KEYS) if (typeof o[k] === 'boolean') return o[k] as boolean;
  return null;
}

function numText(v: unknown, digits = 2): string {
  if (typeof v === 'number') return Number.isInteger(v) ? fmtInt(v) : fmt(v, digits);
  if (v === null || v === undefined) return '–';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function mark(ok: boolean | null): HTMLElement {
  if (ok === null) return h('span', { class: 'mark unknown', 'aria-label': 'unknown', text: '?' });
  return h('span', { class: `mark ${ok ? 'yes' : 'no'}`, 'aria-label': ok ? 'yes' : 'no', text: ok ? '✓' : '✗' });
}

export interface ModelInfo { weights: { activation: number; engagement: number; fit: number }; minScore: number; requireActivation: boolean; hasRule: boolean }

export class ExplainPanel {
  readonly root: HTMLElement;
  private body: HTMLElement;
  private title: HTMLElement;
  private historyEl: HTMLElement;
  private historyNote: HTMLElement;
  private points: PointsChart;
  private pointsEl: HTMLElement;
  private historyChart: HistoryChart;

  constructor() {
    this.title = h('h2', { id: 'explain-title', text: 'Why this score' });
    this.pointsEl = h('div', { class: 'chart points-chart', role: 'img', 'aria-label': 'Engagement points per event type' });
    this.historyEl = h('div', { class: 'chart history-chart', role: 'img', 'aria-label': 'Score over the last 90 days' });
    this.historyNote = h('p', { class: 'hint' });
    this.body = h('div', { class: 'explain-body' },
      h('p', { class: 'placeholder', text: 'Select an entity in the ranking (click, or focus the list and use the arrow keys) to see why it has its score.' }));
    this.root = h('section', { class: 'panel explain', 'aria-labelledby': 'explain-title' },
      this.title, this.body);
    this.points = new PointsChart(this.pointsEl);
    this.historyChart = new HistoryChart(this.historyEl);
  }

  clear(): void {
    setText(this.title, 'Why this score');
    this.body.replaceChildren(h('p', { class: 'placeholder', text: 'Select an entity in the ranking (click, or focus the list and use the arrow keys) to see why it has its score.' }));
  }

  show(row: ScoreRow | null, ex: unknown, error: string | null, info: ModelInfo, totalSteps: number): void {
    const q = isObject(ex) && isObject((ex as Obj).qualification) ? ((ex as Obj).qualification as Obj) : null;
    if (!row) {
      this.clear();
      if (error) this.body.append(h('p', { class: 'error', text: error }));
      return;
    }
    setText(this.title, `Why ${row.name ?? row.id} scores ${fmt(row.score)}`);
    const kids: HTMLElement[] = [];
    kids.push(this.summary(row, info, totalSteps, q));
    kids.push(this.composition(row, info));
    if (error) kids.push(h('p', { class: 'error', text: `Explanation unavailable: ${error}` }));
    const e = isObject(ex) ? (ex as Obj) : null;

    // Engagement: points per event type.
    const events = listOf(pick(e, [['events_breakdown'], ['engagement', 'events'], ['events'], ['event_types'], ['breakdown'], ['engagement', 'breakdown']]), 'event');
    const evSection = h('section', { class: 'sub' }, h('h3', { text: 'Engagement points per event type' }));
    if (events.length) {
      const items = events.map((o) => ({
        label: String(o.event ?? o.name ?? o.type ?? '?'),
        points: num(o.points ?? o.contribution, 0),
        o,
      })).sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
      const weighted = items.filter((i) => i.points !== 0);
      if (weighted.length) evSection.append(this.pointsEl);
      else evSection.append(h('p', { class: 'hint', text: 'No weighted event type in the window: engagement is 0.' }));
      const table = h('table', { class: 'mini' },
        h('thead', null, h('tr', null, ...[['event', 'event type'], ['n', 'events in the window'], ['decayed', 'decayed count'], ['capped', 'after the cap'], ['w', 'weight'], ['pts', 'points = w × capped']]
          .map(([t, title]) => h('th', { scope: 'col', text: t, title })))),
        h('tbody', null, ...items.map(({ label, o, points }) => h('tr', { class: points === 0 ? 'zero' : null },
          h('th', { scope: 'row', class: 'evname', text: label, title: label }),
          h('td', { text: numText(o.count ?? o.in_window ?? o.events) }),
          h('td', { text: numText(o.decayed ?? o.decayed_count, 1) }),
          h('td', { text: numText(o.capped ?? o.capped_count, 1) }),
          h('td', { text: numText(o.weight) }),
          h('td', { text: numText(o.points ?? o.contribution, 1) }))))
      );
      evSection.append(h('div', { class: 'scrollx' }, table));
      kids.push(evSection);
      // The chart needs its container in the DOM to measure it.
      queueMicrotask(() => this.points.update(weighted.slice(0, 14).map(({ label, points }) => ({ label, points }))));
    } else {
      evSection.append(h('p', { class: 'hint', text: `Engagement ${fmt(row.engagement)} from ${fmt(row.engagement_points, 2)} points.` }));
      kids.push(evSection);
    }

    // Activation checklist.
    const steps = listOf(pick(e, [['activation', 'steps'], ['steps']]));
    if (steps.length) {
      kids.push(h('section', { class: 'sub' }, h('h3', { text: `Activation ${row.steps_completed}/${totalSteps || steps.length} steps${row.activated ? ' — activated' : ''}` }),
        h('ul', { class: 'checklist' }, ...steps.map((s) => {
          const met = passOf(s);
          const parts: string[] = [];
          const count = s.count ?? s.events;
          const minCount = s.min_count;
          if (count !== undefined) parts.push(`${numText(count)}${minCount !== undefined ? ` / ${numText(minCount)}` : ''} events`);
          const users = s.users ?? s.distinct_users;
          const minUsers = s.min_users;
          if (users !== undefined && (minUsers === undefined || num(minUsers) > 0)) parts.push(`${numText(users)}${minUsers !== undefined ? ` / ${numText(minUsers)}` : ''} users`);
          return h('li', { class: met ? 'met' : 'unmet' }, mark(met),
            h('span', { class: 'what', text: String(s.name ?? s.event ?? 'step') }),
            h('span', { class: 'detail', text: `${s.event !== undefined ? String(s.event) : ''}${parts.length ? ` · ${parts.join(', ')}` : ''}` }));
        }))));
    }

    // Fit rules.
    const rules = listOf(pick(e, [['fit', 'rules'], ['rules'], ['fit_rules']]));
    if (rules.length) {
      kids.push(h('section', { class: 'sub' }, h('h3', { text: `Fit ${fmt(row.fit)} — rules` }),
        h('ul', { class: 'checklist' }, ...rules.map((r) => {
          const ok = passOf(r);
          const actual = r.actual ?? r.trait_value ?? r.observed;
          const full = r.value === undefined ? '' : ` ${JSON.stringify(r.value)}`;
          const val = full.length > 42 ? `${full.slice(0, 40)}…` : full;
          return h('li', { class: ok ? 'met' : 'unmet' }, mark(ok),
            h('span', { class: 'what', text: `${String(r.trait ?? '?')} ${String(r.op ?? '')}${val}`, title: `${String(r.trait ?? '?')} ${String(r.op ?? '')}${full}` }),
            h('span', { class: 'detail', text: `${actual !== undefined ? `is ${JSON.stringify(actual)} · ` : ''}${numText(r.points)} pts` }));
        }))));
    }

    // Plan limits.
    const limits = listOf(pick(e, [['limits']]));
    if (limits.length) {
      kids.push(h('section', { class: 'sub' }, h('h3', { text: 'Plan limits' }),
        h('ul', { class: 'checklist compact' }, ...limits.map((l) => h('li', null, h('span', { class: 'mark', text: '·' }),
          h('span', { class: 'what', text: `limit.${String(l.name ?? '?')} = ${numText(l.count)} ${String(l.event ?? '')} / ${numText(l.limit)} = ${numText(l.usage)}` }))))));
    }

    // Traits.
    const traits = pick(e, [['traits']]);
    if (isObject(traits) && Object.keys(traits).length) {
      kids.push(h('section', { class: 'sub' }, h('h3', { text: 'Traits' }),
        h('dl', { class: 'metrics' }, ...Object.entries(traits).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: numText(v) })]))));
    }

    // The PQL rule's evaluation.
    const rule = pick(e, [['rule'], ['pql', 'rule'], ['rule_evaluation'], ['evaluation']]);
    if (isObject(rule) && Object.keys(rule).length) {
      kids.push(h('section', { class: 'sub' }, h('h3', { text: 'PQL rule' }), h('div', { class: 'ruletree' }, renderRule(rule as Obj))));
    }

    // Every metric.
    const metrics = pick(e, [['metrics']]);
    if (isObject(metrics)) {
      kids.push(h('section', { class: 'sub' }, h('h3', { text: 'Metrics' }),
        h('dl', { class: 'metrics' }, ...Object.entries(metrics).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: numText(v, 3) })]))));
    }

    // History.
    kids.push(h('section', { class: 'sub' }, h('h3', { text: 'Score over the last 90 days (weekly re-scores)' }), this.historyEl, this.historyNote));

    if (e) {
      kids.push(h('details', { class: 'raw' }, h('summary', { text: 'Explanation as JSON' }),
        h('pre', { text: JSON.stringify(e, null, 2) })));
    }
    this.body.replaceChildren(...kids);
  }

  setHistory(points: HistoryPoint[], done: boolean, threshold: number): void {
    this.historyChart.update(points.map((p) => p.t), points.map((p) => p.score), threshold);
    const valid = points.filter((p) => p.score !== null);
    if (!valid.length) { setText(this.historyNote, done ? 'Not ranked in this period.' : 'Re-scoring…'); return; }
    const firstP = valid[0];
    const lastP = valid[valid.length - 1];
    const delta = (lastP.score ?? 0) - (firstP.score ?? 0);
    setText(this.historyNote, `${done ? '' : 'Re-scoring… '}${fmtDate(firstP.as_of)} ${fmt(firstP.score)} → ${fmtDate(lastP.as_of)} ${fmt(lastP.score)} (${delta >= 0 ? '+' : ''}${fmt(delta)})`);
  }

  private summary(row: ScoreRow, info: ModelInfo, totalSteps: number, q: Obj | null): HTMLElement {
    const checks: [string, boolean | null][] = [[`score ${fmt(row.score)} ≥ ${info.minScore}`, row.score >= info.minScore]];
    if (info.requireActivation) checks.push([`activated (${row.steps_completed}/${totalSteps} steps)`, row.activated]);
    if (info.hasRule) {
      const scoreOk = row.score >= info.minScore && (!info.requireActivation || row.activated);
      // Qualified iff every part holds, so the rule's outcome is known unless another part failed.
      const ruleOk = q && typeof q.rule_ok === 'boolean' ? q.rule_ok : row.qualified ? true : scoreOk ? false : null;
      checks.push(['PQL rule holds (see below)', ruleOk]);
    }
    return h('section', { class: 'sub summary' },
      h('div', { class: 'kv' },
        h('span', null, h('b', { text: 'Rank ' }), String(row.rank)),
        h('span', null, h('b', { text: 'Tier ' }), row.tier ?? '–'),
        h('span', null, h('b', { text: 'Grade ' }), row.grade ?? '–'),
        h('span', { class: row.qualified ? 'pqlmark' : 'muted', text: row.qualified ? 'PQL' : 'not a PQL' })),
      h('ul', { class: 'checklist compact' }, ...checks.map(([t, ok]) => h('li', { class: ok ? 'met' : 'unmet' }, mark(ok), h('span', { class: 'what', text: t })))),
      h('p', { class: 'hint', text: `${fmtInt(row.events)} events by ${fmtInt(row.users)} users in the window, ${fmtInt(row.active_users)} active · velocity ${fmt(row.velocity, 2)} · seen ${fmtDate(row.first_seen)} → ${fmtDate(row.last_seen)}` }));
  }

  private composition(row: ScoreRow, info: ModelInfo): HTMLElement {
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
    return h('section', { class: 'sub' }, h('h3', { text: 'Score composition' }), stack,
      h('table', { class: 'mini' },
        h('thead', null, h('tr', null, ...['component', 'value', 'weight', 'adds'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', null, ...parts.map((p) => h('tr', null,
          h('th', { scope: 'row' }, h('span', { class: `swatch ${p.cls}` }), p.name),
          h('td', { text: fmt(p.value) }), h('td', { text: fmt(p.weight, 0) }),
          h('td', { text: fmt((p.weight * p.value) / sum, 2) }))))));
  }
}

// A failing leaf is a cause unless an enclosing node holds anyway (a sibling in an any).
function renderRule(node: Obj, parentOk: boolean | null = null): HTMLElement {
  const ok = passOf(node);
  const passDown = parentOk === true ? true : ok;
  for (const combinator of ['all', 'any'] as const) {
    const kids = node[combinator] ?? (node.op === combinator ? node.children ?? node.rules : undefined);
    if (Array.isArray(kids)) {
      return h('div', { class: `rnode ${ok === false ? 'fail' : ok ? 'pass' : ''}` },
        h('div', { class: 'rhead' }, mark(ok), h('span', { text: combinator === 'all' ? 'all of' : 'any of' })),
        h('div', { class: 'rkids' }, ...kids.filter(isObject).map((k) => renderRule(k as Obj, passDown))));
    }
  }
  const inner = node.not ?? (node.op === 'not' ? node.child ?? node.rule : undefined);
  if (isObject(inner)) {
    return h('div', { class: `rnode ${ok === false ? 'fail' : ok ? 'pass' : ''}` },
      h('div', { class: 'rhead' }, mark(ok), h('span', { text: 'not' })),
      h('div', { class: 'rkids' }, renderRule(inner as Obj, passDown === null ? null : !passDown)));
  }
  const leaf = isObject(node.leaf) ? (node.leaf as Obj) : node;
  const actual = node.actual ?? node.metric_value ?? node.observed ?? node.left;
  const failedHere = ok === false && parentOk !== true;
  return h('div', { class: `rnode leaf ${failedHere ? 'fail' : ok ? 'pass' : ok === false ? 'miss' : ''}` },
    h('div', { class: 'rhead' }, mark(ok),
      h('code', { text: `${String(leaf.metric ?? '?')} ${String(leaf.op ?? '')} ${JSON.stringify(leaf.value ?? null)}` }),
      actual !== undefined ? h('span', { class: 'detail', text: ` (is ${numText(actual, 3)})` }) : null,
      failedHere ? h('span', { class: 'failtag', text: 'fails' }) : null));
}
