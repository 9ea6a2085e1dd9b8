// The import step (issue #14 item 5): a dialog over the page for a file that does not load as
// it is (or for every file, with *review files before loading*): the first rows as a table,
// the detected shape, a mapping of its columns to the fields (pre-filled by aliases), seconds
// vs milliseconds, the account's group key for vendor exports, and a live dry run of the first
// rows with those options in a scratch engine. *Import* loads the whole file with them.
import type { ColumnMapping, LoadReport, TimeUnit } from '@pql/engine';
import { h, setText } from './dom';
import {
  FIELDS,
  accountKeys,
  columnValues,
  columnsOption,
  guessAccountKey,
  guessColumns,
  guessTimeUnit,
  isVendor,
  shapeOf,
  summaryLine,
  type DryRun,
  type Field,
  type Head,
  type ImportKind,
  type ImportOptions,
  type Shape,
} from './importer';
import { fmtInt } from './util';
import './import.css';

export interface HeadInfo {
  text: string;
  complete: boolean;
  compression: 'gzip' | 'zip' | null;
  entry: string | null;
}

export interface ImportHost {
  dryRun(kind: ImportKind, text: string, options: ImportOptions): Promise<DryRun>;
}

export interface ImportChoice {
  kind: ImportKind;
  options: ImportOptions;
}

const SHAPE_NAMES: Record<Shape, string> = {
  flat: 'flat rows (JSON)',
  csv: 'CSV',
  segment: 'Segment calls',
  segment_batch: 'Segment HTTP batches (batch: [...])',
  mixpanel: 'Mixpanel export',
  amplitude: 'Amplitude export',
  posthog: 'PostHog events',
  unknown: 'not recognised',
};
const MAX_COLUMNS = 14;

/** A numeric timestamp read both ways (the date each unit makes of it). */
function asDate(v: string, unit: TimeUnit): string {
  const x = Number(v) * (unit === 's' ? 1000 : 1);
  const d = new Date(x);
  return Number.isNaN(d.getTime()) ? '—' : d.toISOString().slice(0, 10);
}

export class ImportPanel {
  readonly root: HTMLDialogElement;
  private body: HTMLElement;
  private check: HTMLElement;
  private importBtn: HTMLButtonElement;
  private resolve: ((c: ImportChoice | null) => void) | null = null;
  private state: {
    kind: ImportKind;
    head: Head;
    info: HeadInfo;
    shape: Shape;
    mapping: ColumnMapping;
    unit: TimeUnit | null;
    detectedUnit: TimeUnit | null;
    accountKey: string | null;
    why: string | null;
    name: string;
  } | null = null;
  private dryToken = 0;

