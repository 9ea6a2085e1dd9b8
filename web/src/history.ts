// Undo/redo over model edits. The history holds model texts (the user's sparse model, as the
// JSON panel shows it): an entry is the model before an edit. Edits of the same control in
// quick succession (a slider drag, typing a number) are one step, so Ctrl+Z undoes the drag,
// not its last pixel.
export class EditHistory {
  private past: string[] = [];
  private future: string[] = [];
  private lastKey: string | null = null;
  private lastAt = -Infinity;
  onChange: () => void = () => {};

  constructor(
    private readonly limit = 200,
    private readonly mergeMs = 1000,
  ) {}

  /**
   * Records an edit that changes the model from `before`. `key` names the control (null: an
   * edit that is never merged, such as adding a step or an import).
   */
  record(before: string, key: string | null, now = performance.now()): void {
    const merge = key !== null && key === this.lastKey && now - this.lastAt < this.mergeMs && this.past.length > 0;
    if (!merge) {
      if (this.past[this.past.length - 1] !== before) this.past.push(before);
      if (this.past.length > this.limit) this.past.shift();
    }
    this.lastKey = key;
    this.lastAt = now;
    this.future = [];
    this.onChange();
  }

  /** The model to go back to from `current`, or null when there is none. */
  undo(current: string): string | null {
    const prev = this.past.pop();
    if (prev === undefined) return null;
    this.future.push(current);
    this.lastKey = null;
    this.onChange();
    return prev;
  }

  redo(current: string): string | null {
    const next = this.future.pop();
    if (next === undefined) return null;
    this.past.push(current);
    this.lastKey = null;
    this.onChange();
    return next;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }

  /** Forgets everything (new data does not make old models wrong, so this is for tests). */
  clear(): void {
    this.past = [];
    this.future = [];
    this.lastKey = null;
    this.onChange();
  }
}

/** Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y (⌘ on a Mac), except where a text field has its own undo. */
export function undoKey(ev: KeyboardEvent): 'undo' | 'redo' | null {
  if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return null;
  const t = ev.target as HTMLElement | null;
  if (
    t &&
    (t.tagName === 'TEXTAREA' ||
      (t.tagName === 'INPUT' && /^(text|search|url|email)$/.test((t as HTMLInputElement).type)))
  )
    return null;
  const k = ev.key.toLowerCase();
  if (k === 'z') return ev.shiftKey ? 'redo' : 'undo';
  if (k === 'y' && !ev.shiftKey) return 'redo';
  return null;
}
