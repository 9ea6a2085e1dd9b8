// Population views: the score histogram with the PQL threshold, the fit × engagement grade
// matrix, counts per tier and the PQL count. Matrix cells and tiers filter the ranking.
import { ScoreHistogram } from './charts';
import { h, setText } from './dom';
import type { ViewPopulation } from './protocol';
import { fmtInt } from './util';

export interface Bands {
  fit: string[];
  engagement: string[];
}

export class PopulationView {
  readonly root: HTMLElement;
  private hist: ScoreHistogram;
  private matrix: HTMLElement;
  private tiers: HTMLElement;
  private pqlCount: HTMLElement;
  private pqlShare: HTMLElement;
  private drawn = '';

  constructor(private onFilter: (f: { tier?: string; grade?: string; pqlOnly?: boolean }) => void) {
    const histEl = h('div', {
      class: 'chart hist',
      role: 'img',
      'aria-label': 'Score histogram: entities per 5 points, PQLs in blue, the PQL threshold dashed',
    });
    this.hist = new ScoreHistogram(histEl, 120);
    this.matrix = h('div', { class: 'matrix' });
    this.tiers = h('ul', { class: 'tiercounts' });
    this.pqlCount = h('button', { type: 'button', class: 'bignum', title: 'Show PQLs only' });
    this.pqlCount.addEventListener('click', () => this.onFilter({ pqlOnly: true }));
    this.pqlShare = h('span', { class: 'hint' });
    this.root = h(
      'section',
      { class: 'population', 'aria-label': 'Population' },
      h('div', { class: 'pop-hist' }, h('h2', { text: 'Score distribution' }), histEl),
      h('div', { class: 'pop-matrix' }, h('h2', { text: 'Grade: fit × engagement' }), this.matrix),
      h(
        'div',
        { class: 'pop-tiers' },
        h('h2', { text: 'PQLs and tiers' }),
        h('div', { class: 'pqlbox' }, this.pqlCount, this.pqlShare),
        this.tiers,
      ),
    );
  }

  /** The engine's figures for the population the list shows (customers left out unless shown). */
  update(
    p: ViewPopulation,
    threshold: number,
    bands: Bands,
    tierNames: string[],
    tierColors: Map<string, string>,
  ): void {
    this.hist.update(p.histogram, threshold);
    const pql = p.qualified;
    const total = p.entities;
    setText(this.pqlCount, `${fmtInt(pql)} PQLs`);
    setText(this.pqlShare, total ? `${((100 * pql) / total).toFixed(1)}% of ${fmtInt(total)}` : 'no entities');

    // The matrix and the tier bars are rebuilt only when their counts or bands change (a
    // threshold move changes neither).
    const key = JSON.stringify([p.grades, p.no_grade, p.tiers, p.no_tier, bands, tierNames, [...tierColors]]);
    if (key === this.drawn) return;
    this.drawn = key;
    // Grade matrix: the engine counts per grade label ("A1"), in band order.
    const counts = new Map(Object.entries(p.grades));
    const none = p.no_grade;
    const max = Math.max(1, ...counts.values());
    const table = h(
      'table',
      { class: 'grades' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: 'fit \\ engagement' })),
          ...bands.engagement.map((e) => h('th', { scope: 'col', text: e, title: `engagement band ${e}` })),
        ),
      ),
      h(
        'tbody',
        null,
        ...bands.fit.map((f) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row', text: f, title: `fit band ${f}` }),
            ...bands.engagement.map((e) => {
              const g = `${f}${e}`;
              const n = counts.get(g) ?? 0;
              const b = h(
                'button',
                { type: 'button', class: 'cellbtn', title: `Show grade ${g}`, 'aria-label': `${g}: ${n} entities` },
                h('span', { class: 'g', text: g }),
                h('span', { class: 'n', text: fmtInt(n) }),
              );
              b.style.setProperty('--heat', String(n / max));
              b.addEventListener('click', () => this.onFilter({ grade: g }));
              return h('td', null, b);
            }),
          ),
        ),
      ),
    );
    this.matrix.replaceChildren(table, none ? h('p', { class: 'hint', text: `${fmtInt(none)} without a grade` }) : '');

    const tierCounts = new Map(Object.entries(p.tiers));
    const noTier = p.no_tier;
    const items = tierNames.map((t) => {
      const n = tierCounts.get(t) ?? 0;
      const bar = h('span', { class: 'tbar' });
      bar.style.width = `${total ? (100 * n) / total : 0}%`;
      bar.style.background = tierColors.get(t) ?? '#6b7280';
      const b = h(
        'button',
        { type: 'button', class: 'tierbtn', title: `Show tier ${t}` },
        h('span', { class: 'tname', text: t }),
        h('span', { class: 'ttrack' }, bar),
        h('span', { class: 'tn', text: fmtInt(n) }),
      );
      b.addEventListener('click', () => this.onFilter({ tier: t }));
      return h('li', null, b);
    });
    if (noTier) items.push(h('li', { class: 'hint', text: `${fmtInt(noTier)} below every tier` }));
    this.tiers.replaceChildren(...items);
  }
}