  constructor(private host: ImportHost) {
    this.body = h('div', { class: 'import-body' });
    this.check = h('p', {
      class: 'import-check',
      'data-testid': 'import-check',
      role: 'status',
      'aria-live': 'polite',
    });
    this.importBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'import-load', text: 'Import' });
    const cancel = h('button', { type: 'button', 'data-testid': 'import-cancel', text: 'Cancel' });
    this.importBtn.addEventListener('click', () => this.finish(true));
    cancel.addEventListener('click', () => this.finish(false));
    this.root = h(
      'dialog',
      { class: 'import', 'data-testid': 'import', 'aria-labelledby': 'import-title' },
      this.body,
      this.check,
      h('div', { class: 'import-actions' }, cancel, this.importBtn),
    );
    this.root.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      this.finish(false);
    });
  }

  get isOpen(): boolean {
    return this.root.open;
  }

  /**
   * Shows the import step for `file` and resolves with the choice (null: cancelled). `dry` is
   * the dry run without options, `why` the reason the file does not load as it is (or null).
   */
  open(
    kind: ImportKind,
    name: string,
    info: HeadInfo,
    head: Head,
    dry: DryRun,
    why: string | null,
  ): Promise<ImportChoice | null> {
    this.resolve?.(null);
    const shape = shapeOf(head, dry.report);
    this.state = { kind, head, info, shape, mapping: {}, unit: null, detectedUnit: null, accountKey: null, why, name };
    this.guess();
    this.render();
    if (!this.root.open) this.root.showModal();
    void this.runDry();
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  private guess(): void {
    const s = this.state!;
    s.mapping = isVendor(s.shape) ? {} : guessColumns(s.kind, s.head.columns);
    s.detectedUnit =
      s.kind === 'events' && !isVendor(s.shape) && s.mapping.timestamp
        ? guessTimeUnit(columnValues(s.head, s.mapping.timestamp))
        : null;
    s.unit = s.detectedUnit;
    const keys = s.kind === 'events' ? accountKeys(s.head, s.shape) : [];
    s.accountKey = s.kind === 'events' ? guessAccountKey(keys, s.shape) : null;
  }

  options(): ImportOptions {
    const s = this.state!;
    const o: ImportOptions = {};
    if (!isVendor(s.shape)) {
      const cols = columnsOption(s.mapping);
      if (cols) o.columns = cols;
      if (s.kind === 'events' && s.unit) o.time_unit = s.unit;
    } else if (
      s.kind === 'events' &&
      s.accountKey &&
      (s.shape === 'mixpanel' || s.shape === 'amplitude' || s.shape === 'posthog')
    ) {
      o.account_key = s.accountKey;
    }
    return o;
  }

  private finish(ok: boolean): void {
    const s = this.state;
    const r = this.resolve;
    this.resolve = null;
    if (this.root.open) this.root.close();
    r?.(ok && s ? { kind: s.kind, options: this.options() } : null);
  }

  private render(): void {
    const s = this.state!;
    const where =
      s.info.compression === 'gzip'
        ? ' (gzip)'
        : s.info.compression === 'zip'
          ? ` (zip: ${s.info.entry ?? 'no file entry'})`
          : '';
    const kindSel = h(
      'select',
      { 'data-testid': 'import-kind', 'aria-label': 'What the file holds' },
      ...(['events', 'accounts', 'users'] as ImportKind[]).map((k) =>
        h('option', { value: k, text: k, selected: k === s.kind }),
      ),
    );
    kindSel.addEventListener('change', () => {
      s.kind = kindSel.value as ImportKind;
      this.guess();
      this.render();
      void this.runDry();
    });
    const shapeText =
      s.shape === 'csv' || (s.head.format === 'csv' && s.shape === 'posthog')
        ? `${SHAPE_NAMES[s.shape]}${s.shape === 'posthog' ? ' (CSV export)' : ''} with columns ${s.head.columns.join(', ')}`
        : `${SHAPE_NAMES[s.shape]} (${s.head.format === 'json' ? 'a JSON array' : 'JSON Lines'})`;
    const parts: (HTMLElement | null)[] = [
      h('h2', { id: 'import-title', text: `Import ${s.name}${where}` }),
      h(
        'p',
        { class: 'import-line' },
        'This file holds ',
        kindSel,
        '. Read as: ',
        h('strong', { 'data-testid': 'import-shape', 'data-shape': s.shape, text: shapeText }),
      ),
      s.why ? h('p', { class: 'import-why', 'data-testid': 'import-why', text: `As it is: ${s.why}` }) : null,
      this.table(),
    ];
    if (!isVendor(s.shape)) parts.push(this.mappingControls());
    else parts.push(this.vendorControls());
    this.body.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
  }

  private table(): HTMLElement {
    const { head } = this.state!;
    const cols = head.columns.slice(0, MAX_COLUMNS);
    const more = head.columns.length - cols.length;
    return h(
      'div',
      { class: 'import-tablewrap' },
      h(
        'table',
        { class: 'import-preview', 'data-testid': 'import-preview' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...cols.map((c) => h('th', { scope: 'col', text: c })),
            more > 0 ? h('th', { text: `+${more} more` }) : null,
          ),
        ),
        h(
          'tbody',
          null,
          ...head.rows.map((r) => h('tr', null, ...cols.map((_, i) => h('td', { text: (r[i] ?? '').slice(0, 60) })))),
        ),
      ),
      head.rows.length ? null : h('p', { class: 'hint', text: 'No whole row in the first 64 KiB.' }),
    );
  }

  private mappingControls(): HTMLElement {
    const s = this.state!;
    const rows = FIELDS[s.kind].map(({ field, label, required }) => {
      const sel = h(
        'select',
        { 'data-testid': `map-${field}`, id: `map-${field}` },
        h('option', { value: '', text: required ? '(choose a column)' : '(none)' }),
        ...s.head.columns.map((c) => h('option', { value: c, text: c, selected: s.mapping[field] === c })),
      );
      sel.addEventListener('change', () => {
        if (sel.value) s.mapping[field] = sel.value;
        else delete s.mapping[field];
        if (field === 'timestamp') {
          s.detectedUnit = sel.value ? guessTimeUnit(columnValues(s.head, sel.value)) : null;
          s.unit = s.detectedUnit;
          this.render();
        }
        void this.runDry();
      });
      return h(
        'label',
        { class: 'import-map', for: `map-${field}` },
        h('span', { text: label + (required ? ' *' : '') }),
        sel,
      );
    });
    const out: HTMLElement[] = [h('fieldset', { class: 'import-fields' }, h('legend', { text: 'Columns' }), ...rows)];
    if (s.kind === 'events' && s.mapping.timestamp && s.detectedUnit) {
      const sample = columnValues(s.head, s.mapping.timestamp)[0] ?? '';
      const unitSel = h(
        'select',
        { 'data-testid': 'time-unit', id: 'time-unit' },
        h('option', { value: 's', text: `seconds (${sample} = ${asDate(sample, 's')})`, selected: s.unit === 's' }),
        h('option', {
          value: 'ms',
          text: `milliseconds (${sample} = ${asDate(sample, 'ms')})`,
          selected: s.unit === 'ms',
        }),
      );
      unitSel.addEventListener('change', () => {
        s.unit = unitSel.value as TimeUnit;
        void this.runDry();
      });
      out.push(
        h(
          'label',
          { class: 'import-map' },
          h('span', { text: 'numbers are' }),
          unitSel,
          h('span', {
            class: 'hint',
            text: `detected: ${s.detectedUnit === 's' ? 'seconds (every value below 10^11)' : 'milliseconds'}`,
          }),
        ),
      );
    }
    if (s.kind !== 'events') out.push(h('p', { class: 'hint', text: 'The other columns are kept as traits.' }));
    return h('div', { class: 'import-controls' }, ...out);
  }

  private vendorControls(): HTMLElement {
    const s = this.state!;
    if (s.kind !== 'events' || !(s.shape === 'mixpanel' || s.shape === 'amplitude' || s.shape === 'posthog')) {
      return h('p', { class: 'hint', text: 'Read by its own keys (docs/data.md); nothing to map.' });
    }
    const keys = accountKeys(s.head, s.shape);
    const where = s.shape === 'mixpanel' ? 'properties' : s.shape === 'amplitude' ? 'groups' : 'properties.$groups';
    const sel = h(
      'select',
      { 'data-testid': 'account-key', id: 'account-key' },
      h('option', {
        value: '',
        text: s.shape === 'mixpanel' ? '(none: no accounts)' : '(the only group type, if one)',
      }),
      ...keys.map((k) => h('option', { value: k, text: k, selected: s.accountKey === k })),
    );
    sel.addEventListener('change', () => {
      s.accountKey = sel.value || null;
      void this.runDry();
    });
    return h(
      'div',
      { class: 'import-controls' },
      h('label', { class: 'import-map', for: 'account-key' }, h('span', { text: `account is ${where}.` }), sel),
      h('p', {
        class: 'hint',
        text: 'Timestamps, users and dedup ids are read as the vendor writes them (SPEC §6.2).',
      }),
    );
  }

  // Loads the preview's rows with the current options in the scratch engine and says what came of it.
  private async runDry(): Promise<void> {
    const s = this.state;
    if (!s) return;
    const token = ++this.dryToken;
    const missing = isVendor(s.shape)
      ? []
      : FIELDS[s.kind].filter((f) => f.required && !s.mapping[f.field as Field]).map((f) => f.label);
    setText(this.check, 'Checking the first rows…');
    const dry = await this.host.dryRun(s.kind, s.head.text, this.options());
    if (token !== this.dryToken) return;
    this.check.classList.remove('error');
    if (dry.error) {
      this.check.classList.add('error');
      setText(
        this.check,
        missing.length
          ? `Choose the ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}: ${dry.error}`
          : dry.error,
      );
      return;
    }
    const r = dry.report as LoadReport;
    const line = summaryLine(r);
    const shapes = Object.entries(r.shapes ?? {})
      .map(([k, v]) => `${fmtInt(v)} ${k}`)
      .join(', ');
    const first = r.errors[0] ? `; first bad row: line ${r.errors[0].line}: ${r.errors[0].message}` : '';
    this.check.classList.toggle('error', r.loaded === 0 || r.skipped > 0 || !!line || missing.length > 0);
    const choose = missing.length ? `Choose the ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}. ` : '';
    setText(
      this.check,
      `${choose}First rows: ${fmtInt(r.loaded)} of ${fmtInt(r.read)} load${shapes ? ` (${shapes})` : ''}${first}${line && !first ? `; ${line}` : ''}`,
    );
  }
}
