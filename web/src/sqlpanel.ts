// Export as SQL: the current model compiled by the engine's toSql() to one SELECT for a
// warehouse (the same text as `pql sql`), recompiled on every model change.
import { field, h, setText } from './dom';
import type { ModelError, SqlDialect, SqlOptions } from './protocol';

const DIALECTS: { value: SqlDialect; label: string }[] = [
  { value: 'duckdb', label: 'DuckDB' },
  { value: 'postgres', label: 'PostgreSQL' },
  { value: 'spark', label: 'Spark SQL' },
  { value: 'bigquery', label: 'BigQuery' },
  { value: 'snowflake', label: 'Snowflake' },
];

export class SqlPanel {
  readonly root: HTMLElement;
  private dialect: HTMLSelectElement;
  private events: HTMLInputElement;
  private accounts: HTMLInputElement;
  private users: HTMLInputElement;
  private output: HTMLTextAreaElement;
  private status: HTMLElement;
  private revision = 0;

  constructor(private onChange: () => void) {
    this.dialect = h(
      'select',
      { 'data-testid': 'sql-dialect' },
      ...DIALECTS.map((d) => h('option', { value: d.value, text: d.label })),
    );
    this.events = h('input', {
      type: 'text',
      class: 'w-l',
      value: 'events',
      'data-testid': 'sql-events-table',
      spellcheck: 'false',
      autocomplete: 'off',
    });
    this.accounts = h('input', {
      type: 'text',
      class: 'w-l',
      value: 'accounts',
      'data-testid': 'sql-accounts-table',
      spellcheck: 'false',
      autocomplete: 'off',
    });
    this.users = h('input', {
      type: 'text',
      class: 'w-l',
      value: 'users',
      'data-testid': 'sql-users-table',
      spellcheck: 'false',
      autocomplete: 'off',
    });
    for (const el of [this.dialect, this.events, this.accounts, this.users])
      el.addEventListener(el === this.dialect ? 'change' : 'input', () => this.onChange());
    this.output = h('textarea', {
      id: 'sql-output',
      class: 'sql-output',
      'data-testid': 'sql-output',
      readonly: true,
      spellcheck: 'false',
      rows: 24,
      'aria-label': 'The model as SQL',
    });
    this.status = h('span', { class: 'hint', role: 'status', 'aria-live': 'polite' });
    const copy = h('button', { type: 'button', 'data-testid': 'sql-copy', text: 'Copy' });
    copy.addEventListener('click', () => void this.copy());
    this.root = h(
      'section',
      {
        class: 'panel sqlpanel',
        'data-testid': 'sql',
        'data-revision': '0',
        'data-busy': 'false',
        'aria-labelledby': 'sql-title',
      },
      h('h2', { id: 'sql-title', text: 'Export as SQL' }),
      h('p', {
        class: 'hint',
        text: 'The model as one SELECT that ranks where your events live: same scores as here, in rank order. Tables and trait columns: docs/sql.md.',
      }),
      h(
        'div',
        { class: 'sql-options' },
        field('Dialect', this.dialect),
        field('Events table', this.events),
        field('Accounts table (- for none)', this.accounts),
        field('Users table (entity user; - for none)', this.users),
      ),
      h('div', { class: 'buttons' }, copy, this.status),
      this.output,
    );
  }

  get options(): SqlOptions {
    // As with `pql sql`: empty means the default name, '-' means no such table.
    const table = (input: HTMLInputElement, def: string) => {
      const v = input.value.trim();
      return v === '-' ? '' : v || def;
    };
    return {
      dialect: this.dialect.value as SqlDialect,
      events_table: this.events.value.trim() || 'events',
      accounts_table: table(this.accounts, 'accounts'),
      users_table: table(this.users, 'users'),
    };
  }

  show(sql: string): void {
    this.output.classList.remove('error');
    if (this.output.value !== sql) this.output.value = sql;
    setText(this.status, `${sql.split('\n').length} lines`);
    this.bump();
  }

  showError(e: ModelError): void {
    this.output.value = '';
    this.output.classList.add('error');
    setText(this.status, e.message);
    this.bump();
  }

  private async copy(): Promise<void> {
    const text = this.output.value;
    try {
      await navigator.clipboard.writeText(text);
      setText(this.status, 'Copied.');
    } catch {
      // No clipboard permission (or an insecure origin): select the text for Ctrl+C.
      this.output.focus();
      this.output.select();
      let ok = false;
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
      setText(this.status, ok ? 'Copied.' : 'Selected: press Ctrl+C (⌘C) to copy.');
    }
  }

  private bump(): void {
    this.revision += 1;
    this.root.dataset.revision = String(this.revision);
  }
}
