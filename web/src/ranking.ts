// The live ranking: a virtualised list whose rows come from the engine a window at a time
// (engine.view: the ~100 rows around the viewport, filtered and sorted in the engine, with
// PQL since worked out for those rows only), so an edit costs the same at 700 or 40,000
// entities. Sort, search and filters are view options; rank movement is the engine's
// `previous_rank`; keyboard use moves through the whole list, fetching windows as it goes.
import { h, setText } from './dom';
import type { View, ViewOptions, ViewRow, ViewSort } from './protocol';
import { fmt, fmtInt } from './util';

const ROW_H = 30; // px; fixed so the list never jumps
const HEAD_H = 26; // the sticky header row inside the scrolling grid
const MIN_ROWS = 40; // rows kept in the DOM at least (tests read the first 25)
const WINDOW = 72; // rows asked of the engine at a time (the ~40 rendered and a margin)
const MARGIN = 16; // rows asked for above the first rendered one

type SortKey = ViewSort;

interface Column {
  key: SortKey;
  label: string;
  title: string;
  cls: string;
  numeric?: boolean;
}
const COLUMNS: Column[] = [
  { key: 'rank', label: 'Rank', title: 'Rank (▲▼ movement since the previous change)', cls: 'c-rank', numeric: true },
  { key: 'entity', label: 'Entity', title: 'Name and id', cls: 'c-entity' },
  { key: 'score', label: 'Score', title: 'Score 0–100', cls: 'c-score', numeric: true },
  { key: 'tier', label: 'Tier', title: 'Tier', cls: 'c-tier' },
  { key: 'grade', label: 'Grade', title: 'Fit letter × engagement digit', cls: 'c-grade' },
  { key: 'pql', label: 'PQL', title: 'Product-qualified lead (or customer)', cls: 'c-pql' },
  {
    key: 'qualified_at',
    label: 'Since',
    title: 'PQL since: days in the current qualified streak',
    cls: 'c-since',
    numeric: true,
  },
  { key: 'activation', label: 'Act.', title: 'Activation steps completed', cls: 'c-act', numeric: true },
  { key: 'engagement', label: 'Eng.', title: 'Engagement 0–100', cls: 'c-eng', numeric: true },
  { key: 'fit', label: 'Fit', title: 'Fit 0–100', cls: 'c-fit', numeric: true },
  { key: 'active_users', label: 'Users', title: 'Active users (last active_days)', cls: 'c-users', numeric: true },
  { key: 'last_seen', label: 'Seen', title: 'Days since last seen', cls: 'c-seen', numeric: true },
];

