// Data: pick or drop an events, accounts or users file, watch it load, read the report; after
// a load of your own events, how the model fits them and *Start a model from this data*.
import type { LoadResult } from './client';
import { h, setText } from './dom';
import type { Diagnostics } from '@pql/engine';
import type { Kind, LoadReport } from './protocol';
import { fmtInt } from './util';

export type FileHandler = (kind: Kind, file: File, append: boolean) => void;

export class DataPanel {
  readonly root: HTMLElement;
  readonly dropOverlay: HTMLElement;
  private appendBox: HTMLInputElement;
  private progress: HTMLProgressElement;
  private progressLabel: HTMLElement;
  private progressWrap: HTMLElement;
  private report: HTMLElement;
  private reportErrors: HTMLElement;
  private inputs: Record<Kind, HTMLInputElement>;
  private reviewBox: HTMLInputElement;
  private fitBox: HTMLElement;
  private fitLine: HTMLElement;
  private conversionSel: HTMLSelectElement;
  private startBtn: HTMLButtonElement;
  /** *Start a model from this data* with the conversion event chosen (null: none). */
  onStart: ((conversion: string | null) => void) | null = null;

  constructor(private onFile: FileHandler) {
    const picker = (kind: Kind, label: string, testid: string) => {
      const input = h('input', {
        type: 'file',
        id: `${kind}-file`,
        'data-testid': testid,
        class: 'file',
        accept: '.jsonl,.ndjson,.json,.csv,.txt,.gz,.zip,application/json,text/csv,application/gzip,application/zip',
      });
      input.addEventListener('change', () => {
        const f = input.files?.[0];
        if (f) this.onFile(kind, f, kind === 'events' ? this.appendBox.checked : false);
        input.value = '';
      });
      return {
        input,
        el: h('div', { class: 'picker' }, h('label', { for: input.id, class: 'button', text: label }), input),
      };
    };
    const ev = picker('events', 'Events file…', 'events-file');
    const ac = picker('accounts', 'Accounts file…', 'accounts-file');
    const us = picker('users', 'Users file…', 'users-file');
    this.inputs = { events: ev.input, accounts: ac.input, users: us.input };
    this.appendBox = h('input', { type: 'checkbox', id: 'append-events' });
    this.reviewBox = h('input', { type: 'checkbox', id: 'import-always', 'data-testid': 'import-always' });
    this.fitLine = h('span', { 'data-testid': 'model-fit-line' });
    this.conversionSel = h('select', {
      'data-testid': 'start-conversion',
      'aria-label': 'Conversion event of the new model',
    });
    this.startBtn = h('button', {
      type: 'button',
      'data-testid': 'start-model',
      text: 'Start a model from this data',
      title: 'Activation steps and event weights from suggest() (or the event list), as one undoable model edit',
    });
    this.startBtn.addEventListener('click', () => this.onStart?.(this.conversionSel.value || null));
    this.fitBox = h(
      'p',
      { class: 'model-fit', 'data-testid': 'model-fit', hidden: true, role: 'status' },
      this.fitLine,
      h('label', null, 'conversion ', this.conversionSel),
      this.startBtn,
    );
    this.progress = h('progress', { max: 1, 'aria-labelledby': 'progress-label' });
    this.progressLabel = h('span', { id: 'progress-label', class: 'plabel' });
    this.progressWrap = h(
      'div',
      { class: 'progress', hidden: true, role: 'status', 'aria-live': 'polite' },
      this.progress,
      this.progressLabel,
    );
    this.report = h('p', { class: 'report-line' });
    this.reportErrors = h('ol', { class: 'report-errors' });
    this.root = h(
      'section',
      { class: 'data', 'aria-label': 'Data' },
      ev.el,
      ac.el,
      us.el,
      h(
        'label',
        { class: 'check', title: 'Add the next events file to the loaded events instead of replacing them' },
        this.appendBox,
        'append events',
      ),
      h(
        'label',
        {
          class: 'check',
          title:
            'Show the import step (preview, column mapping, units) for every file, not only for those that do not load as they are',
        },
        this.reviewBox,
        'review files',
      ),
      h('span', {
        class: 'hint drophint',
        text: 'or drop files (JSONL, JSON, CSV; .gz, .zip; Segment, Mixpanel, Amplitude, PostHog exports) anywhere',
      }),
      this.progressWrap,
      h(
        'div',
        { class: 'report', 'data-testid': 'load-report', role: 'status', 'aria-live': 'polite' },
        this.report,
        this.reportErrors,
      ),
      this.fitBox,
    );
    this.dropOverlay = h(
      'div',
      { class: 'drop-overlay', hidden: true, 'aria-hidden': 'true' },
      h('div', { class: 'drop-box', text: 'Drop events (and accounts) files to load them' }),
    );
    this.installDrop();
  }

