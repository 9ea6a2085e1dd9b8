// The page's editing and layout helpers (issue #17), wired into main.ts with a few calls:
// undo/redo buttons and keys over the edit history, named versions, the drawer that holds Why
// and the analysis tabs on narrow screens, and the help tooltips.
import { h } from './dom';
import { COLUMN_HELP } from './guide';
import { EditHistory, undoKey } from './history';
import type { JsonObject } from './util';
import { deleteVersion, listVersions, saveVersion } from './versions';

export interface LiveHost {
  /** The model text the page shows now. */
  current(): string;
  /** Applies a model from the history or a saved version (not recorded as an edit). */
  restore(model: JsonObject, why: 'history' | 'version'): void;
  /** Says something in the status line. */
  say(message: string): void;
}

/** Undo / redo buttons and Ctrl+Z, Ctrl+Shift+Z (Ctrl+Y) over `history`. */
export function editBar(history: EditHistory, host: LiveHost): HTMLElement {
  const undo = h('button', {
    type: 'button',
    'data-testid': 'undo',
    text: '↶ Undo',
    title: 'Undo the last model edit (Ctrl+Z)',
    disabled: true,
  });
  const redo = h('button', {
    type: 'button',
    'data-testid': 'redo',
    text: '↷ Redo',
    title: 'Redo (Ctrl+Shift+Z)',
    disabled: true,
  });
  const go = (dir: 'undo' | 'redo') => {
    const text = dir === 'undo' ? history.undo(host.current()) : history.redo(host.current());
    if (text === null) return;
    host.restore(JSON.parse(text) as JsonObject, 'history');
  };
  undo.addEventListener('click', () => go('undo'));
  redo.addEventListener('click', () => go('redo'));
  history.onChange = () => {
    undo.disabled = !history.canUndo;
    redo.disabled = !history.canRedo;
  };
  window.addEventListener('keydown', (ev) => {
    const k = undoKey(ev);
    if (!k) return;
    ev.preventDefault();
    go(k);
  });
  return h('div', { class: 'edit-bar', role: 'group', 'aria-label': 'Edit history' }, undo, redo);
}

/** Named versions of the model, kept in this browser: pick one to load it, save the current one. */
export function versionsBar(host: LiveHost): HTMLElement {
  const pick = h('select', {
    'data-testid': 'versions',
    'aria-label': 'Saved model versions',
    title: 'Model versions saved in this browser',
  });
  const save = h('button', {
    type: 'button',
    'data-testid': 'save-version',
    text: 'Save as…',
    title: 'Keep this model in this browser under a name',
  });
  const del = h('button', {
    type: 'button',
    class: 'icon',
    'data-testid': 'delete-version',
    text: '✕',
    title: 'Delete the version picked',
    'aria-label': 'Delete the version picked',
    disabled: true,
  });
  const fill = (selected = '') => {
    const list = listVersions();
    pick.replaceChildren(
      h('option', { value: '', text: list.length ? 'Versions…' : 'No saved versions' }),
      ...list.map((v) =>
        h('option', { value: v.name, text: `${v.name} (${v.savedAt.slice(0, 16).replace('T', ' ')})` }),
      ),
    );
    pick.value = selected;
    del.disabled = !selected;
  };
  pick.addEventListener('change', () => {
    const v = listVersions().find((x) => x.name === pick.value);
    del.disabled = !v;
    if (v) host.restore(structuredClone(v.model), 'version');
  });
  save.addEventListener('click', () => {
    const name = window.prompt(
      'Name this model version (kept in this browser):',
      `version ${listVersions().length + 1}`,
    );
    if (name === null) return;
    const error = saveVersion(name, JSON.parse(host.current()) as JsonObject);
    if (error) host.say(error);
    else fill(name.trim());
  });
  del.addEventListener('click', () => {
    if (!pick.value || !window.confirm(`Delete the saved version "${pick.value}"?`)) return;
    deleteVersion(pick.value);
    fill();
  });
  fill();
  return h('div', { class: 'edit-bar versions' }, pick, save, del);
}

const NARROW = '(max-width: 1100px)';

/**
 * The right column as a drawer (a bottom sheet on phones) below 1100 px: opened when a row or
 * a tab is chosen, closed by its button or Esc. Returns open().
 */
export function drawer(panel: HTMLElement): () => void {
  const close = h('button', {
    type: 'button',
    class: 'drawer-close',
    'data-testid': 'drawer-close',
    text: '✕ Close',
    title: 'Close (Esc)',
  });
  const shut = () => document.body.classList.remove('drawer-open');
  close.addEventListener('click', shut);
  window.addEventListener('keydown', (ev) => {
    if (
      ev.key === 'Escape' &&
      document.body.classList.contains('drawer-open') &&
      panel.contains(document.activeElement)
    )
      shut();
  });
  panel.prepend(close);
  return () => {
    if (window.matchMedia(NARROW).matches) document.body.classList.add('drawer-open');
  };
}

/** Tooltips on the ranking's header and the explanation's metric names. */
export function addHelp(root: ParentNode): void {
  for (const [key, text] of Object.entries(COLUMN_HELP)) {
    for (const el of root.querySelectorAll<HTMLElement>(
      `.row.head .c-${key === 'activation' ? 'act' : key === 'engagement' ? 'eng' : key} button`,
    ))
      el.title = text;
  }
  for (const dt of root.querySelectorAll<HTMLElement>('dt')) {
    const text = COLUMN_HELP[(dt.textContent ?? '').trim()];
    if (text) dt.title = text;
  }
}
