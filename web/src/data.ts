// Data: pick or drop an events file and an accounts file, watch it load, read the report.
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

  constructor(private onFile: FileHandler) {
    const picker = (kind: Kind, label: string, testid: string) => {
      const input = h('input', { type: 'file', id: `${kind}-file`, 'data-testid': testid, class: 'file',
        accept: '.jsonl,.ndjson,.json,.csv,.txt,application/json,text/csv' });
      input.addEventListener('change', () => {
        const f = input.files?.[0];
        if (f) this.onFile(kind, f, kind === 'events' ? this.appendBox.checked : false);
        input.value = '';
      });
      return { input, el: h('div', { class: 'picker' }, h('label', { for: input.id, class: 'button', text: label }), input) };
    };
    const ev = picker('events', 'Events file…', 'events-file');
    const ac = picker('accounts', 'Accounts file…', 'accounts-file');
    this.inputs = { events: ev.input, accounts: ac.input };
    this.appendBox = h('input', { type: 'checkbox', id: 'append-events' });
    this.progress = h('progress', { max: 1, 'aria-labelledby': 'progress-label' });
    this.progressLabel = h('span', { id: 'progress-label', class: 'plabel' });
    this.progressWrap = h('div', { class: 'progress', hidden: true, role: 'status', 'aria-live': 'polite' }, this.progress, this.progressLabel);
    this.report = h('p', { class: 'report-line' });
    this.reportErrors = h('ol', { class: 'report-errors' });
    this.root = h('section', { class: 'data', 'aria-label': 'Data' },
      ev.el, ac.el,
      h('label', { class: 'check', title: 'Add the next events file to the loaded events instead of replacing them' }, this.appendBox, 'append events'),
      h('span', { class: 'hint drophint', text: 'or drop JSONL, JSON, CSV or Segment files anywhere' }),
      this.progressWrap,
      h('div', { class: 'report', 'data-testid': 'load-report', role: 'status', 'aria-live': 'polite' }, this.report, this.reportErrors));
    this.dropOverlay = h('div', { class: 'drop-overlay', hidden: true, 'aria-hidden': 'true' },
      h('div', { class: 'drop-box', text: 'Drop events (and accounts) files to load them' }));
    this.installDrop();
  }

  private installDrop(): void {
    let depth = 0;
    const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    window.addEventListener('dragenter', (e) => { if (!hasFiles(e)) return; depth++; this.dropOverlay.hidden = false; });
    window.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) this.dropOverlay.hidden = true; });
    window.addEventListener('dragover', (e) => { if (hasFiles(e)) { e.preventDefault(); e.dataTransfer!.dropEffect = 'copy'; } });
    window.addEventListener('drop', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      this.dropOverlay.hidden = true;
      const files = [...(e.dataTransfer?.files ?? [])];
      // Accounts files are recognised by name; everything else is events.
      const accounts = files.filter((f) => /account|compan|org/i.test(f.name));
      const events = files.filter((f) => !accounts.includes(f));
      events.forEach((f, i) => this.onFile('events', f, this.appendBox.checked || i > 0));
      accounts.forEach((f) => this.onFile('accounts', f, false));
    });
  }

  setProgress(what: string, phase: string, done: number, total: number): void {
    // total 0: not known yet (a download without a length).
    this.progressWrap.hidden = false;
    if (total > 0) { this.progress.max = total; this.progress.value = done; } else this.progress.removeAttribute('value');
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
  private lastOf: Record<Kind, LoadResult | null> = { events: null, accounts: null };
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
      this.showMessage(`${r.name}: ${r.error ?? 'failed to load'}`, true);
      return;
    }
    const line = (label: string, x: LoadReport) =>
      `${label}: read ${fmtInt(x.read)} · loaded ${fmtInt(x.loaded)} · skipped ${fmtInt(x.skipped)} · duplicates ${fmtInt(x.duplicates)}`;
    const parts = [line(r.name, r.report)];
    const d = this.diagnostics;
    if (r.kind === 'events' && r.files.events.length > 1 && d) parts.push(line(`all ${r.files.events.length} events files`, d));
    const other = this.lastOf[r.kind === 'events' ? 'accounts' : 'events'];
    if (other && other.files[other.kind].length) parts.push(line(other.name, other.report));
    if (d?.unassigned) parts.push(`${fmtInt(d.unassigned)} events without an account`);
    setText(this.report, parts.join(' | '));
    this.report.classList.toggle('error', r.report.skipped > 0);
    const errs = r.report.errors.slice(0, 20);
    const items = errs.map((e) => h('li', { text: `line ${e.line}: ${e.message}` }));
    if (r.report.skipped > errs.length) items.push(h('li', { class: 'more', text: `… ${fmtInt(r.report.skipped - errs.length)} more skipped rows` }));
    this.reportErrors.replaceChildren(...items);
  }

  focusPicker(kind: Kind): void {
    this.inputs[kind].focus();
  }
}
