// The live ranking: a virtualised list whose rows come from the engine a window at a time
// (engine.view: the ~100 rows around the viewport, filtered and sorted in the engine, with
// PQL since worked out for those rows only), so an edit costs the same at 700 or 40,000
// entities. Sort, search and filters are view options; rank movement is the engine's
// `previous_rank`; keyboard use moves through the whole list, fetching windows as it goes.
import { h, setText } from './dom';
import type { View, ViewOptions, ViewRow, ViewSort } from './protocol';
import { fmt, fmtInt } from './util';

const ROW_H = 30;          // px; fixed so the list never jumps
const HEAD_H = 26;         // the sticky header row inside the scrolling grid
const MIN_ROWS = 40;       // rows kept in the DOM at least (tests read the first 25)
const WINDOW = 120;        // rows asked of the engine at a time
const MARGIN = 30;         // rows kept beyond the viewport on each side before asking again

type SortKey = ViewSort;

interface Column { key: SortKey; label: string; title: string; cls: string; numeric?: boolean }
const COLUMNS: Column[] = [
  { key: 'rank', label: 'Rank', title: 'Rank (▲▼ movement since the previous change)', cls: 'c-rank', numeric: true },
  { key: 'entity', label: 'Entity', title: 'Name and id', cls: 'c-entity' },
  { key: 'score', label: 'Score', title: 'Score 0–100', cls: 'c-score', numeric: true },
  { key: 'tier', label: 'Tier', title: 'Tier', cls: 'c-tier' },
  { key: 'grade', label: 'Grade', title: 'Fit letter × engagement digit', cls: 'c-grade' },
  { key: 'pql', label: 'PQL', title: 'Product-qualified lead (or customer)', cls: 'c-pql' },
  { key: 'qualified_at', label: 'Since', title: 'PQL since: days in the current qualified streak', cls: 'c-since', numeric: true },
  { key: 'activation', label: 'Act.', title: 'Activation steps completed', cls: 'c-act', numeric: true },
  { key: 'engagement', label: 'Eng.', title: 'Engagement 0–100', cls: 'c-eng', numeric: true },
  { key: 'fit', label: 'Fit', title: 'Fit 0–100', cls: 'c-fit', numeric: true },
  { key: 'active_users', label: 'Users', title: 'Active users (last active_days)', cls: 'c-users', numeric: true },
  { key: 'last_seen', label: 'Seen', title: 'Days since last seen', cls: 'c-seen', numeric: true },
];

/** What the list shows; `tier`/`grade` `'(none)'` is "below every tier" / "no grade". */
export interface Filter { q: string; pqlOnly: boolean; tier: string; grade: string; segment: string; customers: boolean }

export class RankingView {
  readonly root: HTMLElement;
  readonly toolbar: HTMLElement;
  readonly chips: HTMLElement;
  readonly footer: HTMLElement;
  private viewport: HTMLElement;
  private spacer: HTMLElement;
  private layer: HTMLElement;
  private headerButtons = new Map<SortKey, HTMLButtonElement>();
  private countEl: HTMLElement;
  private tierSelect: HTMLSelectElement;
  private gradeSelect: HTMLSelectElement;
  private searchInput: HTMLInputElement;
  private pqlCheck: HTMLInputElement;
  private customersCheck: HTMLInputElement;

  private win: View | null = null;
  private totalSteps = 0;
  private tierColors = new Map<string, string>();
  private sort: { key: SortKey; dir: 1 | -1 } = { key: 'rank', dir: 1 };
  filter: Filter = { q: '', pqlOnly: false, tier: '', grade: '', segment: '', customers: false };
  selected: string | null = null;
  private active = -1;
  private pendingActive: number | null = null;   // a keyboard move to a row not fetched yet
  private asked: string | null = null;           // the last window asked for (not to ask twice)
  private revision = 0;
  private raf = 0;