  private installDrop(): void {
    let depth = 0;
    const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    window.addEventListener('dragenter', (e) => {
      if (!hasFiles(e)) return;
      depth++;
      this.dropOverlay.hidden = false;
    });
    window.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (!depth) this.dropOverlay.hidden = true;
    });
    window.addEventListener('dragover', (e) => {
      if (hasFiles(e)) {
        e.preventDefault();
        e.dataTransfer!.dropEffect = 'copy';
      }
    });
    window.addEventListener('drop', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      this.dropOverlay.hidden = true;
      const files = [...(e.dataTransfer?.files ?? [])];
      // Accounts files are recognised by name; everything else is events.
      // Accounts and users files are recognised by name (the import step can change it); the rest is events.
      const accounts = files.filter((f) => /account|compan|org/i.test(f.name));
      const users = files.filter(
        (f) => !accounts.includes(f) && /user|people|person|profile/i.test(f.name) && !/event/i.test(f.name),
      );
      const events = files.filter((f) => !accounts.includes(f) && !users.includes(f));
      events.forEach((f, i) => this.onFile('events', f, this.appendBox.checked || i > 0));
      accounts.forEach((f) => this.onFile('accounts', f, false));
      users.forEach((f) => this.onFile('users', f, false));
    });
  }

  setProgress(what: string, phase: string, done: number, total: number): void {
    // total 0: not known yet (a download without a length).
    this.progressWrap.hidden = false;
    if (total > 0) {
      this.progress.max = total;
      this.progress.value = done;
    } else this.progress.removeAttribute('value');
    const pct = total > 0 ? ` ${Math.floor((100 * done) / total)}%` : '';
    setText(this.progressLabel, `${phase === 'reading' ? 'Reading' : 'Loading'} ${what}${pct}`);
  }

  hideProgress(): void {
    this.progressWrap.hidden = true;
  }

  showMessage(text: string, isError = false): void {
    this.last = null;
    setText(this.report, text);
    this.report.classList.toggle('error', isError);
    this.reportErrors.replaceChildren();
  }

  private last: LoadResult | null = null;
  // The last file loaded of each kind (its own report), and the engine's diagnostics of every
  // event load since the events were last replaced (from the latest ranking).
  private lastOf: Record<Kind, LoadResult | null> = { events: null, accounts: null, users: null };
  private diagnostics: Diagnostics | null = null;

  showResult(r: LoadResult): void {
    this.last = r;
    if (r.ok) this.lastOf[r.kind] = r;
    this.render();
  }

  setDiagnostics(d: Diagnostics): void {
    const was = this.diagnostics;
    this.diagnostics = d;
    if (!was || was.read !== d.read || was.unassigned !== d.unassigned) this.render();
  }

  private render(): void {
    const r = this.last;
    if (!r) return;
    if (!r.ok) {
      // One line (the engine's summary), and what stays.
      const kept = r.restored
        ? '; the data loaded before it is kept, and so is the ranking'
        : r.restored === false
          ? '; the data loaded before it could not all be read again'
          : '';
      // The line already names the first bad row: no list of rows that all fail alike.
      this.showMessage(`${r.name}: ${r.error ?? 'failed to load'}${kept}`, true);
      return;
    }
    const line = (label: string, x: LoadReport) =>
      `${label}: read ${fmtInt(x.read)} · loaded ${fmtInt(x.loaded)} · skipped ${fmtInt(x.skipped)} · duplicates ${fmtInt(x.duplicates)}`;
    const parts = [line(r.name, r.report)];
    const d = this.diagnostics;
    if (r.kind === 'events' && r.files.events.length > 1 && d)
      parts.push(line(`all ${r.files.events.length} events files`, d));
    for (const k of ['events', 'accounts', 'users'] as Kind[]) {
      const other = this.lastOf[k];
      if (k !== r.kind && other && r.files[k]?.includes(other.name)) parts.push(line(other.name, other.report));
    }
    if (r.dropped?.length)
      parts.push(`dropped ${r.dropped.join(', ')} (the sample's accounts: not those of these events)`);
    if (d?.unassigned) parts.push(`${fmtInt(d.unassigned)} events without an account`);
    // What the engine says once instead of per row (LoadReport notes).
    for (const n of r.report.notes ?? []) parts.push(n);
    setText(this.report, parts.join(' | '));
    this.report.classList.toggle('error', r.report.skipped > 0);
    const errs = r.report.errors.slice(0, 20);
    const items = errs.map((e) => h('li', { text: `line ${e.line}: ${e.message}` }));
    if (r.report.skipped > errs.length)
      items.push(h('li', { class: 'more', text: `… ${fmtInt(r.report.skipped - errs.length)} more skipped rows` }));
    this.reportErrors.replaceChildren(...items);
  }

  /** Shows every file through the import step (the *review files* box). */
  get reviewAll(): boolean {
    return this.reviewBox.checked;
  }

  /** How the model fits the loaded events, with the events offered as the new model's conversion. */
  showFit(line: string | null, events: string[], conversion: string | null): void {
    this.fitBox.hidden = line === null;
    if (line === null) return;
    setText(this.fitLine, line);
    this.conversionSel.replaceChildren(
      h('option', { value: '', text: '(none)' }),
      ...events.map((e) => h('option', { value: e, text: e, selected: e === conversion })),
    );
  }

  focusPicker(kind: Kind): void {
    this.inputs[kind].focus();
  }
}