/** What the list shows; `tier`/`grade` `'(none)'` is "below every tier" / "no grade". */
export interface Filter {
  q: string;
  pqlOnly: boolean;
  tier: string;
  grade: string;
  segment: string;
  customers: boolean;
}

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
  private pendingActive: number | null = null; // a keyboard move to a row not fetched yet
  private asked: string | null = null; // the last window asked for (not to ask twice)
  private revision = 0;
  private views = 0;
  private raf = 0;
  // The viewport's height and scroll position as last seen: reading them from the DOM after a
  // change forces a layout, so they are kept from the resize observer and the scroll event.
  private vpHeight = 600;
  private pool: RowEl[] = [];
  private scrollTop = 0;

  /**
   * `onView`: the list needs other rows (scroll, filter, sort): the host asks the engine for
   * `options()` and hands the answer to setView.
   */
  constructor(
    private onSelect: (id: string | null) => void,
    private onView: () => void,
  ) {
    this.searchInput = h('input', {
      type: 'search',
      placeholder: 'Search id or name',
      'aria-label': 'Search entities by id or name',
      class: 'search',
    });
    this.pqlCheck = h('input', { type: 'checkbox', id: 'filter-pql' });
    this.customersCheck = h('input', { type: 'checkbox', id: 'filter-customers', 'data-testid': 'show-customers' });
    this.tierSelect = h('select', { 'aria-label': 'Filter by tier' });
    this.gradeSelect = h('select', { 'aria-label': 'Filter by grade' });
    this.countEl = h('span', { class: 'count', role: 'status', 'aria-live': 'polite' });
    this.searchInput.addEventListener('input', () => {
      this.filter.q = this.searchInput.value;
      this.refilter();
    });
    this.pqlCheck.addEventListener('change', () => {
      this.filter.pqlOnly = this.pqlCheck.checked;
      this.refilter();
    });
    this.customersCheck.addEventListener('change', () => {
      this.filter.customers = this.customersCheck.checked;
      this.refilter();
    });
    this.tierSelect.addEventListener('change', () => {
      this.filter.tier = this.tierSelect.value;
      this.refilter();
    });
    this.gradeSelect.addEventListener('change', () => {
      this.filter.grade = this.gradeSelect.value;
      this.refilter();
    });
    this.toolbar = h(
      'div',
      { class: 'toolbar' },
      this.searchInput,
      h('label', { class: 'check' }, this.pqlCheck, 'PQLs only'),
      h(
        'label',
        { class: 'check', title: 'Customers (converted by as_of) are not leads: hidden unless this is on' },
        this.customersCheck,
        'Customers',
      ),
      this.tierSelect,
      this.gradeSelect,
    );
    this.chips = h('div', {
      class: 'segchips',
      'data-testid': 'segment-chips',
      role: 'group',
      'aria-label': 'Segments',
      hidden: true,
    });
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
    this.viewport = h(
      'div',
      {
        class: 'viewport',
        tabindex: 0,
        role: 'grid',
        'aria-label': 'Ranking (arrow keys move the selection)',
        'aria-readonly': 'true',
      },
      h('div', { class: 'headwrap', role: 'rowgroup' }, header),
      this.spacer,
      this.layer,
    );
    this.root = h(
      'div',
      { class: 'ranking', 'data-testid': 'ranking', 'data-revision': '0', 'data-busy': 'true' },
      this.viewport,
    );
    this.viewport.addEventListener(
      'scroll',
      () => {
        this.scrollTop = this.viewport.scrollTop;
        this.schedule();
      },
      { passive: true },
    );
    this.viewport.addEventListener('keydown', (ev) => this.key(ev));
    this.layer.addEventListener('click', (ev) => {
      const row = (ev.target as HTMLElement).closest<HTMLElement>('[data-testid="ranking-row"]');
      if (!row) return;
      this.activate(Number(row.dataset.index), false);
      this.viewport.focus({ preventScroll: true });
    });
    new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box) this.vpHeight = box.height;
      this.schedule();
    }).observe(this.viewport);
    this.updateSortIndicators();
  }

  /** The view options for the rows in view now (with a margin), the filters and the sort. */
  options(): ViewOptions {
    const { first, last } = this.visible();
    const want = this.pendingActive ?? first;
    const offset = Math.max(0, want - MARGIN);
    const f = this.filter;
    return {
      offset,
      limit: Math.max(WINDOW, last - first + 2 * MARGIN),
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
    const grades = Object.entries(p.grades)
      .filter(([, n]) => n > 0)
      .map(([g]) => g)
      .sort();
    if (p.no_grade > 0) grades.push('(none)');
    this.fillSelect(this.gradeSelect, 'All grades', grades, this.filter.grade);
    this.renderChips(v);
    this.active = this.selected === null ? -1 : (v.selected ?? -1);
    if (this.pendingActive !== null && this.rowAt(this.pendingActive)) {
      const idx = this.pendingActive;
      this.pendingActive = null;
      this.activate(idx, true);
    }
    this.spacer.style.height = `${v.shown * ROW_H}px`;
    this.viewport.setAttribute('aria-rowcount', String(v.shown + 1));
    const parts = [
      v.shown === p.entities && !p.customers_hidden
        ? `${fmtInt(v.shown)} entities`
        : v.shown === p.entities
          ? `${fmtInt(v.shown)} leads`
          : `${fmtInt(v.shown)} of ${fmtInt(p.entities)} shown`,
      `${fmtInt(p.qualified)} PQLs`,
    ];
    if (p.customers_hidden) parts.push(`${fmtInt(p.customers_hidden)} customers hidden`);
    setText(this.countEl, parts.join(' · '));
    this.render();
    // data-view-revision counts every answer the list shows; data-revision new rankings only.
    this.views += 1;
    this.root.dataset.viewRevision = String(this.views);
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
  get rows(): ViewRow[] {
    return this.win?.results ?? [];
  }
  /** How many rows the list has (after filters). */
  get shown(): number {
    return this.win?.shown ?? 0;
  }

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
    if (!names.length) {
      this.chips.replaceChildren();
      return;
    }
    if (this.filter.segment && !names.includes(this.filter.segment)) this.filter.segment = '';
    const chip = (name: string, label: string, n: number | null) => {
      const on = this.filter.segment === name;
      const b = h(
        'button',
        {
          type: 'button',
          class: `chip${on ? ' on' : ''}`,
          'data-testid': 'segment-chip',
          'data-segment': name,
          'aria-pressed': String(on),
          title: name ? `Show the PQLs in segment ${name}` : 'Every segment',
        },
        h('span', { text: label }),
        n === null ? null : h('span', { class: 'n', text: fmtInt(n) }),
      );
      b.addEventListener('click', () => this.setFilter({ segment: on ? '' : name }));
      return b;
    };
    this.chips.replaceChildren(
      h('span', { class: 'hint', text: 'Segments' }),
      chip('', 'All', null),
      ...names.map((n) => chip(n, n, v.population.segments[n] ?? 0)),
    );
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
    this.setScroll(0);
    this.pendingActive = null;
    this.asked = null;
    this.onView();
  }

  private setSort(key: SortKey): void {
    if (this.sort.key === key) this.sort.dir = this.sort.dir === 1 ? -1 : 1;
    // PQL since starts with the newest PQLs; names, ranks, grades and days seen ascending.
    else
      this.sort = { key, dir: key === 'entity' || key === 'rank' || key === 'grade' || key === 'last_seen' ? 1 : -1 };
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

  private setScroll(top: number): void {
    this.scrollTop = Math.max(0, top); // the scroll event brings the browser's clamped value
    this.viewport.scrollTop = this.scrollTop;
  }

  private visible(): { first: number; last: number } {
    const height = Math.max(0, (this.vpHeight || 600) - HEAD_H);
    const top = this.scrollTop;
    const count = Math.max(MIN_ROWS, Math.ceil(height / ROW_H) + 20);
    const shown = this.win?.shown ?? count;
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
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.render();
    });
  }

  private render(): void {
    const w = this.win;
    const { first, last } = this.visible();
    // Rows in view not fetched, or the window's edge near: ask for the window around them.
    if (w && last > first) {
      const lo = w.offset,
        hi = w.offset + w.results.length;
      const need = first < lo || last > hi || (first - lo < 10 && lo > 0) || (hi - last < 10 && hi < w.shown);
      const want = Math.max(0, first - MARGIN);
      const key = `${want}`;
      if (need && this.asked !== key) {
        this.asked = key;
        this.onView();
      }
    }
    this.layer.style.transform = `translateY(${HEAD_H + first * ROW_H}px)`;
    // Rows are kept and refilled in place (only what changed is written): an edit re-renders
    // ~40 rows without creating elements.
    const n = Math.max(0, last - first);
    while (this.pool.length < n) this.pool.push(new RowEl());
    for (let k = 0; k < n; k++) {
      const i = first + k;
      const r = this.rowAt(i);
      const el = this.pool[k];
      if (r) el.fill(r, i, this.rowState(r, i), this.totalSteps, this.tierColors);
      else el.placeholder(i);
    }
    const kids = this.layer.children;
    for (let k = 0; k < n; k++)
      if (kids[k] !== this.pool[k].root) this.layer.insertBefore(this.pool[k].root, kids[k] ?? null);
    while (this.layer.children.length > n) this.layer.lastElementChild!.remove();
    const activeRow = this.active >= first && this.active < last ? this.pool[this.active - first].root : null;
    if (activeRow) this.viewport.setAttribute('aria-activedescendant', activeRow.id);
    else this.viewport.removeAttribute('aria-activedescendant');
  }

  private rowState(r: ViewRow, index: number): string {
    return `${r.id === this.selected ? ' selected' : ''}${index === this.active ? ' active' : ''}`;
  }

  private activate(index: number, scroll: boolean): void {
    const shown = this.win?.shown ?? 0;
    if (!shown) return;
    index = Math.max(0, Math.min(shown - 1, index));
    if (scroll) {
      const top = HEAD_H + index * ROW_H;
      if (top < this.scrollTop + HEAD_H) this.setScroll(top - HEAD_H);
      else if (top + ROW_H > this.scrollTop + this.vpHeight) this.setScroll(top + ROW_H - this.vpHeight);
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
    if (ev.target !== this.viewport) return; // a sort button in the header handles its own keys
    const page = Math.max(1, Math.floor((this.vpHeight - HEAD_H) / ROW_H) - 1);
    const cur = this.active;
    let next: number | null = null;
    switch (ev.key) {
      case 'ArrowDown':
        next = cur + 1;
        break;
      case 'ArrowUp':
        next = cur <= 0 ? 0 : cur - 1;
        break;
      case 'PageDown':
        next = cur + page;
        break;
      case 'PageUp':
        next = cur - page;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = (this.win?.shown ?? 1) - 1;
        break;
      case 'Enter':
      case ' ':
        next = cur < 0 ? 0 : cur;
        break;
      case 'Escape':
        this.selected = null;
        this.active = -1;
        this.render();
        this.onSelect(null);
        ev.preventDefault();
        return;
      default:
        return;
    }
    ev.preventDefault();
    this.activate(next, true);
  }
}