  /**
   * `onView`: the list needs other rows (scroll, filter, sort): the host asks the engine for
   * `options()` and hands the answer to setView.
   */
  constructor(private onSelect: (id: string | null) => void, private onView: () => void) {
    this.searchInput = h('input', { type: 'search', placeholder: 'Search id or name', 'aria-label': 'Search entities by id or name', class: 'search' });
    this.pqlCheck = h('input', { type: 'checkbox', id: 'filter-pql' });
    this.customersCheck = h('input', { type: 'checkbox', id: 'filter-customers', 'data-testid': 'show-customers' });
    this.tierSelect = h('select', { 'aria-label': 'Filter by tier' });
    this.gradeSelect = h('select', { 'aria-label': 'Filter by grade' });
    this.countEl = h('span', { class: 'count', role: 'status', 'aria-live': 'polite' });
    this.searchInput.addEventListener('input', () => { this.filter.q = this.searchInput.value; this.refilter(); });
    this.pqlCheck.addEventListener('change', () => { this.filter.pqlOnly = this.pqlCheck.checked; this.refilter(); });
    this.customersCheck.addEventListener('change', () => { this.filter.customers = this.customersCheck.checked; this.refilter(); });
    this.tierSelect.addEventListener('change', () => { this.filter.tier = this.tierSelect.value; this.refilter(); });
    this.gradeSelect.addEventListener('change', () => { this.filter.grade = this.gradeSelect.value; this.refilter(); });
    this.toolbar = h('div', { class: 'toolbar' },
      this.searchInput,
      h('label', { class: 'check' }, this.pqlCheck, 'PQLs only'),
      h('label', { class: 'check', title: 'Customers (converted by as_of) are not leads: hidden unless this is on' }, this.customersCheck, 'Customers'),
      this.tierSelect, this.gradeSelect);
    this.chips = h('div', { class: 'segchips', 'data-testid': 'segment-chips', role: 'group', 'aria-label': 'Segments', hidden: true });
    this.footer = h('div', { class: 'footer' }, this.countEl);

    const header = h('div', { class: 'row head', role: 'row', 'aria-rowindex': '1' });
    for (const col of COLUMNS) {
      const b = h('button', { type: 'button', class: 'sort', title: `Sort by ${col.title}`, text: col.label });
      b.addEventListener('click', () => this.setSort(col.key));
      this.headerButtons.set(col.key, b);
      header.append(h('div', { class: `cell ${col.cls}${col.numeric ? ' num' : ''}`, role: 'columnheader' }, b));
    }
    this.spacer = h('div', { class: 'spacer' });
    this.layer = h('div', { class: 'layer', role: 'rowgroup' });
    this.viewport = h('div', {
      class: 'viewport', tabindex: 0, role: 'grid', 'aria-label': 'Ranking (arrow keys move the selection)',
      'aria-readonly': 'true',
    }, h('div', { class: 'headwrap', role: 'rowgroup' }, header), this.spacer, this.layer);
    this.root = h('div', { class: 'ranking', 'data-testid': 'ranking', 'data-revision': '0', 'data-busy': 'true' }, this.viewport);
    this.viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.viewport.addEventListener('keydown', (ev) => this.key(ev));
    this.layer.addEventListener('click', (ev) => {
      const row = (ev.target as HTMLElement).closest<HTMLElement>('[data-testid="ranking-row"]');
      if (!row) return;
      this.activate(Number(row.dataset.index), false);
      this.viewport.focus({ preventScroll: true });
    });
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
    this.updateSortIndicators();
  }

  /** The view options for the rows in view now (with a margin), the filters and the sort. */
  options(): ViewOptions {
    const { first } = this.visible();
    const want = this.pendingActive ?? first;
    const offset = Math.max(0, want - MARGIN);
    const f = this.filter;
    return {
      offset, limit: WINDOW,
      customers: f.customers,
      qualified_only: f.pqlOnly,
      tier: f.tier === '' ? null : f.tier === '(none)' ? '' : f.tier,
      grade: f.grade === '' ? null : f.grade === '(none)' ? '' : f.grade,
      segment: f.segment === '' ? null : f.segment,
      query: f.q.trim(),
      sort: this.sort.key,
      descending: this.sort.dir === -1,
      select: this.selected,
    };
  }

