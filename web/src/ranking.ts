// The live ranking: a virtualised list (only the rows in view, plus a margin, are in the DOM)
// with sort, search and filters, rank movement since the previous change and keyboard use.
import { h, setText } from './dom';
import type { EntityScore } from './protocol';
import { fmt, fmtInt } from './util';

const ROW_H = 30;          // px; fixed so the list never jumps
const HEAD_H = 26;         // the sticky header row inside the scrolling grid
const MIN_ROWS = 40;       // rows kept in the DOM at least (tests read the first 25)

type SortKey = 'rank' | 'entity' | 'score' | 'tier' | 'grade' | 'pql' | 'activation' | 'engagement' | 'fit' | 'active_users' | 'last_seen';

interface Column { key: SortKey; label: string; title: string; cls: string; numeric?: boolean }
const COLUMNS: Column[] = [
  { key: 'rank', label: 'Rank', title: 'Rank (▲▼ movement since the previous change)', cls: 'c-rank', numeric: true },
  { key: 'entity', label: 'Entity', title: 'Name and id', cls: 'c-entity' },
  { key: 'score', label: 'Score', title: 'Score 0–100', cls: 'c-score', numeric: true },
  { key: 'tier', label: 'Tier', title: 'Tier', cls: 'c-tier' },
  { key: 'grade', label: 'Grade', title: 'Fit letter × engagement digit', cls: 'c-grade' },
  { key: 'pql', label: 'PQL', title: 'Product-qualified lead', cls: 'c-pql' },
  { key: 'activation', label: 'Act.', title: 'Activation steps completed', cls: 'c-act', numeric: true },
  { key: 'engagement', label: 'Eng.', title: 'Engagement 0–100', cls: 'c-eng', numeric: true },
  { key: 'fit', label: 'Fit', title: 'Fit 0–100', cls: 'c-fit', numeric: true },
  { key: 'active_users', label: 'Users', title: 'Active users (last active_days)', cls: 'c-users', numeric: true },
  { key: 'last_seen', label: 'Seen', title: 'Days since last seen', cls: 'c-seen', numeric: true },
];

export interface Filter { q: string; pqlOnly: boolean; tier: string; grade: string }

export class RankingView {
  readonly root: HTMLElement;
  readonly toolbar: HTMLElement;
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

  private all: EntityScore[] = [];
  private view: EntityScore[] = [];
  private moves = new Map<string, number | 'new'>();
  private totalSteps = 0;
  private tierColors = new Map<string, string>();
  private sort: { key: SortKey; dir: 1 | -1 } = { key: 'rank', dir: 1 };
  filter: Filter = { q: '', pqlOnly: false, tier: '', grade: '' };
  selected: string | null = null;
  private active = -1;
  private revision = 0;
  private raf = 0;

