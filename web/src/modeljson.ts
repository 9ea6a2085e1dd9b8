// The model as JSON: a textarea in sync both ways, the model error with its path, import and
// export of a model file, a shareable link (the model in the URL hash) and reset.
import { h, setText } from './dom';
import type { ModelError } from './protocol';
import { fromBase64Url, isObject, toBase64Url, type JsonObject } from './util';

export interface ModelJsonHost {
  apply(model: JsonObject, source: 'json' | 'import'): void;
  reset(): void;
  current(): JsonObject;
  shareUrl(): string;
}

export class ModelJsonPanel {
  readonly root: HTMLElement;
  readonly toolbar: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  private error: HTMLElement;
  private status: HTMLElement;

  constructor(private host: ModelJsonHost) {
    this.textarea = h('textarea', {
      id: 'model-json',
      'data-testid': 'model-json',
      spellcheck: 'false',
      autocomplete: 'off',
      rows: 16,
      'aria-describedby': 'model-json-error',
    });
    this.textarea.addEventListener('input', () => this.onInput());
    this.error = h('p', { id: 'model-json-error', class: 'model-error', role: 'alert', hidden: true });
    this.status = h('span', { class: 'hint modelstatus', role: 'status', 'aria-live': 'polite' });
    const importInput = h('input', {
      type: 'file',
      id: 'model-import',
      class: 'file',
      accept: '.json,application/json',
    });
    importInput.addEventListener('change', async () => {
      const f = importInput.files?.[0];
      importInput.value = '';
      if (!f) return;
      try {
        const parsed: unknown = JSON.parse(await f.text());
        if (!isObject(parsed)) throw new Error('a model is a JSON object');
        this.host.apply(parsed, 'import');
        setText(this.status, `Imported ${f.name}`);
      } catch (e) {
        this.showError({ code: 'invalid_model', path: '', message: `${f.name}: ${(e as Error).message}` });
      }
    });
    const exportBtn = h('button', { type: 'button', text: 'Export', title: 'Download this model as model.json' });
    exportBtn.addEventListener('click', () => {
      const blob = new Blob([JSON.stringify(this.host.current(), null, 2) + '\n'], { type: 'application/json' });
      download(blob, 'pql-model.json');
    });
    const linkBtn = h('button', {
      type: 'button',
      text: 'Copy link',
      title: 'Copy a link that reproduces this model and selection',
    });
    linkBtn.addEventListener('click', async () => {
      const url = this.host.shareUrl();
      try {
        await navigator.clipboard.writeText(url);
        setText(this.status, 'Link copied: it reproduces this model and selection.');
      } catch {
        setText(this.status, 'The address bar holds the link to this view.');
      }
    });
    const resetBtn = h('button', { type: 'button', text: 'Reset', title: 'Back to the sample model' });
    resetBtn.addEventListener('click', () => this.host.reset());
    const jsonBtn = h('button', { type: 'button', text: 'JSON ↓', title: 'Edit the model as JSON' });
    jsonBtn.addEventListener('click', () => {
      this.textarea.scrollIntoView({ block: 'center' });
      this.textarea.focus({ preventScroll: true });
    });
    this.toolbar = h(
      'div',
      { class: 'sidebar-head' },
      h('h2', { text: 'Model — every change re-ranks at once' }),
      h('label', { for: 'model-import', class: 'button', text: 'Import…', title: 'Load a model.json file' }),
      importInput,
      exportBtn,
      linkBtn,
      resetBtn,
      jsonBtn,
      this.status,
    );
    this.root = h(
      'details',
      { class: 'section modeljson', open: true },
      h('summary', null, h('h2', { text: 'Model JSON' })),
      h(
        'div',
        { class: 'sectionbody' },
        h('label', {
          for: 'model-json',
          class: 'hint',
          text: 'Edits apply as you type; an invalid model keeps the last valid ranking.',
        }),
        this.textarea,
        this.error,
      ),
    );
  }

  private onInput(): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.textarea.value);
    } catch (e) {
      this.showError({ code: 'json', path: '', message: `Not valid JSON yet: ${(e as Error).message}` });
      return;
    }
    if (!isObject(parsed)) {
      this.showError({ code: 'invalid_model', path: '', message: 'The model must be a JSON object' });
      return;
    }
    this.host.apply(parsed, 'json');
  }

  /** Shows the model in the textarea (unless the user is typing in it). */
  show(model: JsonObject): void {
    const text = JSON.stringify(model, null, 2);
    if (this.textarea.value !== text) this.textarea.value = text;
  }

  showError(e: ModelError): void {
    this.error.hidden = false;
    const message = e.path && e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message;
    this.error.replaceChildren(
      h('b', { text: e.path ? `${e.path}: ` : '' }),
      document.createTextNode(message),
      h('span', { class: 'hint', text: ' — the ranking shows the last valid model.' }),
    );
    this.textarea.setAttribute('aria-invalid', 'true');
  }

  clearError(): void {
    if (this.error.hidden) return;
    this.error.hidden = true;
    this.error.replaceChildren();
    this.textarea.removeAttribute('aria-invalid');
  }
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// The URL hash: #model=<base64url of the JSON>&sel=<entity id>.
export function readHash(hash: string): { model: JsonObject | null; sel: string | null; error: string | null } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const sel = params.get('sel');
  const enc = params.get('model');
  if (!enc) return { model: null, sel, error: null };
  try {
    const parsed: unknown = JSON.parse(fromBase64Url(enc));
    if (!isObject(parsed)) throw new Error('not a JSON object');
    return { model: parsed, sel, error: null };
  } catch (e) {
    return { model: null, sel, error: `The link's model cannot be read: ${(e as Error).message}` };
  }
}

export function writeHash(model: JsonObject, sel: string | null): string {
  let hash = `#model=${toBase64Url(JSON.stringify(model))}`;
  if (sel !== null) hash += `&sel=${encodeURIComponent(sel)}`;
  return hash;
}