  /** A new view from the engine: a new ranking (`changed`) or other rows of the same one. */
  setView(v: View, totalSteps: number, tiers: string[], tierColors: Map<string, string>, changed: boolean): void {
    this.win = v;
    this.asked = null;
    this.totalSteps = totalSteps;
    this.tierColors = tierColors;
    const p = v.population;
    this.fillSelect(this.tierSelect, 'All tiers', [...tiers, ...(p.no_tier > 0 ? ['(none)'] : [])], this.filter.tier);
    const grades = Object.entries(p.grades).filter(([, n]) => n > 0).map(([g]) => g).sort();
    if (p.no_grade > 0) grades.push('(none)');
    this.fillSelect(this.gradeSelect, 'All grades', grades, this.filter.grade);
    this.renderChips(v);
    this.active = this.selected === null ? -1 : v.selected ?? -1;
    if (this.pendingActive !== null && this.rowAt(this.pendingActive)) {
      const idx = this.pendingActive;
      this.pendingActive = null;
      this.activate(idx, true);
    }
    this.spacer.style.height = `${v.shown * ROW_H}px`;
    this.viewport.setAttribute('aria-rowcount', String(v.shown + 1));
    const parts = [v.shown === p.entities && !p.customers_hidden ? `${fmtInt(v.shown)} entities`
      : v.shown === p.entities ? `${fmtInt(v.shown)} leads` : `${fmtInt(v.shown)} of ${fmtInt(p.entities)} shown`,
      `${fmtInt(p.qualified)} PQLs`];
    if (p.customers_hidden) parts.push(`${fmtInt(p.customers_hidden)} customers hidden`);
    setText(this.countEl, parts.join(' · '));
    this.render();
    if (changed) {
      this.revision += 1;
      this.root.dataset.revision = String(this.revision);
    }
  }

  setFilter(patch: Partial<Filter>): void {
    Object.assign(this.filter, patch);
    this.searchInput.value = this.filter.q;
    this.pqlCheck.checked = this.filter.pqlOnly;
    this.customersCheck.checked = this.filter.customers;
    this.tierSelect.value = this.filter.tier;
    this.gradeSelect.value = this.filter.grade;
    this.refilter();
  }

  /** The rows fetched (a window of the list as shown). */
  get rows(): ViewRow[] { return this.win?.results ?? []; }
  /** How many rows the list has (after filters). */
  get shown(): number { return this.win?.shown ?? 0; }

  /** The fetched row of an entity, if it is in the window. */
  row(id: string): ViewRow | null {
    return this.win?.results.find((r) => r.id === id) ?? null;
  }

  select(id: string | null): void {
    this.selected = id;
    const i = id === null ? -1 : (this.win?.results.findIndex((r) => r.id === id) ?? -1);
    this.active = i >= 0 && this.win ? this.win.offset + i : -1;
    this.render();
  }

  private renderChips(v: View): void {
    const names = Object.keys(v.segments);
    this.chips.hidden = names.length === 0;
    if (!names.length) { this.chips.replaceChildren(); return; }
    if (this.filter.segment && !names.includes(this.filter.segment)) this.filter.segment = '';
    const chip = (name: string, label: string, n: number | null) => {
      const on = this.filter.segment === name;
      const b = h('button', { type: 'button', class: `chip${on ? ' on' : ''}`, 'data-testid': 'segment-chip', 'data-segment': name,
        'aria-pressed': String(on), title: name ? `Show the PQLs in segment ${name}` : 'Every segment' },
        h('span', { text: label }), n === null ? null : h('span', { class: 'n', text: fmtInt(n) }));
      b.addEventListener('click', () => this.setFilter({ segment: on ? '' : name }));
      return b;
    };
    this.chips.replaceChildren(h('span', { class: 'hint', text: 'Segments' }), chip('', 'All', null),
      ...names.map((n) => chip(n, n, v.population.segments[n] ?? 0)));
  }

  private fillSelect(sel: HTMLSelectElement, allLabel: string, values: string[], current: string): void {
    const wanted = ['', ...values];
    const have = [...sel.options].map((o) => o.value);
    if (wanted.length !== have.length || wanted.some((v, i) => v !== have[i])) {
      sel.replaceChildren(...wanted.map((v) => h('option', { value: v, text: v === '' ? allLabel : v })));
    }
    // A filter value not in the list now (no entity left in it) stays chosen: it is still asked for.
    if (current && !wanted.includes(current)) sel.append(h('option', { value: current, text: current }));
    sel.value = current;
  }

  private refilter(): void {
    this.viewport.scrollTop = 0;
    this.pendingActive = null;
    this.asked = null;
    this.onView();
  }

  private setSort(key: SortKey): void {
    if (this.sort.key === key) this.sort.dir = this.sort.dir === 1 ? -1 : 1;
    // PQL since starts with the newest PQLs; names, ranks, grades and days seen ascending.
    else this.sort = { key, dir: key === 'entity' || key === 'rank' || key === 'grade' || key === 'last_seen' ? 1 : -1 };
    this.updateSortIndicators();
    this.refilter();
  }