  constructor(private onSelect: (id: string | null) => void) {
    this.searchInput = h('input', { type: 'search', placeholder: 'Search id or name', 'aria-label': 'Search entities by id or name', class: 'search' });
    this.pqlCheck = h('input', { type: 'checkbox', id: 'filter-pql' });
    this.tierSelect = h('select', { 'aria-label': 'Filter by tier' });
    this.gradeSelect = h('select', { 'aria-label': 'Filter by grade' });
    this.countEl = h('span', { class: 'count', role: 'status', 'aria-live': 'polite' });
    this.searchInput.addEventListener('input', () => { this.filter.q = this.searchInput.value; this.refilter(); });
    this.pqlCheck.addEventListener('change', () => { this.filter.pqlOnly = this.pqlCheck.checked; this.refilter(); });
    this.tierSelect.addEventListener('change', () => { this.filter.tier = this.tierSelect.value; this.refilter(); });
    this.gradeSelect.addEventListener('change', () => { this.filter.grade = this.gradeSelect.value; this.refilter(); });
    this.toolbar = h('div', { class: 'toolbar' },
      this.searchInput,
      h('label', { class: 'check' }, this.pqlCheck, 'PQLs only'),
      this.tierSelect, this.gradeSelect);
    this.footer = h('div', { class: 'footer' }, this.countEl);

    const header = h('div', { class: 'row head', role: 'row', 'aria-rowindex': '1' });
    for (const col of COLUMNS) {
      const b = h('button', { type: 'button', class: 'sort', title: `Sort by ${col.title}` , text: col.label });
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
      const idx = Number(row.dataset.index);
      this.activate(idx, false);
      this.viewport.focus({ preventScroll: true });
    });
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
    this.updateSortIndicators();
  }

  /** A new ranking: rows in rank order, with movement since the last one. */
  setRun(rows: EntityScore[], moves: Map<string, number | 'new'>, totalSteps: number, tiers: string[], tierColors: Map<string, string>): void {
    this.all = rows;
    this.moves = moves;
    this.totalSteps = totalSteps;
    this.tierColors = tierColors;
    this.fillSelect(this.tierSelect, 'All tiers', [...tiers, ...(rows.some((r) => r.tier === null) ? ['(none)'] : [])], this.filter.tier);
    const grades = [...new Set(rows.map((r) => r.grade ?? '(none)'))].sort();
    this.fillSelect(this.gradeSelect, 'All grades', grades, this.filter.grade);
    this.filter.tier = this.tierSelect.value;
    this.filter.grade = this.gradeSelect.value;
    this.recompute();
    this.render();
    this.revision += 1;
    this.root.dataset.revision = String(this.revision);
  }

  setFilter(patch: Partial<Filter>): void {
    Object.assign(this.filter, patch);
    this.searchInput.value = this.filter.q;
    this.pqlCheck.checked = this.filter.pqlOnly;
    this.tierSelect.value = this.filter.tier;
    this.gradeSelect.value = this.filter.grade;
    this.refilter();
  }

  get rows(): EntityScore[] { return this.view; }

  select(id: string | null): void {
    this.selected = id;
    this.active = id === null ? -1 : this.view.findIndex((r) => r.id === id);
    this.render();
  }

  private fillSelect(sel: HTMLSelectElement, allLabel: string, values: string[], current: string): void {
    const wanted = ['', ...values];
    const have = [...sel.options].map((o) => o.value);
    if (wanted.length !== have.length || wanted.some((v, i) => v !== have[i])) {
      sel.replaceChildren(...wanted.map((v) => h('option', { value: v, text: v === '' ? allLabel : v })));
    }
    sel.value = wanted.includes(current) ? current : '';
  }

  private refilter(): void {
    this.recompute();
    this.viewport.scrollTop = 0;
    this.render();
  }

  private setSort(key: SortKey): void {
    if (this.sort.key === key) this.sort.dir = this.sort.dir === 1 ? -1 : 1;
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

  private recompute(): void {
    const q = this.filter.q.trim().toLowerCase();
    const { pqlOnly, tier, grade } = this.filter;
    let rows = this.all;
    if (q || pqlOnly || tier || grade) {
      rows = rows.filter((r) =>
        (!pqlOnly || r.qualified) &&
        (!tier || (tier === '(none)' ? r.tier === null : r.tier === tier)) &&
        (!grade || (grade === '(none)' ? r.grade === null : r.grade === grade)) &&
        (!q || r.id.toLowerCase().includes(q) || (r.name ?? '').toLowerCase().includes(q)));
    }
    if (this.sort.key !== 'rank' || this.sort.dir !== 1) {
      const key = sortValue(this.sort.key);
      const dir = this.sort.dir;
      rows = rows.slice().sort((a, b) => {
        const va = key(a), vb = key(b);
        if (va < vb) return -dir;
        if (va > vb) return dir;
        return a.rank - b.rank;
      });
    }
    this.view = rows;
    this.active = this.selected === null ? -1 : rows.findIndex((r) => r.id === this.selected);
    this.spacer.style.height = `${rows.length * ROW_H}px`;
    const pql = this.all.reduce((n, r) => n + (r.qualified ? 1 : 0), 0);
    setText(this.countEl, rows.length === this.all.length
      ? `${fmtInt(rows.length)} entities · ${fmtInt(pql)} PQLs`
      : `${fmtInt(rows.length)} of ${fmtInt(this.all.length)} shown · ${fmtInt(pql)} PQLs`);
    this.viewport.setAttribute('aria-rowcount', String(rows.length + 1));
  }

  private schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => { this.raf = 0; this.render(); });
  }

  private render(): void {
    const height = Math.max(0, (this.viewport.clientHeight || 600) - HEAD_H);
    const top = this.viewport.scrollTop;
    const visible = Math.ceil(height / ROW_H);
    const overscan = 10;
    let first = Math.max(0, Math.floor(top / ROW_H) - overscan);
    const count = Math.max(MIN_ROWS, visible + 2 * overscan);
    const last = Math.min(this.view.length, first + count);
    first = Math.max(0, Math.min(first, last - count));
    this.layer.style.transform = `translateY(${HEAD_H + first * ROW_H}px)`;
    const frag = document.createDocumentFragment();
    for (let i = first; i < last; i++) frag.appendChild(this.row(this.view[i], i));
    this.layer.replaceChildren(frag);
    const activeRow = this.active >= 0 ? this.layer.querySelector(`[data-index="${this.active}"]`) : null;
    if (activeRow) this.viewport.setAttribute('aria-activedescendant', activeRow.id);
    else this.viewport.removeAttribute('aria-activedescendant');
  }

  private row(r: EntityScore, index: number): HTMLElement {
    const move = this.moves.get(r.id);
    let moveEl: HTMLElement | null = null;
    if (move === 'new') moveEl = h('span', { class: 'move new', text: 'new', title: 'New in this ranking' });
    else if (typeof move === 'number' && move !== 0) {
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
    const el = h('div', {
      class: `row${r.id === this.selected ? ' selected' : ''}${index === this.active ? ' active' : ''}${r.qualified ? ' pql' : ''}`,
      role: 'row', id: `row-${index}`,
      'data-testid': 'ranking-row', 'data-id': r.id, 'data-score': String(r.score), 'data-rank': String(r.rank),
      'data-index': String(index), 'aria-rowindex': String(index + 2),
      'aria-selected': r.id === this.selected ? 'true' : 'false',
    },
      h('div', { class: 'cell c-rank num', role: 'gridcell' }, h('span', { class: 'rk', text: String(r.rank) }), moveEl),
      h('div', { class: 'cell c-entity', role: 'gridcell', title: r.name ? `${r.name} (${r.id})` : r.id },
        h('span', { class: 'name', text: name }), r.name ? h('span', { class: 'id', text: r.id }) : null),
      h('div', { class: 'cell c-score num', role: 'gridcell', title: String(r.score) },
        h('span', { class: 'track' }, bar), h('span', { class: 'val', text: fmt(r.score) })),
      h('div', { class: 'cell c-tier', role: 'gridcell' }, tierEl),
      h('div', { class: 'cell c-grade', role: 'gridcell', text: r.grade ?? '–' }),
      h('div', { class: 'cell c-pql', role: 'gridcell' },
        r.qualified ? h('span', { class: 'pqlmark', text: 'PQL', title: 'Product-qualified lead' }) : h('span', { class: 'sr-only', text: 'not qualified' })),
      h('div', { class: `cell c-act num${r.activated ? ' ok' : ''}`, role: 'gridcell', title: r.activated ? `activated ${r.activated_at ?? ''}` : 'not activated' },
        this.totalSteps > 0 ? `${r.steps_completed}/${this.totalSteps}` : '–'),
      h('div', { class: 'cell c-eng num', role: 'gridcell', text: fmt(r.engagement, 0) }),
      h('div', { class: 'cell c-fit num', role: 'gridcell', text: fmt(r.fit, 0) }),
      h('div', { class: 'cell c-users num', role: 'gridcell', text: fmtInt(r.active_users) }),
      h('div', { class: 'cell c-seen num', role: 'gridcell', title: r.last_seen ?? '', text: `${r.days_since_last_seen}d` }),
    );
    return el;
  }

  private activate(index: number, scroll: boolean): void {
    if (!this.view.length) return;
    index = Math.max(0, Math.min(this.view.length - 1, index));
    this.active = index;
    this.selected = this.view[index].id;
    if (scroll) {
      const top = HEAD_H + index * ROW_H;
      const vp = this.viewport;
      if (top < vp.scrollTop + HEAD_H) vp.scrollTop = top - HEAD_H;
      else if (top + ROW_H > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW_H - vp.clientHeight;
    }
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
      case 'End': next = this.view.length - 1; break;
      case 'Enter': case ' ': next = cur < 0 ? 0 : cur; break;
      case 'Escape': this.selected = null; this.active = -1; this.render(); this.onSelect(null); ev.preventDefault(); return;
      default: return;
    }
    ev.preventDefault();
    this.activate(next, true);
  }
}

function sortValue(key: SortKey): (r: EntityScore) => number | string {
  switch (key) {
    case 'rank': return (r) => r.rank;
    case 'score': case 'tier': return (r) => r.score;
    case 'entity': return (r) => (r.name ?? r.id).toLowerCase();
    case 'grade': return (r) => r.grade ?? '~';
    case 'pql': return (r) => (r.qualified ? 1 : 0);
    case 'activation': return (r) => r.activation;
    case 'engagement': return (r) => r.engagement;
    case 'fit': return (r) => r.fit;
    case 'active_users': return (r) => r.active_users;
    case 'last_seen': return (r) => r.days_since_last_seen;
  }
}