// One row of the list, built once and refilled in place; each write is skipped when the value
// is the one shown already.
class RowEl {
  readonly root: HTMLElement;
  private rk = h('span', { class: 'rk' });
  private move = h('span', { class: 'move' });
  private name = h('span', { class: 'name' });
  private idEl = h('span', { class: 'id' });
  private segs = h('span', { class: 'segs' });
  private entity: HTMLElement;
  private bar = h('span', { class: 'bar' });
  private val = h('span', { class: 'val' });
  private scoreCell: HTMLElement;
  private tier = h('span', { class: 'tier' });
  private grade: HTMLElement;
  private status = h('span');
  private since = h('span');
  private act: HTMLElement;
  private eng: HTMLElement;
  private fit: HTMLElement;
  private users: HTMLElement;
  private seen: HTMLElement;
  private last: Record<string, string> = {};

  constructor() {
    const cell = (cls: string, ...kids: HTMLElement[]) => h('div', { class: `cell ${cls}`, role: 'gridcell' }, ...kids);
    this.entity = cell('c-entity', this.name, this.idEl, this.segs);
    this.scoreCell = cell('c-score num', h('span', { class: 'track' }, this.bar), this.val);
    this.grade = cell('c-grade');
    this.act = cell('c-act num');
    this.eng = cell('c-eng num');
    this.fit = cell('c-fit num');
    this.users = cell('c-users num');
    this.seen = cell('c-seen num');
    this.root = h(
      'div',
      { class: 'row', role: 'row' },
      cell('c-rank num', this.rk, this.move),
      this.entity,
      this.scoreCell,
      cell('c-tier', this.tier),
      this.grade,
      cell('c-pql', this.status),
      cell('c-since num', this.since),
      this.act,
      this.eng,
      this.fit,
      this.users,
      this.seen,
    );
  }