  private updateSortIndicators(): void {
    for (const [key, b] of this.headerButtons) {
      const on = key === this.sort.key;
      b.parentElement?.setAttribute('aria-sort', on ? (this.sort.dir === 1 ? 'ascending' : 'descending') : 'none');
      b.dataset.sort = on ? (this.sort.dir === 1 ? 'asc' : 'desc') : '';
    }
  }

  private visible(): { first: number; last: number } {
    const height = Math.max(0, (this.viewport.clientHeight || 600) - HEAD_H);
    const top = this.viewport.scrollTop;
    const count = Math.max(MIN_ROWS, Math.ceil(height / ROW_H) + 20);
    const shown = this.win?.shown ?? 0;
    let first = Math.max(0, Math.floor(top / ROW_H) - 10);
    const last = Math.min(shown, first + count);
    first = Math.max(0, Math.min(first, last - count));
    return { first, last };
  }

  private rowAt(index: number): ViewRow | null {
    const w = this.win;
    if (!w) return null;
    const i = index - w.offset;
    return i >= 0 && i < w.results.length ? w.results[i] : null;
  }

  private schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => { this.raf = 0; this.render(); });
  }

  private render(): void {
    const w = this.win;
    const { first, last } = this.visible();
    // Rows in view not fetched, or the window's edge near: ask for the window around them.
    if (w && last > first) {
      const lo = w.offset, hi = w.offset + w.results.length;
      const need = (first < lo) || (last > hi) || (first - lo < 10 && lo > 0) || (hi - last < 10 && hi < w.shown);
      const want = Math.max(0, first - MARGIN);
      const key = `${want}`;
      if (need && this.asked !== key) { this.asked = key; this.onView(); }
    }
    this.layer.style.transform = `translateY(${HEAD_H + first * ROW_H}px)`;
    const frag = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const r = this.rowAt(i);
      frag.appendChild(r ? this.rowEl(r, i) : h('div', { class: 'row placeholder', role: 'row', 'aria-rowindex': String(i + 2) },
        h('div', { class: 'cell c-rank num', role: 'gridcell', text: '…' })));
    }
    this.layer.replaceChildren(frag);
    const activeRow = this.active >= 0 ? this.layer.querySelector(`[data-index="${this.active}"]`) : null;
    if (activeRow) this.viewport.setAttribute('aria-activedescendant', activeRow.id);
    else this.viewport.removeAttribute('aria-activedescendant');
  }

  private rowEl(r: ViewRow, index: number): HTMLElement {
    const move = r.previous_rank === null ? 0 : r.previous_rank - r.rank;
    let moveEl: HTMLElement | null = null;
    if (move !== 0) {
      moveEl = h('span', {
        class: `move ${move > 0 ? 'up' : 'down'}`,
        text: `${move > 0 ? '▲' : '▼'}${Math.abs(move)}`,
        title: `${move > 0 ? 'Up' : 'Down'} ${Math.abs(move)} since the previous change`,
      });
    }
    const tierColor = r.tier !== null ? this.tierColors.get(r.tier) ?? '#6b7280' : '#9ca3af';
    const bar = h('span', { class: 'bar' });
    bar.style.width = `${Math.max(0, Math.min(100, r.score))}%`;
    bar.style.background = tierColor;
    const tierEl = r.tier !== null ? h('span', { class: 'tier', text: r.tier }) : h('span', { class: 'muted', text: '–' });
    tierEl.style.setProperty('--tier', tierColor);
    const name = r.name ?? r.id;
    const status = r.converted
      ? h('span', { class: 'custmark', 'data-testid': 'customer-badge', text: 'Customer', title: `Customer since ${(r.converted_at ?? '').slice(0, 10)}` })
      : r.qualified ? h('span', { class: 'pqlmark', text: 'PQL', title: 'Product-qualified lead' }) : h('span', { class: 'sr-only', text: 'not qualified' });
    const since = r.days_qualified === null ? h('span', { class: 'muted', text: '–' })
      : h('span', { text: `${r.days_qualified}d`, title: `Qualified since ${(r.qualified_at ?? '').slice(0, 10)}; first ${(r.first_qualified_at ?? '').slice(0, 10)}` });
    const segs = r.segments.length ? h('span', { class: 'segs', text: r.segments.join(' · '), title: `Segments: ${r.segments.join(', ')}` }) : null;
    return h('div', {
      class: `row${r.id === this.selected ? ' selected' : ''}${index === this.active ? ' active' : ''}${r.qualified ? ' pql' : ''}${r.converted ? ' customer' : ''}`,
      role: 'row', id: `row-${index}`,
      'data-testid': 'ranking-row', 'data-id': r.id, 'data-score': String(r.score), 'data-rank': String(r.rank),
      'data-index': String(index), 'aria-rowindex': String(index + 2),
      'data-converted': String(r.converted), 'data-days-qualified': r.days_qualified === null ? '' : String(r.days_qualified),
      'aria-selected': r.id === this.selected ? 'true' : 'false',
    },
      h('div', { class: 'cell c-rank num', role: 'gridcell' }, h('span', { class: 'rk', text: String(r.rank) }), moveEl),
      h('div', { class: 'cell c-entity', role: 'gridcell', title: r.name ? `${r.name} (${r.id})` : r.id },
        h('span', { class: 'name', text: name }), r.name ? h('span', { class: 'id', text: r.id }) : null, segs),
      h('div', { class: 'cell c-score num', role: 'gridcell', title: String(r.score) },
        h('span', { class: 'track' }, bar), h('span', { class: 'val', text: fmt(r.score) })),
      h('div', { class: 'cell c-tier', role: 'gridcell' }, tierEl),
      h('div', { class: 'cell c-grade', role: 'gridcell', text: r.grade ?? '–' }),
      h('div', { class: 'cell c-pql', role: 'gridcell' }, status),
      h('div', { class: 'cell c-since num', role: 'gridcell' }, since),
      h('div', { class: `cell c-act num${r.activated ? ' ok' : ''}`, role: 'gridcell', title: r.activated ? `activated ${r.activated_at ?? ''}` : 'not activated' },
        this.totalSteps > 0 ? `${r.steps_completed}/${this.totalSteps}` : '–'),
      h('div', { class: 'cell c-eng num', role: 'gridcell', text: fmt(r.engagement, 0) }),
      h('div', { class: 'cell c-fit num', role: 'gridcell', text: fmt(r.fit, 0) }),
      h('div', { class: 'cell c-users num', role: 'gridcell', text: fmtInt(r.active_users) }),
      h('div', { class: 'cell c-seen num', role: 'gridcell', title: r.last_seen ?? '', text: `${r.days_since_last_seen}d` }),
    );
  }

  private activate(index: number, scroll: boolean): void {
    const shown = this.win?.shown ?? 0;
    if (!shown) return;
    index = Math.max(0, Math.min(shown - 1, index));
    if (scroll) {
      const top = HEAD_H + index * ROW_H;
      const vp = this.viewport;
      if (top < vp.scrollTop + HEAD_H) vp.scrollTop = top - HEAD_H;
      else if (top + ROW_H > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW_H - vp.clientHeight;
    }
    const r = this.rowAt(index);
    if (!r) {
      // Not fetched yet (End, PageDown far away): ask for its window, finish when it comes.
      this.pendingActive = index;
      this.asked = null;
      this.onView();
      return;
    }
    this.active = index;
    this.selected = r.id;
    this.render();
    this.onSelect(this.selected);
  }

  private key(ev: KeyboardEvent): void {
    if (ev.target !== this.viewport) return;   // a sort button in the header handles its own keys
    const page = Math.max(1, Math.floor((this.viewport.clientHeight - HEAD_H) / ROW_H) - 1);
    const cur = this.active;
    let next: number | null = null;
    switch (ev.key) {
      case 'ArrowDown': next = cur + 1; break;
      case 'ArrowUp': next = cur <= 0 ? 0 : cur - 1; break;
      case 'PageDown': next = cur + page; break;
      case 'PageUp': next = cur - page; break;
      case 'Home': next = 0; break;
      case 'End': next = (this.win?.shown ?? 1) - 1; break;
      case 'Enter': case ' ': next = cur < 0 ? 0 : cur; break;
      case 'Escape': this.selected = null; this.active = -1; this.render(); this.onSelect(null); ev.preventDefault(); return;
      default: return;
    }
    ev.preventDefault();
    this.activate(next, true);
  }
}
