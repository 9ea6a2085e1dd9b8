// A/B compare: pin the current model as A, keep editing (B), and see what B does to the
// ranking on the same data: the tier migration matrix, who changes tier, and the biggest
// movers with the part of their move that comes from each component and event type. The
// figures are the engine's compare() (docs/model.md#backtests).
import { h, setText } from './dom';
import type { Comparison, ModelError, Mover } from './protocol';
import { fmt, fmtInt } from './util';

export interface CompareHost {
  pin(): void;
  unpin(): void;
  /** Makes A the model being edited again. */
  restoreA(): void;
  select(id: string): void;
}

const signed = (v: number, digits = 1) => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)}`;

export class ComparePanel {
  readonly root: HTMLElement;
  private pinBtn: HTMLButtonElement;
  private unpinBtn: HTMLButtonElement;
  private restoreBtn: HTMLButtonElement;
  private pinnedNote: HTMLElement;
  private status: HTMLElement;
  private body: HTMLElement;
  private revision = 0;

  constructor(private host: CompareHost) {
    this.pinBtn = h('button', {
      type: 'button',
      'data-testid': 'pin',
      text: 'Pin this model as A',
      title: 'Keep the current model as A; every later change is B',
    });
    this.pinBtn.addEventListener('click', () => this.host.pin());
    this.unpinBtn = h('button', { type: 'button', 'data-testid': 'unpin', text: 'Unpin', hidden: true });
    this.unpinBtn.addEventListener('click', () => this.host.unpin());
    this.restoreBtn = h('button', {
      type: 'button',
      'data-testid': 'restore-a',
      text: 'Back to A',
      title: 'Edit A again (B is dropped)',
      hidden: true,
    });
    this.restoreBtn.addEventListener('click', () => this.host.restoreA());
    this.pinnedNote = h('p', {
      class: 'hint',
      text: 'Pin the current model as A, then keep editing: this panel compares B, the model you edit, with A on the same data.',
    });
    this.status = h('p', { class: 'bt-status', role: 'status', 'aria-live': 'polite' });
    this.body = h('div', { class: 'cmp-body' });
    this.root = h(
      'section',
      {
        class: 'panel compare',
        'data-testid': 'compare',
        'data-revision': '0',
        'data-busy': 'false',
        'aria-labelledby': 'compare-title',
      },
      h('h2', { id: 'compare-title', text: 'Compare: A (pinned) against B (the model you edit)' }),
      h('div', { class: 'buttons' }, this.pinBtn, this.restoreBtn, this.unpinBtn),
      this.pinnedNote,
      this.status,
      this.body,
    );
  }

  setPinned(when: string | null): void {
    const pinned = when !== null;
    this.pinBtn.textContent = pinned ? 'Pin this model as A instead' : 'Pin this model as A';
    this.unpinBtn.hidden = !pinned;
    this.restoreBtn.hidden = !pinned;
    setText(
      this.pinnedNote,
      pinned
        ? `A was pinned at ${when}. Every change you make now is B; the figures follow each change.`
        : 'Pin the current model as A, then keep editing: this panel compares B, the model you edit, with A on the same data.',
    );
    if (!pinned) {
      this.body.replaceChildren();
      setText(this.status, '');
      this.bump();
    }
  }

  showError(e: ModelError): void {
    this.body.replaceChildren();
    setText(this.status, e.message);
    this.status.classList.add('error');
    this.bump();
  }

  show(c: Comparison, tierColors: Map<string, string>): void {
    this.status.classList.remove('error');
    const moves = c.migration.filter((m) => m.from !== m.to && m.count > 0).sort((a, b) => b.count - a.count);
    const same = c.moved === 0 && moves.length === 0 && c.qualified_gained === 0 && c.qualified_lost === 0;
    setText(
      this.status,
      same
        ? 'No entity changes tier or PQL status between A and B.'
        : `${fmtInt(c.moved)} entities change tier; PQLs ${fmtInt(c.a.qualified)} → ${fmtInt(c.b.qualified)} (+${fmtInt(c.qualified_gained)} / −${fmtInt(c.qualified_lost)}).`,
    );
    const kids: HTMLElement[] = [];

    // Which model finds converters better: both backtested at the same as_of and horizon.
    kids.push(qualitySection(c));

    // Who changes tier, in words, biggest flows first.
    kids.push(
      h(
        'section',
        { class: 'sub' },
        h('h3', { text: 'Tier changes' }),
        moves.length
          ? h(
              'ul',
              { class: 'migration-lines' },
              ...moves.map((m) =>
                h(
                  'li',
                  {
                    'data-testid': 'migration-line',
                    'data-from': m.from,
                    'data-to': m.to,
                    'data-count': String(m.count),
                  },
                  h('b', { text: `${fmtInt(m.count)} ${m.count === 1 ? 'lead' : 'leads'}` }),
                  ' ',
                  tierTag(m.from, tierColors),
                  ' → ',
                  tierTag(m.to, tierColors),
                ),
              ),
            )
          : h('p', { class: 'hint', text: 'Nobody changes tier.' }),
      ),
    );

    // The matrix: rows A, columns B.
    const used = c.tiers.filter((t) => c.migration.some((m) => (m.from === t || m.to === t) && m.count > 0));
    const count = new Map(c.migration.map((m) => [`${m.from}\u0000${m.to}`, m.count]));
    const max = Math.max(1, ...c.migration.filter((m) => m.from !== m.to).map((m) => m.count));
    kids.push(
      h(
        'section',
        { class: 'sub' },
        h('h3', { text: 'Migration matrix (rows: A, columns: B)' }),
        h(
          'div',
          { class: 'scrollx' },
          h(
            'table',
            { class: 'mini migration', 'data-testid': 'migration' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'col', text: 'A \\ B' }),
                ...used.map((t) => h('th', { scope: 'col', text: t, title: t })),
              ),
            ),
            h(
              'tbody',
              null,
              ...used.map((from) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row', text: from, title: from }),
                  ...used.map((to) => {
                    const n = count.get(`${from}\u0000${to}`) ?? 0;
                    const td = h('td', {
                      text: n ? fmtInt(n) : '·',
                      class: from === to ? 'diag' : n ? 'moved' : null,
                      'data-from': from,
                      'data-to': to,
                      'data-count': String(n),
                    });
                    if (from !== to && n) td.style.setProperty('--heat', String(n / max));
                    return td;
                  }),
                ),
              ),
            ),
          ),
        ),
      ),
    );

    // The biggest movers each way.
    const list = (title: string, ms: Mover[]) =>
      h(
        'section',
        { class: 'sub' },
        h('h3', { text: title }),
        ms.length
          ? h('ol', { class: 'movers' }, ...ms.map((m) => this.mover(m, tierColors)))
          : h('p', { class: 'hint', text: 'None.' }),
      );
    kids.push(list('Biggest gains in B', c.movers.up), list('Biggest losses in B', c.movers.down));
    this.body.replaceChildren(...kids);
    this.bump();
  }

  private mover(m: Mover, tierColors: Map<string, string>): HTMLElement {
    const name = m.name ?? m.id;
    const btn = h('button', { type: 'button', class: 'linklike', title: `Show why ${name} scores so`, text: name });
    btn.addEventListener('click', () => this.host.select(m.id));
    const parts = (['activation', 'engagement', 'fit'] as const)
      .filter((k) => m.components[k] !== 0)
      .map((k) => `${k} ${signed(m.components[k])}`);
    const events = m.events
      .slice()
      .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
      .filter((e) => e.delta !== 0)
      .slice(0, 4);
    const total = Math.max(
      1e-9,
      ...(['activation', 'engagement', 'fit'] as const).map((k) => Math.abs(m.components[k])),
    );
    const bar = h(
      'span',
      { class: 'split', 'aria-hidden': 'true' },
      ...(['activation', 'engagement', 'fit'] as const).map((k) => {
        const seg = h('span', { class: `seg p-${k.slice(0, 3)}${m.components[k] < 0 ? ' neg' : ''}` });
        seg.style.width = `${(100 * Math.abs(m.components[k])) / (3 * total)}%`;
        return seg;
      }),
    );
    return h(
      'li',
      { class: 'mover', 'data-testid': 'mover', 'data-id': m.id, 'data-delta': String(m.delta) },
      h(
        'div',
        { class: 'mv-head' },
        btn,
        h('span', { class: `delta ${m.delta >= 0 ? 'up' : 'down'}`, text: signed(m.delta) }),
      ),
      h(
        'div',
        { class: 'hint' },
        `score ${m.score_a === null ? '–' : fmt(m.score_a)} → ${m.score_b === null ? '–' : fmt(m.score_b)} · rank ${m.rank_a ?? '–'} → ${m.rank_b ?? '–'} · `,
        tierTag(m.tier_a, tierColors),
        ' → ',
        tierTag(m.tier_b, tierColors),
      ),
      h(
        'div',
        { class: 'mv-split' },
        bar,
        h('span', { class: 'hint', text: parts.length ? parts.join(' · ') : 'no component changed' }),
      ),
      events.length
        ? h('div', {
            class: 'hint mv-events',
            text: `engagement points: ${events.map((e) => `${e.event} ${signed(e.delta)}`).join(', ')}`,
          })
        : null,
    );
  }

  private bump(): void {
    this.revision += 1;
    this.root.dataset.revision = String(this.revision);
  }
}

function tierTag(name: string, colors: Map<string, string>): HTMLElement {
  const el = h('span', { class: 'tier', text: name, title: name });
  const c = colors.get(name);
  if (c) el.style.setProperty('--tier', c);
  return el;
}

const QUALITY_LABELS: Record<string, string> = {
  auc: 'ROC AUC',
  precision_at_10: 'precision@10',
  precision_at_25: 'precision@25',
  precision_at_50: 'precision@50',
  pql_precision: 'PQL precision',
  pql_recall: 'PQL recall',
  pql_lift: 'PQL lift',
  false_positive_share: 'PQLs that did not convert',
  funnel_pql_rate: 'signups that became PQLs',
};

function qualitySection(c: Comparison): HTMLElement {
  const q = c.quality;
  const title = h('h3', { text: 'Quality: which finds converters better?' });
  if (!q)
    return h(
      'section',
      { class: 'sub' },
      title,
      h('p', {
        class: 'hint',
        text: 'No conversions to judge by: set conversion_event in the model or load an outcomes file.',
      }),
    );
  const show = (m: string, v: number | null) =>
    v === null ? '–' : m === 'auc' ? v.toFixed(3) : m === 'pql_lift' ? `${fmt(v, 2)}×` : `${fmt(100 * v, 1)}%`;
  const rows = q.metrics.map((m) =>
    h(
      'tr',
      {
        'data-testid': 'quality-row',
        'data-metric': m.metric,
        'data-a': m.a === null ? '' : String(m.a),
        'data-b': m.b === null ? '' : String(m.b),
        'data-better': m.better ?? '',
      },
      h('th', { scope: 'row', text: QUALITY_LABELS[m.metric] ?? m.metric }),
      h('td', { text: show(m.metric, m.a) }),
      h('td', { text: show(m.metric, m.b) }),
      h('td', {
        text:
          m.better === null
            ? m.higher_is_better === null
              ? 'volume'
              : '–'
            : m.better === 'same'
              ? 'same'
              : m.better.toUpperCase(),
      }),
    ),
  );
  const verdict =
    q.better.a === q.better.b
      ? `A and B are even (${q.better.a} figures each)`
      : `${q.better.a > q.better.b ? 'A' : 'B'} is better on ${Math.max(q.better.a, q.better.b)} of ${q.metrics.filter((m) => m.better !== null).length} figures`;
  return h(
    'section',
    { class: 'sub', 'data-testid': 'quality' },
    title,
    h('p', {
      class: 'hint',
      text: `${verdict}; both backtested at ${q.as_of.slice(0, 10)} over ${q.horizon_days} days (${fmtInt(q.population)} entities, ${fmtInt(q.conversions)} conversions).`,
    }),
    h(
      'table',
      { class: 'mini' },
      h('thead', null, h('tr', null, ...['', 'A', 'B', 'better'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', null, ...rows),
    ),
  );
}