  // Runs `write` unless `value` is what `key` shows already.
  private put(key: string, value: string, write: (v: string) => void): void {
    if (this.last[key] === value) return;
    this.last[key] = value;
    write(value);
  }

  private text(key: string, el: HTMLElement, value: string): void {
    this.put(key, value, (v) => {
      el.textContent = v;
    });
  }

  private attr(key: string, el: HTMLElement, name: string, value: string | null): void {
    this.put(key, value ?? '\u0000', (v) => {
      if (value === null) el.removeAttribute(name);
      else el.setAttribute(name, v);
    });
  }

  fill(r: ViewRow, index: number, state: string, totalSteps: number, tierColors: Map<string, string>): void {
    const root = this.root;
    this.put('class', `row${state}${r.qualified ? ' pql' : ''}${r.converted ? ' customer' : ''}`, (v) => {
      root.className = v;
    });
    this.attr('id', root, 'id', `row-${index}`);
    this.attr('testid', root, 'data-testid', 'ranking-row');
    this.attr('data-id', root, 'data-id', r.id);
    this.attr('data-score', root, 'data-score', String(r.score));
    this.attr('data-rank', root, 'data-rank', String(r.rank));
    this.attr('data-index', root, 'data-index', String(index));
    this.attr('aria-rowindex', root, 'aria-rowindex', String(index + 2));
    this.attr('data-converted', root, 'data-converted', String(r.converted));
    this.attr('data-days', root, 'data-days-qualified', r.days_qualified === null ? '' : String(r.days_qualified));
    this.attr('aria-selected', root, 'aria-selected', state.includes('selected') ? 'true' : 'false');

    this.text('rk', this.rk, String(r.rank));
    const move = r.previous_rank === null ? 0 : r.previous_rank - r.rank;
    this.text('move', this.move, move === 0 ? '' : `${move > 0 ? '▲' : '▼'}${Math.abs(move)}`);
    this.put('moveClass', move > 0 ? 'move up' : move < 0 ? 'move down' : 'move', (v) => {
      this.move.className = v;
    });
    this.attr(
      'moveTitle',
      this.move,
      'title',
      move === 0 ? null : `${move > 0 ? 'Up' : 'Down'} ${Math.abs(move)} since the previous change`,
    );

    this.text('name', this.name, r.name ?? r.id);
    this.text('id', this.idEl, r.name ? r.id : '');
    this.attr('entityTitle', this.entity, 'title', r.name ? `${r.name} (${r.id})` : r.id);
    this.text('segs', this.segs, r.segments.join(' · '));
    this.attr('segsTitle', this.segs, 'title', r.segments.length ? `Segments: ${r.segments.join(', ')}` : null);

    const tierColor = r.tier !== null ? (tierColors.get(r.tier) ?? '#6b7280') : '#9ca3af';
    const width = `${Math.max(0, Math.min(100, r.score))}%`;
    this.put('bar', `${width}|${tierColor}`, () => {
      this.bar.style.width = width;
      this.bar.style.background = tierColor;
    });
    this.text('val', this.val, fmt(r.score));
    this.attr('scoreTitle', this.scoreCell, 'title', String(r.score));
    this.text('tier', this.tier, r.tier ?? '–');
    this.put('tierClass', r.tier !== null ? `tier|${tierColor}` : 'muted', () => {
      this.tier.className = r.tier !== null ? 'tier' : 'muted';
      this.tier.style.setProperty('--tier', tierColor);
    });
    this.text('grade', this.grade, r.grade ?? '–');

    const status = r.converted ? 'customer' : r.qualified ? 'pql' : 'none';
    this.put('status', `${status}|${r.converted_at ?? ''}`, () => {
      const s = this.status;
      if (status === 'customer') {
        s.className = 'custmark';
        s.dataset.testid = 'customer-badge';
        s.textContent = 'Customer';
        s.title = `Customer since ${(r.converted_at ?? '').slice(0, 10)}`;
      } else {
        s.className = status === 'pql' ? 'pqlmark' : 'sr-only';
        delete s.dataset.testid;
        s.textContent = status === 'pql' ? 'PQL' : 'not qualified';
        s.title = status === 'pql' ? 'Product-qualified lead' : '';
      }
    });
    this.text('since', this.since, r.days_qualified === null ? '–' : `${r.days_qualified}d`);
    this.put('sinceClass', r.days_qualified === null ? 'muted' : '', (v) => {
      this.since.className = v;
    });
    this.attr(
      'sinceTitle',
      this.since,
      'title',
      r.days_qualified === null
        ? null
        : `Qualified since ${(r.qualified_at ?? '').slice(0, 10)}; first ${(r.first_qualified_at ?? '').slice(0, 10)}`,
    );

    this.put('actClass', r.activated ? 'cell c-act num ok' : 'cell c-act num', (v) => {
      this.act.className = v;
    });
    this.attr('actTitle', this.act, 'title', r.activated ? `activated ${r.activated_at ?? ''}` : 'not activated');
    this.text('act', this.act, totalSteps > 0 ? `${r.steps_completed}/${totalSteps}` : '–');
    this.text('eng', this.eng, fmt(r.engagement, 0));
    this.text('fit', this.fit, fmt(r.fit, 0));
    this.text('users', this.users, fmtInt(r.active_users));
    this.text('seen', this.seen, `${r.days_since_last_seen}d`);
    this.attr('seenTitle', this.seen, 'title', r.last_seen ?? '');
  }

  /** A row whose data has not arrived yet (a fast scroll): its place, and nothing else. */
  placeholder(index: number): void {
    this.last = {};
    const root = this.root;
    root.className = 'row placeholder';
    for (const a of [
      'data-testid',
      'data-id',
      'data-score',
      'data-rank',
      'data-index',
      'data-converted',
      'data-days-qualified',
      'aria-selected',
      'id',
    ])
      root.removeAttribute(a);
    root.setAttribute('aria-rowindex', String(index + 2));
    for (const el of [
      this.move,
      this.name,
      this.idEl,
      this.segs,
      this.val,
      this.tier,
      this.grade,
      this.status,
      this.since,
      this.act,
      this.eng,
      this.fit,
      this.users,
      this.seen,
    ])
      el.textContent = '';
    this.rk.textContent = '…';
    this.bar.style.width = '0';
  }
}
